"""Axis arguments as keras.ops takes them (None, an int, or a list/tuple of ints), checked once."""

from __future__ import annotations

from typing import Any


def normalize_axes(axis: Any, ndim: int, name: str = "axis") -> tuple[int, ...]:
    """The axes of `axis` as sorted non-negative ints; None means every axis.

    Raises:
        ValueError: naming the argument, for an axis outside [-ndim, ndim) or a repeated axis.
    """
    if axis is None:
        return tuple(range(ndim))
    items = (axis,) if isinstance(axis, int) else tuple(axis)
    out = []
    for a in items:
        a = int(a)
        if not -ndim <= a < max(ndim, 1):
            raise ValueError(f"`{name}` is out of range for a tensor of rank {ndim}. Received: {name}={axis}")
        out.append(a % max(ndim, 1))
    if len(set(out)) != len(out):
        raise ValueError(f"`{name}` repeats an axis. Received: {name}={axis}")
    return tuple(sorted(out))


def normalize_axis(axis: int, ndim: int, name: str = "axis") -> int:
    """One axis as a non-negative int (see `normalize_axes`)."""
    return normalize_axes(int(axis), ndim, name)[0]
