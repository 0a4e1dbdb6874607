"""ModelCheckpoint and BackupAndRestore on real training runs (TensorBoard: test_tensorboard_reader.py)."""

import os
import pathlib
import signal
import subprocess
import sys
import textwrap
import time

import keras
import numpy as np
import pytest

import scratchnn.keras as sk


def data(rng, n=48):
    x = rng.standard_normal((n, 4)).astype("float32")
    return x, (x @ np.array([[1.0], [-2.0], [0.5], [0.0]], "float32")).astype("float32")


def model_for(api, seed=3):
    if api is sk:
        sk.utils.set_random_seed(seed)
    m = api.Sequential(
        [
            api.Input((4,)),
            api.layers.Dense(8, activation="relu"),
            api.layers.Dropout(0.2),
            api.layers.Dense(1),
        ]
    )
    m.compile(optimizer="adam", loss="mse")
    return m


def test_filename_templates_like_keras(rng, tmp_path):
    x, y = data(rng)
    names = {}
    for api in (sk, keras):
        folder = tmp_path / api.__name__
        ck = api.callbacks.ModelCheckpoint(str(folder / "m-{epoch:02d}.keras"))
        model_for(api).fit(x, y, epochs=2, verbose=0, callbacks=[ck])
        names[api.__name__] = sorted(os.listdir(folder))
    assert names["scratchnn.keras"] == names["keras"] == ["m-01.keras", "m-02.keras"]

    model = model_for(sk)
    ck = sk.callbacks.ModelCheckpoint(str(tmp_path / "v" / "{epoch:02d}-{val_loss:.2f}.keras"))
    history = model.fit(x, y, epochs=2, validation_split=0.25, verbose=0, callbacks=[ck])
    expected = [f"{e + 1:02d}-{v:.2f}.keras" for e, v in enumerate(history.history["val_loss"])]
    assert sorted(os.listdir(tmp_path / "v")) == expected


def test_save_best_only_and_tutorial_h5_weights(rng, tmp_path):
    x, y = data(rng)
    model = model_for(sk)
    path = str(tmp_path / "my_keras_model.h5")
    ck = sk.callbacks.ModelCheckpoint(
        path, save_weights_only=True, save_best_only=True, monitor="loss", verbose=1
    )
    history = model.fit(x, y, epochs=4, verbose=0, callbacks=[ck])
    assert np.argmin(history.history["loss"]) == 3  # the loss falls every epoch, so the last one is kept
    clone = model_for(sk, seed=9)
    clone.load_weights(path)
    for a, b in zip(clone.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_save_freq_in_batches(rng, tmp_path):
    x, y = data(rng)  # 48 samples, batch 16: 3 batches per epoch
    ck = sk.callbacks.ModelCheckpoint(
        str(tmp_path / "b-{epoch}-{batch}.weights.h5"), save_weights_only=True, save_freq=2
    )
    model_for(sk).fit(x, y, epochs=2, batch_size=16, verbose=0, callbacks=[ck])
    assert sorted(os.listdir(tmp_path)) == ["b-1-2.weights.h5", "b-2-1.weights.h5", "b-2-3.weights.h5"]


@pytest.mark.parametrize(
    "kwargs,match",
    [
        ({"filepath": "w.keras", "save_weights_only": True}, "weights.h5"),
        ({"filepath": "m.keras", "save_freq": 0}, "save_freq"),
    ],
)
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        sk.callbacks.ModelCheckpoint(**kwargs)


CHILD = textwrap.dedent(
    """
    import sys, time, zipfile
    import numpy as np
    import scratchnn.keras as sk

    path, marker = sys.argv[1], sys.argv[2]
    rng = np.random.default_rng(0)
    x = rng.standard_normal((32, 4)).astype("float32")
    y = x[:, :1] * 2
    model = sk.Sequential([sk.Input((4,)), sk.layers.Dense(3), sk.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    original = zipfile.ZipFile.writestr
    saves = []

    def slow_writestr(self, name, data, *args, **kwargs):
        original(self, name, data, *args, **kwargs)
        if name == "config.json":
            saves.append(name)
            if len(saves) == 2:  # the second checkpoint: stop half way through writing it
                np.save(marker + ".npy", np.concatenate([w.ravel() for w in first]))
                open(marker, "w").close()
                time.sleep(60)

    class Remember(sk.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            global first
            if epoch == 0:
                first = self.model.get_weights()

    zipfile.ZipFile.writestr = slow_writestr
    model.fit(x, y, epochs=3, verbose=0, callbacks=[Remember(), sk.callbacks.ModelCheckpoint(path)])
    """
)


def test_killed_mid_checkpoint_keeps_previous_checkpoint(tmp_path):
    path, marker = str(tmp_path / "ckpt.keras"), str(tmp_path / "saving")
    env = {**os.environ, "PYTHONPATH": os.getcwd()}
    proc = subprocess.Popen([sys.executable, "-c", CHILD, path, marker], env=env)
    try:
        deadline = time.time() + 60
        while not os.path.exists(marker):
            if proc.poll() is not None or time.time() > deadline:
                pytest.fail(f"the training process ended before its second checkpoint (rc={proc.returncode})")
            time.sleep(0.05)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    finally:
        if proc.poll() is None:
            proc.kill()
    model = sk.models.load_model(path)
    weights = np.concatenate([w.ravel() for w in model.get_weights()])
    np.testing.assert_array_equal(weights, np.load(marker + ".npy"))


def test_backup_and_restore_resumes_to_the_same_result(rng, tmp_path):
    x, y = data(rng)

    class Crash(sk.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            if epoch == 2:
                raise RuntimeError("power cut")

    uninterrupted = model_for(sk).fit(x, y, epochs=6, batch_size=8, verbose=0)
    backup = str(tmp_path / "backup")
    with pytest.raises(RuntimeError, match="power cut"):
        model_for(sk).fit(
            x,
            y,
            epochs=6,
            batch_size=8,
            verbose=0,
            callbacks=[sk.callbacks.BackupAndRestore(backup), Crash()],
        )
    resumed_model = model_for(sk, seed=11)  # different initial weights: the backup must win
    resumed = resumed_model.fit(
        x, y, epochs=6, batch_size=8, verbose=0, callbacks=[sk.callbacks.BackupAndRestore(backup)]
    )
    assert resumed.epoch == [3, 4, 5]
    assert resumed.history["loss"] == uninterrupted.history["loss"][3:]
    assert not os.path.exists(backup)  # deleted after the completed fit


@pytest.mark.parametrize("save_weights_only", [True, False])
def test_a_run_that_never_has_a_finite_loss_keeps_the_best_checkpoint(save_weights_only, rng, tmp_path):
    """Issue 12 item 3: NaN is never "best", not even against best=None at the start of a new run."""
    x, y = data(rng)
    good = model_for(sk)
    good.fit(x, y, epochs=1, verbose=0)
    path = str(tmp_path / ("best.weights.h5" if save_weights_only else "best.keras"))
    good.save_weights(path) if save_weights_only else good.save(path)
    before = pathlib.Path(path).read_bytes()

    diverged = model_for(sk, seed=5)
    diverged.set_weights([np.full(w.shape, np.nan, "float32") for w in diverged.get_weights()])
    ck = sk.callbacks.ModelCheckpoint(
        path, monitor="loss", save_best_only=True, save_weights_only=save_weights_only, verbose=1
    )
    with np.errstate(invalid="ignore"):
        history = diverged.fit(x, y, epochs=2, verbose=0, callbacks=[ck])
    assert all(np.isnan(history.history["loss"]))
    assert pathlib.Path(path).read_bytes() == before
    assert ck.best is None
