"""`MonitorCallback`: shared logic of callbacks that watch one logged quantity."""

from __future__ import annotations

import operator
import warnings
from typing import Any

from scratchnn.callbacks.callback import Callback


def _compiled_metrics(model: Any) -> list[Any]:
    """The model's metric objects, with containers (objects holding `.metrics`) opened."""
    found: list[Any] = []
    for metric in getattr(model, "metrics", None) or []:
        inner = getattr(metric, "metrics", None)
        if isinstance(inner, (list, tuple)):
            found.extend(inner)
        else:
            found.append(metric)
    return found


class MonitorCallback(Callback):
    """Base class for callbacks that decide whether a monitored value improved.

    Used by `EarlyStopping` and `ReduceLROnPlateau`; not meant to be used
    directly. The direction follows Keras 3
    (`keras/src/callbacks/monitor_callback.py`): `mode="min"` means lower is
    better, `"max"` higher; `"auto"` strips a leading `val_`, treats `loss` as
    lower-is-better, and otherwise looks up the model's compiled metric of that
    name and uses its `_direction` (`"up"` means higher is better). A value
    improves when `value - min_delta` beats the best so far (with `min_delta`
    negated in min mode), so it must win by more than `min_delta`.

    Args:
        monitor: Name of the logged quantity. Defaults to `"val_loss"`.
        mode: One of `"auto"`, `"min"`, `"max"`. Defaults to `"auto"`; an
            unknown mode warns and falls back to `"auto"`.
        baseline: Starting best value, or `None` (default) to start from the
            first value seen.
        min_delta: Smallest change that counts as an improvement (its absolute
            value is used). Defaults to `0`.

    Raises:
        ValueError: (at the first epoch end) if `mode="auto"` cannot tell the
            direction of `monitor`.
    """

    def __init__(
        self,
        monitor: str = "val_loss",
        mode: str = "auto",
        baseline: float | None = None,
        min_delta: float = 0,
    ) -> None:
        super().__init__()
        if mode not in ("auto", "min", "max"):
            warnings.warn(
                f"{type(self).__name__}: unknown mode {mode!r}; using mode='auto'. "
                "Valid modes are 'auto', 'min' and 'max'.",
                stacklevel=2,
            )
            mode = "auto"
        self.monitor = monitor
        self.mode = mode
        self.best = baseline
        self.min_delta = abs(min_delta)
        self.monitor_op = None

    def _set_monitor_op(self) -> None:
        if self.mode == "min":
            self.monitor_op = operator.lt
        elif self.mode == "max":
            self.monitor_op = operator.gt
        else:
            name = self.monitor.removeprefix("val_")
            if name == "loss":
                self.monitor_op = operator.lt
            for metric in _compiled_metrics(self.model):
                direction = getattr(metric, "_direction", None)
                if getattr(metric, "name", None) == name and direction is not None:
                    self.monitor_op = operator.gt if direction == "up" else operator.lt
            if self.monitor_op is None:
                raise ValueError(
                    f"{type(self).__name__} cannot tell whether monitor={self.monitor!r} should "
                    "be maximized or minimized: it is not the loss and no compiled metric "
                    f"of that name has a direction. Pass mode='max' or mode='min'. "
                    f"Received: monitor={self.monitor!r}, mode='auto'"
                )
        if self.monitor_op is operator.lt:
            self.min_delta = -abs(self.min_delta)

    def _is_improvement(self, monitor_value: float, reference_value: float | None) -> bool:
        if reference_value is None:
            return True
        return bool(self.monitor_op(monitor_value - self.min_delta, reference_value))

    def _warn_missing(self, logs: dict[str, Any], what: str) -> None:
        warnings.warn(
            f"{what} is conditioned on `{self.monitor}`, which is not in the logs. "
            f"Available metrics are: {','.join(logs)}",
            stacklevel=3,
        )
