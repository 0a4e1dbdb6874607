"""Unary elementwise math of keras.ops: trigonometric, hyperbolic, logs and powers, rounding, special
functions and float classification.

Each differentiable op writes its derivative in its docstring; the backward multiplies the upstream
gradient `g` by that local derivative (elementwise, so the vector-Jacobian product is a product).
Integer and boolean inputs of the float-valued ops give `floatx()`, as in Keras (see
`promotion.float_dtype`); rounding and classification ops give no gradient, since they are piecewise
constant (their derivative is 0 wherever it exists).
"""

from __future__ import annotations

import math as _math
from typing import Any

from scratchnn.backend import xp
from scratchnn.ops.math import cast
from scratchnn.ops.nn import erf
from scratchnn.ops.promotion import as_float, float_dtype
from scratchnn.ops.tensor import Tensor, convert, record

_LN2 = _math.log(2.0)
_LN10 = _math.log(10.0)
_SQRT_PI = _math.sqrt(_math.pi)

# -- trigonometric ------------------------------------------------------------


def sin(x: Any) -> Tensor:
    """Sine, elementwise. d/dx = g * cos(x)."""
    t = as_float(x)
    return record(xp.sin(t.data), (t,), lambda g: (g * xp.cos(t.data),))


def cos(x: Any) -> Tensor:
    """Cosine, elementwise. d/dx = -g * sin(x)."""
    t = as_float(x)
    return record(xp.cos(t.data), (t,), lambda g: (-g * xp.sin(t.data),))


def tan(x: Any) -> Tensor:
    """Tangent, elementwise. d/dx = g * (1 + tan(x)**2)."""
    t = as_float(x)
    out = xp.tan(t.data)
    return record(out, (t,), lambda g: (g * (1 + out * out),))


def arcsin(x: Any) -> Tensor:
    """Inverse sine on [-1, 1]. d/dx = g / sqrt(1 - x**2)."""
    t = as_float(x)
    return record(xp.arcsin(t.data), (t,), lambda g: (g / xp.sqrt(1 - t.data * t.data),))


def arccos(x: Any) -> Tensor:
    """Inverse cosine on [-1, 1]. d/dx = -g / sqrt(1 - x**2)."""
    t = as_float(x)
    return record(xp.arccos(t.data), (t,), lambda g: (-g / xp.sqrt(1 - t.data * t.data),))


def arctan(x: Any) -> Tensor:
    """Inverse tangent. d/dx = g / (1 + x**2)."""
    t = as_float(x)
    return record(xp.arctan(t.data), (t,), lambda g: (g / (1 + t.data * t.data),))


def deg2rad(x: Any) -> Tensor:
    """Degrees to radians: x * pi / 180. d/dx = g * pi / 180."""
    t = as_float(x)
    return record(xp.deg2rad(t.data), (t,), lambda g: (g * (_math.pi / 180),))


def rad2deg(x: Any) -> Tensor:
    """Radians to degrees: x * 180 / pi. d/dx = g * 180 / pi."""
    t = as_float(x)
    return record(xp.rad2deg(t.data), (t,), lambda g: (g * (180 / _math.pi),))


def sinc(x: Any) -> Tensor:
    """Normalized sinc: sin(pi x) / (pi x), and 1 at x = 0.

    d/dx = g * (cos(pi x) - sinc(x)) / x, which tends to 0 at x = 0.
    """
    t = as_float(x)
    z = t.data
    nonzero = z != 0
    safe = xp.where(nonzero, z, 1)  # the x = 0 entries are set apart, never divided
    out = xp.where(nonzero, xp.sin(_math.pi * safe) / (_math.pi * safe), 1).astype(z.dtype)

    def backward(g):
        return (g * xp.where(nonzero, (xp.cos(_math.pi * safe) - out) / safe, 0),)

    return record(out, (t,), backward)


# -- hyperbolic ---------------------------------------------------------------


def sinh(x: Any) -> Tensor:
    """Hyperbolic sine. d/dx = g * cosh(x)."""
    t = as_float(x)
    return record(xp.sinh(t.data), (t,), lambda g: (g * xp.cosh(t.data),))


def cosh(x: Any) -> Tensor:
    """Hyperbolic cosine. d/dx = g * sinh(x)."""
    t = as_float(x)
    return record(xp.cosh(t.data), (t,), lambda g: (g * xp.sinh(t.data),))


def arcsinh(x: Any) -> Tensor:
    """Inverse hyperbolic sine. d/dx = g / sqrt(x**2 + 1)."""
    t = as_float(x)
    return record(xp.arcsinh(t.data), (t,), lambda g: (g / xp.sqrt(t.data * t.data + 1),))


def arccosh(x: Any) -> Tensor:
    """Inverse hyperbolic cosine on [1, inf). d/dx = g / sqrt(x**2 - 1)."""
    t = as_float(x)
    return record(xp.arccosh(t.data), (t,), lambda g: (g / xp.sqrt(t.data * t.data - 1),))


