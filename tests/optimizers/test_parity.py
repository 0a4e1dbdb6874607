"""Five update steps in real Keras 3 and in scratchnn from the same weights and gradients."""

import keras
import numpy as np
import pytest

from scratchnn import optimizers
from scratchnn.ops.tensor import Variable

SHAPES = [(3, 4), (4,), (2, 3, 2)]
STEPS = 5


def make_data(seed, scale=1.0, steps=STEPS):
    rng = np.random.default_rng(seed)
    init = [rng.normal(size=s).astype("float32") for s in SHAPES]
    grads = [[(scale * rng.normal(size=s)).astype("float32") for s in SHAPES] for _ in range(steps)]
    return init, grads


def run_pair(k_opt, s_opt, seed=0, scale=1.0, steps=STEPS, hook=None):
    """Runs both optimizers; returns the Keras and scratchnn variables."""
    init, grads = make_data(seed, scale, steps)
    kv = [keras.Variable(w, name=f"w{i}") for i, w in enumerate(init)]
    sv = [Variable(w.copy(), name=f"w{i}", path=f"w{i}") for i, w in enumerate(init)]
    for t in range(steps):
        if hook is not None:
            hook(t, k_opt, s_opt)
        k_opt.apply_gradients(zip([keras.ops.convert_to_tensor(g) for g in grads[t]], kv, strict=True))
        s_opt.apply_gradients(zip(grads[t], sv, strict=True))
    return kv, sv


def assert_same_weights(kv, sv, tol=1e-6):
    for k, s in zip(kv, sv, strict=True):
        assert s.data.dtype == np.float32
        np.testing.assert_allclose(s.numpy(), keras.ops.convert_to_numpy(k.value), rtol=tol, atol=tol)


def assert_same_state(k_opt, s_opt, tol=1e-6):
    kvars, svars = k_opt.variables, s_opt.variables
    assert len(kvars) == len(svars)
    for k, s in zip(kvars, svars, strict=True):
        if s.name != "u_product":  # Keras leaves Nadam's scalar unnamed ("variable", "variable_1", ...)
            assert k.name == s.name
        np.testing.assert_allclose(s.numpy(), keras.ops.convert_to_numpy(k.value), rtol=tol, atol=tol)


CASES = [
    ("SGD", {}),
    ("SGD", {"learning_rate": 0.1, "momentum": 0.9}),
    ("SGD", {"learning_rate": 0.1, "momentum": 0.9, "nesterov": True}),
    ("Adam", {}),
    ("Adam", {"learning_rate": 0.05, "beta_1": 0.8, "beta_2": 0.95, "epsilon": 1e-5}),
    ("Adam", {"learning_rate": 0.05, "amsgrad": True}),
    ("AdamW", {}),
    ("AdamW", {"learning_rate": 0.05, "weight_decay": 0.1, "amsgrad": True}),
    ("RMSprop", {}),
    ("RMSprop", {"learning_rate": 0.01, "rho": 0.8, "momentum": 0.5}),
    ("RMSprop", {"learning_rate": 0.01, "centered": True}),
    ("RMSprop", {"learning_rate": 0.01, "momentum": 0.5, "centered": True}),
    ("Adagrad", {}),
    ("Adagrad", {"learning_rate": 0.1, "initial_accumulator_value": 0.5, "epsilon": 1e-4}),
    ("Adadelta", {}),
    ("Adadelta", {"learning_rate": 1.0, "rho": 0.9}),
    ("Adamax", {}),
    ("Adamax", {"learning_rate": 0.05, "beta_1": 0.7}),
    ("Nadam", {}),
    ("Nadam", {"learning_rate": 0.05, "beta_2": 0.9}),
    # Shared base-class features, on a few optimizers.
    ("SGD", {"learning_rate": 0.1, "clipnorm": 1.0}),
    ("Adam", {"learning_rate": 0.05, "clipnorm": 0.5}),
    ("SGD", {"learning_rate": 0.1, "clipvalue": 0.3}),
    ("RMSprop", {"learning_rate": 0.01, "clipvalue": 0.3}),
    ("SGD", {"learning_rate": 0.1, "global_clipnorm": 1.5}),
    ("Adam", {"learning_rate": 0.05, "global_clipnorm": 1.5}),
    ("SGD", {"learning_rate": 0.1, "momentum": 0.5, "weight_decay": 0.2}),
    ("Adam", {"learning_rate": 0.05, "weight_decay": 0.1}),
    ("Nadam", {"learning_rate": 0.05, "weight_decay": 0.1}),
    ("SGD", {"learning_rate": 0.1, "loss_scale_factor": 4.0}),
    ("Adam", {"learning_rate": 0.05, "use_ema": True}),
    (
        "SGD",
        {
            "learning_rate": 0.1,
            "momentum": 0.9,
            "use_ema": True,
            "ema_momentum": 0.5,
            "ema_overwrite_frequency": 2,
        },
    ),
    ("SGD", {"learning_rate": 0.1, "momentum": 0.9, "gradient_accumulation_steps": 2}),
    ("Adam", {"learning_rate": 0.05, "gradient_accumulation_steps": 2, "weight_decay": 0.1}),
]


