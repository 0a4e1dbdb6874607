"""Tensor creation, conversion and inspection ops of keras.ops: eye, full, linspace, meshgrid,
window functions, array/copy, saturate_cast, size/ndim/dtype.

Creation ops without an explicit dtype give `floatx()` (as Keras does), where NumPy gives float64.
linspace, logspace and meshgrid are composed of differentiable ops, so gradients flow to their
tensor arguments.
"""

from __future__ import annotations

from typing import Any

from scratchnn import backend
from scratchnn.backend import xp
from scratchnn.ops.manipulation import broadcast_to, moveaxis
from scratchnn.ops.math import add, cast, clip, multiply, power
from scratchnn.ops.promotion import promote
from scratchnn.ops.shape import convert_to_tensor, reshape, where
from scratchnn.ops.tensor import Tensor, convert, record


def _shape(shape: Any) -> tuple[int, ...]:
    return (int(shape),) if isinstance(shape, int) else tuple(int(d) for d in shape)


# -- constant tensors -----------------------------------------------------------


def eye(N: int, M: int | None = None, k: int = 0, dtype: Any = None) -> Tensor:  # noqa: N803 - Keras's names
    """The (N, M) matrix with ones on diagonal k (M defaults to N), floatx() by default."""
    return Tensor(
        xp.eye(int(N), None if M is None else int(M), k=int(k), dtype=backend.standardize_dtype(dtype))
    )


def identity(n: int, dtype: Any = None) -> Tensor:
    """The (n, n) identity matrix, floatx() by default."""
    return eye(n, dtype=dtype)


def tri(N: int, M: int | None = None, k: int = 0, dtype: Any = None) -> Tensor:  # noqa: N803
    """The (N, M) matrix with ones at and below diagonal k, floatx() by default."""
    return Tensor(
        xp.tri(int(N), None if M is None else int(M), k=int(k), dtype=backend.standardize_dtype(dtype))
    )


def full(shape: Any, fill_value: Any, dtype: Any = None) -> Tensor:
    """A tensor of `shape` filled with `fill_value`, floatx() by default (as Keras)."""
    value = convert(fill_value).data
    return Tensor(xp.full(_shape(shape), value, dtype=backend.standardize_dtype(dtype)))


def full_like(x: Any, fill_value: Any, dtype: Any = None) -> Tensor:
    """A tensor shaped like x filled with `fill_value`, in x's dtype by default."""
    t = convert(x)
    return Tensor(xp.full(t.shape, convert(fill_value).data, dtype=t.data.dtype if dtype is None else dtype))


def empty(shape: Any, dtype: Any = None) -> Tensor:
    """A tensor of `shape` (floatx() by default). Filled with zeros, as JAX does, so results never
    depend on leftover memory."""
    return Tensor(xp.zeros(_shape(shape), dtype=backend.standardize_dtype(dtype)))


def empty_like(x: Any, dtype: Any = None) -> Tensor:
    """A zero-filled tensor shaped like x (see `empty`)."""
    t = convert(x)
    return Tensor(xp.zeros(t.shape, dtype=t.data.dtype if dtype is None else dtype))


# -- ranges -----------------------------------------------------------------------


def linspace(
    start: Any,
    stop: Any,
    num: int = 50,
    endpoint: bool = True,
    retstep: bool = False,
    dtype: Any = None,
    axis: int = 0,
) -> Any:
    """`num` evenly spaced values from start to stop (stop included with endpoint=True).

    out_i = start + i * step with step = (stop - start) / (num - 1) (or / num without the endpoint);
    composed of differentiable ops, so gradients flow to tensor start/stop: d out_i / d start =
    1 - i / div, d out_i / d stop = i / div. Tensor start/stop of shape S give (num, *S), with the
    new axis moved to `axis`.

    Returns:
        The samples, or (samples, step) with retstep=True.
    """
    a, b = promote(start, stop, to_float=True)
    num = int(num)
    div = (num - 1) if endpoint else num
    frac = xp.arange(num, dtype=a.data.dtype).reshape((num,) + (1,) * max(a.ndim, b.ndim))
    if div > 0:
        frac = frac / div
    width = add(b, multiply(a, -1.0))
    out = add(a, multiply(width, frac))
    if endpoint and num > 1:  # the last sample is exactly `stop`, as in NumPy
        keep = xp.ones(out.shape, dtype=bool)
        keep[-1] = False
        out = where(keep, out, b)
    if axis != 0 and out.ndim > 1:
        out = moveaxis(out, 0, axis)
    if dtype is not None:
        out = cast(out, dtype)
    if retstep:
        return out, multiply(width, 1.0 / div) if div > 0 else Tensor(
            xp.asarray(xp.nan, dtype=out.data.dtype)
        )
    return out


def logspace(
    start: Any,
    stop: Any,
    num: int = 50,
    endpoint: bool = True,
    base: float = 10,
    dtype: Any = None,
    axis: int = 0,
) -> Tensor:
    """base ** linspace(start, stop, num): `num` values evenly spaced on a log scale."""
    exponents = linspace(start, stop, num, endpoint=endpoint, axis=axis)
    out = power(convert(base, like=exponents), exponents)
    return out if dtype is None else cast(out, dtype)


