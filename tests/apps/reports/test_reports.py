"""classification_report / confusion_matrix against scikit-learn; the run artefacts and report.html."""

import base64
import csv
import io
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest
import sklearn.metrics as skm

from scratchnn.apps import reports
from scratchnn.apps.reports import classification_metrics, render_report, write_history, write_json

FASHION = [
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
]


def noisy_labels(rng, n=400, k=10, keep=0.7):
    y_true = rng.integers(0, k, n)
    y_pred = np.where(rng.random(n) < keep, y_true, rng.integers(0, k, n))
    return y_true, y_pred


@pytest.mark.parametrize(
    "kwargs",
    [{}, {"digits": 4}, {"target_names": FASHION}, {"labels": [1, 3, 5]}, {"labels": [9, 0, 4], "digits": 3}],
)
def test_classification_report_text_matches_sklearn(rng, kwargs):
    y_true, y_pred = noisy_labels(rng)
    assert reports.classification_report(y_true, y_pred, **kwargs) == skm.classification_report(
        y_true, y_pred, **kwargs
    )


def test_classification_report_dict_matches_sklearn(rng):
    y_true, y_pred = noisy_labels(rng, n=257, k=4, keep=0.5)
    ours = reports.classification_report(y_true, y_pred, output_dict=True)
    theirs = skm.classification_report(y_true, y_pred, output_dict=True)
    assert list(ours) == list(theirs)
    assert ours["accuracy"] == pytest.approx(theirs["accuracy"])
    for key in theirs:
        if key != "accuracy":
            assert ours[key] == pytest.approx(theirs[key])


def test_classification_report_zero_division_and_string_labels():
    y_true = np.array(["cat", "dog", "dog", "bird", "cat"])
    y_pred = np.array(["cat", "cat", "dog", "cat", "cat"])  # "bird" is never predicted
    for zero_division in (0, 1):
        assert reports.classification_report(y_true, y_pred, zero_division=zero_division) == (
            skm.classification_report(y_true, y_pred, zero_division=zero_division)
        )
    with pytest.warns(UserWarning, match="ill-defined"):
        reports.classification_report(y_true, y_pred)


@pytest.mark.parametrize("labels", [None, [2, 0, 1], [5, 3]])
def test_confusion_matrix_matches_sklearn(rng, labels):
    y_true, y_pred = noisy_labels(rng, n=300, k=6)
    np.testing.assert_array_equal(
        reports.confusion_matrix(y_true, y_pred, labels=labels),
        skm.confusion_matrix(y_true, y_pred, labels=labels),
    )


def test_report_errors():
    with pytest.raises(ValueError, match="same length"):
        reports.confusion_matrix([0, 1], [0])
    with pytest.raises(ValueError, match="1-D"):
        reports.classification_report(np.zeros((3, 2)), np.zeros((3, 2)))
    with pytest.raises(ValueError, match="target_names"):
        reports.classification_report([0, 1, 2], [0, 1, 1], target_names=["a", "b"])


def test_classification_metrics_summary(rng):
    y_true, y_pred = noisy_labels(rng, n=200)
    summary = classification_metrics(y_true, y_pred, FASHION)
    assert summary["accuracy"] == pytest.approx(skm.accuracy_score(y_true, y_pred))
    assert summary["confusion_matrix"] == skm.confusion_matrix(y_true, y_pred, labels=range(10)).tolist()
    sk = skm.classification_report(y_true, y_pred, target_names=FASHION, output_dict=True)
    for name in FASHION:
        assert summary["per_class"][name] == pytest.approx(sk[name])
    assert summary["macro avg"] == pytest.approx(sk["macro avg"])
    assert summary["classification_report"] == skm.classification_report(
        y_true, y_pred, labels=range(10), target_names=FASHION, digits=4, zero_division=0
    )


def test_write_history_round_trip(tmp_path):
    history = {"accuracy": [0.5, 0.75], "loss": [1.25, 0.5], "val_loss": [1.0, 0.625]}
    csv_path, json_path = write_history(history, tmp_path)
    assert json.loads(Path(json_path).read_text()) == history
    rows = list(csv.DictReader(Path(csv_path).read_text().splitlines()))
    assert [r["epoch"] for r in rows] == ["0", "1"]
    assert [float(r["val_loss"]) for r in rows] == history["val_loss"]
    with pytest.raises(TypeError, match="history"):
        write_history([1, 2], tmp_path)


