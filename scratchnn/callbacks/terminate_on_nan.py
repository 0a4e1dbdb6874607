"""`TerminateOnNaN`: stop training as soon as the loss becomes NaN or infinite."""

from __future__ import annotations

import math
import sys
from typing import Any

from scratchnn.callbacks.callback import Callback


class TerminateOnNaN(Callback):
    """Stops training when a batch's loss is NaN or infinite.

    By default it sets `model.stop_training = True`, so training ends after
    the current batch and `on_train_end` still runs for every callback. With
    `raise_error=True` it raises `RuntimeError` at once instead.

    Args:
        raise_error: Whether to raise instead of stopping gracefully.
            Defaults to `False`.

    Raises:
        RuntimeError: On a NaN/Inf loss when `raise_error=True`.

    Example:

    >>> model.fit(x, y, callbacks=[TerminateOnNaN()])  # doctest: +SKIP
    """

    def __init__(self, raise_error: bool = False) -> None:
        super().__init__()
        self.raise_error = raise_error

    def on_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        loss = (logs or {}).get("loss")
        if loss is None or math.isfinite(float(loss)):
            return
        if self.raise_error:
            raise RuntimeError(
                f"The loss became {loss} at batch {batch}; stopping training "
                "(TerminateOnNaN, raise_error=True)."
            )
        sys.stdout.write(f"Batch {batch}: Invalid loss, terminating training\n")
        sys.stdout.flush()
        self.model.stop_training = True
