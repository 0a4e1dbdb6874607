"""`scratchnn lr-find`: on every recipe the suggestion sits on the steepest fall of the loss, after the
noisy start, and a short training run at it does at least as well as the recipe's default rate."""

import html
import json
import re

import numpy as np
import pytest

from scratchnn import utils
from scratchnn.apps import recipes
from scratchnn.apps.cli import lr_find
from scratchnn.apps.cli.__main__ import main
from tests.data_env import data_dir

SUBSET = 2000  # images of each split: a sweep of 200 batches and two short runs per recipe, seconds each
EPOCHS = 4


@pytest.fixture(autouse=True)
def data_env(monkeypatch):
    monkeypatch.setenv("SCRATCHNN_DATA", data_dir())


@pytest.fixture(scope="module")
def sweeps(tmp_path_factory):
    """lr_find.json of every recipe, swept on SUBSET training images."""
    import os

    os.environ["SCRATCHNN_DATA"] = data_dir()
    found = {}
    for name in recipes.RECIPES:
        out = tmp_path_factory.mktemp("lr") / name
        assert main(["lr-find", name, "--subset", str(SUBSET), "--output", str(out)]) == 0
        found[name] = (out, json.loads((out / "lr_find.json").read_text()))
    return found


def coarse_drops(lrs, losses, width=0.5):
    """An independent estimate: the fall of the mean batch loss between neighbouring half-decade bins."""
    x = np.log10(lrs)
    edges = np.arange(x[0], x[-1] + width, width)
    centres, means = [], []
    for lo, hi in zip(edges[:-1], edges[1:]):
        inside = (x >= lo) & (x < hi)
        if inside.sum() >= 3:
            centres.append((lo + hi) / 2)
            means.append(np.mean(np.asarray(losses)[inside]))
    return np.array(centres), -np.diff(means)  # drop from bin i to bin i+1, at the boundary between them


@pytest.mark.slow
@pytest.mark.parametrize("name", list(recipes.RECIPES))
def test_the_suggestion_lies_on_the_steepest_fall(sweeps, name):
    _, sweep = sweeps[name]
    lrs, losses = np.array(sweep["learning_rates"]), np.array(sweep["losses"])
    suggested, lowest = sweep["suggestion"]["steepest"], sweep["suggestion"]["min_loss"]
    # After the noisy start (the first 10% of the sweep) and before the lowest loss.
    assert suggested >= lrs[len(lrs) // 10] and suggested < lowest
    # The loss really falls there: over the half decade around it (up to the lowest loss), the smoothed
    # curve drops by a clear share of its whole fall.
    smoothed = np.array(sweep["smoothed"])
    x = np.log10(lrs)
    before = int(np.argmin(np.abs(x - (np.log10(suggested) - 0.25))))
    after = min(int(np.argmin(np.abs(x - (np.log10(suggested) + 0.25)))), int(np.argmin(smoothed)))
    span = smoothed[: len(smoothed) // 10].mean() - smoothed.min()
    assert smoothed[before] - smoothed[after] > 0.15 * span
    # And it is the steepest fall by a coarse, independent measure: within a bin of the largest drop.
    centres, drops = coarse_drops(lrs[: int(np.argmin(smoothed)) + 1], losses[: int(np.argmin(smoothed)) + 1])
    steepest_boundary = centres[int(np.argmax(drops))] + 0.25
    assert abs(np.log10(suggested) - steepest_boundary) <= 0.75


def short_run_metrics(name, learning_rate):
    recipe = recipes.get(name).replace(learning_rate=learning_rate, epochs=EPOCHS)
    data = recipes.load_split(recipe, subset=SUBSET)
    utils.set_random_seed(recipe.seed)
    model = recipes.build_model(recipe)
    model.fit(data.x_train, data.y_train, epochs=EPOCHS, batch_size=recipe.batch_size, verbose=0)
    return model.evaluate(data.x_test, data.y_test, batch_size=256, verbose=0, return_dict=True)


@pytest.mark.slow
@pytest.mark.parametrize("name", list(recipes.RECIPES))
def test_training_at_the_suggestion_does_at_least_as_well_as_the_default(sweeps, name):
    _, sweep = sweeps[name]
    suggested = short_run_metrics(name, sweep["suggestion"]["steepest"])
    default = short_run_metrics(name, recipes.get(name).learning_rate)
    assert suggested["accuracy"] >= default["accuracy"], (suggested, default)
    assert suggested["loss"] <= default["loss"], (suggested, default)


@pytest.mark.slow
def test_the_page_and_the_printed_lines(sweeps, capsys):
    out, sweep = sweeps["mnist-dense"]
    page = html.unescape((out / "lr_find.html").read_text(encoding="utf-8"))
    rate = f"{sweep['suggestion']['steepest']:.3g}"
    assert f"Suggested learning rate: {rate}" in page
    assert f"scratchnn train mnist-dense --learning-rate {rate}" in page
    assert "<th>optimizer</th><td>SGD</td>" in page and re.search(r"dense(_\d+)? \(Dense\)", page)
    assert "How the rate is chosen" in page and 'src="data:image/png;base64,' in page
    assert (out / "lr_find.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert len((out / "lr_find.csv").read_text().splitlines()) == 1 + len(sweep["losses"])


def test_the_noisy_start_does_not_decide(rng):
    # A flat, noisy start with a sharp dip at its second point (the old rule's pick), then the real fall.
    lrs = np.logspace(-6, 0, 200)
    x = np.log10(lrs)
    losses = 2.3 - 1.5 / (1 + np.exp(-(x + 1.5) * 4)) + rng.normal(0, 0.08, x.size)
    losses[1] -= 1.0
    found = lr_find.suggest(lrs, losses)
    assert found["steepest"] == pytest.approx(10**-1.5, rel=0.5)


def test_lr_find_help_lists_only_options_that_do_something(capsys):
    with pytest.raises(SystemExit):
        main(["lr-find", "--help"])
    text = capsys.readouterr().out
    for useless in ("--epochs", "--learning-rate", "--max-steps", "--verbose"):
        assert useless not in text
    for useful in (
        "--min-lr",
        "--max-lr",
        "--steps",
        "--subset",
        "--batch-size",
        "--optimizer",
        "--seed",
        "--output",
        "--model",
    ):
        assert useful in text


def test_lr_find_options_change_the_sweep(tmp_path):
    out = tmp_path / "lr"
    args = [
        "lr-find",
        "fashion-numpy",
        "--subset",
        "300",
        "--steps",
        "40",
        "--batch-size",
        "16",
        "--min-lr",
        "1e-4",
        "--max-lr",
        "3",
        "--optimizer",
        "adam",
        "--seed",
        "3",
        "--output",
        str(out),
    ]
    assert main(args) == 0
    sweep = json.loads((out / "lr_find.json").read_text())
    assert sweep["recipe"]["batch_size"] == 16 and sweep["recipe"]["optimizer"] == "adam"
    assert sweep["recipe"]["seed"] == 3 and sweep["steps_planned"] == 40
    assert sweep["learning_rates"][0] == pytest.approx(1e-4) and len(sweep["learning_rates"]) <= 40
    assert "<th>optimizer</th><td>Adam</td>" in (out / "lr_find.html").read_text(encoding="utf-8")
