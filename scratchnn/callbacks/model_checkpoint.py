"""`ModelCheckpoint`: save the model or its weights during training (keras/src/callbacks/model_checkpoint.py)."""

from __future__ import annotations

import math
import os
import sys
import warnings
from typing import Any

from scratchnn.callbacks.monitor_callback import MonitorCallback


class ModelCheckpoint(MonitorCallback):
    """Saves the model (or its weights) at the end of every epoch or every `save_freq` batches.

    `filepath` is a template formatted with `epoch` (1-based), `batch` (when
    saving by batch) and the logs: `"ckpt-{epoch:02d}-{val_loss:.2f}.keras"`
    gives `ckpt-01-0.53.keras`. Every save is atomic (written to a temporary
    file, then moved into place), so a crash mid-save keeps the previous
    checkpoint readable. With `save_best_only`, a NaN or infinite monitored
    value is never an improvement, so a diverged run keeps the best file.

    Args:
        filepath: path template. With `save_weights_only=True` it must end in
            `.weights.h5` (Keras 3) or `.h5` (Keras 2 tutorials; accepted
            here though Keras 3 refuses it). Otherwise `.keras` for the native
            zip, `.h5` for the legacy HDF5 model, or any other path for the
            directory form.
        monitor: logged quantity for `save_best_only`. Defaults to `"val_loss"`.
        verbose: 0 silent, 1 prints a line on each save.
        save_best_only: only save when `monitor` improves (the file is
            overwritten unless the template changes per epoch).
        save_weights_only: save only the weights (`model.save_weights`).
        mode: `"auto"`, `"min"` or `"max"` for `save_best_only`.
        save_freq: `"epoch"` or an integer number of batches.
        initial_value_threshold: starting "best" value for `save_best_only`.

    Raises:
        ValueError: for a file name that does not fit `save_weights_only`, or a
            bad `save_freq`.

    Example:
        >>> checkpoint = ModelCheckpoint("my_keras_model.keras", save_best_only=True)
        >>> model.fit(x, y, validation_split=0.1, callbacks=[checkpoint])  # doctest: +SKIP
    """

    def __init__(
        self,
        filepath: str,
        monitor: str = "val_loss",
        verbose: int = 0,
        save_best_only: bool = False,
        save_weights_only: bool = False,
        mode: str = "auto",
        save_freq: Any = "epoch",
        initial_value_threshold: float | None = None,
    ) -> None:
        super().__init__(monitor, mode, baseline=initial_value_threshold)
        self.filepath = os.fspath(filepath)
        self.verbose = verbose
        self.save_best_only = save_best_only
        self.save_weights_only = save_weights_only
        self.save_freq = save_freq
        self._batches_seen_since_last_saving = 0
        self._last_batch_seen: int | None = None
        self._current_epoch = 0
        if save_freq != "epoch" and (
            not isinstance(save_freq, int) or isinstance(save_freq, bool) or save_freq <= 0
        ):
            raise ValueError(
                f"Unrecognized save_freq: {save_freq!r}. Expected save_freq to be 'epoch' or a positive integer."
            )
        if save_weights_only and not self.filepath.endswith((".weights.h5", ".h5", ".hdf5")):
            raise ValueError(
                "When using `save_weights_only=True` in `ModelCheckpoint`, the filepath provided must end in "
                f"`.weights.h5` (Keras 3) or `.h5`. Received: filepath={self.filepath}"
            )

    def on_train_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        if self._should_save_on_batch(batch):
            self._save_model(self._current_epoch, batch, logs)

    def on_epoch_begin(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        self._current_epoch = epoch

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        if self.monitor_op is None:
            self._set_monitor_op()
        if self.save_freq == "epoch":
            self._save_model(epoch, None, logs)

    def _should_save_on_batch(self, batch: int) -> bool:
        if self.save_freq == "epoch":
            return False
        # Batch indices restart every epoch; count what was seen since the last save.
        if self._last_batch_seen is None or batch <= self._last_batch_seen:
            added = batch + 1
        else:
            added = batch - self._last_batch_seen
        self._batches_seen_since_last_saving += added
        self._last_batch_seen = batch
        if self._batches_seen_since_last_saving >= self.save_freq:
            self._batches_seen_since_last_saving = 0
            return True
        return False

    def _get_file_path(self, epoch: int, batch: int | None, logs: dict[str, Any] | None) -> str:
        logs = dict(logs or {})
        try:
            if batch is None or "batch" in logs:
                return self.filepath.format(epoch=epoch + 1, **logs)
            return self.filepath.format(epoch=epoch + 1, batch=batch + 1, **logs)
        except KeyError as err:
            raise KeyError(
                f'Failed to format this callback filepath: "{self.filepath}". Reason: {err}'
            ) from err

    def _say(self, text: str) -> None:
        if self.verbose > 0:
            sys.stdout.write(f"\n{text}\n")
            sys.stdout.flush()

    def _should_save(self, epoch: int, logs: dict[str, Any] | None, filepath: str) -> bool:
        if not self.save_best_only:
            self._say(f"Epoch {epoch + 1}: saving model to {filepath}")
            return True
        logs = logs or {}
        current = logs.get(self.monitor)
        if current is None:
            warnings.warn(f"Can save best model only with {self.monitor} available.", stacklevel=3)
            return True
        if self.monitor_op is None:
            self._set_monitor_op()
        best_str = "None" if self.best is None else f"{self.best:.5f}"
        if not math.isfinite(float(current)):
            # NaN compares false with everything, but a first NaN would still beat best=None (as it
            # does in Keras): a diverged run must never replace the best checkpoint.
            self._say(f"Epoch {epoch + 1}: {self.monitor} is {current}, not a finite value; not saving")
            return False
        if self._is_improvement(current, self.best):
            self._say(
                f"Epoch {epoch + 1}: {self.monitor} improved from {best_str} to {current:.5f}, "
                f"saving model to {filepath}"
            )
            self.best = current
            return True
        self._say(f"Epoch {epoch + 1}: {self.monitor} did not improve from {best_str}")
        return False

    def _save_model(self, epoch: int, batch: int | None, logs: dict[str, Any] | None) -> None:
        filepath = self._get_file_path(epoch, batch, logs)
        if not self._should_save(epoch, logs, filepath):
            return
        if os.path.isdir(filepath) and (self.save_weights_only or filepath.endswith((".keras", ".h5"))):
            raise OSError(
                f"Please specify a non-directory filepath for ModelCheckpoint. Filepath used is an existing "
                f"directory: {filepath}"
            )
        dirname = os.path.dirname(filepath)
        if dirname:
            os.makedirs(dirname, exist_ok=True)
        if self.save_weights_only:
            self.model.save_weights(filepath, overwrite=True)
        else:
            self.model.save(filepath, overwrite=True)
