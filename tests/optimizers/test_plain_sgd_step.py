"""The optimizer's training entry point, `Optimizer._minimize`, and plain SGD's shortcut through it:
the backward pass seeded with the learning rate, then `w -= s` in place."""

import inspect

import numpy as np
import pytest

import scratchnn.keras as keras
from scratchnn import optimizers
from scratchnn.optimizers import optimizer as optimizer_module


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


def _fit(model):
    rng = np.random.default_rng(1)
    x, y = rng.standard_normal((64, 6)).astype("float32"), rng.integers(0, 3, 64)
    history = model.fit(x, y, batch_size=8, epochs=3, verbose=0, shuffle=False)
    return [w.numpy() for w in model.weights], history.history


def _count_general_steps(monkeypatch):
    """Counts the steps that take the base class's general `_minimize`."""
    calls = []
    general = optimizer_module.Optimizer._minimize
    monkeypatch.setattr(
        optimizer_module.Optimizer, "_minimize", lambda self, *a: calls.append(1) or general(self, *a)
    )
    return calls


@pytest.mark.parametrize("learning_rate", [0.05, keras.optimizers.schedules.ExponentialDecay(0.1, 4, 0.5)])
def test_seeded_step_equals_the_general_update(learning_rate, monkeypatch):
    general_calls = _count_general_steps(monkeypatch)
    fast = _model(optimizers.SGD(learning_rate))
    fast_weights, fast_history = _fit(fast)
    assert general_calls == []  # every step took the shortcut
    monkeypatch.setattr(optimizers.SGD, "_options_at_defaults", lambda self: False)
    slow = _model(optimizers.SGD(learning_rate))
    slow_weights, slow_history = _fit(slow)
    assert len(general_calls) == 3 * 8
    for a, b in zip(fast_weights, slow_weights):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(fast_history["loss"], slow_history["loss"], rtol=1e-5)
    assert int(fast.optimizer.iterations.numpy()) == int(slow.optimizer.iterations.numpy()) == 24
    # The kernel constraint still holds after the in-place update.
    assert np.linalg.norm(fast.layers[0].kernel.numpy(), axis=0).max() <= 0.8 + 1e-6


# A value away from the default for every option of SGD's constructor. The test reads the
# options from the signature, so an option added later fails here until it gets a row: the
# shortcut must then be shown to step aside for it.
_NON_DEFAULT = {
    "momentum": 0.9,
    "nesterov": True,
    "weight_decay": 0.01,
    "clipnorm": 1.0,
    "clipvalue": 0.5,
    "global_clipnorm": 1.0,
    "use_ema": True,
    "ema_momentum": 0.5,
    "ema_overwrite_frequency": 3,
    "loss_scale_factor": 2.0,
    "gradient_accumulation_steps": 2,
}
_OPTIONS = [
    name
    for name, p in inspect.signature(optimizers.SGD.__init__).parameters.items()
    if name not in ("self", "learning_rate", "name") and p.kind is not p.VAR_KEYWORD
]


@pytest.mark.parametrize("option", _OPTIONS)
def test_every_other_option_takes_the_general_update(option, monkeypatch):
    assert option in _NON_DEFAULT, f"SGD option {option!r} has no non-default value in this test"
    general_calls = _count_general_steps(monkeypatch)
    model = _model(optimizers.SGD(0.05, **{option: _NON_DEFAULT[option]}))
    model.fit(np.ones((8, 6), "float32"), np.zeros(8, "int64"), batch_size=4, verbose=0)
    assert len(general_calls) == 2


@pytest.mark.parametrize("method", optimizer_module._UPDATE_PATH)
def test_a_subclass_overriding_the_update_path_is_not_short_cut(method, monkeypatch):
    calls = []
    original = getattr(optimizers.SGD, method)

    def logged(self, *args, **kwargs):
        calls.append(method)
        return original(self, *args, **kwargs)

    subclass = type("LoggedSGD", (optimizers.SGD,), {method: logged})
    model = _model(subclass(0.05))
    model.fit(np.ones((8, 6), "float32"), np.zeros(8, "int64"), batch_size=4, verbose=0)
    assert calls, f"an overridden {method} was bypassed by fit"


@pytest.mark.parametrize(
    "make", [lambda **kw: optimizers.SGD(0.05, **kw), lambda **kw: optimizers.Adam(0.01, **kw)]
)
def test_loss_scaling_cancels_out(make):
    """`loss_scale_factor` multiplies the loss and divides the gradients: the update is the same."""
    plain_weights, _ = _fit(_model(make()))
    scaled_weights, _ = _fit(_model(make(loss_scale_factor=8.0)))
    for a, b in zip(plain_weights, scaled_weights):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
