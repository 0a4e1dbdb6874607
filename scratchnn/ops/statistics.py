"""Order statistics and correlation of keras.ops: quantile, percentile, median (and their
NaN-ignoring forms), corrcoef.

A quantile is read off the sorted values: with n values along the reduced axes and position
p = q * (n - 1), "linear" gives (1 - f) * s[floor(p)] + f * s[ceil(p)] with f = p - floor(p).
It is built from `sort` (a permutation) and `take_along_axis` (a gather), so the gradient goes to
the one or two input elements that the quantile interpolates between, weighted 1 - f and f.
"""

from __future__ import annotations

from typing import Any

from scratchnn.backend import xp
from scratchnn.ops.axes import normalize_axes
from scratchnn.ops.indexing import take_along_axis
from scratchnn.ops.math import add, clip, divide, matmul, mean, multiply, sqrt, subtract
from scratchnn.ops.promotion import as_float
from scratchnn.ops.shape import reshape, stack, transpose, where
from scratchnn.ops.sorting import sort
from scratchnn.ops.tensor import Tensor, convert

_METHODS = ("linear", "lower", "higher", "midpoint", "nearest")


def _quantile(x: Any, q: Any, axis: Any, method: str, keepdims: bool, ignore_nan: bool) -> Tensor:
    if method not in _METHODS:
        raise ValueError(f"Unknown quantile method. Expected one of {_METHODS}. Received: method={method!r}")
    t = as_float(x)
    qs = xp.asarray(convert(q).data, dtype="float64")
    if xp.any((qs < 0) | (qs > 1)):
        raise ValueError(f"Quantiles must be in [0, 1]. Received: q={qs.tolist()}")
    axes = normalize_axes(axis, t.ndim)
    kept = [a for a in range(t.ndim) if a not in axes]
    lead = tuple(t.shape[a] for a in kept)
    # (..., reduced axes, ...) -> (kept..., n): the values of each quantile on the last axis.
    flat = reshape(transpose(t, kept + list(axes)), lead + (-1,))
    ranked = sort(flat, axis=-1)  # NaNs sort last
    nan = xp.isnan(flat.data)
    count = (flat.shape[-1] - xp.sum(nan, axis=-1)) if ignore_nan else xp.full(lead, flat.shape[-1])
    poisoned = xp.all(nan, axis=-1) if ignore_nan else xp.any(nan, axis=-1)  # results that are NaN
    # expand_dims, not [..., None]: on a NumPy scalar that would make a host array.
    last = xp.expand_dims(xp.maximum(count - 1, 0), -1)
    results = [_one_quantile(ranked, float(qv), last, method) for qv in qs.reshape(-1)]
    out = stack(results, axis=0) if qs.ndim else results[0]
    out = where(xp.broadcast_to(poisoned, out.shape), xp.nan, out)
    if keepdims:
        shape = [1 if a in axes else n for a, n in enumerate(t.shape)]
        out = reshape(out, qs.shape + tuple(shape))
    return out


def _one_quantile(ranked: Tensor, q: float, last: Any, method: str) -> Tensor:
    """Quantile q of each row of `ranked` (..., n), whose valid values are ranked[..., :last + 1]."""
    pos = q * last  # (..., 1) float positions
    below = xp.floor(pos).astype("int64")
    above = xp.minimum(below + 1, last)
    frac = (pos - below).astype(ranked.data.dtype)
    if method == "lower":
        index = below
    elif method == "higher":
        index = xp.ceil(pos).astype("int64")
    elif method == "nearest":
        index = xp.rint(pos).astype("int64")  # ties to the even position, as NumPy and JAX
    else:
        index = None
    if index is not None:
        return take_along_axis(ranked, index, axis=-1)[..., 0]
    lo, hi = take_along_axis(ranked, below, axis=-1), take_along_axis(ranked, above, axis=-1)
    if method == "midpoint":
        return multiply(add(lo, hi), 0.5)[..., 0]
    return add(multiply(lo, 1 - frac), multiply(hi, frac))[..., 0]


def quantile(x: Any, q: Any, axis: Any = None, method: str = "linear", keepdims: bool = False) -> Tensor:
    """The q-th quantiles (q in [0, 1], a number or 1-D) over `axis` (all axes by default).

    A 1-D q puts the quantiles on a new leading axis. Methods: "linear", "lower", "higher",
    "midpoint", "nearest". A slice with a NaN gives NaN. Integers give floatx().

    Raises:
        ValueError: for q outside [0, 1] or an unknown method.
    """
    return _quantile(x, q, axis, method, keepdims, ignore_nan=False)


def percentile(x: Any, q: Any, axis: Any = None, method: str = "linear", keepdims: bool = False) -> Tensor:
    """`quantile` with q in percent ([0, 100])."""
    return _quantile(x, xp.asarray(convert(q).data, dtype="float64") / 100, axis, method, keepdims, False)


def median(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    """The median over `axis`: the middle value, or the mean of the two middle values."""
    return _quantile(x, 0.5, axis, "linear", keepdims, ignore_nan=False)


def nanquantile(x: Any, q: Any, axis: Any = None, method: str = "linear", keepdims: bool = False) -> Tensor:
    """`quantile` over the non-NaN values of each slice (NaN where all are NaN)."""
    return _quantile(x, q, axis, method, keepdims, ignore_nan=True)


def nanpercentile(x: Any, q: Any, axis: Any = None, method: str = "linear", keepdims: bool = False) -> Tensor:
    """`percentile` over the non-NaN values of each slice."""
    return _quantile(x, xp.asarray(convert(q).data, dtype="float64") / 100, axis, method, keepdims, True)


def nanmedian(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    """`median` over the non-NaN values of each slice."""
    return _quantile(x, 0.5, axis, "linear", keepdims, ignore_nan=True)


def corrcoef(x: Any) -> Tensor:
    """Pearson correlation coefficients between the rows of x (variables in rows, observations in
    columns), clipped to [-1, 1] as NumPy does. A 1-D x is one variable (the result is 1).

    c = xc xc^T with xc the rows centred; out = c / sqrt(diag(c) diag(c)^T). Composed of
    differentiable ops.
    """
    t = as_float(x)
    if t.ndim == 1:
        t = reshape(t, (1, -1))
    if t.ndim != 2:
        raise ValueError(f"corrcoef takes a 1-D or 2-D tensor. Received: x.shape={t.shape}")
    centered = subtract(t, mean(t, axis=1, keepdims=True))
    cov = matmul(centered, transpose(centered))  # (m, m); the 1/(n-1) factors cancel below
    rows = xp.arange(cov.shape[0])
    d = sqrt(cov[rows, rows])
    out = clip(divide(divide(cov, reshape(d, (-1, 1))), reshape(d, (1, -1))), -1.0, 1.0)
    return reshape(out, ()) if out.shape == (1, 1) else out