def arctanh(x: Any) -> Tensor:
    """Inverse hyperbolic tangent on (-1, 1). d/dx = g / (1 - x**2)."""
    t = as_float(x)
    return record(xp.arctanh(t.data), (t,), lambda g: (g / (1 - t.data * t.data),))


# -- powers and logarithms ----------------------------------------------------


def exp2(x: Any) -> Tensor:
    """2**x. d/dx = g * 2**x * ln 2."""
    t = as_float(x)
    out = xp.exp2(t.data)
    return record(out, (t,), lambda g: (g * out * _LN2,))


def log2(x: Any) -> Tensor:
    """Base-2 logarithm. d/dx = g / (x ln 2)."""
    t = as_float(x)
    return record(xp.log2(t.data), (t,), lambda g: (g / (t.data * _LN2),))


def log10(x: Any) -> Tensor:
    """Base-10 logarithm. d/dx = g / (x ln 10)."""
    t = as_float(x)
    return record(xp.log10(t.data), (t,), lambda g: (g / (t.data * _LN10),))


def reciprocal(x: Any) -> Tensor:
    """1 / x. d/dx = -g / x**2 = -g * out**2. Integers give floatx(), as in Keras."""
    t = as_float(x)
    out = xp.reciprocal(t.data)
    return record(out, (t,), lambda g: (-g * out * out,))


def rsqrt(x: Any) -> Tensor:
    """1 / sqrt(x). d/dx = -g / (2 x sqrt(x)) = -g * out**3 / 2."""
    t = as_float(x)
    out = 1 / xp.sqrt(t.data)
    return record(out.astype(t.data.dtype, copy=False), (t,), lambda g: (-0.5 * g * out**3,))


def cbrt(x: Any) -> Tensor:
    """Cube root (real, also of negatives). d/dx = g / (3 cbrt(x)**2)."""
    t = as_float(x)
    out = xp.cbrt(t.data)
    return record(out, (t,), lambda g: (g / (3 * out * out),))


# -- special functions --------------------------------------------------------


def _erfc_array(z: Any) -> Any:
    """erfc keeping relative precision in the tail: 1 - erf(|z|) below 1, a continued fraction above.

    erfc(z) = exp(-z^2)/sqrt(pi) / (z + (1/2)/(z + 1/(z + (3/2)/(z + ...)))) for z >= 1, where
    1 - erf(z) would cancel digits (erfc(3) is 2e-5); 200 levels reach double precision from z = 1
    on. Below 1, erfc > 0.15 and 1 - erf loses nothing. Negative z use erfc(-z) = 2 - erfc(z).
    """
    a = xp.abs(z).astype("float64")
    near = 1 - erf(Tensor(xp.minimum(a, 1.0))).data
    far_x = xp.maximum(a, 1.0)
    frac = xp.zeros_like(far_x)
    for k in range(200, 0, -1):
        frac = (k / 2) / (far_x + frac)
    with xp.errstate(under="ignore"):  # exp(-z^2) underflows to 0 past z ~ 27, the right limit
        far = xp.exp(-far_x * far_x) / _SQRT_PI / (far_x + frac)
    upper = xp.where(a < 1.0, near, far)
    return xp.where(z < 0, 2 - upper, upper).astype(z.dtype)


def erfc(x: Any) -> Tensor:
    """Complementary error function 1 - erf(x). d/dx = -g * 2/sqrt(pi) * exp(-x**2)."""
    t = as_float(x)
    out = _erfc_array(t.data)
    return record(out, (t,), lambda g: (g * (-2 / _SQRT_PI) * xp.exp(-t.data * t.data),))


def _erfinv_start(a: Any) -> Any:
    """A first guess for erfinv on [0, 1), good to about 1e-7 (M. Giles' single-precision polynomials)."""
    w = -xp.log((1 - a) * (1 + a))
    central = w - 2.5
    p = 2.81022636e-08
    for c in (3.43273939e-07, -3.5233877e-06, -4.39150654e-06, 0.00021858087, -0.00125372503,
              -0.00417768164, 0.246640727, 1.50140941):  # fmt: skip
        p = c + p * central
    tail = xp.sqrt(w) - 3
    q = -0.000200214257
    for c in (0.000100950558, 0.00134934322, -0.00367342844, 0.00573950773, -0.0076224613,
              0.00943887047, 1.00167406, 2.83297682):  # fmt: skip
        q = c + q * tail
    return xp.where(w < 5, p, q) * a


