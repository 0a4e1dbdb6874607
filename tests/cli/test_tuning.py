"""`scratchnn lr-find` and `scratchnn tune`, and the LR finder's suggestion rule."""

import csv
import json

import numpy as np
import pytest

from scratchnn.cli import lr_find
from scratchnn.cli.__main__ import main
from tests.data_env import data_dir


@pytest.fixture(autouse=True)
def data_env(monkeypatch):
    monkeypatch.setenv("SCRATCHNN_DATA", data_dir())


def test_suggest_finds_the_steepest_fall():
    lrs = np.logspace(-6, 0, 61)
    # A loss that falls fastest at lr = 1e-3 (a logistic step in log-rate) and blows up past 1e-1.
    x = np.log10(lrs)
    loss = 2.3 - 2.0 / (1 + np.exp(-(x + 3) * 3)) + np.where(x > -1, (x + 1) * 10, 0)
    found = lr_find.suggest(lrs, loss)
    assert found["steepest"] == pytest.approx(1e-3, rel=0.3)
    assert found["min_loss_over_10"] == pytest.approx(found["min_loss"] / 10)
    assert lr_find.suggest([1e-3], [1.0])["steepest"] is None


def test_lr_finder_rates_grow_exponentially():
    finder = lr_find.LRFinder(1e-4, 1e-1, steps=4)
    assert [finder.rate(k) for k in range(4)] == pytest.approx([1e-4, 1e-3, 1e-2, 1e-1])
    with pytest.raises(ValueError, match="min_lr"):
        lr_find.LRFinder(1.0, 0.1)


def test_lr_find_command_sweeps_and_suggests(tmp_path, capsys):
    out = tmp_path / "lr"
    args = [
        "lr-find",
        "mnist-dense",
        "--subset",
        "3200",
        "--min-lr",
        "1e-4",
        "--max-lr",
        "10",
        "--output",
        str(out),
    ]
    assert main(args) == 0
    printed = capsys.readouterr().out
    assert "suggested learning rate:" in printed
    sweep = json.loads((out / "lr_find.json").read_text())
    lrs = np.array(sweep["learning_rates"])
    assert lrs[0] == pytest.approx(1e-4) and np.all(np.diff(np.log(lrs)) > 0)
    # The loss must fall somewhere in the sweep, and the suggestion lies inside it.
    assert min(sweep["smoothed"]) < sweep["smoothed"][0]
    assert lrs[0] <= sweep["suggestion"]["steepest"] <= lrs[-1]
    assert (out / "lr_find.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (out / "lr_find.csv").is_file()


def test_tune_grid_sorts_by_validation_and_saves_the_best(tmp_path, capsys):
    out = tmp_path / "tune"
    args = ["tune", "mnist-dense", "--grid", "--learning-rate", "0.0001", "0.05", "--units", "32", "--depth", "1", "2",
            "--epochs", "1", "--subset", "600", "--max-steps", "15", "--output", str(out)]  # fmt: skip
    assert main(args) == 0
    printed = capsys.readouterr().out
    assert "rank" in printed and "best: trial" in printed
    rows = json.loads((out / "tune_results.json").read_text())
    assert len(rows) == 4
    scores = [r["val_accuracy"] for r in rows]
    assert scores == sorted(scores, reverse=True)
    assert {tuple(r["hidden_units"]) for r in rows} == {(32,), (32, 32)}
    assert max(r["val_accuracy"] for r in rows if r["learning_rate"] == 0.05) > max(
        r["val_accuracy"] for r in rows if r["learning_rate"] == 0.0001
    )
    assert (out / "best_model.keras").is_file()
    assert len(list(csv.DictReader((out / "tune_results.csv").read_text().splitlines()))) == 4


def test_tune_random_draws_learning_rates_between_the_bounds(tmp_path, capsys):
    out = tmp_path / "tune"
    args = ["tune", "fashion-numpy", "--random", "3", "--learning-rate", "0.01", "0.2", "--optimizer", "sgd", "adam",
            "--epochs", "1", "--subset", "300", "--max-steps", "3", "--output", str(out)]  # fmt: skip
    assert main(args) == 0
    rows = json.loads((out / "tune_results.json").read_text())
    assert len(rows) == 3
    assert all(0.01 <= r["learning_rate"] <= 0.2 for r in rows)


def test_tune_needs_a_search_mode(capsys):
    with pytest.raises(SystemExit):
        main(["tune", "mnist-dense"])
    assert "--grid" in capsys.readouterr().err
