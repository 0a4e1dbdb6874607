"""Ops that copy, reorder, cut or join elements without computing new values: tile, repeat, flip,
roll, pad, split, stack variants, axis moves, triangles and diagonals.

Each backward sends `g` back along the movement: the inverse permutation, the sum over copies
(tile, repeat, broadcast_to, the mirrored borders of pad), or the slot a piece was cut from.
"""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from typing import Any

from scratchnn.backend import xp
from scratchnn.ops.axes import normalize_axes, normalize_axis
from scratchnn.ops.math import subtract, sum
from scratchnn.ops.promotion import integer_accumulator, promote
from scratchnn.ops.shape import concatenate, getitem, reshape, transpose, where
from scratchnn.ops.tensor import Tensor, convert, record, unbroadcast


def _part(t: Tensor, index: tuple[Any, ...]) -> Tensor:
    """t[index] for basic slices and ints; dL/dt is g written into that slot of zeros."""

    def backward(g):
        dx = xp.zeros_like(t.data)
        dx[index] = g
        return (dx,)

    return record(t.data[index], (t,), backward)


# -- copies -------------------------------------------------------------------


def tile(x: Any, repeats: Any) -> Tensor:
    """Repeats the whole tensor `repeats[i]` times along axis i (as np.tile).

    Axes are padded with leading 1s to the same count. With x of shape (s0, s1, ...), out reshaped
    to (r0, s0, r1, s1, ...) holds a copy of x at every (r0, r1, ...), so dL/dx is the sum of
    g over the r axes.
    """
    t = convert(x)
    reps = (int(repeats),) if isinstance(repeats, int) else tuple(int(r) for r in repeats)
    d = builtins.max(t.ndim, len(reps))
    shape = (1,) * (d - t.ndim) + t.shape
    reps = (1,) * (d - len(reps)) + reps
    out = xp.tile(t.data.reshape(shape), reps)

    def backward(g):
        interleaved = [n for pair in zip(reps, shape) for n in pair]
        return (g.reshape(interleaved).sum(axis=tuple(range(0, 2 * d, 2))).reshape(t.shape),)

    return record(out, (t,), backward)


def repeat(x: Any, repeats: Any, axis: int | None = None) -> Tensor:
    """Repeats each element `repeats` times along `axis` (of the flattened tensor when None).

    Output position j copies input position src[j] = repeat(arange(n), repeats)[j], so dL/dx[i] is
    the sum of g over the positions copied from i (add.at: the copies of i are adjacent).
    """
    t = convert(x)
    if axis is None:
        t, ax = reshape(t, (-1,)), 0
    else:
        ax = normalize_axis(axis, t.ndim)
    reps = repeats.data if isinstance(repeats, Tensor) else xp.asarray(repeats)
    out = xp.repeat(t.data, reps, axis=ax)
    n = t.shape[ax]

    def backward(g):
        gm = xp.moveaxis(g, ax, 0)
        if xp.ndim(reps) == 0:  # the same count r: (n * r, ...) -> (n, r, ...) summed over r
            dm = gm.reshape((n, int(reps)) + gm.shape[1:]).sum(axis=1)
        else:
            dm = xp.zeros((n,) + gm.shape[1:], dtype=g.dtype)
            xp.add.at(dm, xp.repeat(xp.arange(n), reps), gm)
        return (xp.moveaxis(dm, 0, ax),)

    return record(out, (t,), backward)


def broadcast_to(x: Any, shape: Sequence[int]) -> Tensor:
    """x broadcast to `shape` (a read-only view). dL/dx sums g over the broadcast axes."""
    t = convert(x)
    return record(xp.broadcast_to(t.data, tuple(shape)), (t,), lambda g: (unbroadcast(g, t.shape),))


def copy(x: Any) -> Tensor:
    """A copy of x (new memory). d/dx = g."""
    t = convert(x)
    return record(t.data.copy(), (t,), lambda g: (g,))


