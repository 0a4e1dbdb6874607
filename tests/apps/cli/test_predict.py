"""`scratchnn predict / evaluate / summary` on a model trained here, and the MNIST-style image preparation."""

import json
import sys

import numpy as np
import pytest
from PIL import Image

from scratchnn import keras
from scratchnn.apps.cli import digit_image
from scratchnn.apps.cli.__main__ import main
from scratchnn.datasets import mnist
from tests.data_env import data_dir


@pytest.fixture(autouse=True)
def data_env(monkeypatch):
    monkeypatch.setenv("SCRATCHNN_DATA", data_dir())


@pytest.fixture(scope="module")
def mnist_test():
    import os

    previous = os.environ.get("SCRATCHNN_DATA")
    os.environ["SCRATCHNN_DATA"] = data_dir()
    try:
        (x_train, y_train), (x_test, y_test) = mnist.load_data()
    finally:
        if previous is None:
            del os.environ["SCRATCHNN_DATA"]
        else:
            os.environ["SCRATCHNN_DATA"] = previous
    return x_train[:4000], y_train[:4000], x_test, y_test


@pytest.fixture(scope="module")
def model_path(tmp_path_factory, mnist_test):
    """A small dense model trained for a few seconds on 4,000 MNIST images, saved as .keras."""
    x_train, y_train, _, _ = mnist_test
    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [keras.Input(shape=(28, 28)), keras.layers.Flatten(), keras.layers.Dense(64, activation="relu"),
         keras.layers.Dense(10, activation="softmax")]
    )  # fmt: skip
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x_train / 255.0, y_train, epochs=3, batch_size=64, verbose=0)
    from scratchnn.apps.cli._model_files import save_model

    return save_model(model, str(tmp_path_factory.mktemp("model") / "digits.keras"))


def write_inverted_digit(path, image28):
    """An MNIST digit as a photo-like PNG: dark ink on white, resized to 64x80 (width x height)."""
    Image.fromarray((255 - image28).astype(np.uint8)).resize((64, 80), Image.Resampling.BILINEAR).save(path)


def test_mnist_style_restores_a_resized_inverted_digit(mnist_test):
    _, _, x_test, _ = mnist_test
    image = Image.fromarray((255 - x_test[0]).astype(np.uint8)).resize((56, 56), Image.Resampling.BILINEAR)
    out = digit_image.mnist_style(np.asarray(image))
    assert out.shape == (28, 28) and out.dtype == np.float32 and out.max() == pytest.approx(1.0)
    # Centre of mass at the field's centre, and close to the original digit.
    rows, cols = np.indices(out.shape)
    assert (out * rows).sum() / out.sum() == pytest.approx(14, abs=0.75)
    assert (out * cols).sum() / out.sum() == pytest.approx(14, abs=0.75)
    assert np.abs(out - x_test[0] / 255.0).mean() < 0.08
    with pytest.raises(ValueError, match="blank"):
        digit_image.mnist_style(np.full((30, 30), 255.0))


def test_predict_gives_the_right_class_for_resized_inverted_pngs(model_path, mnist_test, tmp_path, capsys):
    _, _, x_test, y_test = mnist_test
    paths = []
    for i in range(12):
        path = tmp_path / f"digit{i}.png"
        write_inverted_digit(path, x_test[i])
        paths.append(str(path))
    assert main(["predict", model_path, *paths, "--json", "--top", "2"]) == 0
    results = json.loads(capsys.readouterr().out)
    predicted = np.array([r["prediction"] for r in results])
    assert [len(r["top"]) for r in results] == [2] * 12
    assert (predicted == y_test[:12]).sum() >= 11, (predicted, y_test[:12])
    assert main(["predict", model_path, paths[0]]) == 0
    assert capsys.readouterr().out.startswith(f"{paths[0]}: {y_test[0]}  ({y_test[0]} ")


def test_predict_reads_jpeg_and_rgba(model_path, mnist_test, tmp_path, capsys):
    _, _, x_test, y_test = mnist_test
    rgb = Image.fromarray((255 - x_test[1]).astype(np.uint8)).convert("RGB").resize((90, 90))
    rgb.save(tmp_path / "d.jpg", quality=95)
    ink = np.zeros((28, 28, 4), np.uint8)
    ink[..., 3] = x_test[2]  # black strokes on a transparent background
    Image.fromarray(ink).save(tmp_path / "d.png")
    assert main(["predict", model_path, str(tmp_path / "d.jpg"), str(tmp_path / "d.png"), "--json"]) == 0
    results = json.loads(capsys.readouterr().out)
    assert [r["prediction"] for r in results] == [int(y_test[1]), int(y_test[2])]


def test_predict_unreadable_image(model_path, tmp_path, capsys):
    bad = tmp_path / "notes.png"
    bad.write_text("not an image")
    assert main(["predict", model_path, str(bad)]) == 1
    assert "cannot read" in capsys.readouterr().err
    assert main(["predict", model_path, str(tmp_path / "missing.png")]) == 1
    assert "no such image file" in capsys.readouterr().err


def test_predict_without_pillow_names_the_extra(model_path, tmp_path, capsys, monkeypatch):
    Image.new("L", (30, 30)).save(tmp_path / "x.png")
    monkeypatch.setitem(sys.modules, "PIL", None)
    assert main(["predict", model_path, str(tmp_path / "x.png")]) == 1
    assert 'pip install "scratchnn[image]"' in capsys.readouterr().err


def test_model_file_that_is_not_a_model(tmp_path, capsys):
    fake = tmp_path / "fake.keras"
    fake.write_bytes(b"PK not really a zip")
    for command in (["evaluate", str(fake)], ["summary", str(fake)], ["predict", str(fake), str(fake)]):
        status = main(command)
        err = capsys.readouterr().err
        assert status == 1
        assert err.count("\n") == 1 and "truncated or corrupt .keras archive" in err
    assert main(["summary", str(tmp_path / "none.keras")]) == 1
    assert "no such model file" in capsys.readouterr().err


def test_evaluate_and_summary(model_path, mnist_test, capsys):
    assert main(["evaluate", model_path, "--subset", "2000", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    _, _, x_test, y_test = mnist_test
    from scratchnn.apps.cli._model_files import load_model

    expected = np.mean(
        np.argmax(load_model(model_path).predict(x_test[:2000] / 255.0, verbose=0), -1) == y_test[:2000]
    )
    assert result["test_accuracy"] == pytest.approx(expected) and result["test_accuracy"] > 0.85
    assert main(["evaluate", model_path, "--subset", "500"]) == 0
    out = capsys.readouterr().out
    assert "weighted avg" in out and "accuracy" in out
    assert main(["summary", model_path]) == 0
    assert "Trainable params: 50,890" in capsys.readouterr().out
