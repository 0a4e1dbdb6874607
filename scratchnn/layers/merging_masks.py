"""Masks through the merge layers (keras/src/layers/merging/base_merge.py and concatenate.py).

Elementwise merges keep a timestep when any input keeps it (the OR of the masks, or no mask
when some input has none); Concatenate joins the masks along its axis; Maximum and Minimum
also let a masked input give way to the others, so a padded step never wins the comparison.
"""

from __future__ import annotations

from typing import Any

from scratchnn import ops
from scratchnn.backend import xp
from scratchnn.layers.masking import mask_data
from scratchnn.ops.symbolic import KerasTensor
from scratchnn.ops.tensor import Tensor


def check_masks(layer: Any, inputs: Any, mask: Any) -> list[Any]:
    """The list of masks (entries may be None); a ValueError names the layer when it does not fit."""
    if not isinstance(mask, (list, tuple)):
        raise ValueError(f"Layer {layer.name!r}: `mask` should be a list. Received: mask={mask!r}")
    if not isinstance(inputs, (list, tuple)) or len(mask) != len(inputs):
        raise ValueError(
            f"Layer {layer.name!r}: the lists `inputs` and `mask` should have the same length. "
            f"Received: {len(inputs) if isinstance(inputs, (list, tuple)) else inputs!r} inputs and "
            f"{len(mask)} masks"
        )
    return list(mask)


def or_mask(layer: Any, inputs: Any, mask: Any) -> Tensor | None:
    """OR of the masks; None when there is no mask or some input has none (Add, Multiply, ...)."""
    if mask is None:
        return None
    masks = check_masks(layer, inputs, mask)
    if any(m is None for m in masks):
        return None
    if any(isinstance(m, KerasTensor) for m in masks):  # a symbolic call: shape and dtype only
        return KerasTensor(masks[0].shape, dtype="bool")
    out = mask_data(masks[0])
    for m in masks[1:]:
        out = out | mask_data(m)
    return Tensor(out)


def concatenate_mask(layer: Any, inputs: Any, mask: Any, axis: int) -> Tensor | None:
    """Each input's mask widened to its full shape, joined along `axis`, then any() over the last axis."""
    if mask is None:
        return None
    masks = check_masks(layer, inputs, mask)
    if all(m is None for m in masks):
        return None
    if any(isinstance(v, KerasTensor) for v in [*inputs, *masks]):
        # A symbolic call: the joined (N, ..., F) shape without its last axis.
        shape = list(inputs[0].shape)
        sizes = [x.shape[axis] for x in inputs]
        shape[axis] = None if None in sizes else sum(sizes)
        return KerasTensor(tuple(shape[:-1]), dtype="bool")
    full = []
    for x, m in zip(inputs, masks):
        shape = tuple(x.shape)
        if m is None:
            full.append(xp.ones(shape, dtype=bool))  # an unmasked input keeps every position
        else:
            m = mask_data(m)
            # (N, T) -> (N, T, 1) -> the input's (N, T, F)
            full.append(xp.broadcast_to(m[..., None], shape) if m.ndim < len(shape) else m)
    return Tensor(xp.concatenate(full, axis=axis).any(axis=-1))


def masked_extremum(op: Any, tensors: list[Any], masks: list[Any] | None) -> Any:
    """`op` (maximum or minimum) over the tensors, where a masked entry takes the running result's value.

    Walking the inputs in order with the running result r and its mask R (as Keras's
    `_apply_merge_op_and_or_mask`): x := where(m, x, r); r := where(R, r, x); R := R | m; r := op(r, x).
    An entry masked everywhere keeps the first input's value.
    """
    if masks is None or all(m is None for m in masks):
        out = tensors[0]
        for x in tensors[1:]:
            out = op(out, x)
        return out
    out, out_mask = None, None
    for x, m in zip(tensors, masks):
        if m is not None:
            m = xp.broadcast_to(mask_data(m)[..., None], tuple(x.shape))
        if out is None:
            out, out_mask = x, m
            continue
        if m is not None:
            x = ops.where(m, x, out)
        if out_mask is not None:
            out = ops.where(out_mask, out, x)
        out_mask = out_mask | m if m is not None and out_mask is not None else None
        out = op(out, x)
    return out
