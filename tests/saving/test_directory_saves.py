"""Directory saves write the three model files and nothing else; files behave like files (issue 12, items 1 and 11)."""

import os

import numpy as np
import pytest

import scratchnn.keras as sk
from scratchnn.saving.saving_api import load_model

MODEL_FILES = ["config.json", "metadata.json", "model.weights.h5"]


def model_with(units, seed):
    model = sk.Sequential([sk.Input((3,)), sk.layers.Dense(units), sk.layers.Dense(1)])
    rng = np.random.default_rng(seed)
    model.set_weights([rng.standard_normal(w.shape).astype("float32") for w in model.get_weights()])
    model.compile(optimizer="sgd", loss="mse")
    return model


def user_files(root):
    (root / "logs").mkdir(parents=True)
    (root / "logs" / "run1.csv").write_text("epoch,loss\n")
    (root / "notes.txt").write_text("my notes")
    (root / "config.json.orig").write_text("{}")


def assert_user_files(root):
    assert (root / "notes.txt").read_text() == "my notes"
    assert (root / "logs" / "run1.csv").read_text() == "epoch,loss\n"
    assert (root / "config.json.orig").read_text() == "{}"


def assert_loads(path, model):
    for a, b in zip(load_model(path).get_weights(), model.get_weights()):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize(
    "kwargs",
    [{"zipped": False}, {"save_format": "tf"}, {}],
    ids=["zipped=False", "save_format=tf", "no suffix"],
)
def test_saving_into_an_existing_directory_keeps_its_other_files(kwargs, tmp_path):
    results = tmp_path / "results"
    user_files(results)
    for seed, units in ((0, 4), (1, 6)):  # a first save, then a different model over it
        model = model_with(units, seed)
        model.save(results, **kwargs)
        assert_user_files(results)
        assert sorted(os.listdir(results)) == sorted([*MODEL_FILES, "logs", "notes.txt", "config.json.orig"])
        assert_loads(results, model)


def test_saving_into_the_working_directory_keeps_it(tmp_path, monkeypatch):
    user_files(tmp_path)
    monkeypatch.chdir(tmp_path)
    model = model_with(4, 0)
    model.save(os.getcwd(), save_format="tf")
    assert_user_files(tmp_path)
    assert_loads(tmp_path, model)


def test_model_checkpoint_into_a_directory_keeps_its_other_files(tmp_path):
    checkpoints = tmp_path / "checkpoints"
    user_files(checkpoints)
    model = model_with(4, 0)
    x = np.ones((8, 3), "float32")
    model.fit(x, x[:, :1], epochs=2, verbose=0, callbacks=[sk.callbacks.ModelCheckpoint(str(checkpoints))])
    assert_user_files(checkpoints)
    assert_loads(checkpoints, model)


def test_a_file_in_the_way_of_a_directory_save_is_kept(tmp_path):
    path = tmp_path / "results"
    path.write_text("not a model")
    with pytest.raises(ValueError, match="exists and is a file"):
        model_with(4, 0).save(path, zipped=False)
    assert path.read_text() == "not a model"


@pytest.mark.skipif(os.name != "posix", reason="file modes and umask are POSIX features")
@pytest.mark.parametrize("name", ["m.keras", "m.weights.h5", "m.h5", "dir"])
def test_saved_files_follow_the_umask_and_keep_their_mode(name, tmp_path):
    model = model_with(4, 0)
    path = tmp_path / name
    save = model.save_weights if name.endswith(".weights.h5") else model.save
    previous = os.umask(0o022)
    try:
        save(path)
        files = [path / f for f in MODEL_FILES] if name == "dir" else [path]
        assert all(oct(f.stat().st_mode & 0o777) == oct(0o644) for f in files)
        for f in files:
            f.chmod(0o600)
        save(path)
        assert all(oct(f.stat().st_mode & 0o777) == oct(0o600) for f in files)
    finally:
        os.umask(previous)


@pytest.mark.skipif(os.name != "posix", reason="symlinks need POSIX here")
@pytest.mark.parametrize("name", ["m.keras", "m.weights.h5", "m.h5"])
def test_saving_through_a_symlink_writes_the_target(name, tmp_path):
    (tmp_path / "store").mkdir()
    target = tmp_path / "store" / name
    link = tmp_path / name
    model_with(4, 0).save_weights(target) if name.endswith(".weights.h5") else model_with(4, 0).save(target)
    link.symlink_to(target)
    new = model_with(4, 1)
    new.save_weights(link) if name.endswith(".weights.h5") else new.save(link)
    assert link.is_symlink()
    assert sorted(os.listdir(tmp_path / "store")) == [name]
    fresh = model_with(4, 2)
    fresh.load_weights(target)
    for a, b in zip(fresh.get_weights(), new.get_weights()):
        np.testing.assert_array_equal(a, b)
