"""Sorting, ranking, searching and counting ops of keras.ops.

Only `sort`, `top_k` (its values) and `bincount` (in its weights) are differentiable: they move or
sum values, and the backward sends each output's gradient back to the element it came from. The
rest return indices, counts or booleans.

Index outputs are int64, as NumPy and scratchnn's `argmax` give them (Keras on JAX gives int32,
a 32-bit device default), except `top_k`'s indices, which are int32 on every Keras backend but
PyTorch and so are int32 here too.
"""

from __future__ import annotations

from typing import Any

from scratchnn.backend import xp
from scratchnn.ops.axes import normalize_axis
from scratchnn.ops.promotion import float_dtype
from scratchnn.ops.shape import reshape
from scratchnn.ops.tensor import Tensor, convert, record


def _flat_if_none(t: Tensor, axis: Any) -> tuple[Tensor, int]:
    if axis is None:
        return reshape(t, (-1,)), 0
    return t, normalize_axis(axis, t.ndim)


def sort(x: Any, axis: int | None = -1) -> Tensor:
    """Sorts along `axis` (the flattened tensor when None), NaNs last.

    The output is a permutation of the input: out = take_along_axis(x, p, axis) with p the stable
    argsort. So dL/dx[p_i] = g_i: the gradient is put back at the positions the values came from.
    """
    t, ax = _flat_if_none(convert(x), axis)
    if t.ndim == 0:
        return t
    perm = xp.argsort(t.data, axis=ax, kind="stable")
    out = xp.take_along_axis(t.data, perm, axis=ax)

    def backward(g):
        dx = xp.empty_like(g)
        xp.put_along_axis(dx, perm, g, axis=ax)  # p is a permutation: every slot written once
        return (dx,)

    return record(out, (t,), backward)


def argsort(x: Any, axis: int | None = -1) -> Tensor:
    """The indices that sort `x` along `axis` (stable, so ties keep their order), int64."""
    t, ax = _flat_if_none(convert(x), axis)
    if t.ndim == 0:
        return Tensor(xp.zeros((1,), dtype="int64"))
    return Tensor(xp.argsort(t.data, axis=ax, kind="stable").astype("int64"))


def argpartition(x: Any, kth: int, axis: int | None = -1) -> Tensor:
    """Indices that partition `x` along `axis`: the kth element is in its sorted place, smaller ones
    before it, larger ones after it (in no particular order within each side), int64."""
    t, ax = _flat_if_none(convert(x), axis)
    return Tensor(xp.argpartition(t.data, kth, axis=ax).astype("int64"))


def _descending_order(z: Any) -> Any:
    """Indices sorting the last axis in descending order, ties by ascending index (as lax.top_k).

    A stable ascending argsort of the reversed axis puts equal values in descending original index;
    reversing that order gives descending values with ties in ascending original index.
    """
    n = z.shape[-1]
    return n - 1 - xp.argsort(z[..., ::-1], axis=-1, kind="stable")[..., ::-1]


def top_k(x: Any, k: int, sorted: bool = True) -> tuple[Tensor, Tensor]:  # noqa: A002 - Keras's name
    """The k largest values along the last axis and their indices.

    Args:
        x: (..., n) tensor.
        k: how many values to keep, 1 <= k <= n.
        sorted: accepted for Keras's signature; the values always come largest first.

    Returns:
        (values (..., k), indices (..., k) int32). dL/dx[indices_i] = g_i for the values.

    Raises:
        ValueError: if k is not in [0, n].
    """
    t = convert(x)
    n = t.shape[-1] if t.ndim else 0
    if not 0 <= int(k) <= n:
        raise ValueError(f"top_k needs 0 <= k <= x.shape[-1]. Received: k={k}, x.shape={t.shape}")
    idx = _descending_order(t.data)[..., : int(k)]
    values = xp.take_along_axis(t.data, idx, axis=-1)

    def backward(g):
        dx = xp.zeros_like(t.data)
        xp.put_along_axis(dx, idx, g, axis=-1)  # distinct indices: no accumulation needed
        return (dx,)

    return record(values, (t,), backward), Tensor(idx.astype("int32"))


def in_top_k(targets: Any, predictions: Any, k: int) -> Tensor:
    """Whether each target class is among the k highest predictions of its row (boolean, (N,)).

    The rank of the target is 1 + the number of classes predicted strictly higher, so ties count in
    the target's favour; a NaN prediction for the target never counts as high (as in Keras).
    """
    p = convert(predictions).data
    y = convert(targets).data.astype("int64")
    at_label = xp.take_along_axis(p, y[..., None], axis=-1)
    at_label = xp.where(xp.isnan(at_label), -xp.inf, at_label)
    rank = 1 + xp.sum(p > at_label, axis=-1)
    return Tensor(rank <= k)


def searchsorted(sorted_sequence: Any, values: Any, side: str = "left") -> Tensor:
    """Where `values` would be inserted into the 1-D `sorted_sequence` to keep it sorted, int64.

    Raises:
        ValueError: for a sequence that is not 1-D (as in Keras) or an unknown `side`.
    """
    seq = convert(sorted_sequence)
    if seq.ndim != 1:
        raise ValueError(
            "searchsorted only supports 1-D sorted sequences; use keras.ops.vectorized_map for "
            f"N-D ones. Received: sorted_sequence.shape={seq.shape}"
        )
    if side not in ("left", "right"):
        raise ValueError(f"`side` must be 'left' or 'right'. Received: side={side!r}")
    return Tensor(xp.searchsorted(seq.data, convert(values).data, side=side).astype("int64"))


