"""Reductions and scans of keras.ops beyond sum/mean/max/min: all/any, prod, cumsum/cumprod,
count_nonzero, average, ptp, trapezoid and the NaN-ignoring family (nansum, nanmean, ...).

Notation: `g` is dL/d(out), shaped like the output. A reduction's gradient is `g` broadcast back
over the reduced axes, times the local derivative of each element.
"""

from __future__ import annotations

from typing import Any

from scratchnn.backend import xp
from scratchnn.ops.axes import normalize_axes, normalize_axis
from scratchnn.ops.math import add, cast, divide, max, mean, min, multiply, sqrt, square, subtract, sum
from scratchnn.ops.promotion import float_dtype, integer_accumulator, promote
from scratchnn.ops.shape import getitem, reshape, where
from scratchnn.ops.tensor import Tensor, convert, record


def _axis_arg(axes: tuple[int, ...]) -> Any:
    return axes if len(axes) != 1 else axes[0]


# -- logical reductions -------------------------------------------------------


def all(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:  # noqa: A001 - Keras's name
    """True where every element along `axis` is non-zero (boolean, no gradient)."""
    t = convert(x)
    return Tensor(xp.all(t.data, axis=normalize_axes(axis, t.ndim), keepdims=keepdims))


def any(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:  # noqa: A001 - Keras's name
    """True where some element along `axis` is non-zero (boolean, no gradient)."""
    t = convert(x)
    return Tensor(xp.any(t.data, axis=normalize_axes(axis, t.ndim), keepdims=keepdims))


def count_nonzero(x: Any, axis: Any = None) -> Tensor:
    """The number of non-zero elements along `axis`, as int32 (Keras casts to int32 on every backend)."""
    t = convert(x)
    return Tensor(xp.asarray(xp.count_nonzero(t.data, axis=normalize_axes(axis, t.ndim)), dtype="int32"))


# -- products and scans -------------------------------------------------------


def prod(x: Any, axis: Any = None, keepdims: bool = False, dtype: Any = None) -> Tensor:
    """The product over `axis`, exact in its gradient even where elements are 0.

    d out / d x_i = prod_{j != i} x_j over the reduced elements. With the k reduced elements of each
    output laid along one axis, that product is (exclusive cumprod from the left) * (exclusive
    cumprod from the right): no division, so a 0 element does not give 0/0.
    """
    t = convert(x) if dtype is None else cast(convert(x), dtype)
    axes = normalize_axes(axis, t.ndim)
    if t.data.dtype.kind not in "fc":
        return Tensor(xp.prod(t.data, axis=axes, keepdims=keepdims, dtype=integer_accumulator(t.data.dtype)))
    out = xp.prod(t.data, axis=axes, keepdims=keepdims)
    kept = [a for a in range(t.ndim) if a not in axes]
    perm = kept + list(axes)
    inverse = [perm.index(i) for i in range(t.ndim)]
    lead = tuple(t.shape[a] for a in kept)

    def backward(g):
        # (..., reduced axes, ...) -> (kept..., k): the elements of each product on the last axis.
        flat = xp.transpose(t.data, perm).reshape(lead + (-1,))
        ones = xp.ones(lead + (1,), dtype=flat.dtype)
        left = xp.concatenate([ones, xp.cumprod(flat[..., :-1], axis=-1)], axis=-1)
        right = xp.concatenate([xp.cumprod(flat[..., :0:-1], axis=-1)[..., ::-1], ones], axis=-1)
        dflat = left * right * g.reshape(lead + (1,))
        return (xp.transpose(dflat.reshape([t.shape[a] for a in perm]), inverse),)

    return record(out, (t,), backward)


def _scan_axis(t: Tensor, axis: Any) -> tuple[Tensor, int]:
    """keras.ops scans over axis=None run on the flattened tensor."""
    if axis is None:
        return reshape(t, (-1,)), 0
    return t, normalize_axis(axis, t.ndim)


def cumsum(x: Any, axis: Any = None, dtype: Any = None) -> Tensor:
    """Cumulative sum along `axis` (of the flattened tensor when None).

    out_i = sum_{j<=i} x_j, so dL/dx_j = sum_{i>=j} g_i: the cumulative sum of g from the end.
    """
    t, ax = _scan_axis(convert(x) if dtype is None else cast(convert(x), dtype), axis)
    if t.data.dtype.kind != "f":
        return Tensor(xp.cumsum(t.data, axis=ax, dtype=integer_accumulator(t.data.dtype)))
    out = xp.cumsum(t.data, axis=ax)

    def backward(g):
        return (xp.flip(xp.cumsum(xp.flip(g, ax), axis=ax), ax),)

    return record(out, (t,), backward)


def cumprod(x: Any, axis: Any = None, dtype: Any = None) -> Tensor:
    """Cumulative product along `axis` (of the flattened tensor when None).

    out_i = prod_{j<=i} x_j, so dL/dx_j = sum_{i>=j} g_i * prod_{k<=i, k!=j} x_k = E_j * R_j with
    E_j = prod_{k<j} x_k (the exclusive cumprod) and R_j = sum_{i>=j} g_i prod_{j<k<=i} x_k, which
    satisfies R_j = g_j + x_{j+1} R_{j+1}. Without zeros, E_j R_j = (reverse cumsum of g*out)_j / x_j,
    one vectorised pass; with a zero the recurrence runs along the axis (vectorised across it).
    """
    t, ax = _scan_axis(convert(x) if dtype is None else cast(convert(x), dtype), axis)
    if t.data.dtype.kind != "f":
        return Tensor(xp.cumprod(t.data, axis=ax, dtype=integer_accumulator(t.data.dtype)))
    out = xp.cumprod(t.data, axis=ax)

    def backward(g):
        x_, g_, o_ = (xp.moveaxis(a, ax, -1) for a in (t.data, g, out))
        if xp.all(x_ != 0):
            dx = xp.flip(xp.cumsum(xp.flip(g_ * o_, -1), axis=-1), -1) / x_
        else:
            before = xp.concatenate([xp.ones_like(x_[..., :1]), o_[..., :-1]], axis=-1)  # E_j
            r = xp.empty_like(g_)
            r[..., -1] = g_[..., -1]
            for j in range(x_.shape[-1] - 2, -1, -1):
                r[..., j] = g_[..., j] + x_[..., j + 1] * r[..., j + 1]
            dx = before * r
        return (xp.moveaxis(dx, -1, ax),)

    return record(out, (t,), backward)


# -- averages and spreads -----------------------------------------------------


def average(x: Any, axis: Any = None, weights: Any = None) -> Tensor:
    """The weighted mean sum(x * w) / sum(w) over `axis` (the plain mean without weights).

    `weights` has x's shape, or is 1-D with the length of the (single) `axis`, as in NumPy.
    Composed of differentiable ops, so gradients flow to x and to the weights.

    Raises:
        ValueError: for 1-D weights with `axis=None` or a length other than the axis'.
    """
    if weights is None:
        (t,) = promote(x, to_float=True)
        return mean(t, axis=axis)
    t, w = promote(x, weights, to_float=True)
    if w.shape != t.shape:
        if axis is None or w.ndim != 1 or not isinstance(axis, int) or w.shape[0] != t.shape[axis]:
            raise ValueError(
                "`weights` must have the shape of `x`, or be 1-D along an int `axis` with its length. "
                f"Received: x.shape={t.shape}, weights.shape={w.shape}, axis={axis}"
            )
        shape = [1] * t.ndim
        shape[normalize_axis(axis, t.ndim)] = w.shape[0]
        w = reshape(w, shape)
    return divide(
        sum(multiply(t, w), axis=axis), sum(multiply(w, xp.ones(t.shape, dtype=w.dtype)), axis=axis)
    )


def ptp(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    """The range max - min over `axis`; composed of max and min, which route the gradient to the extremes."""
    t = convert(x)
    ax = _axis_arg(normalize_axes(axis, t.ndim))
    return subtract(max(t, axis=ax, keepdims=keepdims), min(t, axis=ax, keepdims=keepdims))


def trapezoid(y: Any, x: Any = None, dx: float = 1.0, axis: int = -1) -> Tensor:
    """The trapezoidal rule: sum((y[1:] + y[:-1]) / 2 * spacing) along `axis`.

    The spacing is `diff(x)` when sample points `x` are given, else the constant `dx`.
    Composed of slices and products, so gradients flow to y (and to x).
    """
    (t,) = promote(y, to_float=True)
    ax = normalize_axis(axis, t.ndim)
    lead = (slice(None),) * ax
    upper, lower = getitem(t, lead + (slice(1, None),)), getitem(t, lead + (slice(None, -1),))
    if x is None:
        spacing: Any = dx
    else:
        s = convert(x)
        if s.ndim == 1:  # 1-D sample points lie along `axis`
            shape = [1] * t.ndim
            shape[ax] = -1
            s = reshape(s, shape)
            s_lead = (slice(None),) * ax
        else:
            s_lead = (slice(None),) * normalize_axis(axis, s.ndim)
        spacing = subtract(getitem(s, s_lead + (slice(1, None),)), getitem(s, s_lead + (slice(None, -1),)))
    return sum(multiply(multiply(add(upper, lower), 0.5), spacing), axis=ax)


# -- NaN-ignoring reductions --------------------------------------------------


def _nan_mask(t: Tensor) -> Any:
    return xp.isnan(t.data) if t.data.dtype.kind == "f" else xp.zeros(t.shape, dtype=bool)


def nansum(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    """The sum over `axis` with NaNs counted as 0 (the gradient at a NaN is 0)."""
    t = convert(x)
    if t.data.dtype.kind != "f":
        return Tensor(xp.nansum(t.data, axis=normalize_axes(axis, t.ndim), keepdims=keepdims))
    ax = _axis_arg(normalize_axes(axis, t.ndim))
    return sum(where(_nan_mask(t), 0.0, t), axis=ax, keepdims=keepdims)


def _valid_count(t: Tensor, axis: Any, keepdims: bool) -> Any:
    return xp.sum(~_nan_mask(t), axis=normalize_axes(axis, t.ndim), keepdims=keepdims)


def nanmean(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    """The mean over the non-NaN elements along `axis`; NaN where all of them are NaN."""
    t = convert(x)
    t = cast(t, float_dtype(t.dtype))
    count = _valid_count(t, axis, keepdims)
    mean_ = divide(nansum(t, axis, keepdims), xp.maximum(count, 1).astype(t.data.dtype))
    return where(count == 0, xp.nan, mean_)


def _nan_extremum(x: Any, axis: Any, keepdims: bool, fill: float, reduce: Any) -> Tensor:
    t = convert(x)
    if t.data.dtype.kind != "f":
        return reduce(t, axis=axis, keepdims=keepdims)
    ax = _axis_arg(normalize_axes(axis, t.ndim))
    filled = where(_nan_mask(t), fill, t)  # a NaN never wins, so the gradient skips it
    out = reduce(filled, axis=ax, keepdims=keepdims)
    return where(_valid_count(t, axis, keepdims) == 0, xp.nan, out)


def nanmax(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    """The maximum over the non-NaN elements along `axis`; NaN where all of them are NaN."""
    return _nan_extremum(x, axis, keepdims, -xp.inf, max)


def nanmin(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    """The minimum over the non-NaN elements along `axis`; NaN where all of them are NaN."""
    return _nan_extremum(x, axis, keepdims, xp.inf, min)


def nanprod(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    """The product over `axis` with NaNs counted as 1 (the gradient at a NaN is 0)."""
    t = convert(x)
    if t.data.dtype.kind != "f":
        return prod(t, axis=axis, keepdims=keepdims)
    return prod(where(_nan_mask(t), 1.0, t), axis=axis, keepdims=keepdims)


def nanvar(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    """The population variance of the non-NaN elements along `axis`; NaN where all are NaN."""
    t = convert(x)
    t = cast(t, float_dtype(t.dtype))
    nan = _nan_mask(t)
    centered = subtract(t, nanmean(t, axis=axis, keepdims=True))
    count = _valid_count(t, axis, keepdims)
    squares = sum(
        square(where(nan, 0.0, centered)), axis=_axis_arg(normalize_axes(axis, t.ndim)), keepdims=keepdims
    )
    var_ = divide(squares, xp.maximum(count, 1).astype(t.data.dtype))
    return where(count == 0, xp.nan, var_)


def nanstd(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    """The population standard deviation of the non-NaN elements along `axis`."""
    v = nanvar(x, axis=axis, keepdims=keepdims)
    nan = xp.isnan(v.data)  # all-NaN slices stay NaN; sqrt only sees the defined variances
    return where(nan, xp.nan, sqrt(where(nan, 1.0, v)))


def _nan_arg(x: Any, axis: Any, keepdims: bool, fill: float, fn: Any) -> Tensor:
    t = convert(x)
    if t.data.dtype.kind != "f":
        return Tensor(fn(t.data, axis=axis, keepdims=keepdims).astype("int64"))
    nan = xp.isnan(t.data)
    idx = fn(xp.where(nan, fill, t.data), axis=axis, keepdims=keepdims)
    all_nan = xp.all(nan, axis=axis, keepdims=keepdims)
    return Tensor(xp.where(all_nan, -1, idx).astype("int64"))


def nanargmax(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    """The index of the largest non-NaN value along `axis` (flattened when None), int64; -1 for an
    all-NaN slice (as in JAX; NumPy raises)."""
    return _nan_arg(x, axis, keepdims, -xp.inf, xp.argmax)


def nanargmin(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    """The index of the smallest non-NaN value along `axis`, int64; -1 for an all-NaN slice."""
    return _nan_arg(x, axis, keepdims, xp.inf, xp.argmin)


def nancumsum(x: Any, axis: Any = None, dtype: Any = None) -> Tensor:
    """Cumulative sum with NaNs counted as 0."""
    t = convert(x)
    return cumsum(where(_nan_mask(t), 0, t) if t.data.dtype.kind == "f" else t, axis=axis, dtype=dtype)


def nancumprod(x: Any, axis: Any = None, dtype: Any = None) -> Tensor:
    """Cumulative product with NaNs counted as 1."""
    t = convert(x)
    return cumprod(where(_nan_mask(t), 1, t) if t.data.dtype.kind == "f" else t, axis=axis, dtype=dtype)


__all__ = [
    "all",
    "any",
    "average",
    "count_nonzero",
    "cumprod",
    "cumsum",
    "nanargmax",
    "nanargmin",
    "nancumprod",
    "nancumsum",
    "nanmax",
    "nanmean",
    "nanmin",
    "nanprod",
    "nanstd",
    "nansum",
    "nanvar",
    "prod",
    "ptp",
    "trapezoid",
]
