"""Ops that move elements without changing them: reshape, transpose, slicing, joins.

Each backward applies the inverse movement to the upstream gradient `g`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from scratchnn import backend
from scratchnn.backend import xp
from scratchnn.ops.math import _pair
from scratchnn.ops.tensor import Tensor, convert, record, unbroadcast


def convert_to_tensor(x: Any, dtype: Any = None) -> Tensor:
    """Converts an array-like to a Tensor (no copy when nothing changes).

    Python floats and float lists become `floatx()`; integer data keeps its type.
    """
    if isinstance(x, Tensor) or (isinstance(x, (list, tuple)) and any(isinstance(v, Tensor) for v in x)):
        return convert(x, dtype=dtype)  # a list of tensors is stacked on the tape
    if dtype is None:
        arr = backend.asarray(x)
        if arr.dtype.kind == "f" and not hasattr(x, "dtype"):
            arr = arr.astype(backend.floatx())
        return Tensor(arr)
    return Tensor(backend.asarray(x, dtype=backend.standardize_dtype(dtype)))


def convert_to_numpy(x: Any) -> Any:
    """Returns a host NumPy array for a Tensor or array."""
    return backend.to_numpy(x)


def reshape(x: Any, newshape: Sequence[int]) -> Tensor:
    """Reshape (one entry may be -1). d/dx = g reshaped back to x's shape."""
    t = convert(x)
    shape = t.data.shape
    return record(t.data.reshape(tuple(newshape)), (t,), lambda g: (g.reshape(shape),))


def transpose(x: Any, axes: Sequence[int] | None = None) -> Tensor:
    """Permutes axes (reverses them when `axes` is None). d/dx = g permuted by the inverse."""
    t = convert(x)
    perm = tuple(range(t.data.ndim))[::-1] if axes is None else tuple(a % t.data.ndim for a in axes)
    inverse = tuple(perm.index(i) for i in range(len(perm)))
    return record(xp.transpose(t.data, perm), (t,), lambda g: (xp.transpose(g, inverse),))


def expand_dims(x: Any, axis: int) -> Tensor:
    """Inserts a size-1 axis. d/dx = g reshaped back."""
    t = convert(x)
    shape = t.data.shape
    return record(xp.expand_dims(t.data, axis), (t,), lambda g: (g.reshape(shape),))


def squeeze(x: Any, axis: int | Sequence[int] | None = None) -> Tensor:
    """Removes size-1 axes. d/dx = g reshaped back."""
    t = convert(x)
    shape = t.data.shape
    ax = tuple(axis) if isinstance(axis, (list, tuple)) else axis
    return record(xp.squeeze(t.data, axis=ax), (t,), lambda g: (g.reshape(shape),))


def concatenate(xs: Sequence[Any], axis: int = 0) -> Tensor:
    """Joins tensors along an existing axis. Each input gets its slice of g."""
    ts = [convert(x) for x in xs]
    axis = axis % ts[0].data.ndim
    bounds = []
    start = 0
    for t in ts:
        bounds.append((start, start + t.data.shape[axis]))
        start += t.data.shape[axis]

    def backward(g):
        index = [slice(None)] * g.ndim
        grads = []
        for lo, hi in bounds:
            index[axis] = slice(lo, hi)
            grads.append(g[tuple(index)])
        return grads

    return record(xp.concatenate([t.data for t in ts], axis=axis), tuple(ts), backward)


def stack(xs: Sequence[Any], axis: int = 0) -> Tensor:
    """Joins tensors along a new axis. Input i gets g taken at index i of that axis."""
    ts = [convert(x) for x in xs]
    out = xp.stack([t.data for t in ts], axis=axis)
    ax = axis % out.ndim

    def backward(g):
        return [xp.take(g, i, axis=ax) for i in range(len(ts))]

    return record(out, tuple(ts), backward)


