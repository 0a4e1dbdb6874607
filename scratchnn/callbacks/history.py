"""`History`: the record of epoch logs that `fit()` returns."""

from __future__ import annotations

from typing import Any

from scratchnn.callbacks.callback import Callback


class History(Callback):
    """Records the logs of every epoch; `fit()` returns this object.

    Every `fit()` adds it to the callbacks automatically (after the user's
    callbacks) and sets `model.history` to it.

    Attributes:
        history: Dict mapping each log key to a list of Python floats, one per
            epoch, e.g. `{"accuracy": [...], "loss": [...], "val_loss": [...]}`.
            Keys come in the order of the first epoch's logs, which are sorted
            alphabetically (Keras 3). Repeated `fit()` calls keep appending.
        epoch: List of the 0-based indices of the epochs recorded in the last
            `fit()` call.
        params: Dict of training parameters: `{"verbose", "epochs", "steps"}`.

    Example:

    >>> history = model.fit(x, y, epochs=2, verbose=0)  # doctest: +SKIP
    >>> history.history.keys()  # doctest: +SKIP
    dict_keys(['loss'])
    """

    def __init__(self) -> None:
        super().__init__()
        self.history: dict[str, list[Any]] = {}
        self.epoch: list[int] = []

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        self.epoch = []

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        self.epoch.append(epoch)
        for key, value in (logs or {}).items():
            self.history.setdefault(key, []).append(value)
        # Keras sets this after every epoch so model.history is always the latest record.
        if self.model is not None:
            self.model.history = self
