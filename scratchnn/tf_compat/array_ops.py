"""TensorFlow's tensor creation and shape functions: tf.constant, tf.reshape, tf.concat, tf.shape, ...

Each is a TensorFlow signature over `scratchnn.ops`, so gradients flow through the ones that move
or combine values (reshape, transpose, concat, stack, gather, split, where, ...). Two TensorFlow
rules that differ from NumPy's are kept, because code written for TensorFlow relies on them:

- Python numbers and lists become float32 (floats) and int32 (integers that fit), where NumPy
  would give float64/int64; NumPy arrays and Tensors keep their dtype (`as_tensor`).
- `tf.shape(x)` is an int32 Tensor, so `tf.shape(x)[0]` is a 0-d Tensor; every function that takes
  a shape also takes such tensors (`shape_arg`).
"""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from typing import Any

from scratchnn import backend, ops
from scratchnn.backend import xp
from scratchnn.ops.tensor import GradientTape, Tensor, Variable

_INT32_MAX = 2**31 - 1


def as_tensor(value: Any, dtype: Any = None) -> Tensor:
    """Converts `value` to a Tensor with TensorFlow's dtype inference.

    A Tensor is returned as is (so it keeps its place on the tape), or cast when `dtype` differs.
    Python floats -> float32, Python ints -> int32 (int64 when a value does not fit), bools -> bool;
    arrays keep their dtype.
    """
    if isinstance(value, Tensor):
        return value if dtype is None else ops.cast(value, dtype)
    if dtype is not None:
        return Tensor(backend.asarray(value, dtype=backend.standardize_dtype(dtype)))
    arr = backend.asarray(value)
    if not hasattr(value, "dtype") and arr.size:
        # Python data: TensorFlow's defaults, not NumPy's 64-bit ones.
        if arr.dtype.kind == "f":
            arr = arr.astype("float32")
        elif arr.dtype.kind == "i" and -_INT32_MAX - 1 <= int(arr.min()) and int(arr.max()) <= _INT32_MAX:
            arr = arr.astype("int32")
    elif not hasattr(value, "dtype") and arr.dtype.kind == "f":
        arr = arr.astype("float32")  # an empty Python list is float32 in TensorFlow
    return Tensor(arr)


def operand(value: Any) -> Any:
    """An operand of an elementwise op: Python numbers stay numbers (they take the dtype of the other
    operand, as in TensorFlow); everything else becomes a Tensor by `as_tensor`."""
    if isinstance(value, (int, float)) and not isinstance(value, builtins.bool):
        return value
    return as_tensor(value)


def shape_arg(shape: Any, name: str = "shape") -> tuple[int, ...]:
    """A shape given as an int, a list of ints or 0-d Tensors, a 1-D Tensor, or a TensorShape.

    Raises:
        TypeError: naming the argument, for anything else.
    """
    if isinstance(shape, Tensor):
        shape = shape.numpy().tolist()
    if isinstance(shape, (int, xp.integer)):
        return (int(shape),)
    try:
        return tuple(int(d) for d in shape)
    except (TypeError, ValueError):
        raise TypeError(
            f"Expected `{name}` to be a list of integers or a 1-D tensor. Received: {name}={shape!r}"
        ) from None


def axis_arg(axis: Any) -> Any:
    """An axis given as an int, list, tuple or Tensor -> an int, a tuple of ints, or None."""
    if axis is None:
        return None
    if isinstance(axis, Tensor):
        axis = axis.numpy().tolist()
    if isinstance(axis, (list, tuple)):
        return tuple(int(a) for a in axis)
    return int(axis)


# -- creation -----------------------------------------------------------------------------------


def constant(value: Any, dtype: Any = None, shape: Any = None, name: str | None = None) -> Tensor:
    """tf.constant: a Tensor from a Python value or array; a scalar `value` fills `shape`.

    Raises:
        TypeError: if `value` has neither one element nor as many as `shape`.
    """
    t = as_tensor(value, dtype)
    if shape is None:
        return t
    shape = shape_arg(shape)
    if t.size == 1:
        return Tensor(xp.full(shape, t.data.reshape(()), dtype=t.data.dtype))
    size = 1
    for d in shape:
        size *= d
    if t.size != size:
        raise TypeError(
            f"Expected a value with 1 or {size} elements for shape={shape}. Received: {t.size} elements."
        )
    return ops.reshape(t, shape)


def convert_to_tensor(
    value: Any, dtype: Any = None, dtype_hint: Any = None, name: str | None = None
) -> Tensor:
    """tf.convert_to_tensor: `value` as a Tensor (a Tensor is returned as is)."""
    if (
        dtype is None
        and dtype_hint is not None
        and not isinstance(value, Tensor)
        and not hasattr(value, "dtype")
    ):
        dtype = dtype_hint
    return as_tensor(value, dtype)


