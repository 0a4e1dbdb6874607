"""Learning-rate schedules against keras.optimizers.schedules, plus config round trips."""

import jax
import jax.numpy as jnp
import keras
import numpy as np
import pytest

from scratchnn.ops.tensor import Variable
from scratchnn.optimizers import schedules

CASES = [
    ("ExponentialDecay", (0.1, 7, 0.5), {}),
    ("ExponentialDecay", (0.1, 7, 0.5), {"staircase": True}),
    ("ExponentialDecay", (2.0, 3.0, 0.96), {}),
    ("PiecewiseConstantDecay", ([5, 12, 30], [1.0, 0.5, 0.1, 0.01]), {}),
    ("PiecewiseConstantDecay", ([10], [0.3, 0.2]), {}),
    ("PolynomialDecay", (0.1, 20), {}),
    ("PolynomialDecay", (0.1, 20), {"end_learning_rate": 0.01, "power": 0.5}),
    ("PolynomialDecay", (0.1, 9), {"end_learning_rate": 0.02, "power": 2.0, "cycle": True}),
    ("InverseTimeDecay", (0.1, 1.0, 0.5), {}),
    ("InverseTimeDecay", (0.1, 6, 0.3), {"staircase": True}),
    ("CosineDecay", (0.1, 25), {}),
    ("CosineDecay", (0.1, 25), {"alpha": 0.2}),
    ("CosineDecay", (0.0, 20), {"warmup_target": 0.1, "warmup_steps": 10}),
    ("CosineDecay", (0.01, 20), {"warmup_target": 0.1, "warmup_steps": 10, "alpha": 0.1}),
    ("CosineDecayRestarts", (0.1, 6), {}),
    ("CosineDecayRestarts", (0.1, 5), {"t_mul": 1.0, "m_mul": 0.5, "alpha": 0.1}),
    ("CosineDecayRestarts", (0.1, 4), {"t_mul": 1.5, "m_mul": 0.8}),
]
IDS = [f"{n}-{k}" for n, _, k in CASES]


@pytest.mark.parametrize(("name", "args", "kwargs"), CASES, ids=IDS)
def test_values_match_keras(name, args, kwargs):
    ours = getattr(schedules, name)(*args, **kwargs)
    ref = getattr(keras.optimizers.schedules, name)(*args, **kwargs)
    steps = np.arange(60)
    if "warmup_target" in kwargs:
        # Its ops.cond needs a scalar step and retraces on every eager call: compile it once.
        compiled = jax.jit(ref)
        expected = np.array([float(compiled(jnp.int32(s))) for s in steps])
    else:  # one eager, vectorised Keras call
        expected = np.asarray(ref(jnp.asarray(steps, dtype="int32")), dtype="float64")
    got = np.array([float(ours(int(s))) for s in steps])
    np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-7)
    # Vectorised: an array of steps gives the same values in one call, in floatx.
    batch = ours(steps)
    assert batch.shape == steps.shape and batch.dtype == np.float32
    np.testing.assert_allclose(batch, got, rtol=0, atol=0)
    # A Variable step (the optimizer's iteration counter) works too.
    assert float(ours(Variable(np.array(7, "int64"), trainable=False))) == got[7]


@pytest.mark.parametrize(("name", "args", "kwargs"), CASES, ids=IDS)
def test_config_round_trip_and_keras_interop(name, args, kwargs):
    ours = getattr(schedules, name)(*args, **kwargs)
    ref = getattr(keras.optimizers.schedules, name)(*args, **kwargs)
    assert ours.get_config() == ref.get_config()
    config = schedules.serialize(ours)
    assert config == keras.optimizers.schedules.serialize(ref)
    again = schedules.deserialize(config)
    assert type(again) is type(ours) and again.get_config() == ours.get_config()
    # Keras reads our config and we read Keras's.
    assert keras.optimizers.schedules.deserialize(config).get_config() == ref.get_config()
    assert type(ours).from_config(ref.get_config()).get_config() == ours.get_config()


@pytest.mark.parametrize(
    ("factory", "match"),
    [
        (lambda: schedules.ExponentialDecay(0.1, 0, 0.5), "decay_steps"),
        (lambda: schedules.PolynomialDecay(0.1, -1), "decay_steps"),
        (lambda: schedules.InverseTimeDecay(0.1, 0, 0.5), "decay_steps"),
        (lambda: schedules.CosineDecay(0.1, 0), "decay_steps"),
        (lambda: schedules.CosineDecay(0.1, 10, warmup_steps=-1), "warmup_steps"),
        (lambda: schedules.CosineDecayRestarts(0.1, 0), "first_decay_steps"),
        (lambda: schedules.PiecewiseConstantDecay([1, 2], [0.1, 0.2]), "boundaries"),
        (lambda: schedules.PiecewiseConstantDecay([2, 1], [0.1, 0.2, 0.3]), "increasing"),
        (lambda: schedules.deserialize({"class_name": "Nope", "config": {}}), "ExponentialDecay"),
    ],
)
def test_bad_arguments_raise(factory, match):
    with pytest.raises(ValueError, match=match):
        factory()


def test_custom_schedule_base_class():
    class Halving(schedules.LearningRateSchedule):
        def __call__(self, step):
            return 0.1 / (int(step) + 1)

    assert Halving()(1) == 0.05
    with pytest.raises(NotImplementedError, match="get_config"):
        Halving().get_config()
    with pytest.raises(NotImplementedError, match="__call__"):
        schedules.LearningRateSchedule()(0)
