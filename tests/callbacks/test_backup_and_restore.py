"""BackupAndRestore: the .bkp fallback, clear errors for broken backups, and cleaning only its own files.

The crash-safety of each backup (weights and epoch counter as one unit) is
checked by killing a child at every step, in tests/saving/test_crash_safety.py.
"""

import json
import os

import numpy as np
import pytest

import scratchnn.keras as sk


def model_with(seed):
    model = sk.Sequential([sk.Input((3,)), sk.layers.Dense(4), sk.layers.Dense(1)])
    rng = np.random.default_rng(seed)
    model.set_weights([rng.standard_normal(w.shape).astype("float32") for w in model.get_weights()])
    model.compile(optimizer="sgd", loss="mse")
    return model


def back_up(folder, model, epoch, double=True):
    cb = sk.callbacks.BackupAndRestore(str(folder), double_checkpoint=double)
    cb.set_model(model)
    cb.on_epoch_end(epoch)


def restore(folder, double=True):
    fresh = model_with(99)
    cb = sk.callbacks.BackupAndRestore(str(folder), double_checkpoint=double)
    cb.set_model(fresh)
    cb.on_train_begin()
    return fresh


def two_backups(tmp_path):
    first, second = model_with(1), model_with(2)
    back_up(tmp_path, first, 0)
    back_up(tmp_path, second, 1)
    assert sorted(os.listdir(tmp_path)) == [
        "latest.weights.h5",
        "latest.weights.h5.bkp",
        "training_metadata.json",
        "training_metadata.json.bkp",
    ]
    return first, second


def assert_weights(model, expected):
    for a, b in zip(model.get_weights(), expected.get_weights()):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize(
    "damage",
    ["truncate weights", "garbage metadata", "metadata without epoch", "delete weights", "delete both"],
)
def test_an_unreadable_latest_backup_falls_back_to_the_bkp(damage, tmp_path):
    first, _ = two_backups(tmp_path)
    weights, metadata = tmp_path / "latest.weights.h5", tmp_path / "training_metadata.json"
    if damage == "truncate weights":
        weights.write_bytes(weights.read_bytes()[:100])
    elif damage == "garbage metadata":
        metadata.write_text("{not json")
    elif damage == "metadata without epoch":
        metadata.write_text(json.dumps({"batch": 3}))
    elif damage == "delete weights":
        weights.unlink()
    else:
        weights.unlink()
        metadata.unlink()
    restored = restore(tmp_path)
    assert restored._initial_epoch == 1
    assert_weights(restored, first)
    # As in Keras the .bkp becomes the latest again, so the next backup keeps a good .bkp.
    assert json.loads(metadata.read_text())["epoch"] == 1
    assert restore(tmp_path)._initial_epoch == 1


def test_an_unreadable_backup_without_bkp_is_a_clear_error(tmp_path):
    back_up(tmp_path, model_with(1), 0, double=False)
    (tmp_path / "latest.weights.h5").write_bytes(b"\x89HDF\r\n\x1a\n garbage")
    with pytest.raises(ValueError, match=r"cannot be restored.*no previous backup"):
        restore(tmp_path, double=False)


def test_both_backups_unreadable_is_a_clear_error_and_changes_nothing(tmp_path):
    two_backups(tmp_path)
    for name in ("latest.weights.h5", "latest.weights.h5.bkp"):
        (tmp_path / name).write_bytes(b"garbage")
    fresh = model_with(99)
    before = fresh.get_weights()
    cb = sk.callbacks.BackupAndRestore(str(tmp_path), double_checkpoint=True)
    cb.set_model(fresh)
    with pytest.raises(ValueError, match="Neither the backup"):
        cb.on_train_begin()
    for a, b in zip(fresh.get_weights(), before):
        np.testing.assert_array_equal(a, b)


def test_a_finished_fit_deletes_only_the_backup_files(tmp_path, rng):
    folder = tmp_path / "backup"
    folder.mkdir()
    (folder / "notes.txt").write_text("mine")
    x = rng.standard_normal((8, 3)).astype("float32")
    cb = sk.callbacks.BackupAndRestore(str(folder), double_checkpoint=True)
    model_with(1).fit(x, x[:, :1], epochs=3, verbose=0, callbacks=[cb])
    assert sorted(os.listdir(folder)) == ["notes.txt"]
