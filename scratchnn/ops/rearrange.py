"""keras.ops.rearrange: einops-style axis rearrangement as one reshape, one transpose, one reshape."""

from __future__ import annotations

import math
import re
from typing import Any

from scratchnn.ops.shape import reshape, transpose
from scratchnn.ops.tensor import Tensor, convert

_TOKEN = re.compile(r"\w+|\([^()]*\)")


def _groups(side: str) -> list[list[str]]:
    """'b (h w) c' -> [['b'], ['h', 'w'], ['c']]."""
    return [tok[1:-1].split() if tok.startswith("(") else [tok] for tok in _TOKEN.findall(side)]


def rearrange(tensor: Any, pattern: str, **axes_lengths: int) -> Tensor:
    """Reorders, merges and splits axes by an einops pattern, e.g. "b h w c -> b (h w) c" or
    "b (h1 h) w c -> (b h1) h w c" with h1=2.

    A group "(a b)" on the left is split into axes a and b (all but one of their lengths given in
    `axes_lengths`, the last inferred); on the right it is merged. The result is a reshape that
    splits, a transpose into the output order, and a reshape that merges, so gradients flow through.

    Raises:
        ValueError: if the pattern has no "->", names an axis on one side only, or does not match
            the tensor's rank or sizes.
    """
    if "->" not in pattern:
        raise ValueError(f"A rearrange pattern needs '->'. Received: pattern={pattern!r}")
    left, right = (part.strip() for part in pattern.split("->", 1))
    t = convert(tensor)
    inputs, outputs = _groups(left), _groups(right)
    if len(inputs) != t.ndim:
        raise ValueError(f"The pattern {left!r} names {len(inputs)} axes for a tensor of rank {t.ndim}.")
    sizes = dict(axes_lengths)
    for group, dim in zip(inputs, t.shape):
        unknown = [a for a in group if a not in sizes]
        if len(unknown) > 1:
            raise ValueError(
                f"Give the lengths of all but one axis of the group {group}. Received: {axes_lengths}"
            )
        if unknown:
            sizes[unknown[0]] = dim // math.prod(sizes[a] for a in group if a != unknown[0])
        if math.prod(sizes[a] for a in group) != dim:
            raise ValueError(f"The group {group} does not multiply to the axis length {dim}.")
    flat_in = [a for g in inputs for a in g]
    flat_out = [a for g in outputs for a in g]
    if sorted(flat_in) != sorted(flat_out):
        raise ValueError(f"Both sides of a rearrange pattern must name the same axes. Received: {pattern!r}")
    split = reshape(t, [sizes[a] for a in flat_in])
    moved = transpose(split, [flat_in.index(a) for a in flat_out])
    return reshape(moved, [math.prod(sizes[a] for a in g) for g in outputs])