def test_write_json_handles_numpy_and_nan(tmp_path):
    path = write_json(tmp_path / "m.json", {"a": np.float32(0.5), "b": np.arange(3), "c": float("nan")})
    assert json.loads(Path(path).read_text()) == {"a": 0.5, "b": [0, 1, 2], "c": None}


class ImageCollector(HTMLParser):
    def __init__(self):
        super().__init__()
        self.images, self.pre = [], []
        self._in_pre = False

    def handle_starttag(self, tag, attrs):
        if tag == "img":
            self.images.append(dict(attrs)["src"])
        self._in_pre = tag == "pre"

    def handle_endtag(self, tag):
        self._in_pre = False

    def handle_data(self, data):
        if self._in_pre:
            self.pre.append(data)


def test_render_report_embeds_images_and_escapes(tmp_path):
    png = b"\x89PNG\r\n\x1a\n" + b"0" * 20
    (tmp_path / "a.png").write_bytes(png)
    page = render_report(
        "run <1>",
        {"recipe": "mnist-dense"},
        {"test accuracy": 0.97},
        images={"Learning curves": tmp_path / "a.png", "Confusion matrix": None},
        classification_report="  precision <b>",
    )
    parser = ImageCollector()
    parser.feed(page)
    assert "run &lt;1&gt;" in page
    assert len(parser.images) == 1
    assert base64.b64decode(parser.images[0].split(",", 1)[1]) == png
    assert "".join(parser.pre) == "  precision <b>"


def test_gray_png_round_trips_through_pillow(rng):
    from PIL import Image

    from scratchnn.apps.reports.png import gray_png

    image = rng.random((28, 19))
    decoded = np.asarray(Image.open(io.BytesIO(gray_png(image))))
    np.testing.assert_array_equal(decoded, np.rint(image * 255).astype(np.uint8))
    inverted = np.asarray(
        Image.open(io.BytesIO(gray_png(np.arange(256, dtype=np.uint8).reshape(16, 16), invert=True)))
    )
    assert inverted[0, 0] == 255 and inverted[-1, -1] == 0
    with pytest.raises(ValueError, match="2-D"):
        gray_png(np.zeros((2, 3, 3)))


def test_confident_mistakes_are_sorted_and_correct_sample_is_correct(rng):
    from scratchnn.apps.reports import gallery

    probabilities = rng.dirichlet(np.ones(10), size=300)
    y_true = rng.integers(0, 10, 300)
    predicted = probabilities.argmax(axis=1)
    mistakes = gallery.confident_mistakes(y_true, probabilities, limit=25)
    assert len(mistakes) == 25 and np.all(predicted[mistakes] != y_true[mistakes])
    confidence = probabilities[mistakes, predicted[mistakes]]
    assert np.all(np.diff(confidence) <= 0)
    # No unshown mistake is more confident than the least confident one shown.
    others = np.setdiff1d(np.flatnonzero(predicted != y_true), mistakes)
    assert probabilities[others, predicted[others]].max() <= confidence.min()
    right = gallery.correct_sample(y_true, probabilities, limit=7)
    assert len(right) == min(7, int(np.sum(predicted == y_true))) and np.all(
        predicted[right] == y_true[right]
    )


def test_gallery_cards_caption_prediction_confidence_and_truth(rng):
    from scratchnn.apps.reports import gallery

    images = rng.random((3, 28, 28))
    probabilities = np.array([[0.1, 0.9], [0.8, 0.2], [0.35, 0.65]])
    page = gallery.gallery(images, [0, 1, 2], np.array([1, 1, 0]), probabilities, ["cat", "dog <b>"])
    parser = ImageCollector()
    parser.feed(page)
    assert len(parser.images) == 3 and all(src.startswith("data:image/png;base64,") for src in parser.images)
    assert page.count('class="card wrong"') == 2  # images 1 and 2
    assert "dog &lt;b&gt; 90.0%" in page and "cat 80.0%" in page and "true dog &lt;b&gt;" in page
    assert gallery.gallery(images, [], [], probabilities, ["a", "b"]) == '<p class="muted">None.</p>'


def test_confusion_table_counts_and_shading():
    from scratchnn.apps.reports import gallery

    page = gallery.confusion_table([[8, 2], [0, 5]], ["a", "b"])
    cells = re.findall(
        r'<td style="background: rgba\(31, 119, 180, ([0-9.]+)\); color: (#\w+)">(\d+)</td>', page
    )
    assert cells == [
        ("0.800", "#fff", "8"),
        ("0.200", "#222", "2"),
        ("0.000", "#222", "0"),
        ("1.000", "#fff", "5"),
    ]
