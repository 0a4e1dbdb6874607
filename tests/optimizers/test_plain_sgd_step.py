"""fit's plain-SGD step: the backward pass seeded with the learning rate, then `w -= s` in place."""

import numpy as np
import pytest

import scratchnn.keras as keras
from scratchnn import optimizers


def _model(optimizer, seed=0):
    keras.utils.set_random_seed(seed)
    model = keras.Sequential(
        [
            keras.Input((6,)),
            keras.layers.Dense(5, activation="relu", kernel_constraint=keras.constraints.MaxNorm(0.8)),
            keras.layers.Dense(3, activation="softmax"),
        ]
    )
    model.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def _fit(model, monkeypatch=None):
    rng = np.random.default_rng(1)
    x, y = rng.standard_normal((64, 6)).astype("float32"), rng.integers(0, 3, 64)
    history = model.fit(x, y, batch_size=8, epochs=3, verbose=0, shuffle=False)
    return [w.numpy() for w in model.weights], history.history


@pytest.mark.parametrize("learning_rate", [0.05, keras.optimizers.schedules.ExponentialDecay(0.1, 4, 0.5)])
def test_scaled_step_equals_the_general_update(learning_rate, monkeypatch):
    fast = _model(optimizers.SGD(learning_rate))
    fast_weights, fast_history = _fit(fast)
    calls = []
    original = optimizers.SGD.apply_scaled
    monkeypatch.setattr(optimizers.SGD, "apply_scaled", lambda *a: calls.append(1) or original(*a))
    _fit(_model(optimizers.SGD(learning_rate)))
    assert len(calls) == 3 * 8 - 1  # every step after the first, which builds the optimizer
    monkeypatch.setattr(optimizers.SGD, "plain_step_size", lambda self: None)
    slow = _model(optimizers.SGD(learning_rate))
    slow_weights, slow_history = _fit(slow)
    for a, b in zip(fast_weights, slow_weights):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(fast_history["loss"], slow_history["loss"], rtol=1e-5)
    assert int(fast.optimizer.iterations.numpy()) == int(slow.optimizer.iterations.numpy()) == 24
    # The kernel constraint still holds after the in-place update.
    assert np.linalg.norm(fast.layers[0].kernel.numpy(), axis=0).max() <= 0.8 + 1e-6


@pytest.mark.parametrize(
    "kwargs",
    [
        {"momentum": 0.9},
        {"weight_decay": 0.01},
        {"clipnorm": 1.0},
        {"global_clipnorm": 1.0},
        {"clipvalue": 0.5},
        {"use_ema": True},
        {"gradient_accumulation_steps": 2},
        {"loss_scale_factor": 2.0},
    ],
)
def test_any_other_option_takes_the_general_update(kwargs):
    opt = optimizers.SGD(0.1, **kwargs)
    opt.build([keras.Variable(np.zeros(2, "float32"))])
    assert opt.plain_step_size() is None
    plain = optimizers.SGD(0.1)
    assert plain.plain_step_size() is None  # not built yet
    plain.build([keras.Variable(np.zeros(2, "float32"))])
    assert plain.plain_step_size() == pytest.approx(0.1)
    assert optimizers.Adam().plain_step_size() is None
    with pytest.raises(NotImplementedError):
        optimizers.Adam().apply_scaled([], [])


def test_a_subclass_with_its_own_update_is_not_short_cut():
    class Halved(optimizers.SGD):
        def update_step(self, gradient, variable, learning_rate):
            variable.data -= 0.5 * learning_rate * gradient

    opt = Halved(0.1)
    opt.build([keras.Variable(np.zeros(2, "float32"))])
    assert opt.plain_step_size() is None
