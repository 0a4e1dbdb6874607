"""TensorFlow's reductions: tf.reduce_sum/mean/max/min/prod/any/all/std/variance/logsumexp, argmax.

TensorFlow's dtype rules, which differ from NumPy's:
- a reduction keeps the input's dtype: `reduce_sum` of int32 is int32 (NumPy gives int64), and
  `reduce_mean` of integers is an integer, truncated toward zero (the example in TensorFlow's
  tf.math.reduce_mean docs: the mean of [[1, 0], [1, 0]] is 0);
- booleans must be cast first for sum/mean/prod (TensorFlow raises; so do we);
- `argmax`/`argmin` default to axis 0 (not a flattened argmax as in keras.ops) and give int64.
"""

from __future__ import annotations

from typing import Any

from scratchnn import ops
from scratchnn.backend import xp
from scratchnn.ops.tensor import Tensor
from scratchnn.tf_compat.array_ops import as_tensor, axis_arg


def _numeric(x: Any, fn: str) -> Tensor:
    t = as_tensor(x)
    if t.data.dtype.kind == "b":
        raise TypeError(
            f"tf.{fn} does not take booleans (TensorFlow neither). Cast first, e.g. "
            f"tf.{fn}(tf.cast(x, tf.float32)). Received: input_tensor.dtype=bool"
        )
    return t


def _axes(axis: Any, ndim: int) -> tuple[int, ...]:
    axis = axis_arg(axis)
    if axis is None:
        return tuple(range(ndim))
    return tuple(sorted({a % ndim for a in ((axis,) if isinstance(axis, int) else axis)}))


def _keep_int_dtype(out: Tensor, t: Tensor) -> Tensor:
    # NumPy widens int8/16/32 sums to int64; TensorFlow keeps the input dtype.
    return ops.cast(out, t.dtype) if t.data.dtype.kind in "iu" else out


def reduce_sum(
    input_tensor: Any, axis: Any = None, keepdims: bool = False, name: str | None = None
) -> Tensor:
    """tf.reduce_sum: the sum over `axis` (all axes by default), in the input's dtype."""
    t = _numeric(input_tensor, "reduce_sum")
    return _keep_int_dtype(ops.sum(t, axis=axis_arg(axis), keepdims=keepdims), t)


