"""ReduceLROnPlateau and LearningRateScheduler against Keras 3, on a fake optimizer."""

import math

import keras
import numpy as np
import pytest
from callback_fakes import FakeModel, redirect_stdout

from scratchnn import callbacks


def run_plateau(module, values, **kwargs):
    model = FakeModel(learning_rate=0.1)
    callback = module.ReduceLROnPlateau(**kwargs)
    cbs = module.CallbackList(
        [callback], add_history=True, model=model, verbose=0, epochs=len(values), steps=1
    )
    cbs.on_train_begin()
    trace = []
    for epoch, value in enumerate(values):
        cbs.on_epoch_begin(epoch)
        cbs.on_epoch_end(epoch, {"loss": value, "val_loss": value})
        trace.append((model.optimizer.learning_rate, callback.wait, callback.cooldown_counter, callback.best))
    cbs.on_train_end()
    history = cbs.callbacks[-1].history
    return trace, history


VALUES = [1.0, 0.9, 0.9, 0.9, 0.89995, 0.9, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8]


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"patience": 1},
        {"patience": 2, "factor": 0.5, "cooldown": 2},
        {"patience": 1, "factor": 0.2, "min_lr": 0.01},
        {"patience": 1, "min_delta": 0.0, "monitor": "loss"},
        {"patience": 2, "mode": "max", "min_delta": 0.05},
    ],
)
def test_reduce_lr_on_plateau_matches_keras(kwargs):
    ours, our_history = run_plateau(callbacks, VALUES, **kwargs)
    theirs, their_history = run_plateau(keras.callbacks, VALUES, **kwargs)
    assert ours == theirs
    assert our_history == their_history
    assert our_history["learning_rate"][0] == pytest.approx(0.1)


def test_reduce_lr_verbose_message(monkeypatch):
    out = redirect_stdout(monkeypatch, tty=False)
    trace, _ = run_plateau(callbacks, [1.0, 1.0], patience=1, factor=0.5, verbose=1)
    assert (
        out.getvalue()
        == f"\nEpoch 2: ReduceLROnPlateau reducing learning rate to {float(np.float32(0.1)) * 0.5}.\n"
    )
    assert trace[-1][0] == pytest.approx(0.05)


def test_reduce_lr_missing_key_warns():
    callback = callbacks.ReduceLROnPlateau(monitor="val_acc", mode="max")
    callback.set_model(FakeModel())
    callback.on_train_begin()
    with pytest.warns(UserWarning, match="Available metrics are: loss,learning_rate"):
        callback.on_epoch_end(0, {"loss": 1.0})


@pytest.mark.parametrize("factor", [1.0, 2.5])
def test_reduce_lr_factor_must_be_below_one(factor):
    with pytest.raises(ValueError, match=f"Received: factor={factor}"):
        callbacks.ReduceLROnPlateau(factor=factor)


def schedule_two_args(epoch, lr):
    return lr if epoch < 2 else lr * math.exp(-0.1)


def schedule_one_arg(epoch):
    return 0.5 / (epoch + 1)


@pytest.mark.parametrize("schedule", [schedule_two_args, schedule_one_arg])
def test_learning_rate_scheduler_matches_keras(schedule, monkeypatch):
    results = []
    for module in (callbacks, keras.callbacks):
        out = redirect_stdout(monkeypatch, tty=False)
        model = FakeModel(learning_rate=0.01)
        cbs = module.CallbackList(
            [module.LearningRateScheduler(schedule, verbose=1)],
            add_history=True,
            model=model,
            verbose=0,
            epochs=5,
        )
        cbs.on_train_begin()
        for epoch in range(5):
            cbs.on_epoch_begin(epoch)
            cbs.on_epoch_end(epoch, {"loss": 1.0})
        cbs.on_train_end()
        results.append((cbs.callbacks[-1].history, model.optimizer.learning_rate, out.getvalue()))
    assert results[0] == results[1]
    assert "LearningRateScheduler setting learning rate to" in results[0][2]


@pytest.mark.parametrize("bad", ["0.1", None, [0.1]])
def test_learning_rate_scheduler_bad_schedule_output(bad):
    callback = callbacks.LearningRateScheduler(lambda epoch, lr: bad)
    callback.set_model(FakeModel())
    with pytest.raises(ValueError, match="must return a float"):
        callback.on_epoch_begin(0)


def test_learning_rate_scheduler_accepts_numpy_scalars():
    callback = callbacks.LearningRateScheduler(lambda epoch, lr: np.float32(0.25))
    model = FakeModel()
    callback.set_model(model)
    callback.on_epoch_begin(0)
    assert model.optimizer.learning_rate == 0.25


def test_learning_rate_scheduler_needs_a_callable():
    with pytest.raises(TypeError, match="Received: schedule=0.1"):
        callbacks.LearningRateScheduler(0.1)
