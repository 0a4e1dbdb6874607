"""`BackupAndRestore`: resume an interrupted `fit()` (keras/src/callbacks/backup_and_restore.py)."""

from __future__ import annotations

import json
import os
import shutil
from typing import Any

from scratchnn.callbacks.callback import Callback


class BackupAndRestore(Callback):
    """Backs training state up at each epoch end, and restores it when `fit()` restarts.

    The backup in `backup_dir` is `latest.weights.h5` (the model's weights and
    the optimizer state) and `training_metadata.json` (the next epoch and the
    state of scratchnn's global random generator, so the shuffling and
    dropout of the resumed epochs are those of an uninterrupted run). When
    `fit()` starts and a backup exists, it is loaded and training continues
    at the epoch after the last one backed up; the result is the same as if
    training had never stopped. Both files are written atomically. After a
    `fit()` that finishes, the backup is deleted (unless
    `delete_checkpoint=False`).

    Args:
        backup_dir: directory for the backup (created if needed).
        save_freq: `"epoch"`, an integer number of batches, or `False` to
            back up only when training ends abnormally (not detectable here,
            so no periodic backups are made).
        double_checkpoint: also keep the previous backup as
            `latest.weights.h5.bkp` (restored if the latest one is unreadable).
        delete_checkpoint: remove the backup at the end of a completed `fit()`.

    Raises:
        ValueError: for an empty `backup_dir` or a bad `save_freq`.

    Example:
        >>> callback = BackupAndRestore(backup_dir="/tmp/backup")
        >>> model.fit(x, y, epochs=10, callbacks=[callback])  # doctest: +SKIP
    """

    def __init__(
        self,
        backup_dir: str,
        save_freq: Any = "epoch",
        double_checkpoint: bool = False,
        delete_checkpoint: bool = True,
    ) -> None:
        super().__init__()
        if not backup_dir:
            raise ValueError(f"Empty `backup_dir` argument passed. Received: backup_dir={backup_dir!r}")
        if save_freq not in ("epoch", False) and (not isinstance(save_freq, int) or save_freq <= 0):
            raise ValueError(
                f"Invalid value for argument `save_freq`. Expected 'epoch', False or a positive integer. "
                f"Received: save_freq={save_freq!r}"
            )
        self.backup_dir = os.fspath(backup_dir)
        self.save_freq = save_freq
        self.double_checkpoint = double_checkpoint
        self.delete_checkpoint = delete_checkpoint
        self._weights_path = os.path.join(self.backup_dir, "latest.weights.h5")
        self._metadata_path = os.path.join(self.backup_dir, "training_metadata.json")
        self._prev_weights_path = self._weights_path + ".bkp"
        self._current_epoch = 0
        self._batches_seen = 0

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        if not os.path.exists(self._metadata_path):
            return
        with open(self._metadata_path) as fh:
            metadata = json.load(fh)
        weights = self._weights_path
        if not os.path.exists(weights) and os.path.exists(self._prev_weights_path):
            weights = self._prev_weights_path
        if not self.model.built:
            raise ValueError(
                "BackupAndRestore cannot restore into a model that is not built yet. Build it first, e.g. by "
                "starting it with keras.Input(...) or calling it on a batch."
            )
        self.model.load_weights(weights)
        state = metadata.get("rng_state")
        if state is not None:
            from scratchnn.backend import random as backend_random

            backend_random.generator().bit_generator.state = state
        # Read by fit() right after on_train_begin (Keras's `model._initial_epoch`).
        self.model._initial_epoch = int(metadata["epoch"])

    def on_epoch_begin(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        self._current_epoch = epoch

    def on_train_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        if isinstance(self.save_freq, int) and not isinstance(self.save_freq, bool):
            self._batches_seen += 1
            if self._batches_seen >= self.save_freq:
                self._batches_seen = 0
                self._backup(self._current_epoch)

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        if self.save_freq == "epoch":
            self._backup(epoch + 1)

    def _backup(self, next_epoch: int) -> None:
        from scratchnn.backend import random as backend_random
        from scratchnn.saving.keras_file import atomic_write_file

        os.makedirs(self.backup_dir, exist_ok=True)
        if self.double_checkpoint and os.path.exists(self._weights_path):
            shutil.copyfile(self._weights_path, self._prev_weights_path)
        self.model.save_weights(self._weights_path, overwrite=True)
        metadata = {"epoch": next_epoch, "rng_state": backend_random.generator().bit_generator.state}

        def write(tmp: str) -> None:
            with open(tmp, "w") as fh:
                json.dump(metadata, fh)

        atomic_write_file(self._metadata_path, write)

    def on_train_end(self, logs: dict[str, Any] | None = None) -> None:
        if self.delete_checkpoint and os.path.isdir(self.backup_dir):
            shutil.rmtree(self.backup_dir, ignore_errors=True)