def view(x: Any, dtype: Any = None) -> Tensor:
    """The same bytes read as another dtype (as ndarray.view); no gradient."""
    t = convert(x)
    return Tensor(t.data.view(t.data.dtype if dtype is None else xp.dtype(dtype)))


# -- reorderings --------------------------------------------------------------


def flip(x: Any, axis: Any = None) -> Tensor:
    """Reverses the order along `axis` (every axis when None). The backward flips g back."""
    t = convert(x)
    axes = normalize_axes(axis, t.ndim)
    return record(xp.flip(t.data, axes), (t,), lambda g: (xp.flip(g, axes),))


def fliplr(x: Any) -> Tensor:
    """Reverses axis 1 (left-right); needs rank >= 2."""
    t = convert(x)
    if t.ndim < 2:
        raise ValueError(f"fliplr needs a tensor of rank >= 2. Received: x.shape={t.shape}")
    return flip(t, 1)


def flipud(x: Any) -> Tensor:
    """Reverses axis 0 (up-down); needs rank >= 1."""
    t = convert(x)
    if t.ndim < 1:
        raise ValueError(f"flipud needs a tensor of rank >= 1. Received: x.shape={t.shape}")
    return flip(t, 0)


def swapaxes(x: Any, axis1: int, axis2: int) -> Tensor:
    """Exchanges two axes (a transpose; its backward applies the same exchange)."""
    t = convert(x)
    perm = list(range(t.ndim))
    a, b = normalize_axis(axis1, t.ndim, "axis1"), normalize_axis(axis2, t.ndim, "axis2")
    perm[a], perm[b] = perm[b], perm[a]
    return transpose(t, perm)


def moveaxis(x: Any, source: Any, destination: Any) -> Tensor:
    """Moves axes to new positions, keeping the others in order (a transpose)."""
    t = convert(x)
    src = [normalize_axis(a, t.ndim, "source") for a in ([source] if isinstance(source, int) else source)]
    dst = [
        normalize_axis(a, t.ndim, "destination")
        for a in ([destination] if isinstance(destination, int) else destination)
    ]
    if len(src) != len(dst):
        raise ValueError(
            f"`source` and `destination` need as many axes. Received: {source} and {destination}"
        )
    # perm[d] = the input axis that lands at output position d; the others keep their order.
    perm: list[Any] = [None] * t.ndim
    for s_, d_ in zip(src, dst):
        perm[d_] = s_
    rest = iter(a for a in range(t.ndim) if a not in src)
    return transpose(t, [next(rest) if p is None else p for p in perm])


def rot90(array: Any, k: int = 1, axes: Sequence[int] = (0, 1)) -> Tensor:
    """Rotates by 90 degrees k times in the plane of `axes`, from the first axis toward the second.

    k = 1 is flip(axes[1]) then swap the axes; 2 flips both; 3 swaps then flips axes[1]. Composed of
    flip and swapaxes, whose backwards undo them.

    Raises:
        ValueError: for rank < 2 or `axes` that are not two different axes.
    """
    t = convert(array)
    if t.ndim < 2:
        raise ValueError(f"rot90 needs a tensor of rank >= 2. Received: array.ndim={t.ndim}")
    if len(axes) != 2 or normalize_axis(axes[0], t.ndim) == normalize_axis(axes[1], t.ndim):
        raise ValueError(f"`axes` must be two different axes. Received: axes={axes}")
    a, b = axes
    k = int(k) % 4
    if k == 0:
        return t
    if k == 2:
        return flip(t, (a, b))
    if k == 1:
        return swapaxes(flip(t, b), a, b)
    return flip(swapaxes(t, a, b), b)


def roll(x: Any, shift: Any, axis: Any = None) -> Tensor:
    """Rolls elements along `axis` by `shift` (the flattened tensor when None), wrapping around.

    The backward rolls g by -shift.
    """
    t = convert(x)
    back = -shift if isinstance(shift, int) else tuple(-int(s) for s in shift)
    return record(xp.roll(t.data, shift, axis=axis), (t,), lambda g: (xp.roll(g, back, axis=axis),))


