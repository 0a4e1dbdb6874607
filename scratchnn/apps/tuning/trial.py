"""One trial of a search: train a recipe's network, reporting the validation score after each epoch.

The score is the validation accuracy of the last epoch run, the number
`scratchnn tune` maximizes (ties broken by the lower validation loss). Every
trial trains from the recipe's seed, so a trial's result depends only on its
parameters.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from scratchnn.callbacks import Callback
from scratchnn.trainers import data_adapters

SCORE = "val_accuracy"

# Trial states, as Optuna names them (lower case).
COMPLETE, PRUNED, FAILED, RUNNING = "complete", "pruned", "failed", "running"


@dataclass
class TrialResult:
    """One row of the results table.

    Attributes:
        number: the trial number (Optuna's, from 0).
        state: "complete", "pruned" (stopped early by the pruner), "failed"
            (interrupted, or its worker died) or "running".
        val_accuracy: the validation accuracy of the last epoch run (None before the first epoch).
        val_loss: the validation loss of that epoch.
        learning_rate: the optimizer's learning rate (its default when not searched).
        hidden_units: the sizes of the hidden Dense layers.
        batch_size, optimizer: as trained.
        epochs_run: epochs trained (fewer than `epochs` when pruned).
        epochs: epochs the trial was given.
        seconds: training time (wall clock).
        worker: "host:pid" of the process that ran it.
        params: the searched parameters as sampled.
    """

    number: int
    state: str
    val_accuracy: float | None = None
    val_loss: float | None = None
    learning_rate: float | None = None
    hidden_units: tuple[int, ...] = ()
    batch_size: int | None = None
    optimizer: str | None = None
    epochs_run: int = 0
    epochs: int | None = None
    seconds: float | None = None
    worker: str | None = None
    params: dict[str, Any] = field(default_factory=dict)

    def sort_key(self) -> tuple[Any, ...]:
        """Best first: finished trials by score then loss; running and failed ones last."""
        order = {COMPLETE: 0, PRUNED: 1, RUNNING: 2, FAILED: 3}[self.state]
        score = -self.val_accuracy if self.val_accuracy is not None else 0.0
        loss = self.val_loss if self.val_loss is not None else float("inf")
        return (order, score, loss, self.number)

    def row(self) -> dict[str, Any]:
        """A JSON-safe dict, `trial` first (the table's column name for `number`)."""
        out = asdict(self)
        out["hidden_units"] = list(self.hidden_units)
        return {"trial": out.pop("number"), **out}


class EpochReporter(Callback):
    """Calls `on_epoch(epoch, logs)` after every epoch; a True return stops training (pruned)."""

    def __init__(self, on_epoch: Callable[[int, dict[str, float]], bool]) -> None:
        super().__init__()
        self.on_epoch = on_epoch
        self.logs: list[dict[str, float]] = []
        self.stopped = False

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        logs = {k: float(v) for k, v in (logs or {}).items()}
        self.logs.append(logs)
        if self.on_epoch(epoch, logs):
            self.stopped = True
            self.model.stop_training = True


def effective_learning_rate(config: Any) -> float:
    """The learning rate the recipe's optimizer starts from (its Keras default when the recipe sets none)."""
    from scratchnn.apps import recipes

    if config.learning_rate is not None:
        return float(config.learning_rate)
    rate = recipes.make_optimizer(config.optimizer).learning_rate.numpy()
    # The shortest decimal that the float32 variable holds (0.01, not 0.009999999776482582).
    return float(str(np.float32(rate)))


def train(
    number: int,
    config: Any,
    data: Any,
    params: dict[str, Any],
    on_epoch: Callable[[int, dict[str, float]], bool] | None = None,
    max_steps: int | None = None,
    worker: str | None = None,
) -> tuple[Any, TrialResult]:
    """Trains the recipe `config` on `data` (a `recipes.Split` with validation data).

    Args:
        number: the trial number.
        config: the recipe with the trial's parameters applied.
        data: the train and validation arrays.
        params: the searched parameters (recorded in the result).
        on_epoch: called after each epoch with (epoch, logs); returning True
            stops the trial, which is then "pruned". Defaults to None.
        max_steps: at most this many batches per epoch. Defaults to None.
        worker: recorded in the result. Defaults to None.

    Returns:
        The trained model and its `TrialResult`. A KeyboardInterrupt is let through.
    """
    from scratchnn import utils
    from scratchnn.apps import recipes

    utils.set_random_seed(config.seed)
    model = recipes.build_model(config)
    reporter = EpochReporter(on_epoch or (lambda epoch, logs: False))
    started = time.perf_counter()
    # max_steps is a cap: an epoch cut short where the pass over the data ends is expected.
    with data_adapters.steps_per_epoch_as_a_cap():
        model.fit(
            data.x_train, data.y_train, epochs=config.epochs, batch_size=config.batch_size,
            validation_data=data.validation_data, steps_per_epoch=max_steps, callbacks=[reporter], verbose=0,
        )  # fmt: skip
    last = reporter.logs[-1] if reporter.logs else {}
    result = TrialResult(
        number=number,
        state=PRUNED if reporter.stopped else COMPLETE,
        val_accuracy=last.get(SCORE),
        val_loss=last.get("val_loss"),
        learning_rate=effective_learning_rate(config),
        hidden_units=tuple(config.hidden_units),
        batch_size=config.batch_size,
        optimizer=config.optimizer,
        epochs_run=len(reporter.logs),
        epochs=config.epochs,
        seconds=time.perf_counter() - started,
        worker=worker,
        params=dict(params),
    )
    return model, result