def zeros(shape: Any, dtype: Any = "float32", name: str | None = None) -> Tensor:
    """tf.zeros: float32 zeros by default."""
    return ops.zeros(shape_arg(shape), dtype=dtype)


def ones(shape: Any, dtype: Any = "float32", name: str | None = None) -> Tensor:
    """tf.ones: float32 ones by default."""
    return ops.ones(shape_arg(shape), dtype=dtype)


def zeros_like(input: Any, dtype: Any = None, name: str | None = None) -> Tensor:  # noqa: A002 - TF's name
    """tf.zeros_like: zeros with the shape (and, by default, the dtype) of `input`."""
    return ops.zeros_like(as_tensor(input), dtype=dtype)


def ones_like(input: Any, dtype: Any = None, name: str | None = None) -> Tensor:  # noqa: A002 - TF's name
    """tf.ones_like: ones with the shape (and, by default, the dtype) of `input`."""
    return ops.ones_like(as_tensor(input), dtype=dtype)


def fill(dims: Any, value: Any, name: str | None = None) -> Tensor:
    """tf.fill: a tensor of shape `dims` filled with `value`, in `value`'s dtype (1.0 -> float32)."""
    v = as_tensor(value)
    return Tensor(xp.full(shape_arg(dims, "dims"), v.data, dtype=v.data.dtype))


def range(start: Any, limit: Any = None, delta: Any = 1, dtype: Any = None, name: str = "range") -> Tensor:  # noqa: A001
    """tf.range: [start, limit) in steps of `delta`; int32 for Python ints, float32 if any is a float."""
    if limit is None:
        start, limit = 0, start
    bounds = [b.numpy().item() if isinstance(b, Tensor) else b for b in (start, limit, delta)]
    if dtype is None:
        dtype = "float32" if any(isinstance(b, float) for b in bounds) else "int32"
    return ops.arange(*bounds, dtype=backend.standardize_dtype(dtype))


def linspace(start: Any, stop: Any, num: Any, name: str | None = None, axis: int = 0) -> Tensor:
    """tf.linspace: `num` evenly spaced values from `start` to `stop`, both included (float32)."""
    lo, hi = as_tensor(start), as_tensor(stop)
    dtype = lo.data.dtype if lo.data.dtype.kind == "f" else "float32"
    return Tensor(xp.linspace(lo.data, hi.data, int(num), axis=axis).astype(dtype))


def one_hot(
    indices: Any,
    depth: int,
    on_value: Any = None,
    off_value: Any = None,
    axis: int | None = None,
    dtype: Any = None,
    name: str | None = None,
) -> Tensor:
    """tf.one_hot: (...,) int indices -> (..., depth); indices outside [0, depth) give all-off rows."""
    if dtype is None:
        given = on_value if on_value is not None else off_value
        dtype = as_tensor(given).dtype if given is not None else "float32"
    hot = ops.one_hot(as_tensor(indices), int(depth), axis=-1 if axis is None else axis, dtype=dtype)
    if on_value is None and off_value is None:
        return hot
    on = 1 if on_value is None else as_tensor(on_value).data
    off = 0 if off_value is None else as_tensor(off_value).data
    return Tensor((hot.data * (on - off) + off).astype(hot.data.dtype))


# -- shape --------------------------------------------------------------------------------------


def shape(input: Any, out_type: Any = "int32", name: str | None = None) -> Tensor:  # noqa: A002
    """tf.shape: the shape as a 1-D int32 Tensor (index it: `tf.shape(x)[0]`)."""
    return Tensor(xp.asarray(as_tensor(input).shape, dtype=backend.standardize_dtype(out_type)))


def size(input: Any, out_type: Any = "int32", name: str | None = None) -> Tensor:  # noqa: A002
    """tf.size: the number of elements, as a 0-d int32 Tensor."""
    return Tensor(xp.asarray(as_tensor(input).size, dtype=backend.standardize_dtype(out_type)))


def rank(input: Any, name: str | None = None) -> Tensor:  # noqa: A002
    """tf.rank: the number of axes, as a 0-d int32 Tensor."""
    return Tensor(xp.asarray(as_tensor(input).ndim, dtype="int32"))


def reshape(tensor: Any, shape: Any, name: str | None = None) -> Tensor:
    """tf.reshape (one entry may be -1)."""
    return ops.reshape(as_tensor(tensor), shape_arg(shape))


def transpose(a: Any, perm: Any = None, conjugate: bool = False, name: str = "transpose") -> Tensor:
    """tf.transpose: permutes the axes by `perm` (reverses them by default)."""
    return ops.transpose(as_tensor(a), None if perm is None else shape_arg(perm, "perm"))


def expand_dims(input: Any, axis: int, name: str | None = None) -> Tensor:  # noqa: A002
    """tf.expand_dims: inserts a size-1 axis at `axis`."""
    return ops.expand_dims(as_tensor(input), int(axis))