def geomspace(
    start: Any, stop: Any, num: int = 50, endpoint: bool = True, dtype: Any = None, axis: int = 0
) -> Tensor:
    """`num` values in geometric progression from start to stop (no gradient; as np.geomspace).

    Raises:
        NotImplementedError: if start or stop is a tensor that requires a gradient.
    """
    a, b = promote(start, stop, to_float=True)
    if a.requires_grad or b.requires_grad:
        raise NotImplementedError("geomspace has no gradient; compose exp(linspace(log(start), log(stop))).")
    out = xp.geomspace(a.data, b.data, num=int(num), endpoint=endpoint, axis=axis).astype(a.data.dtype)
    return Tensor(out if dtype is None else out.astype(backend.standardize_dtype(dtype)))


def meshgrid(*x: Any, indexing: str = "xy") -> list[Tensor]:
    """Coordinate grids from 1-D tensors (indexing "xy": the first two axes swapped, as NumPy).

    Each grid is a reshape and a broadcast of one input, so its gradient sums g back onto it.

    Raises:
        ValueError: for an indexing other than "xy" and "ij".
    """
    if indexing not in ("xy", "ij"):
        raise ValueError(f"`indexing` must be 'xy' or 'ij'. Received: indexing={indexing!r}")
    ts = [reshape(convert(v), (-1,)) for v in x]
    sizes = [t.shape[0] for t in ts]
    if indexing == "xy" and len(ts) >= 2:
        sizes[0], sizes[1] = sizes[1], sizes[0]
    grids = []
    for i, t in enumerate(ts):
        pos = i if indexing == "ij" or len(ts) < 2 else {0: 1, 1: 0}.get(i, i)
        shape = [1] * len(ts)
        shape[pos] = t.shape[0]
        grids.append(broadcast_to(reshape(t, shape), sizes))
    return grids


def vander(x: Any, N: int | None = None, increasing: bool = False) -> Tensor:  # noqa: N803
    """The Vandermonde matrix: columns x**(N-1), ..., x**0 (or increasing powers).

    out[i, j] = x_i ** p_j, so dL/dx_i = sum_j g[i, j] * p_j * x_i ** (p_j - 1) (the p_j = 0 column
    contributes nothing, so 0 ** -1 is never formed).
    """
    t = convert(x)
    if t.ndim != 1:
        raise ValueError(f"vander takes a 1-D tensor. Received: x.shape={t.shape}")
    n = t.shape[0] if N is None else int(N)
    powers = xp.arange(n) if increasing else xp.arange(n)[::-1]
    if t.data.dtype.kind == "f":
        powers = powers.astype(t.data.dtype)  # float32 ** int64 would give float64
    out = t.data[:, None] ** powers[None, :]

    def backward(g):
        lower = xp.where(powers > 0, powers - 1, 0)
        return ((g * powers * t.data[:, None] ** lower).sum(axis=1),)

    return record(out, (t,), backward) if t.data.dtype.kind == "f" else Tensor(out)


def _window(fn: Any, x: Any, *args: Any) -> Tensor:
    return Tensor(fn(int(convert(x).data), *args).astype(backend.floatx()))


def bartlett(x: Any) -> Tensor:
    """The Bartlett (triangular) window of length x, floatx()."""
    return _window(xp.bartlett, x)


def blackman(x: Any) -> Tensor:
    """The Blackman window of length x, floatx()."""
    return _window(xp.blackman, x)


def hamming(x: Any) -> Tensor:
    """The Hamming window of length x, floatx()."""
    return _window(xp.hamming, x)


def hanning(x: Any) -> Tensor:
    """The Hann window of length x, floatx()."""
    return _window(xp.hanning, x)


def kaiser(x: Any, beta: float) -> Tensor:
    """The Kaiser window of length x and shape `beta`, floatx()."""
    return _window(xp.kaiser, x, float(beta))


# -- conversion and inspection ------------------------------------------------------


def array(x: Any, dtype: Any = None) -> Tensor:
    """A new tensor from array-like data (Python floats become floatx()), copied."""
    t = convert_to_tensor(x, dtype=dtype)
    return Tensor(xp.array(t.data, copy=True)) if not t.requires_grad else t


def saturate_cast(x: Any, dtype: Any) -> Tensor:
    """Casts to `dtype`, first clipping to the range it can hold (so 300.0 -> uint8 gives 255).

    The clip limits are the intersection of both dtypes' ranges, nudged toward 0 when a limit is
    not representable in the input dtype, as Keras does. The gradient is g inside the range.
    """
    t = convert(x)
    target = backend.standardize_dtype(dtype)
    lo_in, hi_in = _limits(t.dtype)
    lo_out, hi_out = _limits(target)
    lo = xp.asarray(max(lo_in, lo_out)).astype(t.data.dtype)
    hi = xp.asarray(min(hi_in, hi_out)).astype(t.data.dtype)
    if lo < lo_out:
        lo = xp.nextafter(lo, 0, dtype=t.data.dtype)
    if hi > hi_out:
        hi = xp.nextafter(hi, 0, dtype=t.data.dtype)
    return cast(clip(t, lo, hi), target)


def _limits(dtype: str) -> tuple[Any, Any]:
    if dtype == "bool":
        return 0, 1
    info = xp.iinfo(dtype) if xp.dtype(dtype).kind in "iu" else xp.finfo(dtype)
    return info.min, info.max


def size(x: Any) -> int:
    """The number of elements."""
    return convert(x).size


def ndim(x: Any) -> int:
    """The number of axes."""
    return convert(x).ndim


def dtype(x: Any) -> str:
    """The dtype's name, e.g. "float32"."""
    return convert(x).dtype
