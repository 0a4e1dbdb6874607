"""`scratchnn recipes` and `scratchnn train`: every recipe writes every artefact; errors a user can act on."""

import base64
import json
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest
import sklearn.metrics as skm

from scratchnn.apps import recipes
from scratchnn.apps.cli import train as train_module
from scratchnn.apps.cli.__main__ import main
from tests.apps.cli.conftest import QUICK
from tests.data_env import data_dir

ARTEFACTS = (
    "model.keras",
    "run.json",
    "history.csv",
    "history.json",
    "metrics.json",
    "learning_curves.png",
    "confusion_matrix.png",
    "report.html",
)


@pytest.fixture(autouse=True)
def data_env(monkeypatch):
    monkeypatch.setenv("SCRATCHNN_DATA", data_dir())


class Images(HTMLParser):
    def __init__(self):
        super().__init__()
        self.sources = []

    def handle_starttag(self, tag, attrs):
        if tag == "img":
            self.sources.append(dict(attrs)["src"])


def check_report(folder: Path) -> None:
    """Every image of report.html is embedded (the page stands alone) and is a PNG."""
    parser = Images()
    parser.feed((folder / "report.html").read_text(encoding="utf-8"))
    parser.close()
    assert len(parser.sources) >= 2  # the learning curves, then the gallery's images
    for src in parser.sources:
        header, payload = src.split(",", 1)
        assert header == "data:image/png;base64"
        assert base64.b64decode(payload).startswith(b"\x89PNG\r\n\x1a\n")


def test_recipes_lists_every_recipe_with_its_figure(capsys):
    assert main(["recipes"]) == 0
    out = capsys.readouterr().out
    for name, figure in [
        ("mnist-dense", "96.6%"),
        ("mnist-cnn", "98.1%"),
        ("fashion-mlp", "88.9%"),
        ("fashion-numpy", "76%"),
        ("mnist-sigmoid", "92%"),
    ]:
        assert name in out and figure in out


@pytest.mark.parametrize("name", list(recipes.RECIPES))
def test_each_recipe_trains_briefly_and_writes_every_artefact(name, tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["train", name, *QUICK, "--output", str(out)]) == 0
    for artefact in ARTEFACTS:
        assert (out / artefact).is_file(), artefact
    metrics = json.loads((out / "metrics.json").read_text())
    steps = min(3, -(-200 // recipes.get(name).batch_size))
    assert 0 <= metrics["test_accuracy"] <= 1 and metrics["steps_run"] == steps and not metrics["interrupted"]
    assert metrics["wall_time_s"] > 0 and metrics["samples_per_s"] > 0
    assert np.array(metrics["confusion_matrix"]).shape == (10, 10)
    history = json.loads((out / "history.json").read_text())
    assert len(history["loss"]) == 1
    assert json.loads((out / "run.json").read_text())["recipe"]["name"] == name
    check_report(out)


def test_metrics_agree_with_sklearn_on_the_saved_model(tmp_path):
    out = tmp_path / "run"
    assert main(["train", "fashion-mlp", "--epochs", "1", "--subset", "500", "--max-steps", "20", "--verbose", "0",
                 "--output", str(out)]) == 0  # fmt: skip
    metrics = json.loads((out / "metrics.json").read_text())
    recipe = recipes.get("fashion-mlp")
    data = recipes.load_split(recipe, subset=500)
    from scratchnn.models import load_model

    y_pred = np.argmax(load_model(str(out / "model.keras")).predict(data.x_test, verbose=0), axis=-1)
    names = list(data.class_names)
    sk = skm.classification_report(data.y_test, y_pred, labels=range(10), target_names=names, output_dict=True,
                                   zero_division=0)  # fmt: skip
    assert metrics["accuracy"] == pytest.approx(sk["accuracy"])
    assert metrics["test_accuracy"] == pytest.approx(sk["accuracy"], abs=1e-6)
    for name in names:
        assert metrics["per_class"][name] == pytest.approx(sk[name])
    assert metrics["weighted avg"] == pytest.approx(sk["weighted avg"])
    assert metrics["confusion_matrix"] == skm.confusion_matrix(data.y_test, y_pred, labels=range(10)).tolist()
    text = skm.classification_report(data.y_test, y_pred, labels=range(10), target_names=names, digits=4,
                                     zero_division=0)  # fmt: skip
    assert metrics["classification_report"] == text
    assert text.splitlines()[2] in (out / "report.html").read_text(encoding="utf-8")


def test_unknown_recipe_lists_the_recipes(capsys):
    assert main(["train", "mnist-transformer"]) == 2
    err = capsys.readouterr().err
    assert "unknown recipe 'mnist-transformer'" in err
    for name in recipes.RECIPES:
        assert name in err


def test_output_folder_not_writable(tmp_path, capsys):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    assert main(["train", "mnist-dense", *QUICK, "--output", str(blocker / "run")]) == 1
    assert "cannot write to the output folder" in capsys.readouterr().err


def test_bad_option_values_are_rejected(capsys):
    assert main(["train", "mnist-dense", "--epochs", "0"]) == 2
    assert "--epochs must be a positive integer" in capsys.readouterr().err
    assert main(["train", "mnist-dense", "--optimizer", "sgdd"]) == 2
    assert "unknown optimizer 'sgdd'" in capsys.readouterr().err


def test_user_model_file(tmp_path):
    model_file = tmp_path / "my_model.py"
    model_file.write_text(
        "from scratchnn import keras\n\n"
        "def build_model():\n"
        "    return keras.Sequential([keras.Input(shape=(784,)), keras.layers.Dense(10, activation='softmax')])\n"
    )
    out = tmp_path / "run"
    args = [
        "train",
        "mnist-dense",
        *QUICK,
        "--optimizer",
        "adam",
        "--output",
        str(out),
        "--model",
        str(model_file),
    ]
    assert main(args) == 0
    config = json.loads((out / "run.json").read_text())
    assert config["model_source"] == str(model_file) and config["recipe"]["optimizer"] == "adam"
    check_report(out)


@pytest.mark.parametrize(
    "source, message",
    [
        ("x = 1\n", "does not define a function build_model()"),
        ("def build_model():\n    return 42\n", "Received: int"),
    ],
)
def test_user_model_file_that_is_not_a_model(tmp_path, capsys, source, message):
    model_file = tmp_path / "bad.py"
    model_file.write_text(source)
    assert (
        main(["train", "mnist-dense", *QUICK, "--output", str(tmp_path / "r"), "--model", str(model_file)])
        == 1
    )
    assert message in capsys.readouterr().err


def test_ctrl_c_saves_what_was_trained(tmp_path, monkeypatch):
    original = train_module.EpochRecorder.on_train_batch_end

    def interrupt_after_two_epochs(self, batch, logs=None):
        original(self, batch, logs)
        if self.steps == 5:
            raise KeyboardInterrupt

    monkeypatch.setattr(train_module.EpochRecorder, "on_train_batch_end", interrupt_after_two_epochs)
    out = tmp_path / "run"
    args = ["train", "mnist-dense", "--epochs", "5", "--subset", "200", "--max-steps", "2", "--verbose", "0"]
    assert main([*args, "--output", str(out)]) == 130
    for artefact in ARTEFACTS:
        assert (out / artefact).is_file(), artefact
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["interrupted"] and metrics["epochs_run"] == 2 and metrics["steps_run"] == 5
    assert "interrupted" in (out / "report.html").read_text(encoding="utf-8")
