"""Gather, scatter, slice and segment ops of keras.ops.

A gather's backward scatters `g` back to the gathered positions with `add.at` (so an element
gathered twice gets both gradients); a scatter's backward gathers `g` at the scattered positions.
"""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from typing import Any

from scratchnn.backend import xp
from scratchnn.ops.axes import normalize_axis
from scratchnn.ops.math import cast
from scratchnn.ops.shape import getitem, reshape, where
from scratchnn.ops.tensor import Tensor, convert, record, unbroadcast

get_item = getitem


def _int_array(x: Any) -> Any:
    return convert(x).data.astype("int64", copy=False)


# -- gathers ------------------------------------------------------------------


def take_along_axis(x: Any, indices: Any, axis: int | None = None) -> Tensor:
    """Picks x[..., indices[..., i, ...], ...] along `axis` (of the flattened x when None).

    Axes other than `axis` broadcast between x and indices. dL/dx: g is added back at the picked
    positions (add.at: an index picked twice gets both), then summed over broadcast axes.
    """
    t = convert(x)
    idx = _int_array(indices)
    if axis is None:
        t, idx, ax = reshape(t, (-1,)), idx.reshape(-1), 0
    else:
        ax = normalize_axis(axis, t.ndim)
    n = t.shape[ax]
    idx = xp.where(idx < 0, idx + n, idx)
    # Broadcast the non-axis dims of x and indices against each other.
    x_dims, i_dims = list(t.shape), list(idx.shape)
    x_dims[ax] = i_dims[ax] = 1
    common = xp.broadcast_shapes(tuple(x_dims), tuple(i_dims))
    bx_shape = list(common)
    bx_shape[ax] = n
    bi_shape = list(common)
    bi_shape[ax] = idx.shape[ax]
    bx = xp.broadcast_to(t.data, bx_shape)
    bidx = xp.broadcast_to(idx, bi_shape)
    out = xp.take_along_axis(bx, bidx, axis=ax)

    def backward(g):
        grid = list(xp.ogrid[tuple(builtins.slice(0, s) for s in out.shape)])
        grid[ax] = bidx
        dx = xp.zeros(bx_shape, dtype=g.dtype)
        xp.add.at(dx, tuple(grid), g)
        return (unbroadcast(dx, t.shape),)

    return record(out, (t,), backward)


def nonzero(x: Any) -> tuple[Tensor, ...]:
    """The indices of the non-zero elements, one int64 tensor per axis (as NumPy's nonzero)."""
    return tuple(Tensor(i.astype("int64")) for i in xp.nonzero(convert(x).data))


def unravel_index(indices: Any, shape: Sequence[int]) -> tuple[Tensor, ...]:
    """Flat indices -> one coordinate tensor per axis of `shape` (int64)."""
    return tuple(Tensor(i.astype("int64")) for i in xp.unravel_index(_int_array(indices), tuple(shape)))


def extract_sequences(x: Any, sequence_length: int, sequence_stride: int) -> Tensor:
    """Frames of the last axis: (..., L) -> (..., num_frames, sequence_length).

    Frame f holds x[..., f * stride : f * stride + sequence_length]; a gather, so its gradient is
    added back at the gathered positions (overlapping frames add up).
    """
    t = convert(x)
    length, stride = int(sequence_length), int(sequence_stride)
    frames = (t.shape[-1] - length) // stride + 1
    # (frames, length) positions into the last axis.
    positions = xp.arange(frames)[:, None] * stride + xp.arange(length)[None, :]
    return getitem(t, (Ellipsis, positions))


# -- scatters -----------------------------------------------------------------


def _index_tuple(indices: Any) -> tuple[Any, ...]:
    """(num_updates, k) coordinates -> a tuple of k index arrays (the first k axes)."""
    idx = _int_array(indices)
    if idx.ndim == 1:
        idx = idx[:, None]
    return tuple(xp.moveaxis(idx, -1, 0))


def scatter(indices: Any, values: Any, shape: Sequence[int]) -> Tensor:
    """A tensor of `shape`, zero except that values[i] is added at coordinates indices[i].

    indices: (..., k) with k <= len(shape); values: indices.shape[:-1] + shape[k:].
    out = sum of the values at each coordinate, so dL/dvalues[i] = g[indices[i]].
    """
    v = convert(values)
    key = tuple(xp.moveaxis(_int_array(indices), -1, 0))
    out = xp.zeros(tuple(shape), dtype=v.data.dtype)
    xp.add.at(out, key, v.data)
    return record(out, (v,), lambda g: (g[key],))


def _last_writer(key: tuple[Any, ...], n: int) -> Any:
    """(n,) booleans: True for the update that wins at its coordinates (the last one written)."""
    if n == 0:
        return xp.zeros(0, dtype=bool)
    rows = xp.stack(key, axis=-1)
    _, first_in_reversed = xp.unique(rows[::-1], axis=0, return_index=True)
    winner = xp.zeros(n, dtype=bool)
    winner[n - 1 - first_in_reversed] = True
    return winner