def squeeze(input: Any, axis: Any = None, name: str | None = None) -> Tensor:  # noqa: A002
    """tf.squeeze: removes size-1 axes (all of them, or those in `axis`)."""
    return ops.squeeze(as_tensor(input), axis_arg(axis))


def concat(values: Sequence[Any], axis: int, name: str = "concat") -> Tensor:
    """tf.concat: joins tensors along an existing axis."""
    return ops.concatenate([as_tensor(v) for v in values], axis=int(axis))


def stack(values: Sequence[Any], axis: int = 0, name: str = "stack") -> Tensor:
    """tf.stack: joins tensors along a new axis."""
    return ops.stack([as_tensor(v) for v in values], axis=int(axis))


def unstack(value: Any, num: int | None = None, axis: int = 0, name: str = "unstack") -> list[Tensor]:
    """tf.unstack: the slices along `axis`, each without that axis.

    Raises:
        ValueError: if `num` is given and differs from the length of `axis`.
    """
    t = as_tensor(value)
    axis = axis % t.ndim
    n = t.shape[axis]
    if num is not None and num != n:
        raise ValueError(f"Expected num={num} to equal the size of axis {axis}. Received: shape={t.shape}")
    lead = (slice(None),) * axis
    return [t[lead + (i,)] for i in builtins.range(n)]


