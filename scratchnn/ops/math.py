"""Elementwise and reduction ops, each with its hand-written backward.

Notation in the derivative comments: `g` is dL/d(out), the upstream gradient,
shaped like the op's output; a broadcast operand's gradient is summed back to
its shape by `unbroadcast`.
"""

from __future__ import annotations

from typing import Any

from scratchnn import backend
from scratchnn.backend import xp
from scratchnn.ops.tensor import Tensor, convert, record, unbroadcast


def _pair(a: Any, b: Any) -> tuple[Tensor, Tensor]:
    """Converts two operands, giving Python numbers the dtype of the other tensor."""
    if isinstance(a, Tensor):
        return a, convert(b, like=a)
    b = convert(b)
    return convert(a, like=b), b


def _need(t: Tensor) -> bool:
    return t.requires_grad


# -- binary arithmetic --------------------------------------------------------


def add(x1: Any, x2: Any) -> Tensor:
    """x1 + x2 with broadcasting. d/dx1 = g, d/dx2 = g (each unbroadcast)."""
    a, b = _pair(x1, x2)

    def backward(g):
        return (
            unbroadcast(g, a.data.shape) if _need(a) else None,
            unbroadcast(g, b.data.shape) if _need(b) else None,
        )

    return record(a.data + b.data, (a, b), backward)


def subtract(x1: Any, x2: Any) -> Tensor:
    """x1 - x2. d/dx1 = g, d/dx2 = -g."""
    a, b = _pair(x1, x2)

    def backward(g):
        return (
            unbroadcast(g, a.data.shape) if _need(a) else None,
            unbroadcast(-g, b.data.shape) if _need(b) else None,
        )

    return record(a.data - b.data, (a, b), backward)


def multiply(x1: Any, x2: Any) -> Tensor:
    """x1 * x2. d/dx1 = g * x2, d/dx2 = g * x1."""
    a, b = _pair(x1, x2)

    def backward(g):
        return (
            unbroadcast(g * b.data, a.data.shape) if _need(a) else None,
            unbroadcast(g * a.data, b.data.shape) if _need(b) else None,
        )

    return record(a.data * b.data, (a, b), backward)


def divide(x1: Any, x2: Any) -> Tensor:
    """x1 / x2. d/dx1 = g / x2, d/dx2 = -g * x1 / x2**2 = -g * out / x2."""
    a, b = _pair(x1, x2)
    out = a.data / b.data

    def backward(g):
        return (
            unbroadcast(g / b.data, a.data.shape) if _need(a) else None,
            unbroadcast(-g * out / b.data, b.data.shape) if _need(b) else None,
        )

    return record(out, (a, b), backward)


true_divide = divide


def power(x1: Any, x2: Any) -> Tensor:
    """x1 ** x2. d/dx1 = g * x2 * x1**(x2-1); d/dx2 = g * out * log(x1) (x1 > 0)."""
    a, b = _pair(x1, x2)
    out = a.data**b.data

    def backward(g):
        da = unbroadcast(g * b.data * a.data ** (b.data - 1), a.data.shape) if _need(a) else None
        db = None
        if _need(b):
            safe = xp.where(a.data > 0, a.data, 1)
            db = unbroadcast(g * out * xp.log(safe), b.data.shape)
        return da, db

    return record(out, (a, b), backward)


def maximum(x1: Any, x2: Any) -> Tensor:
    """Elementwise max. The gradient goes to the larger operand (to x1 on ties)."""
    return _select(x1, x2, xp.greater_equal)


def minimum(x1: Any, x2: Any) -> Tensor:
    """Elementwise min. The gradient goes to the smaller operand (to x1 on ties)."""
    return _select(x1, x2, xp.less_equal)


def _select(x1: Any, x2: Any, keeps_x1: Any) -> Tensor:
    """x1 where keeps_x1(x1, x2), else x2; the gradient follows the selected operand."""
    a, b = _pair(x1, x2)
    mask = keeps_x1(a.data, b.data)

    def backward(g):
        return (
            unbroadcast(g * mask, a.data.shape) if _need(a) else None,
            unbroadcast(g * ~mask, b.data.shape) if _need(b) else None,
        )

    return record(xp.where(mask, a.data, b.data), (a, b), backward)