def scatter_update(inputs: Any, indices: Any, updates: Any, reduction: str | None = None) -> Tensor:
    """`inputs` with updates[i] written at coordinates indices[i] (shape (num_updates, k)).

    reduction=None overwrites (a repeated coordinate keeps the last update); "add", "mul", "max" and
    "min" combine with what is there. Gradients:
    - None: dL/dinputs = g with the written positions zeroed; dL/dupdates[i] = g[indices[i]] for
      the winning update, 0 for overwritten ones;
    - "add": dL/dinputs = g; dL/dupdates[i] = g[indices[i]];
    - "mul", "max", "min": forward only; their backward raises NotImplementedError.

    Raises:
        ValueError: for an unknown reduction.
    """
    reducers = {None: None, "add": xp.add, "mul": xp.multiply, "max": xp.maximum, "min": xp.minimum}
    if reduction not in reducers:
        raise ValueError(f"Unsupported reduction. Expected one of {list(reducers)}. Received: {reduction!r}")
    a = convert(inputs)
    u = cast(convert(updates), a.dtype)
    key = _index_tuple(indices)
    out = a.data.copy()
    if reduction is None:
        out[key] = u.data
    else:
        reducers[reduction].at(out, key, u.data)

    def backward(g):
        if reduction is None:
            da = g.copy()
            da[key] = 0
            winner = _last_writer(key, len(key[0])).reshape((-1,) + (1,) * (u.ndim - 1))
            return da, g[key] * winner
        if reduction == "add":
            return g, g[key]
        raise NotImplementedError(
            f"The gradient of scatter_update(reduction={reduction!r}) is not implemented; use "
            "reduction=None or 'add', or compute it from differentiable ops."
        )

    return record(out, (a, u), backward)


# -- segments -----------------------------------------------------------------


def _segments(data: Any, segment_ids: Any, num_segments: int | None) -> tuple[Tensor, Any, int, Any]:
    d = convert(data)
    ids = _int_array(segment_ids).reshape(-1)
    if ids.shape[0] != d.shape[0]:
        raise ValueError(
            "`segment_ids` needs one id per row of `data`. "
            f"Received: data.shape={d.shape}, segment_ids.shape={ids.shape}"
        )
    n = int(num_segments) if num_segments is not None else (int(ids.max()) + 1 if ids.size else 0)
    valid = (ids >= 0) & (ids < n)  # ids outside [0, num_segments) are dropped, as in JAX
    return d, ids, n, valid


def segment_sum(data: Any, segment_ids: Any, num_segments: int | None = None, sorted: bool = False) -> Tensor:  # noqa: A002
    """Sums the rows of `data` by segment id: out[s] = sum_{i: ids_i = s} data[i].

    dL/ddata[i] = g[ids_i] (0 for a dropped id). num_segments defaults to max(ids) + 1.
    """
    d, ids, n, valid = _segments(data, segment_ids, num_segments)
    out = xp.zeros((n,) + d.shape[1:], dtype=d.data.dtype)
    xp.add.at(out, ids[valid], d.data[valid])

    def backward(g):
        dd = xp.zeros_like(d.data)
        dd[valid] = g[ids[valid]]
        return (dd,)

    return record(out, (d,), backward)


def _segment_extremum(
    data: Any, segment_ids: Any, num_segments: Any, reducer: Any, identity: float
) -> Tensor:
    """Segment max/min: the gradient of a segment is shared among the rows that reach its extremum."""
    d, ids, n, valid = _segments(data, segment_ids, num_segments)
    kind = d.data.dtype.kind
    fill = (
        identity
        if kind == "f"
        else (xp.iinfo(d.data.dtype).min if identity < 0 else xp.iinfo(d.data.dtype).max)
    )
    out = xp.full((n,) + d.shape[1:], fill, dtype=d.data.dtype)
    reducer.at(out, ids[valid], d.data[valid])

    def backward(g):
        hit = xp.zeros(d.shape, dtype=bool)
        hit[valid] = d.data[valid] == out[ids[valid]]
        ties = xp.zeros(out.shape, dtype=g.dtype)
        xp.add.at(ties, ids[valid], hit[valid].astype(g.dtype))
        dd = xp.zeros_like(g, shape=d.shape)
        dd[valid] = g[ids[valid]] / xp.maximum(ties[ids[valid]], 1)
        return (dd * hit,)

    return record(out, (d,), backward) if kind == "f" else Tensor(out)


def segment_max(data: Any, segment_ids: Any, num_segments: int | None = None, sorted: bool = False) -> Tensor:  # noqa: A002
    """The maximum row of each segment (-inf for an empty float segment, as in JAX)."""
    return _segment_extremum(data, segment_ids, num_segments, xp.maximum, -xp.inf)