# -- padding ------------------------------------------------------------------

_INDEX_MODES = ("constant", "edge", "reflect", "symmetric", "wrap")
_VALUE_MODES = ("linear_ramp", "maximum", "mean", "median", "minimum", "empty")


def pad(x: Any, pad_width: Any, mode: str = "constant", constant_values: Any = None) -> Tensor:
    """Pads each axis with pad_width[i] = (before, after) entries (an int or one pair pads every axis).

    Modes, as np.pad: "constant" (`constant_values`, default 0), "edge", "reflect", "symmetric",
    "wrap", and the value-computing "linear_ramp", "maximum", "mean", "median", "minimum", "empty".
    Gradient: every output entry of the first five modes is a copy of one input entry (or a
    constant), so dL/dx[i] sums g over the copies of i: src = np.pad(arange(x.size), mode) maps
    each output to its source and a bincount adds g up. The value-computing modes are forward only.

    Raises:
        ValueError: for an unknown mode, or constant_values with a mode other than "constant".
        NotImplementedError: from the backward of a value-computing mode.
    """
    if mode not in _INDEX_MODES + _VALUE_MODES:
        raise ValueError(
            f"Unknown pad mode. Expected one of {_INDEX_MODES + _VALUE_MODES}. Received: mode={mode!r}"
        )
    if constant_values is not None and mode != "constant":
        raise ValueError(f"`constant_values` can only be given with mode='constant'. Received: mode={mode!r}")
    t = convert(x)
    # An int, one (before, after) pair, or one pair per axis -> one pair per axis (np.pad's rule).
    width = [
        tuple(int(v) for v in row)
        for row in xp.broadcast_to(xp.asarray(pad_width, dtype="int64"), (t.ndim, 2))
    ]
    kwargs = (
        {"constant_values": constant_values} if mode == "constant" and constant_values is not None else {}
    )
    out = xp.pad(t.data, width, mode=mode, **kwargs)

    def backward(g):
        if mode == "constant":
            inner = tuple(builtins.slice(b, b + n) for (b, _), n in zip(width, t.shape))
            return (g[inner],)
        if mode in _VALUE_MODES:
            raise NotImplementedError(
                f"The gradient of pad(mode={mode!r}) is not implemented; the modes with gradients are "
                f"{_INDEX_MODES}."
            )
        src = xp.pad(xp.arange(t.size).reshape(t.shape), width, mode=mode)
        dx = xp.bincount(src.reshape(-1), weights=g.reshape(-1), minlength=t.size)
        return (dx.reshape(t.shape).astype(g.dtype, copy=False),)

    return record(out, (t,), backward)


# -- cutting ------------------------------------------------------------------


def _split_at(t: Tensor, bounds: Sequence[int], ax: int) -> list[Tensor]:
    lead = (builtins.slice(None),) * ax
    edges = [0, *bounds, t.shape[ax]]
    return [
        _part(t, lead + (builtins.slice(lo, builtins.max(lo, hi)),)) for lo, hi in zip(edges[:-1], edges[1:])
    ]