def matmul(x1: Any, x2: Any) -> Tensor:
    """Matrix product with NumPy's batching rules.

    For out = a @ b with a (..., n, k) and b (..., k, m):
    dL/da = g @ b^T  (..., n, k);  dL/db = a^T @ g  (..., k, m).
    1-D operands are promoted as NumPy does and the extra axis removed again.
    """
    a, b = _pair(x1, x2)
    ad, bd = a.data, b.data
    out = ad @ bd

    def backward(g):
        a2 = ad[None, :] if ad.ndim == 1 else ad
        b2 = bd[:, None] if bd.ndim == 1 else bd
        g2 = g
        if ad.ndim == 1:
            g2 = xp.expand_dims(g2, -2)
        if bd.ndim == 1:
            g2 = xp.expand_dims(g2, -1)
        da = db = None
        if _need(a):
            da = g2 @ xp.swapaxes(b2, -1, -2)
            da = unbroadcast(da, a2.shape).reshape(ad.shape)
        if _need(b):
            db = xp.swapaxes(a2, -1, -2) @ g2
            db = unbroadcast(db, b2.shape).reshape(bd.shape)
        return da, db

    return record(out, (a, b), backward)


# -- unary elementwise --------------------------------------------------------


def negative(x: Any) -> Tensor:
    """-x. d/dx = -g."""
    t = convert(x)
    return record(-t.data, (t,), lambda g: (-g,))


def exp(x: Any) -> Tensor:
    """e**x. d/dx = g * e**x."""
    t = convert(x)
    out = xp.exp(t.data)
    return record(out, (t,), lambda g: (g * out,))


def log(x: Any) -> Tensor:
    """Natural log. d/dx = g / x."""
    t = convert(x)
    return record(xp.log(t.data), (t,), lambda g: (g / t.data,))


def log1p(x: Any) -> Tensor:
    """log(1 + x). d/dx = g / (1 + x)."""
    t = convert(x)
    return record(xp.log1p(t.data), (t,), lambda g: (g / (1 + t.data),))


def expm1(x: Any) -> Tensor:
    """e**x - 1. d/dx = g * e**x."""
    t = convert(x)
    out = xp.expm1(t.data)
    return record(out, (t,), lambda g: (g * (out + 1),))


def sqrt(x: Any) -> Tensor:
    """Square root. d/dx = g / (2 sqrt(x))."""
    t = convert(x)
    out = xp.sqrt(t.data)
    return record(out, (t,), lambda g: (g / (2 * out),))


def square(x: Any) -> Tensor:
    """x**2. d/dx = 2 g x."""
    t = convert(x)
    return record(t.data * t.data, (t,), lambda g: (2 * g * t.data,))


def abs(x: Any) -> Tensor:  # noqa: A001 - Keras's name
    """|x|. d/dx = g * sign(x) (0 at 0)."""
    t = convert(x)
    return record(xp.abs(t.data), (t,), lambda g: (g * xp.sign(t.data),))


absolute = abs


def sign(x: Any) -> Tensor:
    """sign(x); piecewise constant, so its gradient is zero."""
    t = convert(x)
    return record(xp.sign(t.data), (t,), lambda g: (xp.zeros_like(g),))


def clip(x: Any, x_min: Any, x_max: Any) -> Tensor:
    """Clamps x to [x_min, x_max]. d/dx = g where x_min <= x <= x_max, else 0."""
    t = convert(x)
    lo = x_min.data if isinstance(x_min, Tensor) else x_min
    hi = x_max.data if isinstance(x_max, Tensor) else x_max
    out = xp.clip(t.data, lo, hi)
    return record(out, (t,), lambda g: (g * ((t.data >= lo) & (t.data <= hi)),))


def cast(x: Any, dtype: Any) -> Tensor:
    """Converts to `dtype`. The gradient is cast back to the input's dtype."""
    t = convert(x)
    dtype = backend.standardize_dtype(dtype)
    if t.dtype == dtype:
        return t
    src = t.data.dtype
    return record(t.data.astype(dtype), (t,), lambda g: (g.astype(src),))


def stop_gradient(x: Any) -> Tensor:
    """Returns x as a constant: no gradient flows through it."""
    return Tensor(convert(x).data)


# -- reductions ---------------------------------------------------------------


def _axes(axis: Any, ndim: int) -> tuple[int, ...]:
    if axis is None:
        return tuple(range(ndim))
    if isinstance(axis, int):
        axis = (axis,)
    return tuple(a % ndim for a in axis)


def _expand_to(g: Any, shape: tuple[int, ...], axis: Any, keepdims: bool) -> Any:
    """Reinserts reduced axes into g (if keepdims was False) so it broadcasts to `shape`."""
    if not keepdims:
        for a in sorted(_axes(axis, len(shape))):
            g = xp.expand_dims(g, a)
    return g