def segment_min(data: Any, segment_ids: Any, num_segments: int | None = None, sorted: bool = False) -> Tensor:  # noqa: A002
    """The minimum row of each segment (+inf for an empty float segment, as in JAX)."""
    return _segment_extremum(data, segment_ids, num_segments, xp.minimum, xp.inf)


def segment_prod(
    data: Any, segment_ids: Any, num_segments: int | None = None, sorted: bool = False
) -> Tensor:  # noqa: A002
    """The product of the rows of each segment (1 for an empty segment).

    d out[s] / d data[i] = the product of the other rows of segment s, without dividing by data[i]:
    with z = the number of zeros in the segment and P = the product of its non-zero entries, it is
    P / data[i] if z == 0, P if z == 1 and data[i] == 0, and 0 otherwise.
    """
    d, ids, n, valid = _segments(data, segment_ids, num_segments)
    out = xp.ones((n,) + d.shape[1:], dtype=d.data.dtype)
    xp.multiply.at(out, ids[valid], d.data[valid])

    def backward(g):
        x = d.data[valid]
        seg = ids[valid]
        is_zero = x == 0
        zeros = xp.zeros(out.shape, dtype="int64")
        xp.add.at(zeros, seg, is_zero.astype("int64"))
        nonzero_prod = xp.ones(out.shape, dtype=x.dtype)
        xp.multiply.at(nonzero_prod, seg, xp.where(is_zero, 1, x))
        z, p = zeros[seg], nonzero_prod[seg]
        others = xp.where(z == 0, p / xp.where(is_zero, 1, x), xp.where((z == 1) & is_zero, p, 0))
        dd = xp.zeros_like(d.data)
        dd[valid] = g[seg] * others
        return (dd,)

    return record(out, (d,), backward) if d.data.dtype.kind == "f" else Tensor(out)


# -- static slices ------------------------------------------------------------


def _block(shape: tuple[int, ...], start_indices: Any, sizes: Sequence[int]) -> tuple[Any, ...]:
    """The slices of a block, with its start clamped so that it fits (as lax.dynamic_slice)."""
    starts = [int(s) for s in (start_indices.numpy() if isinstance(start_indices, Tensor) else start_indices)]
    if len(starts) != len(shape) or len(sizes) != len(shape):
        raise ValueError(
            f"`start_indices` and the block shape need one entry per axis of a rank-{len(shape)} tensor. "
            f"Received: start_indices={starts}, shape={list(sizes)}"
        )
    out = []
    for dim, start, size in zip(shape, starts, sizes):
        start = min(max(start, 0), dim - size)
        out.append(builtins.slice(start, start + size))
    return tuple(out)


def slice(inputs: Any, start_indices: Any, shape: Sequence[int]) -> Tensor:  # noqa: A001 - Keras's name
    """The block of `shape` starting at `start_indices` (a size of -1 takes the rest of that axis).

    Starts are clamped so the block fits, as in lax.dynamic_slice. dL/dinputs is g placed in the block.
    """
    t = convert(inputs)
    starts = [int(s) for s in (start_indices.numpy() if isinstance(start_indices, Tensor) else start_indices)]
    sizes = [t.shape[i] - starts[i] if int(s) == -1 else int(s) for i, s in enumerate(shape)]
    block = _block(t.shape, starts, sizes)

    def backward(g):
        dx = xp.zeros_like(t.data)
        dx[block] = g
        return (dx,)

    return record(t.data[block], (t,), backward)


def slice_update(inputs: Any, start_indices: Any, updates: Any) -> Tensor:
    """`inputs` with the block at `start_indices` replaced by `updates` (starts clamped to fit).

    dL/dinputs = g with the block zeroed; dL/dupdates = g in the block.
    """
    a = convert(inputs)
    u = cast(convert(updates), a.dtype)
    block = _block(a.shape, start_indices, u.shape)
    out = a.data.copy()
    out[block] = u.data

    def backward(g):
        da = g.copy()
        da[block] = 0
        return da, g[block]

    return record(out, (a, u), backward)


def select(condlist: Sequence[Any], choicelist: Sequence[Any], default: Any = 0) -> Tensor:
    """choicelist[i] where condlist[i] is the first true condition, else `default` (as np.select).

    Built from nested `where`s (the last condition innermost), so each choice gets the gradient
    where it is picked.

    Raises:
        ValueError: if the two lists differ in length or are empty.
    """
    if len(condlist) != len(choicelist) or not condlist:
        raise ValueError(
            "`condlist` and `choicelist` must be non-empty and of the same length. "
            f"Received: {len(condlist)} conditions and {len(choicelist)} choices"
        )
    out = convert(default) if isinstance(default, Tensor) else default
    for cond, choice in zip(reversed(condlist), reversed(choicelist)):
        out = where(convert(cond), choice, out)
    return convert(out)