@pytest.mark.parametrize(("cls_name", "kwargs"), CASES, ids=[f"{c}-{k}" for c, k in CASES])
def test_matches_keras(cls_name, kwargs):
    k_opt = getattr(keras.optimizers, cls_name)(**kwargs)
    s_opt = getattr(optimizers, cls_name)(**kwargs)
    # Large gradients so that every clipping mode actually clips.
    kv, sv = run_pair(k_opt, s_opt, seed=len(str(kwargs)), scale=3.0)
    assert_same_weights(kv, sv)
    assert_same_state(k_opt, s_opt)
    assert int(s_opt.iterations.numpy()) == int(keras.ops.convert_to_numpy(k_opt.iterations))


def test_ema_finalize_matches_keras():
    k_opt = keras.optimizers.Adam(0.05, use_ema=True, ema_momentum=0.6)
    s_opt = optimizers.Adam(0.05, use_ema=True, ema_momentum=0.6)
    kv, sv = run_pair(k_opt, s_opt)
    k_opt.finalize_variable_values(kv)
    s_opt.finalize_variable_values(sv)
    assert_same_weights(kv, sv)


SCHEDULES = [
    ("ExponentialDecay", (0.1, 2, 0.5), {}),
    ("ExponentialDecay", (0.1, 2, 0.5), {"staircase": True}),
    ("PiecewiseConstantDecay", ([1, 3], [0.1, 0.05, 0.01]), {}),
    ("PolynomialDecay", (0.1, 3), {"end_learning_rate": 0.01, "power": 2.0}),
    ("PolynomialDecay", (0.1, 2), {"cycle": True}),
    ("InverseTimeDecay", (0.1, 1.0, 0.5), {}),
    ("InverseTimeDecay", (0.1, 2, 0.5), {"staircase": True}),
    ("CosineDecay", (0.1, 4), {"alpha": 0.1}),
    ("CosineDecay", (0.0, 3), {"warmup_target": 0.1, "warmup_steps": 2}),
]


@pytest.mark.parametrize(("name", "args", "kwargs"), SCHEDULES, ids=[f"{n}-{k}" for n, _, k in SCHEDULES])
@pytest.mark.parametrize("cls_name", ["SGD", "Adam"])
def test_schedule_in_optimizer_matches_keras(cls_name, name, args, kwargs):
    k_opt = getattr(keras.optimizers, cls_name)(getattr(keras.optimizers.schedules, name)(*args, **kwargs))
    s_opt = getattr(optimizers, cls_name)(getattr(optimizers.schedules, name)(*args, **kwargs))
    kv, sv = run_pair(k_opt, s_opt, steps=6)
    assert_same_weights(kv, sv)
    assert_same_state(k_opt, s_opt)
    np.testing.assert_allclose(
        float(s_opt.learning_rate), float(keras.ops.convert_to_numpy(k_opt.learning_rate)), atol=1e-7
    )


@pytest.mark.parametrize("cls_name", ["SGD", "Adam", "RMSprop", "Nadam"])
def test_setting_learning_rate_mid_training_matches_keras(cls_name):
    def hook(t, k_opt, s_opt):
        if t == 2:
            k_opt.learning_rate = 0.2
            s_opt.learning_rate = 0.2
        if t == 4:  # a schedule replaces the float learning rate in both
            k_opt.learning_rate = keras.optimizers.schedules.ExponentialDecay(0.3, 1, 0.5)
            s_opt.learning_rate = optimizers.schedules.ExponentialDecay(0.3, 1, 0.5)

    k_opt = getattr(keras.optimizers, cls_name)(learning_rate=0.01)
    s_opt = getattr(optimizers, cls_name)(learning_rate=0.01)
    kv, sv = run_pair(k_opt, s_opt, hook=hook, steps=6)
    assert_same_weights(kv, sv)
    assert_same_state(k_opt, s_opt)


def test_learning_rate_change_takes_effect():
    v = Variable(np.zeros(3, "float32"))
    opt = optimizers.SGD(learning_rate=0.1)
    opt.apply([np.ones(3, "float32")], [v])
    np.testing.assert_allclose(v.numpy(), -0.1, rtol=1e-6)
    opt.learning_rate = 1.0
    assert float(opt.learning_rate) == 1.0
    opt.apply([np.ones(3, "float32")], [v])
    np.testing.assert_allclose(v.numpy(), -1.1, rtol=1e-6)
    opt.learning_rate.assign(np.float32(0.5))  # Keras-style assign on the Variable
    opt.apply([np.ones(3, "float32")], [v])
    np.testing.assert_allclose(v.numpy(), -1.6, rtol=1e-6)