def reduce_mean(
    input_tensor: Any, axis: Any = None, keepdims: bool = False, name: str | None = None
) -> Tensor:
    """tf.reduce_mean: the mean over `axis`; integer inputs give the integer mean truncated toward 0."""
    t = _numeric(input_tensor, "reduce_mean")
    if t.data.dtype.kind not in "iu":
        return ops.mean(t, axis=axis_arg(axis), keepdims=keepdims)
    n = 1
    for a in _axes(axis, t.ndim):
        n *= t.shape[a]
    total = ops.sum(t, axis=axis_arg(axis), keepdims=keepdims).data
    # C-style integer division (toward zero), as TensorFlow's integer mean kernel does.
    return Tensor((xp.sign(total) * (xp.abs(total) // max(n, 1))).astype(t.data.dtype))


def reduce_max(
    input_tensor: Any, axis: Any = None, keepdims: bool = False, name: str | None = None
) -> Tensor:
    """tf.reduce_max: the maximum over `axis`; ties share the gradient equally."""
    return ops.max(as_tensor(input_tensor), axis=axis_arg(axis), keepdims=keepdims)


def reduce_min(
    input_tensor: Any, axis: Any = None, keepdims: bool = False, name: str | None = None
) -> Tensor:
    """tf.reduce_min: the minimum over `axis`; ties share the gradient equally."""
    return ops.min(as_tensor(input_tensor), axis=axis_arg(axis), keepdims=keepdims)


def reduce_prod(
    input_tensor: Any, axis: Any = None, keepdims: bool = False, name: str | None = None
) -> Tensor:
    """tf.reduce_prod: the product over `axis`, in the input's dtype.

    keras.ops.prod, whose gradient is exact where elements are 0 (products of the others, no division).
    """
    t = _numeric(input_tensor, "reduce_prod")
    return _keep_int_dtype(ops.prod(t, axis=axis_arg(axis), keepdims=keepdims), t)


def reduce_any(
    input_tensor: Any, axis: Any = None, keepdims: bool = False, name: str | None = None
) -> Tensor:
    """tf.reduce_any: logical or over `axis` (boolean)."""
    return ops.any(ops.cast(as_tensor(input_tensor), "bool"), axis=axis_arg(axis), keepdims=keepdims)


def reduce_all(
    input_tensor: Any, axis: Any = None, keepdims: bool = False, name: str | None = None
) -> Tensor:
    """tf.reduce_all: logical and over `axis` (boolean)."""
    return ops.all(ops.cast(as_tensor(input_tensor), "bool"), axis=axis_arg(axis), keepdims=keepdims)


def reduce_variance(
    input_tensor: Any, axis: Any = None, keepdims: bool = False, name: str | None = None
) -> Tensor:
    """tf.math.reduce_variance: the population variance (divides by n) over `axis`."""
    return ops.var(as_tensor(input_tensor), axis=axis_arg(axis), keepdims=keepdims)


def reduce_std(
    input_tensor: Any, axis: Any = None, keepdims: bool = False, name: str | None = None
) -> Tensor:
    """tf.math.reduce_std: the population standard deviation over `axis`."""
    return ops.std(as_tensor(input_tensor), axis=axis_arg(axis), keepdims=keepdims)


def reduce_logsumexp(
    input_tensor: Any, axis: Any = None, keepdims: bool = False, name: str | None = None
) -> Tensor:
    """tf.reduce_logsumexp: log(sum(exp(x))) over `axis`, computed without overflow."""
    return ops.logsumexp(as_tensor(input_tensor), axis=axis_arg(axis), keepdims=keepdims)


def reduce_euclidean_norm(
    input_tensor: Any, axis: Any = None, keepdims: bool = False, name: str | None = None
) -> Tensor:
    """tf.math.reduce_euclidean_norm: sqrt(sum(x**2)) over `axis`."""
    t = as_tensor(input_tensor)
    return ops.sqrt(ops.sum(ops.square(t), axis=axis_arg(axis), keepdims=keepdims))


def count_nonzero(
    input: Any,
    axis: Any = None,
    keepdims: bool = False,
    dtype: Any = "int64",
    name: str | None = None,  # noqa: A002
) -> Tensor:
    """tf.math.count_nonzero: the number of non-zero elements over `axis` (int64)."""
    nonzero = ops.cast(ops.not_equal(as_tensor(input), 0), dtype)
    return ops.cast(ops.sum(nonzero, axis=axis_arg(axis), keepdims=keepdims), dtype)


def argmax(input: Any, axis: Any = None, output_type: Any = "int64", name: str | None = None) -> Tensor:  # noqa: A002
    """tf.argmax: the index of the largest value along `axis` (default 0), int64."""
    out = ops.argmax(as_tensor(input), axis=0 if axis is None else int(axis))
    return ops.cast(out, output_type)


def argmin(input: Any, axis: Any = None, output_type: Any = "int64", name: str | None = None) -> Tensor:  # noqa: A002
    """tf.argmin: the index of the smallest value along `axis` (default 0), int64."""
    out = ops.argmin(as_tensor(input), axis=0 if axis is None else int(axis))
    return ops.cast(out, output_type)


__all__ = [
    "argmax",
    "argmin",
    "count_nonzero",
    "reduce_all",
    "reduce_any",
    "reduce_euclidean_norm",
    "reduce_logsumexp",
    "reduce_max",
    "reduce_mean",
    "reduce_min",
    "reduce_prod",
    "reduce_std",
    "reduce_sum",
    "reduce_variance",
]
