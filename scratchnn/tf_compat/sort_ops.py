"""TensorFlow's sorting names: tf.sort, tf.argsort, tf.math.top_k (also tf.nn.top_k).

`direction="DESCENDING"` orders largest first; a stable descending argsort keeps equal values in
their original order, as TensorFlow's does.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from scratchnn import ops
from scratchnn.backend import xp
from scratchnn.ops.tensor import Tensor
from scratchnn.tf_compat.array_ops import as_tensor


def _direction(direction: str) -> bool:
    """True for DESCENDING, False for ASCENDING.

    Raises:
        ValueError: for another direction.
    """
    if direction not in ("ASCENDING", "DESCENDING"):
        raise ValueError(
            f"`direction` must be 'ASCENDING' or 'DESCENDING'. Received: direction={direction!r}"
        )
    return direction == "DESCENDING"


def sort(values: Any, axis: int = -1, direction: str = "ASCENDING", name: str | None = None) -> Tensor:
    """tf.sort: the values sorted along `axis`; the gradient goes back to where each value came from."""
    t = as_tensor(values)
    out = ops.sort(t, axis=axis)
    return ops.flip(out, axis=axis) if _direction(direction) else out


def argsort(
    values: Any, axis: int = -1, direction: str = "ASCENDING", stable: bool = False, name: str | None = None
) -> Tensor:
    """tf.argsort: the int32 indices that sort `values` along `axis` (always stable here)."""
    t = as_tensor(values)
    if not _direction(direction):
        return ops.cast(ops.argsort(t, axis=axis), "int32")
    # Descending and stable: a stable ascending argsort of the reversed axis, read backwards,
    # puts larger values first and keeps equal values in ascending index order.
    moved = xp.moveaxis(t.data, axis, -1)
    n = moved.shape[-1]
    order = n - 1 - xp.argsort(moved[..., ::-1], axis=-1, kind="stable")[..., ::-1]
    return Tensor(xp.moveaxis(order, -1, axis).astype("int32"))


class TopKV2(NamedTuple):
    """What tf.math.top_k returns: `values` and `indices` (also unpackable as a pair)."""

    values: Tensor
    indices: Tensor


def top_k(
    input: Any, k: int = 1, sorted: bool = True, index_type: Any = "int32", name: str | None = None
) -> TopKV2:  # noqa: A002
    """tf.math.top_k: the k largest entries of the last axis, largest first, and their indices
    (ties by lower index). Gradients flow to the values' sources."""
    values, indices = ops.top_k(as_tensor(input), int(k), sorted=sorted)
    return TopKV2(values, ops.cast(indices, index_type))


__all__ = ["argsort", "sort", "top_k"]
