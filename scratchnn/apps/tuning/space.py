"""The search space of `scratchnn tune`: candidate values per dimension, from the command line.

A dimension left out keeps the recipe's value. The learning rate is searched
log-uniformly between the smallest and largest value given (random draws,
TPE and random samplers), or over exactly the values given (grid); the other
dimensions are choices among the values given.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

# The dimensions, in the order the table shows them.
DIMENSIONS = ("learning_rate", "units", "depth", "batch_size", "optimizer")


@dataclass(frozen=True)
class SearchSpace:
    """Candidate values per dimension; an empty tuple keeps the recipe's value.

    Attributes:
        learning_rate: learning rates (two or more: a log-uniform range).
        units: hidden layer sizes (every hidden Dense layer gets the same size).
        depth: numbers of hidden Dense layers.
        batch_size: batch sizes.
        optimizer: optimizer names ("sgd", "adam", ...).
    """

    learning_rate: tuple[float, ...] = ()
    units: tuple[int, ...] = ()
    depth: tuple[int, ...] = ()
    batch_size: tuple[int, ...] = ()
    optimizer: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for name in ("units", "depth", "batch_size"):
            values = getattr(self, name)
            if any(int(v) != v or v <= 0 for v in values):
                raise ValueError(
                    f"--{name.replace('_', '-')} values must be positive integers. Received: {list(values)}"
                )
        if any(not (math.isfinite(v) and v > 0) for v in self.learning_rate):
            raise ValueError(f"--learning-rate values must be positive. Received: {list(self.learning_rate)}")
        from scratchnn import optimizers

        unknown = [o for o in self.optimizer if o not in optimizers.ALL_OBJECTS_DICT]
        if unknown:
            names = ", ".join(sorted({c.__name__.lower() for c in optimizers.ALL_OBJECTS_DICT.values()}))
            raise ValueError(f"unknown optimizer(s) {unknown}. Available: {names}")

    @property
    def searched(self) -> dict[str, tuple[Any, ...]]:
        """The dimensions given on the command line, with their values."""
        return {name: getattr(self, name) for name in DIMENSIONS if getattr(self, name)}

    def as_dict(self) -> dict[str, list[Any]]:
        """JSON-safe form (stored with an Optuna study to check that every worker searches the same space)."""
        return {name: list(values) for name, values in self.searched.items()}

    # -- without Optuna ----------------------------------------------------------------
    def grid(self) -> list[dict[str, Any]]:
        """Every combination of the values given (one empty combination when nothing is searched)."""
        searched = self.searched
        return [dict(zip(searched, combo)) for combo in itertools.product(*searched.values())]

    def random_draws(self, n: int, seed: int) -> list[dict[str, Any]]:
        """`n` random combinations: choices drawn uniformly, the learning rate log-uniformly."""
        rng = np.random.default_rng(seed)
        draws = []
        for _ in range(n):
            params = {name: values[int(rng.integers(len(values)))] for name, values in self.searched.items()}
            if len(self.learning_rate) >= 2:
                low, high = math.log(min(self.learning_rate)), math.log(max(self.learning_rate))
                params["learning_rate"] = float(math.exp(rng.uniform(low, high)))
            draws.append(params)
        return draws

    # -- with Optuna ---------------------------------------------------------------------
    def optuna_grid(self) -> dict[str, list[Any]]:
        """The search space of Optuna's GridSampler: every value given, per dimension."""
        return self.as_dict()

    def suggest(self, trial: Any, grid: bool = False) -> dict[str, Any]:
        """The parameters of an Optuna trial (`trial.suggest_*`), one per searched dimension."""
        params: dict[str, Any] = {}
        for name, values in self.searched.items():
            if name == "learning_rate" and len(values) >= 2 and not grid:
                params[name] = trial.suggest_float(name, min(values), max(values), log=True)
            else:
                params[name] = trial.suggest_categorical(name, list(values))
        return params


def apply(recipe: Any, params: dict[str, Any]) -> Any:
    """The recipe with a trial's parameters applied (a dimension not in `params` keeps its value).

    `units` alone resizes every hidden layer; `depth` alone repeats the first
    hidden size `depth` times.
    """
    hidden = recipe.hidden_units
    if "units" in params or "depth" in params:
        units = params.get("units", hidden[0] if hidden else 128)
        hidden = (int(units),) * int(params.get("depth", len(hidden)))
    changes = {
        "learning_rate": params.get("learning_rate"),
        "batch_size": params.get("batch_size"),
        "optimizer": params.get("optimizer"),
    }
    return dataclasses.replace(recipe.replace(**changes), hidden_units=hidden)