def sum(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:  # noqa: A001 - Keras's name
    """Sum over `axis`. Each input element gets the gradient of its sum: d/dx = g broadcast."""
    t = convert(x)
    ax = None if axis is None else (tuple(axis) if isinstance(axis, (list, tuple)) else axis)
    out = xp.sum(t.data, axis=ax, keepdims=keepdims)

    def backward(g):
        return (xp.broadcast_to(_expand_to(g, t.data.shape, axis, keepdims), t.data.shape),)

    return record(out, (t,), backward)


def mean(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    """Mean over `axis`. d/dx = g / n, n = number of elements averaged."""
    t = convert(x)
    ax = None if axis is None else (tuple(axis) if isinstance(axis, (list, tuple)) else axis)
    n = 1
    for a in _axes(axis, t.data.ndim):
        n *= t.data.shape[a]
    if t.data.dtype.kind == "f":
        # sum / n keeps the dtype and skips np.mean's Python-level bookkeeping (a loss is small).
        out = xp.sum(t.data, axis=ax, keepdims=keepdims) / n
    else:
        out = xp.mean(t.data, axis=ax, keepdims=keepdims)

    def backward(g):
        if axis is None:  # the common case (a loss): every element gets g / n
            return (xp.full(t.data.shape, g / n, dtype=t.data.dtype),)
        g = _expand_to(g, t.data.shape, axis, keepdims) / n
        return (xp.broadcast_to(g, t.data.shape).astype(t.data.dtype, copy=False),)

    return record(out, (t,), backward)


def _extremum(x: Any, axis: Any, keepdims: bool, fn) -> Tensor:
    """max/min: the gradient is shared equally among the elements equal to the extremum."""
    t = convert(x)
    ax = None if axis is None else (tuple(axis) if isinstance(axis, (list, tuple)) else axis)
    out = fn(t.data, axis=ax, keepdims=keepdims)

    def backward(g):
        ref = _expand_to(out, t.data.shape, axis, keepdims)
        mask = t.data == ref
        count = xp.sum(mask, axis=ax, keepdims=True)
        return (mask * (_expand_to(g, t.data.shape, axis, keepdims) / count),)

    return record(out, (t,), backward)


def max(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:  # noqa: A001 - Keras's name
    """Maximum over `axis` (see `_extremum` for the gradient)."""
    return _extremum(x, axis, keepdims, xp.max)


def min(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:  # noqa: A001 - Keras's name
    """Minimum over `axis` (see `_extremum` for the gradient)."""
    return _extremum(x, axis, keepdims, xp.min)


amax = max
amin = min


def var(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    """Population variance, composed of differentiable ops: mean((x - mean(x))**2)."""
    t = convert(x)
    centered = subtract(t, mean(t, axis=axis, keepdims=True))
    return mean(square(centered), axis=axis, keepdims=keepdims)


def std(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    """Population standard deviation: sqrt(var(x))."""
    return sqrt(var(x, axis=axis, keepdims=keepdims))


# -- non-differentiable ops (their outputs never carry a gradient) ------------


def argmax(x: Any, axis: int = -1, keepdims: bool = False) -> Tensor:
    """Index of the largest value along `axis` (int64)."""
    return Tensor(xp.argmax(convert(x).data, axis=axis, keepdims=keepdims))


def argmin(x: Any, axis: int = -1, keepdims: bool = False) -> Tensor:
    """Index of the smallest value along `axis` (int64)."""
    return Tensor(xp.argmin(convert(x).data, axis=axis, keepdims=keepdims))


def _compare(name: str):
    def op(x1: Any, x2: Any) -> Tensor:
        a, b = _pair(x1, x2)
        return Tensor(getattr(xp, name)(a.data, b.data))

    op.__name__ = name
    op.__doc__ = f"Elementwise `{name}` (boolean, no gradient)."
    return op


equal = _compare("equal")
not_equal = _compare("not_equal")
greater = _compare("greater")
greater_equal = _compare("greater_equal")
less = _compare("less")
less_equal = _compare("less_equal")
logical_and = _compare("logical_and")
logical_or = _compare("logical_or")


def logical_not(x: Any) -> Tensor:
    """Elementwise not (boolean, no gradient)."""
    return Tensor(xp.logical_not(convert(x).data))


def floor(x: Any) -> Tensor:
    """Rounds down; piecewise constant, so no gradient."""
    return Tensor(xp.floor(convert(x).data))


def round(x: Any, decimals: int = 0) -> Tensor:  # noqa: A001 - Keras's name
    """Rounds to `decimals`; piecewise constant, so no gradient."""
    return Tensor(xp.round(convert(x).data, decimals))


def isnan(x: Any) -> Tensor:
    return Tensor(xp.isnan(convert(x).data))


def isfinite(x: Any) -> Tensor:
    return Tensor(xp.isfinite(convert(x).data))
