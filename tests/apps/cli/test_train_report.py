"""`scratchnn train`'s report and closing lines describe the run that happened, and `evaluate` agrees with it."""

import html
import json
import re
from html.parser import HTMLParser

import numpy as np
import pytest

from scratchnn.apps.cli.__main__ import main
from tests.apps.cli.conftest import QUICK
from tests.data_env import data_dir

USER_MODEL = """
from scratchnn import keras

def build_model():
    model = keras.Sequential([
        keras.Input(shape=(28, 28)),
        keras.layers.Flatten(),
        keras.layers.Dense(37, activation="tanh", name="my_hidden"),
        keras.layers.Dense(10, activation="softmax", name="my_output"),
    ])
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.0031), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    return model
"""


@pytest.fixture(autouse=True)
def data_env(monkeypatch):
    monkeypatch.setenv("SCRATCHNN_DATA", data_dir())


class Cards(HTMLParser):
    """The gallery cards of a report: (section heading, css class, predicted text, true text, index)."""

    def __init__(self):
        super().__init__()
        self.cards, self.heading, self._field, self._card = [], "", None, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("h2", "h3"):
            self._field = "heading"
            self.heading = ""
        elif tag == "figure":
            self._card = {
                "section": self.heading,
                "class": attrs.get("class", ""),
                "pred": "",
                "true": "",
                "index": "",
            }
        elif tag == "div" and self._card is not None:
            self._field = {"pred": "pred", "true": "true", "muted": "index"}.get(attrs.get("class"))

    def handle_endtag(self, tag):
        if tag == "figure" and self._card is not None:
            self.cards.append(self._card)
            self._card = None
        if tag in ("div", "h2", "h3"):
            self._field = None

    def handle_data(self, data):
        if self._field == "heading":
            self.heading += data
        elif self._field and self._card is not None:
            self._card[self._field] += data


def test_the_report_describes_the_users_model_not_the_recipe(tmp_path, capsys):
    (tmp_path / "my_model.py").write_text(USER_MODEL)
    out = tmp_path / "run"
    args = ["train", "mnist-dense", "--epochs", "2", "--subset", "300", "--verbose", "0", "--seed", "7"]
    assert main([*args, "--model", str(tmp_path / "my_model.py"), "--output", str(out)]) == 0
    page = html.unescape((out / "report.html").read_text(encoding="utf-8"))
    # The model's own summary table and compile settings, not the recipe's 250/100 SGD network.
    assert "my_hidden (Dense)" in page and "(None, 37)" in page and "29,425" in page
    assert "250" not in re.sub(r"<[^>]+>", " ", page.split("<h2>What ran</h2>")[1]).split("Environment")[0]
    assert "<th>optimizer</th><td>Adam</td>" in page and "<th>learning rate</th><td>0.0031</td>" in page
    assert "<th>loss</th><td>sparse_categorical_crossentropy</td>" in page
    assert "<th>batch size</th><td>32</td>" in page and "<th>epochs run</th><td>2 of 2</td>" in page
    assert "<th>seed</th><td>7</td>" in page
    # Split sizes and the sentence saying which images validate and which test.
    assert "Validation: test images 5,000-5,299" in page and "Test: test images 0-299" in page
    assert "<th>validation images</th><td>300</td>" in page
    for key in ("scratchnn", "NumPy", "Python", "date"):
        assert f"<th>{key}</th>" in page
    # No blank rows, no raw keys.
    assert "<td></td>" not in page.split("<h2>History</h2>")[0] and "wall_time_s" not in page
    config = json.loads((out / "run.json").read_text())
    assert config["optimizer"]["optimizer"] == "Adam" and config["optimizer"][
        "learning_rate"
    ] == pytest.approx(0.0031)


def test_history_table_and_per_epoch_seconds(tmp_path):
    out = tmp_path / "run"
    assert (
        main(
            [
                "train",
                "fashion-numpy",
                "--epochs",
                "3",
                "--subset",
                "300",
                "--verbose",
                "0",
                "--output",
                str(out),
            ]
        )
        == 0
    )
    page = (out / "report.html").read_text(encoding="utf-8")
    history = page.split("<h2>History</h2>")[1].split("</table>")[0]
    rows = re.findall(r"<tr>(.*?)</tr>", history)
    assert len(rows) == 1 + 3  # header + one row per epoch
    assert "learning rate" in rows[0] and "seconds" in rows[0]
    metrics = json.loads((out / "metrics.json").read_text())
    assert len(metrics["epoch_seconds"]) == 3 and all(s > 0 for s in metrics["epoch_seconds"])
    assert "<td class=num>0.1</td>" in rows[1]  # the recipe's learning rate, as the optimizer held it


