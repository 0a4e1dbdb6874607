"""scratchnn.apps.tuning.space: the grid, random draws, Optuna suggestions, applying a trial to a recipe."""

import optuna
import pytest

from scratchnn.apps import recipes
from scratchnn.apps.tuning import space


def test_space_grid_random_draws_and_validation():
    s = space.SearchSpace(learning_rate=(1e-3, 1e-1), units=(8, 16), optimizer=("sgd",))
    assert s.grid() == [
        {"learning_rate": lr, "units": u, "optimizer": "sgd"} for lr in (1e-3, 1e-1) for u in (8, 16)
    ]
    draws = s.random_draws(20, seed=0)
    assert draws == s.random_draws(20, seed=0) and all(1e-3 <= d["learning_rate"] <= 1e-1 for d in draws)
    assert {d["units"] for d in draws} == {8, 16}
    assert space.SearchSpace().grid() == [{}]
    with pytest.raises(ValueError, match=r"--units values must be positive integers. Received: \[0\]"):
        space.SearchSpace(units=(0,))
    with pytest.raises(ValueError, match="unknown optimizer"):
        space.SearchSpace(optimizer=("sgdd",))


@pytest.mark.parametrize("grid", [False, True])
def test_space_suggestions_follow_the_sampler(grid):
    s = space.SearchSpace(learning_rate=(1e-3, 1e-1, 1e-2), depth=(1, 3))
    trial = optuna.trial.FixedTrial({"learning_rate": 1e-2, "depth": 3})
    assert s.suggest(trial, grid=grid) == {"learning_rate": 1e-2, "depth": 3}
    ranges = optuna.create_study().ask()
    s.suggest(ranges, grid=grid)
    distribution = ranges.distributions["learning_rate"]
    if grid:
        assert distribution.choices == (1e-3, 1e-1, 1e-2)
    else:
        assert (distribution.low, distribution.high, distribution.log) == (1e-3, 1e-1, True)


def test_apply_changes_only_the_searched_dimensions():
    recipe = recipes.get("mnist-dense")
    assert space.apply(recipe, {}) == recipe
    assert space.apply(recipe, {"units": 64}).hidden_units == (64, 64)
    assert space.apply(recipe, {"depth": 3}).hidden_units == (250, 250, 250)
    changed = space.apply(
        recipe, {"learning_rate": 0.1, "batch_size": 64, "optimizer": "adam", "units": 8, "depth": 1}
    )
    assert (changed.learning_rate, changed.batch_size, changed.optimizer, changed.hidden_units) == (
        0.1,
        64,
        "adam",
        (8,),
    )