def _erfinv_array(z: Any) -> Any:
    """erfinv: the polynomial guess, then Newton steps on erf (|z| <= 1/2) or on erfc (the tail).

    Newton on erfc(y) = 1 - |z| keeps full relative precision as |z| -> 1, where erf(y) - |z|
    would subtract two numbers that agree in all their digits.
    """
    a = xp.abs(z).astype("float64")
    inside = a < 1
    a_in = xp.where(inside, a, 0.5)  # the |z| >= 1 entries are filled in at the end
    y = _erfinv_start(a_in)
    tail = a_in > 0.5
    for _ in range(3):
        slope = (2 / _SQRT_PI) * xp.exp(-y * y)  # d erf / dy
        residual = xp.where(tail, (1 - a_in) - _erfc_array(y), erf(Tensor(y)).data - a_in)
        y = y - residual / slope
    y = xp.where(inside, y, xp.where(a == 1, xp.inf, xp.nan))
    return (xp.sign(z) * y).astype(z.dtype)


def erfinv(x: Any) -> Tensor:
    """Inverse error function on (-1, 1) (+-inf at +-1, NaN outside).

    With y = erfinv(x), x = erf(y), so dy/dx = 1 / erf'(y): d/dx = g * sqrt(pi)/2 * exp(y**2).
    """
    t = as_float(x)
    with xp.errstate(invalid="ignore"):  # sign(z) * inf and NaN entries are intended
        out = _erfinv_array(t.data)
    return record(out, (t,), lambda g: (g * (_SQRT_PI / 2) * xp.exp(out * out),))


# -- rounding (no gradient) ---------------------------------------------------


def ceil(x: Any) -> Tensor:
    """Rounds up; integers give floatx(), as in Keras. Piecewise constant: no gradient."""
    t = convert(x)
    return Tensor(xp.ceil(t.data.astype(float_dtype(t.dtype), copy=False)))


def trunc(x: Any) -> Tensor:
    """Rounds toward zero; integers and booleans are returned as they are. No gradient."""
    t = convert(x)
    return t if t.data.dtype.kind in "biu" else Tensor(xp.trunc(t.data))


def fabs(x: Any) -> Tensor:
    """|x| as a float (integers give floatx()). d/dx = g * sign(x)."""
    t = as_float(x)
    return record(xp.fabs(t.data), (t,), lambda g: (g * xp.sign(t.data),))


# -- float classification and repair ------------------------------------------


def signbit(x: Any) -> Tensor:
    """True where the sign bit is set (negative numbers and -0.0)."""
    return Tensor(xp.signbit(convert(x).data))


def isinf(x: Any) -> Tensor:
    """True at +inf and -inf."""
    return Tensor(xp.isinf(convert(x).data))


def isposinf(x: Any) -> Tensor:
    """True at +inf."""
    return Tensor(xp.isposinf(convert(x).data))


def isneginf(x: Any) -> Tensor:
    """True at -inf."""
    return Tensor(xp.isneginf(convert(x).data))


def nan_to_num(x: Any, nan: float = 0.0, posinf: float | None = None, neginf: float | None = None) -> Tensor:
    """Replaces NaN by `nan`, +inf by `posinf` and -inf by `neginf` (default: the dtype's max/min).

    The replaced entries are constants, so d/dx = g where x is finite and 0 elsewhere.
    """
    t = convert(x)
    out = xp.nan_to_num(t.data, nan=nan, posinf=posinf, neginf=neginf)
    finite = xp.isfinite(t.data)
    return record(out, (t,), lambda g: (g * finite,))


# -- complex parts (of real tensors; complex tensors carry no gradient) --------


def _real_only(t: Tensor, name: str) -> None:
    if t.requires_grad and t.data.dtype.kind == "c":
        raise NotImplementedError(
            f"{name}: gradients of complex tensors are not supported (the tape is real-valued). "
            f"Received: x.dtype={t.dtype}"
        )


def real(x: Any) -> Tensor:
    """The real part (x itself for real tensors). d/dx = g."""
    t = convert(x)
    _real_only(t, "real")
    return record(xp.real(t.data), (t,), lambda g: (g,))


def imag(x: Any) -> Tensor:
    """The imaginary part (zeros for real tensors, whose gradient is then 0)."""
    t = convert(x)
    _real_only(t, "imag")
    return record(xp.imag(t.data), (t,), lambda g: (xp.zeros_like(g),))


def conjugate(x: Any) -> Tensor:
    """The complex conjugate (x itself for real tensors). d/dx = g."""
    t = convert(x)
    _real_only(t, "conjugate")
    return record(xp.conjugate(t.data), (t,), lambda g: (g,))


conj = conjugate


def angle(x: Any) -> Tensor:
    """The complex argument; 0 or pi for real tensors (piecewise constant, no gradient)."""
    t = convert(x)
    if t.data.dtype.kind != "c":
        t = cast(t, float_dtype(t.dtype))
    return Tensor(xp.angle(t.data))


def isreal(x: Any) -> Tensor:
    """True where the imaginary part is 0 (everywhere for real tensors)."""
    return Tensor(xp.isreal(convert(x).data))
