"""Binary elementwise ops of keras.ops: arctan2, hypot, logaddexp, remainders, float max/min,
tolerant comparison, logical xor, bitwise and integer ops.

Operands broadcast as in NumPy and are promoted by Keras's rules (`promotion.promote`); a broadcast
operand's gradient is summed back to its shape by `unbroadcast`. Integer-only ops (bitwise, gcd,
lcm) and piecewise-constant ones (floor_divide) carry no gradient.
"""

from __future__ import annotations

import math as _math
from typing import Any

from scratchnn.backend import xp
from scratchnn.ops.promotion import as_float, promote
from scratchnn.ops.tensor import Tensor, convert, record, unbroadcast

_LN2 = _math.log(2.0)


def _grads(a: Tensor, b: Tensor, da: Any, db: Any) -> tuple[Any, Any]:
    """Unbroadcasts the two local gradient terms; computes only those a parent needs."""
    return (
        unbroadcast(da(), a.data.shape) if a.requires_grad else None,
        unbroadcast(db(), b.data.shape) if b.requires_grad else None,
    )


# -- float-valued binary math --------------------------------------------------


def arctan2(x1: Any, x2: Any) -> Tensor:
    """The angle of the point (x2, x1), in (-pi, pi].

    With r2 = x1**2 + x2**2: d/dx1 = g * x2 / r2, d/dx2 = -g * x1 / r2.
    """
    a, b = promote(x1, x2, to_float=True)
    r2 = a.data * a.data + b.data * b.data

    def backward(g):
        return _grads(a, b, lambda: g * b.data / r2, lambda: -g * a.data / r2)

    return record(xp.arctan2(a.data, b.data), (a, b), backward)


def hypot(x1: Any, x2: Any) -> Tensor:
    """sqrt(x1**2 + x2**2) without overflow. d/dx1 = g * x1 / out, d/dx2 = g * x2 / out."""
    a, b = promote(x1, x2, to_float=True)
    out = xp.hypot(a.data, b.data)
    return record(out, (a, b), lambda g: _grads(a, b, lambda: g * a.data / out, lambda: g * b.data / out))


def logaddexp(x1: Any, x2: Any) -> Tensor:
    """log(e**x1 + e**x2), without overflow.

    d/dx1 = g * e**x1 / (e**x1 + e**x2) = g * e**(x1 - out); likewise for x2.
    """
    a, b = promote(x1, x2, to_float=True)
    out = xp.logaddexp(a.data, b.data)

    def backward(g):
        return _grads(a, b, lambda: g * xp.exp(a.data - out), lambda: g * xp.exp(b.data - out))

    return record(out, (a, b), backward)


def logaddexp2(x1: Any, x2: Any) -> Tensor:
    """log2(2**x1 + 2**x2). d/dx1 = g * 2**(x1 - out); likewise for x2."""
    a, b = promote(x1, x2, to_float=True)
    out = xp.logaddexp2(a.data, b.data)

    def backward(g):
        return _grads(a, b, lambda: g * xp.exp2(a.data - out), lambda: g * xp.exp2(b.data - out))

    return record(out, (a, b), backward)


def ldexp(x1: Any, x2: Any) -> Tensor:
    """x1 * 2**x2 for integer exponents x2. d/dx1 = g * 2**x2.

    Raises:
        TypeError: if `x2` is not an integer tensor (Keras neither).
    """
    b = convert(x2)
    if b.data.dtype.kind not in "iu":
        raise TypeError(f"ldexp's exponent `x2` must be an integer tensor. Received: x2.dtype={b.dtype}")
    a = as_float(x1)
    out = xp.ldexp(a.data, b.data)
    scale = xp.ldexp(xp.ones((), dtype=out.dtype), b.data)

    def backward(g):
        return (unbroadcast(g * scale, a.data.shape) if a.requires_grad else None, None)

    return record(out, (a, b), backward)


# -- remainders and integer division ------------------------------------------


def mod(x1: Any, x2: Any) -> Tensor:
    """Remainder with the sign of the divisor (Python's %): x1 - floor(x1 / x2) * x2.

    floor(x1 / x2) is piecewise constant, so d/dx1 = g and d/dx2 = -g * floor(x1 / x2).
    """
    a, b = promote(x1, x2)
    out = xp.mod(a.data, b.data)

    def backward(g):
        return _grads(a, b, lambda: g, lambda: -g * xp.floor_divide(a.data, b.data))

    return record(out, (a, b), backward)


def fmod(x1: Any, x2: Any) -> Tensor:
    """Remainder with the sign of the dividend (C's fmod): x1 - trunc(x1 / x2) * x2.

    d/dx1 = g and d/dx2 = -g * trunc(x1 / x2); that integer is read as (x1 - out) / x2 rounded, so
    it agrees with the remainder NumPy computed even where x1 / x2 rounds across an integer.
    """
    a, b = promote(x1, x2)
    out = xp.fmod(a.data, b.data)

    def backward(g):
        return _grads(a, b, lambda: g, lambda: -g * xp.rint((a.data - out) / b.data))

    return record(out, (a, b), backward)


def floor_divide(x1: Any, x2: Any) -> Tensor:
    """floor(x1 / x2) (Python's //); integers stay integers. Piecewise constant: no gradient."""
    a, b = promote(x1, x2)
    return Tensor(xp.floor_divide(a.data, b.data))


