"""Binary elementwise ops (ops/binary.py): gradients with broadcasting, Keras parity and dtype rules."""

import numpy as np
import pytest
from keras import ops as kops

from scratchnn import ops
from scratchnn.testing import check_gradients
from tests.ops.parity import assert_matches, keras_result

# name -> (a sampler, b sampler, differentiable)
POS = ("uniform", 0.5, 2.0)
BINARY = {
    "arctan2": (("signed", 0.3, 2.0), ("signed", 0.3, 2.0), True),
    "hypot": (("signed", 0.3, 2.0), ("signed", 0.3, 2.0), True),
    "logaddexp": (("signed", 0.1, 3.0), ("signed", 0.1, 3.0), True),
    "logaddexp2": (("signed", 0.1, 3.0), ("signed", 0.1, 3.0), True),
    # Remainders: x1 / x2 kept away from integers, where they jump.
    "mod": (("signed", 0.3, 3.0), ("offset",), True),
    "fmod": (("signed", 0.3, 3.0), ("offset",), True),
    "divide_no_nan": (("signed", 0.3, 2.0), ("signed", 0.5, 2.0), True),
    "fmax": (POS, ("uniform", 2.1, 3.0), True),
    "fmin": (POS, ("uniform", 2.1, 3.0), True),
    "heaviside": (("signed", 0.3, 2.0), POS, True),
    "floor_divide": (("signed", 0.3, 3.0), ("offset",), False),
    "nextafter": (POS, POS, False),
    "isclose": (POS, POS, False),
    "logical_xor": (("signed", 0.3, 2.0), ("signed", 0.3, 2.0), False),
}


def _sample(spec, rng, shape):
    if spec[0] == "uniform":
        return rng.uniform(spec[1], spec[2], shape)
    if spec[0] == "signed":
        return rng.uniform(spec[1], spec[2], shape) * rng.choice([-1.0, 1.0], shape)
    return rng.choice([0.7, 1.3, -1.7], shape)  # divisors that keep x1 / x2 off the integers


@pytest.mark.parametrize("name", sorted(n for n, v in BINARY.items() if v[2]))
@pytest.mark.parametrize("shapes", [((3, 5), (3, 5)), ((3, 5), (5,)), ((1, 4), (2, 1))])
def test_binary_gradient_with_broadcasting(name, shapes, rng):
    spec_a, spec_b, _ = BINARY[name]
    a, b = _sample(spec_a, rng, shapes[0]), _sample(spec_b, rng, shapes[1])
    if name in ("mod", "fmod"):
        a = rng.choice([0.35, 1.1, -2.05, 2.45], shapes[0])  # no multiple of a divisor
    check_gradients(getattr(ops, name), [a, b])


@pytest.mark.parametrize("name", sorted(BINARY))
@pytest.mark.parametrize("x64", [False, True])
def test_binary_matches_keras(name, x64, rng):
    spec_a, spec_b, _ = BINARY[name]
    dtype = "float64" if x64 else "float32"
    a = _sample(spec_a, rng, (3, 4)).astype(dtype)
    b = _sample(spec_b, rng, (4,)).astype(dtype)
    assert_matches(getattr(ops, name)(a, b), keras_result(getattr(kops, name), a, b, x64=x64), float64=x64)


def test_divide_no_nan_is_zero_with_zero_gradient_where_the_divisor_is_zero():
    a = ops.Variable(np.array([1.0, 2.0, 3.0]), dtype="float64")
    b = ops.Variable(np.array([2.0, 0.0, 4.0]), dtype="float64")
    out = ops.divide_no_nan(a, b)
    np.testing.assert_array_equal(out.numpy(), [0.5, 0.0, 0.75])
    ga, gb = ops.gradient(ops.sum(out), [a, b])
    np.testing.assert_array_equal(ga, [0.5, 0.0, 0.25])
    assert gb[1] == 0.0


@pytest.mark.parametrize(
    "name,a,b",
    [
        ("arctan2", np.array([1, 2], "int32"), np.array([3, 1], "int32")),
        ("arctan2", np.array([1, 2], "int32"), np.array([3.0, 1.0], "float32")),
        ("mod", np.array([7, -7], "int32"), np.array([3, 3], "int32")),
        ("floor_divide", np.array([7, -7], "int32"), np.array([2, 2], "int32")),
        ("fmod", np.array([7, -7], "int32"), np.array([3, 3], "int32")),
        ("logaddexp", np.array([1, 2], "int32"), np.array([0.5, 1.5], "float32")),
        ("divide_no_nan", np.array([1, 2], "int32"), np.array([0, 4], "int32")),
        ("hypot", np.array([3], "int32"), np.array([4], "int32")),
    ],
)
def test_integer_and_mixed_operands_follow_keras_dtypes(name, a, b):
    assert_matches(getattr(ops, name)(a, b), keras_result(getattr(kops, name), a, b))


def test_python_scalars_are_weak():
    x = np.array([1.0, 2.0], "float32")
    assert ops.arctan2(x, 2).dtype == "float32" and ops.mod(np.array([5], "int32"), 3).dtype == "int32"
    assert ops.hypot(np.array([3], "int32"), 4.0).dtype == "float32"


INTEGER = ["bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_left_shift", "bitwise_right_shift",
           "left_shift", "right_shift", "gcd", "lcm"]  # fmt: skip


@pytest.mark.parametrize("name", INTEGER)
def test_integer_ops_match_keras(name):
    a, b = np.array([[12, 7, 5]], "int32"), np.array([3, 2, 1], "int32")
    assert_matches(getattr(ops, name)(a, b), keras_result(getattr(kops, name), a, b))


@pytest.mark.parametrize("name", ["bitwise_invert", "bitwise_not"])
def test_bitwise_invert_matches_keras(name):
    a = np.array([0, 5, -3], "int32")
    assert_matches(getattr(ops, name)(a), keras_result(getattr(kops, name), a))


def test_bitwise_ops_reject_floats():
    with pytest.raises(TypeError, match="integer"):
        ops.bitwise_and(np.ones(2), np.ones(2))


def test_ldexp_matches_keras_and_needs_integer_exponents(rng):
    x, e = rng.standard_normal(4).astype("float32"), np.array([0, 1, -2, 3], "int32")
    assert_matches(ops.ldexp(x, e), keras_result(kops.ldexp, x, e))
    check_gradients(lambda v: ops.ldexp(v, e), [x.astype("float64")])
    with pytest.raises(TypeError, match="integer"):
        ops.ldexp(x, np.ones(4, "float32"))


def test_allclose_matches_keras():
    a = np.array([1.0, 2.0], "float32")
    for b in (a + 1e-9, a + 1.0):
        assert_matches(ops.allclose(a, b), keras_result(kops.allclose, a, b))
