"""What every optimizer does to the gradients before its update: pairing them with
their variables (with the checks) and clipping them."""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from typing import Any

from scratchnn.backend import xp
from scratchnn.ops.tensor import Tensor


def pair_gradients(
    owner: str, grads: Sequence[Any], variables: Sequence[Any], indices: dict[int, int]
) -> tuple[list[Any], list[Any]]:
    """Checks one gradient per variable and drops the None ones (with a warning).

    Args:
        owner: the optimizer's name, for messages.
        grads: backend arrays or Tensors, each the shape of its variable, or None.
        variables: the variables, in the order of `grads`.
        indices: id(variable) -> slot index for the variables the optimizer was built with.

    Returns:
        (gradients as arrays in each variable's dtype, their variables), None entries left out.

    Raises:
        ValueError: for a variable the optimizer was not built with, a gradient of the
            wrong shape, or when every gradient is None.
    """
    gs, vs, missing = [], [], []
    for g, v in zip(grads, variables, strict=True):
        if id(v) not in indices:
            raise ValueError(
                f"Optimizer {owner!r}: unknown variable {getattr(v, 'path', v)!r}. This optimizer "
                "can only be called for the variables it was built with; create a new optimizer "
                "for a new set of variables."
            )
        if g is None:
            missing.append(getattr(v, "path", getattr(v, "name", "?")))
            continue
        if isinstance(g, Tensor):
            g = g.data
        if g.shape != v.data.shape:
            raise ValueError(
                f"Optimizer {owner!r}: the gradient of {getattr(v, 'path', '?')!r} must have the "
                f"variable's shape {v.data.shape}. Received: gradient shape={g.shape}"
            )
        if g.dtype != v.data.dtype:
            g = g.astype(v.data.dtype)
        gs.append(g)
        vs.append(v)
    if missing:
        if not gs:
            raise ValueError(f"Optimizer {owner!r}: no gradients provided for any variable.")
        # stacklevel 3: the warning points at the caller of `Optimizer.apply`.
        warnings.warn(
            f"Gradients do not exist for variables {missing} when minimizing the loss.", stacklevel=3
        )
    return gs, vs


def clip_gradients(
    grads: list[Any], clipnorm: float | None, global_clipnorm: float | None, clipvalue: float | None
) -> list[Any]:
    """New clipped gradients (the inputs are not modified); at most one option is set.

    clipnorm c: each g becomes g * c / max(||g||, c), unchanged when ||g|| <= c.
    global_clipnorm c: every g is scaled by c / max(sqrt(sum ||g||^2), c).
    clipvalue c: each element is clipped to [-c, c].
    """
    if clipnorm and clipnorm > 0:
        return [g * (clipnorm / max(math.sqrt(float(xp.vdot(g, g))), clipnorm)) for g in grads]
    if global_clipnorm and global_clipnorm > 0:
        norm = math.sqrt(sum(float(xp.vdot(g, g)) for g in grads))
        scale = global_clipnorm / max(norm, global_clipnorm)
        return grads if scale == 1.0 else [g * scale for g in grads]
    if clipvalue and clipvalue > 0:
        return [xp.clip(g, -clipvalue, clipvalue) for g in grads]
    return grads
