"""`LearningRateScheduler`: set the learning rate from a function of the epoch."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

from scratchnn.callbacks.callback import Callback


class LearningRateScheduler(Callback):
    """Sets the optimizer's learning rate at the start of every epoch.

    `schedule(epoch, lr)` receives the 0-based epoch index and the current
    learning rate (a float) and returns the new one. A one-argument
    `schedule(epoch)` is also accepted, as in Keras. At each epoch end the
    rate is written to `logs["learning_rate"]`.

    Args:
        schedule: Function `(epoch, lr) -> new_lr` (or `epoch -> new_lr`).
        verbose: `0` (silent) or `1` (print the new rate each epoch). Defaults
            to `0`.

    Raises:
        ValueError: If `schedule` returns something that is not a real number.

    Example:

    >>> def scheduler(epoch, lr):
    ...     return lr if epoch < 10 else lr * 0.9
    >>> callback = LearningRateScheduler(scheduler)
    >>> model.fit(x, y, epochs=15, callbacks=[callback])  # doctest: +SKIP
    """

    def __init__(self, schedule: Callable[..., float], verbose: int = 0) -> None:
        super().__init__()
        if not callable(schedule):
            raise TypeError(f"`schedule` must be a callable. Received: schedule={schedule!r}")
        self.schedule = schedule
        self.verbose = verbose

    def on_epoch_begin(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        optimizer = self.model.optimizer
        if not hasattr(optimizer, "learning_rate"):
            raise ValueError(
                "LearningRateScheduler needs an optimizer with a `learning_rate` attribute. "
                f"Received: optimizer={optimizer!r}"
            )
        try:
            new_lr = self.schedule(epoch, float(optimizer.learning_rate))
        except TypeError:  # the older one-argument form, schedule(epoch)
            new_lr = self.schedule(epoch)
        if isinstance(new_lr, (str, bool)) or not hasattr(new_lr, "__float__"):
            raise ValueError(
                "The `schedule` function must return a float learning rate. "
                f"Received: schedule({epoch}) returned {new_lr!r}"
            )
        new_lr = float(new_lr)
        optimizer.learning_rate = new_lr
        if self.verbose > 0:
            sys.stdout.write(
                f"\nEpoch {epoch + 1}: LearningRateScheduler setting learning rate to {new_lr}.\n"
            )
            sys.stdout.flush()

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        if logs is not None:
            logs["learning_rate"] = float(self.model.optimizer.learning_rate)