def digitize(x: Any, bins: Any) -> Tensor:
    """The index of the bin each value falls in, as NumPy's digitize (right=False), int64."""
    return Tensor(xp.digitize(convert(x).data, convert(bins).data).astype("int64"))


def bincount(x: Any, weights: Any = None, minlength: int = 0, sparse: bool = False) -> Tensor:
    """Counts (or sums `weights` of) each non-negative integer value in `x`.

    x may be 1-D, or 2-D for one count per row (all rows get the same length). With weights,
    out[j] = sum_{i: x_i = j} w_i, so dL/dw_i = g[x_i].

    Raises:
        ValueError: for sparse=True (scratchnn has no sparse tensors), negative values, or x of
            rank other than 1 or 2.
    """
    if sparse:
        raise ValueError("bincount(sparse=True) is not supported: scratchnn has no sparse tensors.")
    ids = convert(x).data.astype("int64")
    if ids.ndim not in (1, 2):
        raise ValueError(f"bincount takes a 1-D or 2-D `x`. Received: x.shape={ids.shape}")
    if ids.size and ids.min() < 0:
        raise ValueError("bincount needs non-negative values in `x`. Received a negative value.")
    length = max(int(minlength), int(ids.max()) + 1 if ids.size else 0)
    rows = ids.reshape(-1, ids.shape[-1]) if ids.ndim == 2 else ids[None]
    # Row r's value v lands in cell r * length + v: one bincount for all rows.
    flat = (rows + length * xp.arange(rows.shape[0])[:, None]).reshape(-1)
    cells = rows.shape[0] * length
    if weights is None:
        out = xp.bincount(flat, minlength=cells).reshape(rows.shape[0], length)
        return Tensor(out.reshape(length) if ids.ndim == 1 else out)
    w = convert(weights)
    counts = xp.bincount(flat, weights=w.data.reshape(-1), minlength=cells).astype(w.data.dtype)
    out = counts.reshape(length) if ids.ndim == 1 else counts.reshape(rows.shape[0], length)

    def backward(g):
        return (g.reshape(-1)[flat].reshape(w.shape),)

    return record(out, (w,), backward)


def unique(
    x: Any,
    sorted: bool = True,  # noqa: A002 - Keras's name
    return_index: bool = False,
    return_inverse: bool = False,
    return_counts: bool = False,
    axis: int | None = None,
    size: int | None = None,
    fill_value: Any = None,
) -> Any:
    """The sorted unique values of `x` (of its slices along `axis`), optionally with the first
    index of each, the inverse map and the counts (each int64), as NumPy's unique.

    With `size`, the outputs are cut or padded to that length: values with `fill_value` (default:
    the smallest unique value, as in JAX), indices and counts with 0.

    Returns:
        The unique values, or a tuple (values, [index], [inverse], [counts]) when any return_* is set.
    """
    data = convert(x).data
    results = xp.unique(
        data, return_index=True, return_inverse=True, return_counts=True, axis=axis, equal_nan=False
    )
    values, index, inverse, counts = results
    if axis is None:
        inverse = inverse.reshape(data.shape)
    if size is not None:
        values, index, counts = _fix_size(values, index, counts, int(size), fill_value, axis)
    outputs = [Tensor(values)]
    for wanted, arr in ((return_index, index), (return_inverse, inverse), (return_counts, counts)):
        if wanted:
            outputs.append(Tensor(arr.astype("int64")))
    return outputs[0] if len(outputs) == 1 else tuple(outputs)


def _fix_size(values: Any, index: Any, counts: Any, size: int, fill_value: Any, axis: int | None) -> Any:
    ax = 0 if axis is None else axis
    n = values.shape[ax]
    if n >= size:
        return xp.take(values, range(size), axis=ax), index[:size], counts[:size]
    fill = xp.min(values) if fill_value is None and values.size else (fill_value or 0)
    pad_shape = list(values.shape)
    pad_shape[ax] = size - n
    values = xp.concatenate([values, xp.full(pad_shape, fill, dtype=values.dtype)], axis=ax)
    zeros = xp.zeros(size - n, dtype=index.dtype)
    return values, xp.concatenate([index, zeros]), xp.concatenate([counts, zeros.astype(counts.dtype)])


def isin(x1: Any, x2: Any, assume_unique: bool = False, invert: bool = False) -> Tensor:
    """Whether each element of x1 occurs in x2 (boolean, x1's shape)."""
    a, b = convert(x1).data, convert(x2).data
    return Tensor(xp.isin(a, b, assume_unique=assume_unique, invert=invert))


def histogram(x: Any, bins: int = 10, range: tuple[float, float] | None = None) -> tuple[Tensor, Tensor]:  # noqa: A002
    """Counts of the values of `x` in `bins` equal-width bins over `range` (default: min to max).

    Returns:
        (counts (bins,), bin_edges (bins + 1,)), as NumPy's histogram; both in x's float dtype
        (floatx() for integers), as Keras gives the counts on TensorFlow and JAX.

    Raises:
        ValueError: for a non-positive `bins`.
    """
    if int(bins) < 1:
        raise ValueError(f"`bins` must be a positive integer. Received: bins={bins}")
    data = convert(x).data
    counts, edges = xp.histogram(data, bins=int(bins), range=range)
    dtype = float_dtype(data.dtype)
    return Tensor(counts.astype(dtype)), Tensor(edges.astype(dtype))