def where(condition: Any, x1: Any, x2: Any) -> Tensor:
    """Picks x1 where `condition` holds, else x2. d/dx1 = g*cond, d/dx2 = g*(1-cond)."""
    cond = condition.data if isinstance(condition, Tensor) else backend.asarray(condition)
    cond = cond.astype(bool, copy=False)
    a, b = _pair(x1, x2)

    def backward(g):
        return (
            unbroadcast(g * cond, a.data.shape) if a.requires_grad else None,
            unbroadcast(g * ~cond, b.data.shape) if b.requires_grad else None,
        )

    return record(xp.where(cond, a.data, b.data), (a, b), backward)


def _index_part(i: Any) -> Any:
    """A Tensor's array; an index array (a host one too) as a backend array, like the data it indexes."""
    if isinstance(i, Tensor):
        return i.data
    return backend.asarray(i) if getattr(i, "ndim", 0) else i


def getitem(x: Any, index: Any) -> Tensor:
    """x[index] (basic or integer-array indexing). d/dx scatters g back with add.at."""
    t = convert(x)
    index = tuple(map(_index_part, index)) if isinstance(index, tuple) else _index_part(index)

    def backward(g):
        dx = xp.zeros_like(t.data)
        xp.add.at(dx, index, g)  # add.at: repeated indices each receive their share
        return (dx,)

    return record(t.data[index], (t,), backward)


def take(x: Any, indices: Any, axis: int | None = None) -> Tensor:
    """Gathers entries along `axis`. d/dx scatters g back to the gathered positions."""
    t = convert(x)
    idx = indices.data if isinstance(indices, Tensor) else backend.asarray(indices)
    out = xp.take(t.data, idx, axis=axis)

    def backward(g):
        dx = xp.zeros_like(t.data)
        if axis is None:
            xp.add.at(dx.reshape(-1), idx.reshape(-1), g.reshape(-1))
        else:
            moved = xp.moveaxis(dx, axis, 0)
            gm = xp.moveaxis(g, list(range(axis, axis + idx.ndim)), list(range(idx.ndim)))
            xp.add.at(moved, idx, gm)
        return (dx,)

    return record(out, (t,), backward)


def one_hot(x: Any, num_classes: int, axis: int = -1, dtype: Any = None) -> Tensor:
    """One-hot encodes integer labels: (...,) -> (..., num_classes). No gradient."""
    labels = convert(x).data.astype("int64", copy=False)
    out = (labels[..., None] == xp.arange(num_classes)).astype(backend.standardize_dtype(dtype))
    if axis != -1:
        out = xp.moveaxis(out, -1, axis)
    return Tensor(out)


def _as_shape(shape: Any) -> tuple[int, ...]:
    # Keras accepts an int for a 1-D shape (`ops.ones(3)`).
    return (int(shape),) if isinstance(shape, int) else tuple(shape)


def zeros(shape: Sequence[int] | int, dtype: Any = None) -> Tensor:
    """Zeros of `shape` (an int or a tuple), floatx() by default."""
    return Tensor(xp.zeros(_as_shape(shape), dtype=backend.standardize_dtype(dtype)))


def ones(shape: Sequence[int] | int, dtype: Any = None) -> Tensor:
    """Ones of `shape` (an int or a tuple), floatx() by default."""
    return Tensor(xp.ones(_as_shape(shape), dtype=backend.standardize_dtype(dtype)))


def zeros_like(x: Any, dtype: Any = None) -> Tensor:
    return Tensor(xp.zeros_like(convert(x).data, dtype=dtype))


def ones_like(x: Any, dtype: Any = None) -> Tensor:
    return Tensor(xp.ones_like(convert(x).data, dtype=dtype))


def shape(x: Any) -> tuple[int, ...]:
    """The static shape as a tuple of ints."""
    return tuple(convert(x).data.shape)


def arange(start: Any, stop: Any = None, step: Any = 1, dtype: Any = None) -> Tensor:
    """Evenly spaced values in [start, stop), as keras.ops.arange.

    A Python float bound or step gives `floatx()` (as Keras), not NumPy's float64; integers keep
    NumPy's integer type.
    """
    if dtype is None and any(isinstance(v, float) for v in (start, stop, step)):
        dtype = backend.floatx()
    return Tensor(xp.arange(start, stop, step, dtype=dtype))
