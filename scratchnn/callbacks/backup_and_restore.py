"""`BackupAndRestore`: resume an interrupted `fit()` (keras/src/callbacks/backup_and_restore.py)."""

from __future__ import annotations

import json
import os
import shutil
from typing import Any

from scratchnn.backend import random as backend_random
from scratchnn.callbacks.callback import Callback
from scratchnn.utils import file_utils

WEIGHTS_NAME = "latest.weights.h5"
METADATA_NAME = "training_metadata.json"
_BKP = ".bkp"


class BackupAndRestore(Callback):
    """Backs training state up at each epoch end, and restores it when `fit()` restarts.

    The backup in `backup_dir` is `latest.weights.h5` (the model's weights and
    the optimizer state) and `training_metadata.json` (the next epoch and the
    state of scratchnn's global random generator, so the shuffling and
    dropout of the resumed epochs are those of an uninterrupted run). When
    `fit()` starts and a backup exists, it is loaded and training continues
    at the epoch after the last one backed up; the result is the same as if
    training had never stopped.

    The two files are replaced as one unit (`utils.file_utils.atomic_write_files`):
    a crash at any instant leaves the previous backup or the new one, never
    new weights with the old epoch counter. Keras writes them one after the
    other, so a kill between the two makes its resumed run repeat an epoch.
    After a `fit()` that finishes, the backup files are deleted (unless
    `delete_checkpoint=False`); `backup_dir` is removed only if that leaves
    it empty (Keras removes the whole directory, whatever else it holds).

    Args:
        backup_dir: directory for the backup (created if needed).
        save_freq: `"epoch"`, an integer number of batches, or `False` to
            back up only when training ends abnormally (not detectable here,
            so no periodic backups are made).
        double_checkpoint: also keep the previous backup as
            `latest.weights.h5.bkp` and `training_metadata.json.bkp`; it is
            restored when the latest backup is missing or unreadable.
        delete_checkpoint: remove the backup at the end of a completed `fit()`.

    Raises:
        ValueError: for an empty `backup_dir` or a bad `save_freq`; at the
            start of `fit()`, when the backup cannot be read (and no readable
            `.bkp` backup exists) or the model is not built.

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
        self._weights_path = os.path.join(self.backup_dir, WEIGHTS_NAME)
        self._metadata_path = os.path.join(self.backup_dir, METADATA_NAME)
        self._prev_weights_path = self._weights_path + _BKP
        self._current_epoch = 0
        self._batches_seen = 0

    # -- restore ----------------------------------------------------------------------------
    def _paths(self, suffix: str) -> tuple[str, str]:
        """The committed weights and metadata files of the latest (`""`) or previous (`.bkp`) backup."""
        return (
            file_utils.committed_path(self.backup_dir, WEIGHTS_NAME + suffix),
            file_utils.committed_path(self.backup_dir, METADATA_NAME + suffix),
        )

    def _restore(self, suffix: str) -> None:
        """Loads one backup; raises (leaving the model unchanged) when it is missing or unreadable."""
        weights, metadata_path = self._paths(suffix)
        with open(metadata_path, "rb") as fh:
            metadata = json.loads(fh.read(1 << 20).decode("utf-8"))
        if not isinstance(metadata, dict) or not isinstance(metadata.get("epoch"), int):
            raise ValueError(f"{metadata_path!r} holds no epoch counter. Received: {metadata!r:.200}")
        self.model.load_weights(weights)  # all or nothing: a failure leaves the model as it was
        state = metadata.get("rng_state")
        if state is not None:
            backend_random.generator().bit_generator.state = state
        # Read by fit() right after on_train_begin (Keras's `model._initial_epoch`).
        self.model._initial_epoch = int(metadata["epoch"])

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        latest = [os.path.exists(p) for p in self._paths("")]
        previous = [os.path.exists(p) for p in self._paths(_BKP)]
        if not any(latest) and not all(previous):
            return
        if not self.model.built:
            raise ValueError(
                "BackupAndRestore cannot restore into a model that is not built yet. Build it first, e.g. by "
                "starting it with keras.Input(...) or calling it on a batch."
            )
        try:
            self._restore("")
            return
        except (OSError, ValueError, KeyError, TypeError) as err:
            if not all(previous):
                raise ValueError(
                    f"The backup in {self.backup_dir!r} cannot be restored ({err}) and there is no previous "
                    "backup (.bkp) to fall back on. Delete the directory to train from the start."
                ) from err
            latest_error = err
        try:
            self._restore(_BKP)
        except (OSError, ValueError, KeyError, TypeError) as err:
            raise ValueError(
                f"Neither the backup in {self.backup_dir!r} ({latest_error}) nor the previous one ({err}) can be "
                "restored. Delete the directory to train from the start."
            ) from err
        # As Keras does: the previous backup becomes the latest, so the next backup keeps a good .bkp.
        self._copy_backup(_BKP, "")

    # -- back up ----------------------------------------------------------------------------
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

    def _copy_backup(self, source: str, target: str) -> None:
        """Copies one backup pair over the other, as one unit."""
        # The sources are looked up inside the writers: atomic_write_files first finishes an
        # interrupted save, which may rename the files `committed_path` pointed to a moment earlier.
        file_utils.atomic_write_files(
            self.backup_dir,
            [
                (WEIGHTS_NAME + target, lambda tmp: shutil.copyfile(self._paths(source)[0], tmp)),
                (METADATA_NAME + target, lambda tmp: shutil.copyfile(self._paths(source)[1], tmp)),
            ],
        )

    def _backup(self, next_epoch: int) -> None:
        if self.double_checkpoint and all(os.path.exists(p) for p in self._paths("")):
            self._copy_backup("", _BKP)
        metadata = json.dumps(
            {"epoch": next_epoch, "rng_state": backend_random.generator().bit_generator.state}
        )
        file_utils.atomic_write_files(
            self.backup_dir,
            [
                (WEIGHTS_NAME, lambda tmp: self.model.save_weights(tmp, overwrite=True)),
                (METADATA_NAME, lambda tmp: file_utils.write_bytes(tmp, metadata.encode())),
            ],
        )

    def on_train_end(self, logs: dict[str, Any] | None = None) -> None:
        if self.delete_checkpoint:
            names = [WEIGHTS_NAME, METADATA_NAME, WEIGHTS_NAME + _BKP, METADATA_NAME + _BKP]
            file_utils.remove_files(self.backup_dir, names)
