"""`ProgbarLogger`: the progress bar printed by `fit()`, `evaluate()` and `predict()`."""

from __future__ import annotations

import sys
from typing import Any

from scratchnn.callbacks.callback import Callback
from scratchnn.utils.progbar import Progbar


class ProgbarLogger(Callback):
    """Prints a progress bar and the metrics to stdout.

    `fit()` adds it (after the user's callbacks) whenever `verbose != 0`. It
    reads `verbose`, `epochs` and `steps` from the training parameters:

    - `verbose=1`: `Epoch i/N` (only when `epochs > 1`), then a bar per epoch,
      `1875/1875 ━━━━━━━━━━━━━━━━━━━━ 3s 1ms/step - accuracy: 0.9 - loss: 0.3`,
      ending with the `val_*` keys. On a terminal (or in Jupyter) the bar is
      redrawn in place; otherwise one plain line is written per epoch.
    - `verbose=2`: one line per epoch,
      `3/3 - 7s - 2s/step - accuracy: 0.1125 - loss: 3.5564 - val_loss: 2.2838`.

    Within `fit()` the validation pass is silent; `evaluate()` and `predict()`
    get their own bar. A `steps` of `None` (unknown) shows `N/Unknown` until
    the first epoch ends.

    Example:

    >>> model.fit(x, y, epochs=2, callbacks=[ProgbarLogger()])  # doctest: +SKIP
    """

    def __init__(self) -> None:
        super().__init__()
        self.seen = 0
        self.progbar: Progbar | None = None
        self.target: int | None = None
        self.verbose = 1
        self.epochs = 1
        self._called_in_fit = False

    def set_params(self, params: dict[str, Any]) -> None:
        """Reads `verbose` (`"auto"` means 1), `epochs` and `steps`."""
        super().set_params(params)
        verbose = params.get("verbose", 1)
        self.verbose = 1 if verbose == "auto" else verbose
        self.epochs = params.get("epochs") or 1
        self.target = params.get("steps")

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        # Validation inside fit() shares this logger and must not draw a bar.
        self._called_in_fit = True

    def on_test_begin(self, logs: dict[str, Any] | None = None) -> None:
        if not self._called_in_fit:
            self._reset_progbar()

    def on_predict_begin(self, logs: dict[str, Any] | None = None) -> None:
        self._reset_progbar()

    def on_epoch_begin(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        self._reset_progbar()
        if self.verbose and self.epochs > 1:
            sys.stdout.write(f"Epoch {epoch + 1}/{self.epochs}\n")
            sys.stdout.flush()

    def on_train_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        self._update_progbar(batch, logs)

    def on_test_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        if not self._called_in_fit:
            self._update_progbar(batch, logs)

    def on_predict_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        # Predictions are not metrics: show progress only.
        self._update_progbar(batch, None)

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        self._finalize_progbar(logs)

    def on_test_end(self, logs: dict[str, Any] | None = None) -> None:
        if not self._called_in_fit:
            self._finalize_progbar(logs)

    def on_predict_end(self, logs: dict[str, Any] | None = None) -> None:
        self._finalize_progbar(logs)

    def _reset_progbar(self) -> None:
        self.seen = 0
        self.progbar = None
        self._maybe_init_progbar()

    def _maybe_init_progbar(self) -> None:
        if self.progbar is None:
            # The trainer's logs are already running means: show them as given.
            self.progbar = Progbar(
                target=self.target, verbose=self.verbose, unit_name="step", stateless_metrics=()
            )

    def _update_progbar(self, batch: int, logs: dict[str, Any] | None) -> None:
        self._maybe_init_progbar()
        self.seen = batch + 1  # batch is 0-based; the bar counts steps done
        if self.verbose == 1:
            self.progbar.update(self.seen, list(logs.items()) if logs else None, finalize=False)

    def _finalize_progbar(self, logs: dict[str, Any] | None) -> None:
        self._maybe_init_progbar()
        if self.target is None:
            # Unknown length: the first complete pass tells it.
            self.target = self.seen
            self.progbar.target = self.target
        self.progbar.update(self.target, list(logs.items()) if logs else None, finalize=True)
