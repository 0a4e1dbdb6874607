"""scratchnn.regularizers against keras.regularizers: penalty values, gradients and configs."""

import jax
import keras
import numpy as np
import pytest

from scratchnn import ops, regularizers

CASES = [
    ("L1", {}),
    ("L1", {"l1": 0.3}),
    ("L2", {}),
    ("L2", {"l2": 0.25}),
    ("L1L2", {"l1": 0.1, "l2": 0.2}),
    ("L1L2", {"l1": 0.05}),
    ("OrthogonalRegularizer", {}),
    ("OrthogonalRegularizer", {"factor": 0.5, "mode": "columns"}),
]


# Tall and wide weights; the orthogonal cases run once each (their Keras gradient compiles slowly).
GRADIENT_CASES = [(n, a, s) for n, a in CASES for s in [(5, 7), (9, 3)] if n != "OrthogonalRegularizer"] + [
    (n, a, (5, 7)) for n, a in CASES if n == "OrthogonalRegularizer"
]


@pytest.mark.parametrize("name,args,shape", GRADIENT_CASES)
def test_penalty_and_gradient_match_keras(name, args, shape, rng):
    w = rng.normal(size=shape).astype(np.float32)
    theirs = getattr(keras.regularizers, name)(**args)
    expected = float(theirs(keras.ops.convert_to_tensor(w)))
    expected_grad = np.asarray(jax.grad(lambda x: theirs(x))(w))

    var = ops.Variable(w.copy())
    penalty = getattr(regularizers, name)(**args)(var)
    assert isinstance(penalty, ops.Tensor) and penalty.shape == () and penalty.dtype == "float32"
    assert float(penalty) == pytest.approx(expected, rel=1e-6)
    (grad,) = ops.gradient(penalty, [var])
    np.testing.assert_allclose(grad, expected_grad, rtol=1e-5, atol=1e-6)


def test_penalty_of_activations_and_float64(rng):
    x = rng.normal(size=(4, 6))
    got = regularizers.L1L2(l1=0.01, l2=0.02)(ops.convert_to_tensor(x))
    assert got.dtype == "float64"
    assert float(got) == pytest.approx(0.01 * np.abs(x).sum() + 0.02 * np.square(x).sum(), rel=1e-12)
    assert float(regularizers.L1L2()(x)) == 0.0


def test_orthogonal_regularizer_on_orthogonal_rows_is_zero():
    q = np.linalg.qr(np.random.default_rng(0).normal(size=(6, 6)))[0]
    assert float(regularizers.OrthogonalRegularizer(factor=1.0)(q)) == pytest.approx(0.0, abs=1e-12)
    with pytest.raises(ValueError, match="rank-2"):
        regularizers.OrthogonalRegularizer()(np.ones((2, 2, 2)))


@pytest.mark.parametrize("name,args", CASES)
def test_config_round_trip_and_serialization_match_keras(name, args):
    ours = getattr(regularizers, name)(**args)
    theirs = getattr(keras.regularizers, name)(**args)
    expected = {k: pytest.approx(v) if isinstance(v, float) else v for k, v in theirs.get_config().items()}
    assert ours.get_config() == expected
    assert type(ours).from_config(ours.get_config()).get_config() == ours.get_config()
    saved = keras.regularizers.serialize(theirs)
    assert {k: v for k, v in regularizers.serialize(ours).items() if k != "config"} == {
        k: v for k, v in saved.items() if k != "config"
    }
    back = regularizers.deserialize(saved)
    assert type(back) is type(ours) and back.get_config() == pytest.approx(ours.get_config())
    in_keras = keras.regularizers.deserialize(regularizers.serialize(ours))
    assert in_keras.get_config() == pytest.approx(theirs.get_config())


def test_defaults_match_keras():
    for name in ("L1", "L2", "L1L2", "OrthogonalRegularizer"):
        ours = getattr(regularizers, name)().get_config()
        assert ours == pytest.approx(getattr(keras.regularizers, name)().get_config())


@pytest.mark.parametrize("name", ["l1", "l2", "l1l2", "L1L2", "L1", "orthogonal_regularizer"])
def test_get_by_name_matches_keras(name):
    ours, theirs = regularizers.get(name), keras.regularizers.get(name)
    assert type(ours).__name__ == type(theirs).__name__
    assert ours.get_config() == pytest.approx(theirs.get_config())


def test_aliases_and_other_identifiers():
    assert regularizers.l1_l2 is regularizers.L1L2 and regularizers.l1 is regularizers.L1
    assert isinstance(regularizers.get("l1_l2"), regularizers.L1L2)
    assert regularizers.get(None) is None
    inst = regularizers.L2(0.5)
    assert regularizers.get(inst) is inst
    assert isinstance(regularizers.get(regularizers.L1), regularizers.L1)
    assert regularizers.get({"class_name": "L2", "config": {"l2": 0.3}}).l2 == 0.3

    def fn(x):
        return ops.sum(x)

    assert regularizers.get(fn) is fn


def test_unknown_name_lists_valid_names():
    with pytest.raises(ValueError, match="Unknown regularizer 'l3'") as info:
        regularizers.get("l3")
    for valid in ("l1", "l2", "L1L2", "orthogonal_regularizer"):
        assert repr(valid) in str(info.value)
    with pytest.raises(ValueError, match="Could not interpret"):
        regularizers.get(0.1)


@pytest.mark.parametrize(
    "factory,match",
    [
        (lambda: regularizers.L1(-1.0), "l1=-1.0"),
        (lambda: regularizers.L2(float("nan")), "l2=nan"),
        (lambda: regularizers.L1L2(l2="a"), "l2='a'"),
        (lambda: regularizers.OrthogonalRegularizer(mode="diag"), "mode='diag'"),
    ],
)
def test_bad_arguments(factory, match):
    with pytest.raises(ValueError, match=match):
        factory()