def test_the_gallery_shows_the_most_confident_mistakes_first(tmp_path):
    out = tmp_path / "run"
    assert main(["train", "mnist-dense", *QUICK, "--output", str(out)]) == 0
    parser = Cards()
    parser.feed((out / "report.html").read_text(encoding="utf-8"))
    wrong = [c for c in parser.cards if c["section"] == "What the model gets wrong"]
    right = [c for c in parser.cards if c["section"] == "A sample of correct predictions"]
    metrics = json.loads((out / "metrics.json").read_text())
    n_wrong = int(round((1 - metrics["test_accuracy"]) * metrics["test_images"]))
    assert len(wrong) == min(30, n_wrong) and wrong and right
    assert all("wrong" in c["class"] and c["true"].startswith("true ") for c in wrong)
    assert all("wrong" not in c["class"] and c["true"] == "" for c in right)
    confidences = [float(c["pred"].split()[-1].rstrip("%")) for c in wrong]
    assert confidences == sorted(confidences, reverse=True)
    # Each card's prediction is the saved model's on that test image.
    from scratchnn.apps import recipes
    from scratchnn.models import load_model

    data = recipes.load_split(recipes.get("mnist-dense"), subset=200)
    probabilities = load_model(str(out / "model.keras")).predict(data.x_test, verbose=0)
    for card in wrong[:5] + right[:5]:
        i = int(card["index"].lstrip("#"))
        assert card["pred"].split()[0] == str(int(np.argmax(probabilities[i])))
        assert float(card["pred"].split()[-1].rstrip("%")) == pytest.approx(
            100 * probabilities[i].max(), abs=0.06
        )


def test_train_ends_with_the_model_path_the_next_command_and_the_tutorials_figure(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["train", "mnist-dense", *QUICK, "--output", str(out)]) == 0
    printed = capsys.readouterr().out.splitlines()
    assert f"model:  {out / 'model.keras'}" in printed
    assert any(line.startswith(f"next:   scratchnn evaluate {out}") for line in printed)
    comparison = [line for line in printed if line.startswith("The tutorial reports 96.6% test accuracy")]
    assert (
        comparison
        and "not comparable: --subset 200, --max-steps 3, 1 of the tutorial's 20 epochs" in comparison[0]
    )


def test_a_full_recipe_run_is_compared_with_the_tutorial(monkeypatch):
    from scratchnn.apps import recipes
    from scratchnn.apps.cli.train_outputs import comparison

    recipe = recipes.get("mnist-dense")
    assert comparison(recipe, 0.9712, {}, []) == (
        "The tutorial reports 96.6% test accuracy; this run's test accuracy is 97.1%, 0.5 points above it."
    )
    fashion = recipes.get("fashion-mlp")
    assert "validation accuracy (last epoch) is 88.0%, 0.9 points below it" in comparison(
        fashion, 0.87, {"val_accuracy": [0.85, 0.88]}, []
    )


def test_train_and_evaluate_report_the_same_test_accuracy(tmp_path, capsys):
    out = tmp_path / "run"
    assert (
        main(
            [
                "train",
                "mnist-dense",
                "--epochs",
                "1",
                "--subset",
                "500",
                "--verbose",
                "0",
                "--output",
                str(out),
            ]
        )
        == 0
    )
    metrics = json.loads((out / "metrics.json").read_text())
    capsys.readouterr()
    assert main(["evaluate", str(out), "--json"]) == 0
    evaluated = json.loads(capsys.readouterr().out)
    assert evaluated["test_accuracy"] == pytest.approx(metrics["test_accuracy"], abs=1e-9)
    assert evaluated["test_loss"] == pytest.approx(metrics["test_loss"], rel=1e-5)
    assert len(evaluated["confusion_matrix"]) == 10 and sum(map(sum, evaluated["confusion_matrix"])) == 500
    assert "test images 0-499" in evaluated["images"]
    # --all-test takes every test image and says so; the figures then differ, for a stated reason.
    assert main(["evaluate", str(out), "--all-test"]) == 0
    printed = capsys.readouterr().out
    assert printed.startswith("evaluated on all 10,000 MNIST test images")
