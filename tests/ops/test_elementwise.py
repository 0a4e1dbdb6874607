"""Unary elementwise ops (ops/elementwise.py): float64 gradient checks and Keras parity."""

import numpy as np
import pytest
from keras import ops as kops

from scratchnn import backend, ops
from scratchnn.testing import check_gradients
from tests.ops.parity import assert_matches, away_from_kinks, keras_result

DOMAINS = {
    "any": lambda rng, s: away_from_kinks(rng, s),
    "positive": lambda rng, s: rng.uniform(0.2, 2.0, s),
    "unit": lambda rng, s: away_from_kinks(rng, s, 0.1, 0.9),
    "above1": lambda rng, s: rng.uniform(1.2, 3.0, s),
    "tan": lambda rng, s: away_from_kinks(rng, s, 0.1, 1.2),
}

# name -> (domain, differentiable)
UNARY = {
    "sin": ("any", True),
    "cos": ("any", True),
    "tan": ("tan", True),
    "arcsin": ("unit", True),
    "arccos": ("unit", True),
    "arctan": ("any", True),
    "sinh": ("any", True),
    "cosh": ("any", True),
    "arcsinh": ("any", True),
    "arccosh": ("above1", True),
    "arctanh": ("unit", True),
    "exp2": ("any", True),
    "log2": ("positive", True),
    "log10": ("positive", True),
    "reciprocal": ("any", True),
    "rsqrt": ("positive", True),
    "cbrt": ("any", True),
    "deg2rad": ("any", True),
    "rad2deg": ("any", True),
    "sinc": ("any", True),
    "erfc": ("any", True),
    "erfinv": ("unit", True),
    "fabs": ("any", True),
    "real": ("any", True),
    "conjugate": ("any", True),
    "conj": ("any", True),
    "nan_to_num": ("any", True),
    "ceil": ("any", False),
    "trunc": ("any", False),
    "signbit": ("any", False),
    "isinf": ("any", False),
    "isposinf": ("any", False),
    "isneginf": ("any", False),
    "angle": ("any", False),
    "imag": ("any", False),
    "isreal": ("any", False),
}


@pytest.mark.parametrize("name", sorted(n for n, (_, d) in UNARY.items() if d))
@pytest.mark.parametrize("shape", [(3, 5), (1, 4)])
def test_unary_gradient(name, shape, rng):
    x = DOMAINS[UNARY[name][0]](rng, shape)
    check_gradients(getattr(ops, name), [x])


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_matches_keras_float32(name, rng):
    x = DOMAINS[UNARY[name][0]](rng, (3, 5)).astype("float32")
    assert_matches(getattr(ops, name)(x), keras_result(getattr(kops, name), x))


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_matches_keras_float64(name, rng):
    x = DOMAINS[UNARY[name][0]](rng, (2, 3))
    assert_matches(getattr(ops, name)(x), keras_result(getattr(kops, name), x, x64=True), float64=True)


INT_INPUTS = {
    "any": [[-2, 1, 3]],
    "positive": [[1, 2, 4]],
    "unit": [[0, 0, 0]],
    "above1": [[1, 2, 3]],
    "tan": [[0, 1, -1]],
}


@pytest.mark.parametrize("name", sorted(set(UNARY) - {"rsqrt"}))
def test_unary_integer_inputs_follow_keras_dtypes(name):
    """Keras gives floatx() for the float-valued ops on integers (NumPy: float64)."""
    x = np.array(INT_INPUTS[UNARY[name][0]], dtype="int32")
    assert_matches(getattr(ops, name)(x), keras_result(getattr(kops, name), x))


def test_rsqrt_of_integers_is_floatx_where_keras_raises():
    x = np.array([4], dtype="int32")
    with pytest.raises(TypeError):  # lax.rsqrt takes floats only
        kops.rsqrt(x)
    out = ops.rsqrt(x)
    assert out.dtype == backend.floatx() and out.numpy()[0] == 0.5


def test_special_values():
    x = np.array([np.nan, np.inf, -np.inf, -0.0, 1.0], dtype="float32")
    np.testing.assert_array_equal(ops.signbit(x).numpy(), [False, False, True, True, False])
    np.testing.assert_array_equal(ops.isinf(x).numpy(), [False, True, True, False, False])
    fixed = ops.nan_to_num(x, nan=1.5, posinf=9.0, neginf=-9.0).numpy()
    np.testing.assert_array_equal(fixed, [1.5, 9.0, -9.0, -0.0, 1.0])
    np.testing.assert_array_equal(ops.erfinv(np.array([1.0, -1.0, 0.0])).numpy(), [np.inf, -np.inf, 0.0])
    np.testing.assert_allclose(ops.sinc(np.array([0.0])).numpy(), [1.0])


def test_erfc_and_erfinv_are_accurate_in_the_tails():
    import math

    xs = np.array([-4.0, -1.0, 0.0, 0.5, 2.9, 3.1, 6.0, 10.0])
    np.testing.assert_allclose(ops.erfc(xs).numpy(), [math.erfc(v) for v in xs], rtol=1e-12)
    ys = np.array([-0.999999, -0.3, 1e-8, 0.5, 0.9, 0.999, 1 - 1e-12])
    back = np.array([math.erf(v) for v in ops.erfinv(ys).numpy()])
    np.testing.assert_allclose(back, ys, rtol=1e-13, atol=0)


def test_nan_to_num_gradient_is_zero_at_the_replaced_entries():
    x = ops.Variable(np.array([np.nan, 2.0, np.inf]), dtype="float64")
    (g,) = ops.gradient(ops.sum(ops.nan_to_num(x)), [x])
    np.testing.assert_array_equal(g, [0.0, 1.0, 0.0])


def test_rounding_ops_keep_float32():
    x = np.array([-1.5, 0.2, 2.7], dtype="float32")
    assert ops.ceil(x).dtype == "float32" and ops.trunc(x).dtype == "float32"
    np.testing.assert_array_equal(ops.trunc(x).numpy(), [-1.0, 0.0, 2.0])


def test_complex_gradients_raise():
    z = ops.Variable(np.array([1 + 2j]), dtype="complex128")
    with pytest.raises(NotImplementedError, match="complex"):
        ops.real(z)