def divide_no_nan(x1: Any, x2: Any) -> Tensor:
    """x1 / x2, and 0 where x2 == 0 (integers divide to floats, as keras.ops.divide).

    Where x2 != 0: d/dx1 = g / x2, d/dx2 = -g * out / x2; where x2 == 0 both are 0.
    """
    a, b = promote(x1, x2, to_float=True)
    zero = b.data == 0
    safe = xp.where(zero, 1, b.data).astype(b.data.dtype, copy=False)  # never divides by 0
    out = xp.where(zero, 0, a.data / safe).astype(a.data.dtype, copy=False)

    def backward(g):
        return _grads(a, b, lambda: xp.where(zero, 0, g / safe), lambda: -g * out / safe)

    return record(out, (a, b), backward)


# -- float max/min and selection by sign --------------------------------------


def _nan_aware_extremum(x1: Any, x2: Any, fn: Any, pick_first: Any) -> Tensor:
    a, b = promote(x1, x2)
    out = fn(a.data, b.data)
    first = pick_first(a.data, b.data)  # where the output is x1's value (x1 on ties)

    def backward(g):
        return _grads(a, b, lambda: g * first, lambda: g * ~first)

    return record(out, (a, b), backward)


def fmax(x1: Any, x2: Any) -> Tensor:
    """Elementwise maximum that ignores NaN (a NaN only where both are NaN).

    The gradient goes to the operand whose value is taken (x1 on ties).
    """
    return _nan_aware_extremum(x1, x2, xp.fmax, lambda a, b: (a >= b) | xp.isnan(b))


def fmin(x1: Any, x2: Any) -> Tensor:
    """Elementwise minimum that ignores NaN. The gradient goes to the operand taken (x1 on ties)."""
    return _nan_aware_extremum(x1, x2, xp.fmin, lambda a, b: (a <= b) | xp.isnan(b))


def heaviside(x1: Any, x2: Any) -> Tensor:
    """Step function: 0 where x1 < 0, 1 where x1 > 0, and x2 where x1 == 0.

    Piecewise constant in x1 (gradient 0); d/dx2 = g where x1 == 0.
    """
    a, b = promote(x1, x2)
    at_zero = a.data == 0

    def backward(g):
        return _grads(a, b, lambda: xp.zeros_like(g), lambda: g * at_zero)

    return record(xp.heaviside(a.data, b.data), (a, b), backward)


def nextafter(x1: Any, x2: Any) -> Tensor:
    """The next float after x1 toward x2 (no gradient)."""
    a, b = promote(x1, x2, to_float=True)
    return Tensor(xp.nextafter(a.data, b.data))


# -- comparisons and logic (no gradient) ---------------------------------------


def isclose(x1: Any, x2: Any, rtol: float = 1e-5, atol: float = 1e-8, equal_nan: bool = False) -> Tensor:
    """|x1 - x2| <= atol + rtol * |x2|, elementwise (boolean)."""
    a, b = promote(x1, x2)
    return Tensor(xp.isclose(a.data, b.data, rtol=rtol, atol=atol, equal_nan=equal_nan))


def allclose(x1: Any, x2: Any, rtol: float = 1e-5, atol: float = 1e-8, equal_nan: bool = False) -> Tensor:
    """True (a 0-d boolean tensor) when `isclose` holds everywhere."""
    return Tensor(xp.asarray(bool(xp.all(isclose(x1, x2, rtol, atol, equal_nan).data))))


def logical_xor(x1: Any, x2: Any) -> Tensor:
    """Exclusive or of the truth values (boolean)."""
    return Tensor(xp.logical_xor(convert(x1).data, convert(x2).data))


# -- integer ops (no gradient) -------------------------------------------------


def _integer_op(name: str, fn_name: str, doc: str):
    def op(x: Any, y: Any) -> Tensor:
        a, b = promote(x, y)
        if a.data.dtype.kind not in "biu":
            raise TypeError(f"{name} takes integer or boolean tensors. Received: dtype={a.dtype}")
        return Tensor(getattr(xp, fn_name)(a.data, b.data))

    op.__name__ = op.__qualname__ = name
    op.__doc__ = doc
    return op


bitwise_and = _integer_op("bitwise_and", "bitwise_and", "Bitwise AND of integers (no gradient).")
bitwise_or = _integer_op("bitwise_or", "bitwise_or", "Bitwise OR of integers (no gradient).")
bitwise_xor = _integer_op("bitwise_xor", "bitwise_xor", "Bitwise XOR of integers (no gradient).")
bitwise_left_shift = _integer_op("bitwise_left_shift", "left_shift", "x << y for integers (no gradient).")
bitwise_right_shift = _integer_op("bitwise_right_shift", "right_shift", "x >> y for integers (no gradient).")
left_shift = bitwise_left_shift
right_shift = bitwise_right_shift
gcd = _integer_op("gcd", "gcd", "Greatest common divisor of integers (no gradient).")
lcm = _integer_op("lcm", "lcm", "Least common multiple of integers (no gradient).")


def bitwise_invert(x: Any) -> Tensor:
    """Bitwise NOT of integers (logical NOT of booleans); no gradient.

    Raises:
        TypeError: for float tensors.
    """
    t = convert(x)
    if t.data.dtype.kind not in "biu":
        raise TypeError(f"bitwise_invert takes integer or boolean tensors. Received: x.dtype={t.dtype}")
    return Tensor(xp.invert(t.data))


bitwise_not = bitwise_invert
