"""`ReduceLROnPlateau`: lower the learning rate when a quantity stops improving."""

from __future__ import annotations

import sys
from typing import Any

import numpy as np

from scratchnn.callbacks.monitor_callback import MonitorCallback


class ReduceLROnPlateau(MonitorCallback):
    """Reduces the learning rate when a monitored quantity has stopped improving.

    At each epoch end the current learning rate is written to
    `logs["learning_rate"]` (so it appears in `History` and on the progress
    line). After `patience` epochs without improvement the rate becomes
    `max(lr * factor, min_lr)`, followed by `cooldown` epochs during which the
    patience counter stays at zero.

    Args:
        monitor: Quantity to monitor. Defaults to `"val_loss"`.
        factor: Multiplier applied to the learning rate, `new_lr = lr * factor`;
            must be below 1. Defaults to `0.1`.
        patience: Epochs without improvement before reducing. Defaults to `10`.
        verbose: `0` (silent) or `1` (print a line on each reduction).
            Defaults to `0`.
        mode: `"auto"`, `"min"` or `"max"`. Defaults to `"auto"`.
        min_delta: Minimum change that counts as an improvement. Defaults to
            `1e-4`.
        cooldown: Epochs to wait after a reduction before counting again.
            Defaults to `0`.
        min_lr: Lower bound on the learning rate. Defaults to `0.0`.

    Raises:
        ValueError: If `factor >= 1`.

    Example:

    >>> reduce_lr = ReduceLROnPlateau(monitor="val_loss", factor=0.2, patience=5, min_lr=0.001)
    >>> model.fit(x, y, validation_split=0.1, callbacks=[reduce_lr])  # doctest: +SKIP
    """

    def __init__(
        self,
        monitor: str = "val_loss",
        factor: float = 0.1,
        patience: int = 10,
        verbose: int = 0,
        mode: str = "auto",
        min_delta: float = 1e-4,
        cooldown: int = 0,
        min_lr: float = 0.0,
        **kwargs: Any,
    ) -> None:
        super().__init__(monitor, mode, min_delta=min_delta)
        if factor >= 1.0:
            raise ValueError(
                "ReduceLROnPlateau needs factor < 1.0 (it multiplies the learning rate). "
                f"Received: factor={factor}"
            )
        self.factor = factor
        self.patience = patience
        self.verbose = verbose
        self.cooldown = cooldown
        self.min_lr = min_lr
        self.cooldown_counter = 0
        self.wait = 0

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        self.best = None
        self.cooldown_counter = 0
        self.wait = 0

    def in_cooldown(self) -> bool:
        """Whether a reduction happened less than `cooldown` epochs ago."""
        return self.cooldown_counter > 0

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        if self.monitor_op is None:
            self._set_monitor_op()
        logs = logs if logs is not None else {}
        optimizer = self.model.optimizer
        logs["learning_rate"] = float(optimizer.learning_rate)
        current = logs.get(self.monitor)
        if current is None:
            self._warn_missing(logs, "Learning-rate reduction")
            return
        if self.in_cooldown():
            self.cooldown_counter -= 1
            self.wait = 0
        if self._is_improvement(current, self.best):
            self.best = current
            self.wait = 0
        elif not self.in_cooldown():
            self.wait += 1
            if self.wait >= self.patience and self._reduce_lr(optimizer, epoch):
                self.cooldown_counter = self.cooldown
                self.wait = 0

    def _reduce_lr(self, optimizer: Any, epoch: int) -> bool:
        old_lr = float(optimizer.learning_rate)
        # Keras compares with min_lr rounded to float32, the dtype its learning rate is stored in.
        if old_lr <= float(np.float32(self.min_lr)):
            return False
        new_lr = max(old_lr * self.factor, self.min_lr)
        optimizer.learning_rate = new_lr
        if self.verbose > 0:
            sys.stdout.write(f"\nEpoch {epoch + 1}: ReduceLROnPlateau reducing learning rate to {new_lr}.\n")
            sys.stdout.flush()
        return True
