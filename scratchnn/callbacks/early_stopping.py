"""`EarlyStopping`: stop training when a monitored quantity stops improving."""

from __future__ import annotations

import sys
from typing import Any

from scratchnn.callbacks.monitor_callback import MonitorCallback


class EarlyStopping(MonitorCallback):
    """Stops training when a monitored quantity has stopped improving.

    At each epoch end the monitored value is compared with the best so far
    (see `MonitorCallback` for the direction and `min_delta`). After
    `patience` epochs without improvement it sets `model.stop_training = True`
    (never at epoch 0). With `restore_best_weights=True` the weights of the
    best epoch are put back at the end of training, **whether or not** this
    callback stopped it (Keras 3 behaviour; tf.keras 2 restored only when it
    stopped training itself).

    Args:
        monitor: Quantity to monitor. Defaults to `"val_loss"`.
        min_delta: Minimum change that counts as an improvement. Defaults to
            `0`.
        patience: Number of epochs without improvement after which training
            stops. Defaults to `0`.
        verbose: `0` (silent) or `1` (print a line when stopping and
            restoring). Defaults to `0`.
        mode: `"auto"`, `"min"` or `"max"`. Defaults to `"auto"`.
        baseline: Value the monitored quantity must beat; until it does, the
            patience counter keeps running. Defaults to `None`.
        restore_best_weights: Whether to restore the weights of the best epoch
            at the end of training. Defaults to `False`.
        start_from_epoch: Number of warm-up epochs during which the quantity
            is not monitored. Defaults to `0`.

    Example:

    >>> callback = EarlyStopping(monitor="loss", patience=3)
    >>> history = model.fit(x, y, epochs=10, callbacks=[callback])  # doctest: +SKIP
    """

    def __init__(
        self,
        monitor: str = "val_loss",
        min_delta: float = 0,
        patience: int = 0,
        verbose: int = 0,
        mode: str = "auto",
        baseline: float | None = None,
        restore_best_weights: bool = False,
        start_from_epoch: int = 0,
    ) -> None:
        super().__init__(monitor, mode, min_delta=min_delta)
        if patience < 0:
            raise ValueError(f"Expected `patience` >= 0. Received: patience={patience}")
        self.patience = patience
        self.verbose = verbose
        self.baseline = baseline
        self.restore_best_weights = restore_best_weights
        self.start_from_epoch = start_from_epoch
        self.wait = 0
        self.stopped_epoch = 0
        self.best_weights: list[Any] | None = None
        self.best_epoch = 0

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        self.wait = 0
        self.stopped_epoch = 0
        self.best = None
        self.best_weights = None
        self.best_epoch = 0

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        if self.monitor_op is None:
            self._set_monitor_op()
        current = self.get_monitor_value(logs)
        if current is None or epoch < self.start_from_epoch:
            return
        if self.restore_best_weights and self.best_weights is None:
            # Something to restore even if no epoch beats the baseline.
            self.best_weights = self.model.get_weights()
            self.best_epoch = epoch

        self.wait += 1
        if self._is_improvement(current, self.best):
            self.best = current
            self.best_epoch = epoch
            if self.restore_best_weights:
                self.best_weights = self.model.get_weights()
            # Only an improvement over the baseline resets the patience counter.
            if self.baseline is None or self._is_improvement(current, self.baseline):
                self.wait = 0
            return
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.model.stop_training = True

    def on_train_end(self, logs: dict[str, Any] | None = None) -> None:
        if self.stopped_epoch > 0 and self.verbose > 0:
            sys.stdout.write(f"Epoch {self.stopped_epoch + 1}: early stopping\n")
        if self.restore_best_weights and self.best_weights is not None:
            if self.verbose > 0:
                sys.stdout.write(
                    f"Restoring model weights from the end of the best epoch: {self.best_epoch + 1}.\n"
                )
            self.model.set_weights(self.best_weights)
        sys.stdout.flush()

    def get_monitor_value(self, logs: dict[str, Any] | None) -> Any:
        """The monitored value from `logs`, or `None` (with a warning) if absent."""
        logs = logs or {}
        value = logs.get(self.monitor)
        if value is None:
            self._warn_missing(logs, "Early stopping")
        return value