def split(x: Any, indices_or_sections: Any, axis: int = 0) -> list[Tensor]:
    """Splits into equal sections (an int that divides the axis) or at the given indices.

    Each piece's gradient is g written into its slot.

    Raises:
        ValueError: if an int number of sections does not divide the axis.
    """
    t = convert(x)
    ax = normalize_axis(axis, t.ndim)
    n = t.shape[ax]
    if isinstance(indices_or_sections, int):
        k = indices_or_sections
        if k <= 0 or n % k:
            raise ValueError(
                f"split into {k} equal sections needs an axis divisible by {k}. Received: x.shape={t.shape}"
            )
        return _split_at(t, [i * (n // k) for i in range(1, k)], ax)
    return _split_at(t, [int(i) for i in indices_or_sections], ax)


def array_split(x: Any, indices_or_sections: Any, axis: int = 0) -> list[Tensor]:
    """Like `split`, but k sections need not divide the axis: the first n % k get one more entry."""
    t = convert(x)
    ax = normalize_axis(axis, t.ndim)
    if not isinstance(indices_or_sections, int):
        return _split_at(t, [int(i) for i in indices_or_sections], ax)
    k = indices_or_sections
    if k <= 0:
        raise ValueError(f"The number of sections must be positive. Received: indices_or_sections={k}")
    size, extra = divmod(t.shape[ax], k)
    sizes = [size + 1] * extra + [size] * (k - extra)
    return _split_at(t, [builtins.sum(sizes[:i]) for i in range(1, k)], ax)


def hsplit(x: Any, indices_or_sections: Any) -> list[Tensor]:
    """`split` along axis 1 (axis 0 for 1-D tensors)."""
    t = convert(x)
    return split(t, indices_or_sections, axis=1 if t.ndim > 1 else 0)


def vsplit(x: Any, indices_or_sections: Any) -> list[Tensor]:
    """`split` along axis 0 (rank >= 2)."""
    t = convert(x)
    if t.ndim < 2:
        raise ValueError(f"vsplit needs a tensor of rank >= 2. Received: x.shape={t.shape}")
    return split(t, indices_or_sections, axis=0)


def dsplit(x: Any, indices_or_sections: Any) -> list[Tensor]:
    """`split` along axis 2 (rank >= 3)."""
    t = convert(x)
    if t.ndim < 3:
        raise ValueError(f"dsplit needs a tensor of rank >= 3. Received: x.shape={t.shape}")
    return split(t, indices_or_sections, axis=2)


def unstack(x: Any, num: int | None = None, axis: int = 0) -> list[Tensor]:
    """The slices along `axis`, each without that axis; slice i's gradient lands at index i.

    Raises:
        ValueError: if `num` is given and differs from the axis length.
    """
    t = convert(x)
    ax = normalize_axis(axis, t.ndim)
    if num is not None and int(num) != t.shape[ax]:
        raise ValueError(
            f"`num` must equal the length of axis {axis}. Received: num={num}, x.shape={t.shape}"
        )
    lead = (builtins.slice(None),) * ax
    return [_part(t, lead + (i,)) for i in range(t.shape[ax])]


def ravel(x: Any) -> Tensor:
    """The tensor flattened to 1-D (a reshape)."""
    return reshape(convert(x), (-1,))


# -- joining ------------------------------------------------------------------


def _at_least(t: Tensor, rank: int) -> Tensor:
    if t.ndim >= rank:
        return t
    if rank == 1:
        return reshape(t, (1,))
    if rank == 2:
        return reshape(t, (1, -1) if t.ndim == 1 else (1, 1))
    shape = {0: (1, 1, 1), 1: (1, -1, 1), 2: t.shape + (1,)}[t.ndim]
    return reshape(t, shape)


def append(x1: Any, x2: Any, axis: int | None = None) -> Tensor:
    """x2 appended to x1 along `axis`; both are flattened first when axis is None."""
    a, b = promote(x1, x2)
    if axis is None:
        a, b, axis = reshape(a, (-1,)), reshape(b, (-1,)), 0
    return concatenate([a, b], axis=axis)


def hstack(xs: Sequence[Any]) -> Tensor:
    """Joins along axis 1 (axis 0 for 1-D tensors), as np.hstack."""
    ts = [_at_least(t, 1) for t in promote(*xs)]
    return concatenate(ts, axis=0 if ts[0].ndim == 1 else 1)


def vstack(xs: Sequence[Any]) -> Tensor:
    """Joins along axis 0 after making each tensor at least 2-D ((n,) -> (1, n)), as np.vstack."""
    return concatenate([_at_least(t, 2) for t in promote(*xs)], axis=0)


def dstack(xs: Sequence[Any]) -> Tensor:
    """Joins along axis 2 after making each tensor at least 3-D, as np.dstack."""
    return concatenate([_at_least(t, 3) for t in promote(*xs)], axis=2)


def diff(a: Any, n: int = 1, axis: int = -1) -> Tensor:
    """The n-th discrete difference along `axis`: out[i] = a[i + 1] - a[i], applied n times."""
    t = convert(a)
    ax = normalize_axis(axis, t.ndim)
    lead = (builtins.slice(None),) * ax
    for _ in range(int(n)):
        t = subtract(
            getitem(t, lead + (builtins.slice(1, None),)), getitem(t, lead + (builtins.slice(None, -1),))
        )
    return t


# -- triangles and diagonals --------------------------------------------------


def tril(x: Any, k: int = 0) -> Tensor:
    """The lower triangle of the last two axes (entries with column - row <= k); zeros above.

    d/dx = g on the kept entries, 0 elsewhere.
    """
    t = convert(x)
    mask = xp.tri(*t.shape[-2:], k=k, dtype=bool) if t.ndim >= 2 else xp.tri(t.shape[0], k=k, dtype=bool)
    return where(mask, t, xp.zeros((), dtype=t.data.dtype))


def triu(x: Any, k: int = 0) -> Tensor:
    """The upper triangle of the last two axes (column - row >= k); zeros below."""
    t = convert(x)
    mask = (
        ~xp.tri(*t.shape[-2:], k=k - 1, dtype=bool)
        if t.ndim >= 2
        else ~xp.tri(t.shape[0], k=k - 1, dtype=bool)
    )
    return where(mask, t, xp.zeros((), dtype=t.data.dtype))


def _diagonal_positions(rows: int, cols: int, k: int) -> tuple[Any, Any]:
    """Row and column indices of diagonal k of a (rows, cols) matrix."""
    length = builtins.max(0, builtins.min(rows + builtins.min(k, 0), cols - builtins.max(k, 0)))
    i = xp.arange(length)
    return i - builtins.min(k, 0), i + builtins.max(k, 0)


def diagonal(x: Any, offset: int = 0, axis1: int = 0, axis2: int = 1) -> Tensor:
    """Diagonal `offset` of the matrices in axes (axis1, axis2), on a new last axis.

    A gather at (i, i + offset), so dL/dx is g scattered back onto that diagonal.
    """
    t = convert(x)
    a1, a2 = normalize_axis(axis1, t.ndim, "axis1"), normalize_axis(axis2, t.ndim, "axis2")
    rest = [a for a in range(t.ndim) if a not in (a1, a2)]
    moved = transpose(t, rest + [a1, a2])  # (..., rows, cols)
    rows, cols = _diagonal_positions(moved.shape[-2], moved.shape[-1], int(offset))
    return getitem(moved, (Ellipsis, rows, cols))


def diag(x: Any, k: int = 0) -> Tensor:
    """1-D x: the square matrix with x on diagonal k; 2-D x: its diagonal k.

    Raises:
        ValueError: for other ranks.
    """
    t = convert(x)
    if t.ndim == 2:
        return diagonal(t, k)
    if t.ndim != 1:
        raise ValueError(f"diag takes a 1-D or 2-D tensor. Received: x.shape={t.shape}")
    m = t.shape[0] + builtins.abs(int(k))
    rows, cols = _diagonal_positions(m, m, int(k))
    out = xp.zeros((m, m), dtype=t.data.dtype)
    out[rows, cols] = t.data
    return record(out, (t,), lambda g: (g[rows, cols],))


def diagflat(x: Any, k: int = 0) -> Tensor:
    """The square matrix with the flattened x on diagonal k."""
    return diag(ravel(x), k)


def trace(x: Any, offset: int = 0, axis1: int = 0, axis2: int = 1) -> Tensor:
    """The sum of diagonal `offset` of the matrices in axes (axis1, axis2); integers sum in
    `integer_accumulator`'s dtype, as Keras."""
    d = diagonal(x, offset, axis1, axis2)
    if d.data.dtype.kind in "biu":
        return Tensor(xp.sum(d.data, axis=-1, dtype=integer_accumulator(d.data.dtype)))
    return sum(d, axis=-1)
