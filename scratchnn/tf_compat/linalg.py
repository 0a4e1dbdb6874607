"""`tf.linalg` (and `tf.matmul`, `tf.norm`): matrix products and vector norms over keras.ops."""

from __future__ import annotations

from typing import Any

from scratchnn import ops
from scratchnn.ops.tensor import Tensor
from scratchnn.tf_compat import missing
from scratchnn.tf_compat.array_ops import as_tensor, axis_arg
from scratchnn.tf_compat.nn import l2_normalize


def _swap_last_two(t: Tensor) -> Tensor:
    perm = list(range(t.ndim))
    perm[-1], perm[-2] = perm[-2], perm[-1]
    return ops.transpose(t, perm)


def matmul(
    a: Any,
    b: Any,
    transpose_a: bool = False,
    transpose_b: bool = False,
    adjoint_a: bool = False,
    adjoint_b: bool = False,
    a_is_sparse: bool = False,
    b_is_sparse: bool = False,
    output_type: Any = None,
    grad_a: bool = False,
    grad_b: bool = False,
    name: str | None = None,
) -> Tensor:
    """tf.matmul: a @ b over the last two axes (batched over the leading ones), either operand
    transposed first if asked (`adjoint_*` is the same for real numbers).

    Shapes: (..., m, k) @ (..., k, n) -> (..., m, n).
    """
    x, y = as_tensor(a), as_tensor(b)
    if transpose_a or adjoint_a:
        x = _swap_last_two(x)
    if transpose_b or adjoint_b:
        y = _swap_last_two(y)
    out = ops.matmul(x, y)
    return out if output_type is None else ops.cast(out, output_type)


def norm(
    tensor: Any, ord: Any = "euclidean", axis: Any = None, keepdims: Any = None, name: str | None = None
) -> Tensor:  # noqa: A002
    """tf.norm for entrywise norms: "euclidean"/"fro"/2 (sqrt of the sum of squares), 1 (sum of
    |x|) or inf (max |x|), over `axis` (all entries by default).

    Raises:
        ValueError: for other orders, and for ord=2 over two axes (a spectral norm).
    """
    t = as_tensor(tensor)
    ax = axis_arg(axis)
    keep = bool(keepdims)
    if ord == 2 and isinstance(ax, tuple) and len(ax) == 2:
        raise ValueError(
            "scratchnn's tf.norm has no matrix 2-norm (spectral norm). Received: ord=2 with two axes"
        )
    if ord in ("euclidean", "fro", 2, 2.0):
        return ops.sqrt(ops.sum(ops.square(t), axis=ax, keepdims=keep))
    if ord in (1, 1.0):
        return ops.sum(ops.abs(t), axis=ax, keepdims=keep)
    if ord == float("inf"):
        return ops.max(ops.abs(t), axis=ax, keepdims=keep)
    raise ValueError(
        f"scratchnn's tf.norm supports ord 'euclidean', 'fro', 1, 2 and inf. Received: ord={ord!r}"
    )


def einsum(equation: str, *inputs: Any, **kwargs: Any) -> Tensor:
    """tf.einsum (tf.linalg.einsum): Einstein summation, e.g. "ij,jk->ik"; gradients to every input."""
    kwargs.pop("name", None)
    return ops.einsum(equation, *(as_tensor(t) for t in inputs), **kwargs)


def __getattr__(name: str) -> Any:
    raise missing("tf.linalg", name)


__all__ = ["einsum", "l2_normalize", "matmul", "norm"]