def split(
    value: Any, num_or_size_splits: Any, axis: int = 0, num: int | None = None, name: str = "split"
) -> list[Tensor]:
    """tf.split: `num_or_size_splits` equal parts, or parts of the listed sizes (one may be -1).

    Raises:
        ValueError: if an int does not divide the axis, or the sizes do not add up to it.
    """
    t = as_tensor(value)
    axis = int(axis) % t.ndim
    n = t.shape[axis]
    if isinstance(num_or_size_splits, (int, xp.integer)):
        parts = int(num_or_size_splits)
        if parts <= 0 or n % parts:
            raise ValueError(
                f"Cannot split an axis of size {n} into {parts} equal parts. Received: shape={t.shape}"
            )
        sizes = [n // parts] * parts
    else:
        sizes = list(shape_arg(num_or_size_splits, "num_or_size_splits"))
        if sizes.count(-1) == 1:
            sizes[sizes.index(-1)] = n - (sum(sizes) + 1)
        if sum(sizes) != n or min(sizes) < 0:
            raise ValueError(f"The split sizes {num_or_size_splits} do not add up to the axis size {n}.")
    out, start, lead = [], 0, (slice(None),) * axis
    for s in sizes:
        out.append(t[lead + (slice(start, start + s),)])
        start += s
    return out


def gather(
    params: Any,
    indices: Any,
    validate_indices: Any = None,
    axis: Any = None,
    batch_dims: int = 0,
    name: str | None = None,
) -> Tensor:
    """tf.gather: the entries of `params` at `indices` along `axis` (default 0).

    Raises:
        ValueError: for `batch_dims` other than 0 (not supported).
    """
    if batch_dims:
        raise ValueError(
            f"scratchnn's tf.gather supports batch_dims=0 only. Received: batch_dims={batch_dims}"
        )
    return ops.take(as_tensor(params), as_tensor(indices), axis=0 if axis is None else int(axis))


def where(condition: Any, x: Any = None, y: Any = None, name: str | None = None) -> Tensor:
    """tf.where: `x` where `condition` holds, else `y`; with neither, the (N, rank) int64 coordinates
    of the true elements.

    Raises:
        ValueError: if only one of `x` and `y` is given.
    """
    cond = as_tensor(condition)
    if x is None and y is None:
        return Tensor(xp.argwhere(cond.data).astype("int64"))
    if x is None or y is None:
        raise ValueError("tf.where needs both `x` and `y`, or neither. Received only one of them.")
    return ops.where(cond, operand(x), operand(y))


def tile(input: Any, multiples: Any, name: str | None = None) -> Tensor:  # noqa: A002
    """tf.tile: `input` repeated multiples[i] times along axis i (one multiple per axis).

    Raises:
        ValueError: if `multiples` does not have one entry per axis.
    """
    t = as_tensor(input)
    reps = shape_arg(multiples, "multiples")
    if len(reps) != t.ndim:
        raise ValueError(
            f"tf.tile needs one multiple per axis of a rank-{t.ndim} tensor. Received: multiples={reps}"
        )
    return ops.tile(t, reps)


def pad(
    tensor: Any, paddings: Any, mode: str = "CONSTANT", constant_values: Any = 0, name: str | None = None
) -> Tensor:
    """tf.pad: paddings[i] = [before, after] entries on axis i; mode "CONSTANT", "REFLECT" or
    "SYMMETRIC" (any case).

    Raises:
        ValueError: for another mode.
    """
    modes = {"CONSTANT": "constant", "REFLECT": "reflect", "SYMMETRIC": "symmetric"}
    if str(mode).upper() not in modes:
        raise ValueError(f"tf.pad's mode must be one of {list(modes)}. Received: mode={mode!r}")
    t = as_tensor(tensor)
    widths = as_tensor(paddings).numpy().astype("int64").tolist()
    if str(mode).upper() != "CONSTANT":
        return ops.pad(t, widths, mode=modes[str(mode).upper()])
    value = constant_values.numpy() if isinstance(constant_values, Tensor) else constant_values
    return ops.pad(t, widths, constant_values=value)


def repeat(input: Any, repeats: Any, axis: Any = None, name: str | None = None) -> Tensor:  # noqa: A002
    """tf.repeat: each element repeated `repeats` times along `axis` (the flattened input if None)."""
    reps = as_tensor(repeats).numpy()
    return ops.repeat(as_tensor(input), int(reps) if reps.ndim == 0 else reps, axis=axis_arg(axis))


def boolean_mask(tensor: Any, mask: Any, axis: Any = None, name: str = "boolean_mask") -> Tensor:
    """tf.boolean_mask: the entries of `tensor` where the k-D boolean `mask` (matching axes
    axis .. axis + k - 1) is True; those axes become one.

    A gather (ops.take) of the selected positions, so gradients flow back to them.

    Raises:
        ValueError: if the mask's shape does not match the tensor's axes.
    """
    t = as_tensor(tensor)
    m = as_tensor(mask).numpy().astype(bool)
    ax = 0 if axis is None else int(axis) % t.ndim
    if m.ndim == 0 or t.shape[ax : ax + m.ndim] != m.shape:
        raise ValueError(
            f"The mask's shape must match the tensor's axes {ax}..{ax + m.ndim - 1}. "
            f"Received: tensor.shape={t.shape}, mask.shape={m.shape}"
        )
    # (..., mask axes, ...) -> (..., prod(mask axes), ...), then take the True positions.
    flat = ops.reshape(t, t.shape[:ax] + (-1,) + t.shape[ax + m.ndim :])
    return ops.take(flat, xp.flatnonzero(m), axis=ax)


def gather_nd(params: Any, indices: Any, batch_dims: int = 0, name: str | None = None) -> Tensor:
    """tf.gather_nd: params at the coordinates indices[..., :] (the last axis holds k of them):
    shape indices.shape[:-1] + params.shape[k:]. A gather, so gradients flow to params.

    Raises:
        ValueError: for batch_dims other than 0 (not supported).
    """
    if batch_dims:
        raise ValueError(
            f"scratchnn's tf.gather_nd supports batch_dims=0 only. Received: batch_dims={batch_dims}"
        )
    idx = as_tensor(indices).numpy().astype("int64")
    return ops.getitem(as_tensor(params), tuple(xp.moveaxis(idx, -1, 0)))


# -- values -------------------------------------------------------------------------------------


def cast(x: Any, dtype: Any, name: str | None = None) -> Tensor:
    """tf.cast: converts to `dtype` (floats to ints truncate toward zero); gradients flow for floats."""
    return ops.cast(as_tensor(x), dtype)


def identity(input: Any, name: str | None = None) -> Tensor:  # noqa: A002
    """tf.identity: a new Tensor with the same value; the gradient passes through unchanged."""
    t = as_tensor(input)
    return ops.reshape(t, t.shape)


def stop_gradient(input: Any, name: str | None = None) -> Tensor:  # noqa: A002
    """tf.stop_gradient: the value as a constant (no gradient flows back through it)."""
    return ops.stop_gradient(as_tensor(input))


def clip_by_value(t: Any, clip_value_min: Any, clip_value_max: Any, name: str | None = None) -> Tensor:
    """tf.clip_by_value: clamps to [clip_value_min, clip_value_max]; gradient 0 outside."""
    return ops.clip(as_tensor(t), clip_value_min, clip_value_max)


def is_tensor(x: Any) -> bool:
    """tf.is_tensor: True for scratchnn Tensors (and Variables)."""
    return isinstance(x, Tensor)


__all__ = [
    "GradientTape",
    "Tensor",
    "Variable",
    "boolean_mask",
    "cast",
    "clip_by_value",
    "concat",
    "constant",
    "convert_to_tensor",
    "expand_dims",
    "fill",
    "gather",
    "gather_nd",
    "identity",
    "is_tensor",
    "linspace",
    "one_hot",
    "ones",
    "ones_like",
    "pad",
    "range",
    "rank",
    "repeat",
    "reshape",
    "shape",
    "size",
    "split",
    "squeeze",
    "stack",
    "stop_gradient",
    "tile",
    "transpose",
    "unstack",
    "where",
    "zeros",
    "zeros_like",
]
