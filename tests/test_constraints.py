"""scratchnn.constraints against keras.constraints on the same arrays."""

import keras
import numpy as np
import pytest

from scratchnn import constraints, ops

CASES = [
    ("MaxNorm", {}),
    ("MaxNorm", {"max_value": 1.0, "axis": 1}),
    ("MaxNorm", {"max_value": 0.5, "axis": [0, 1, 2]}),
    ("MinMaxNorm", {}),
    ("MinMaxNorm", {"min_value": 0.5, "max_value": 1.5, "rate": 0.7, "axis": 1}),
    ("MinMaxNorm", {"min_value": 1.0, "max_value": 2.0, "axis": [0, 1, 2]}),
    ("NonNeg", {}),
    ("UnitNorm", {}),
    ("UnitNorm", {"axis": 1}),
    ("UnitNorm", {"axis": [0, 1, 2]}),
]


def _weights(rng, axis):
    # A conv-shaped kernel for several axes, a dense one otherwise; the scale
    # spreads the norms on both sides of the bounds.
    shape = (3, 3, 4, 5) if isinstance(axis, list) else (6, 4)
    return (rng.normal(size=shape) * rng.uniform(0.05, 1.0, size=shape[-1])).astype(np.float32)


@pytest.mark.parametrize("name,args", CASES)
def test_matches_keras(name, args, rng):
    w = _weights(rng, args.get("axis", 0))
    ours = getattr(constraints, name)(**args)
    theirs = getattr(keras.constraints, name)(**args)
    expected = np.asarray(theirs(w))
    got = ours(w)
    assert got.dtype == np.float32 and got.shape == w.shape
    np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-6)
    # A Variable is accepted and left unchanged; the result is a backend array.
    var = ops.Variable(w.copy())
    np.testing.assert_allclose(ours(var), expected, rtol=1e-6, atol=1e-6)
    np.testing.assert_array_equal(var.numpy(), w)


@pytest.mark.parametrize("name,args", CASES)
def test_config_round_trip_and_serialization_match_keras(name, args):
    ours = getattr(constraints, name)(**args)
    theirs = getattr(keras.constraints, name)(**args)
    assert ours.get_config() == theirs.get_config()
    assert type(ours).from_config(ours.get_config()).get_config() == ours.get_config()
    assert constraints.serialize(ours) == keras.constraints.serialize(theirs)
    back = constraints.deserialize(keras.constraints.serialize(theirs))
    assert type(back) is type(ours) and back.get_config() == ours.get_config()
    assert keras.constraints.deserialize(constraints.serialize(ours)).get_config() == theirs.get_config()


def test_defaults_match_keras():
    for name in ("MaxNorm", "MinMaxNorm", "UnitNorm", "NonNeg"):
        assert getattr(constraints, name)().get_config() == getattr(keras.constraints, name)().get_config()


def test_float64_is_kept(rng):
    w = rng.normal(size=(5, 3))
    assert constraints.MaxNorm(0.1)(w).dtype == np.float64
    np.testing.assert_allclose(np.linalg.norm(constraints.UnitNorm()(w), axis=0), 1.0, rtol=1e-6)


@pytest.mark.parametrize("name", ["max_norm", "min_max_norm", "non_neg", "unit_norm", "MaxNorm", "NonNeg"])
def test_get_by_name_matches_keras(name):
    assert type(constraints.get(name)).__name__ == type(keras.constraints.get(name)).__name__


def test_get_other_identifiers():
    assert constraints.get(None) is None
    inst = constraints.NonNeg()
    assert constraints.get(inst) is inst
    assert isinstance(constraints.get(constraints.UnitNorm), constraints.UnitNorm)
    saved = {"module": "keras.constraints", "class_name": "MaxNorm", "config": {"max_value": 3, "axis": 0}}
    assert constraints.get({**saved, "registered_name": None}).max_value == 3
    assert constraints.get({"class_name": "UnitNorm", "config": {"axis": 1}}).axis == 1

    def clip(w):
        return np.clip(w, -1, 1)

    assert constraints.get(clip) is clip


def test_unknown_name_lists_valid_names():
    with pytest.raises(ValueError, match="Unknown constraint 'maxnorm'") as info:
        constraints.get("maxnorm")
    for valid in ("max_norm", "non_neg", "unit_norm", "MinMaxNorm"):
        assert repr(valid) in str(info.value)
    with pytest.raises(ValueError, match="Could not interpret"):
        constraints.get(1.0)


def test_bad_arguments():
    with pytest.raises(ValueError, match="max_value=-1"):
        constraints.MaxNorm(max_value=-1)
    with pytest.raises(TypeError, match="axis='0'"):
        constraints.UnitNorm(axis="0")
