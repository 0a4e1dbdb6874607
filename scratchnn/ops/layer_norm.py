"""Layer normalization as one fused op: forward and a derived backward (keras.ops.layer_normalization).

Notation: R is the set of normalized axes (each sample's features), k the number of
elements in R, and `mean_R` a mean over R with the axes kept, so every statistic
broadcasts against x. gamma and beta span R and broadcast over the other axes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from scratchnn import backend
from scratchnn.backend import xp
from scratchnn.ops.tensor import Tensor, convert, record


def normalized_axes(axis: int | Sequence[int], ndim: int) -> tuple[int, ...]:
    """`axis` (an int or a sequence) as sorted non-negative axes of an `ndim`-D input.

    Raises:
        ValueError: when an axis is outside [-ndim, ndim).
    """
    axes = [axis] if isinstance(axis, int) else list(axis)
    for a in axes:
        if not -ndim <= a < ndim:
            raise ValueError(
                f"Axis {a} is out of bounds for an input of rank {ndim}. Received: axis={axis!r}"
            )
    return tuple(sorted({a % ndim for a in axes}))


def layer_normalization(
    x: Any,
    gamma: Any = None,
    beta: Any = None,
    axis: int | Sequence[int] = -1,
    epsilon: float | None = None,
    rms_scaling: bool = False,
) -> Tensor:
    """Normalizes each sample over `axis`: y = (x - mean_R x) / sqrt(var_R x + epsilon) * gamma + beta.

    With `rms_scaling=True` (Keras's deprecated flag, kept for parity) the mean is not
    subtracted and beta is not used: y = x / sqrt(var_R x + epsilon) * gamma, the variance
    still being the centered one, exactly as keras/src/ops/nn.py computes it.

    Args:
        x: the input, any rank.
        gamma: scale of shape (x.shape[a] for a in axis), or None.
        beta: offset of the same shape, or None.
        axis: int or sequence of ints, the axes normalized together.
        epsilon: added to the variance so the division is finite for constant samples; None
            means `backend.epsilon()` (1e-7), as keras.ops.layer_normalization.
        rms_scaling: see above.

    Returns:
        A Tensor shaped like x.
    """
    if epsilon is None:
        epsilon = backend.epsilon()
    xt = convert(x)
    gt = None if gamma is None else convert(gamma, like=xt)
    bt = None if beta is None or rms_scaling else convert(beta, like=xt)
    xd = xt.data
    red = normalized_axes(axis, xd.ndim)
    kept = tuple(d for d in range(xd.ndim) if d not in red)
    # gamma/beta (sizes over R) -> (1, ..., size, ..., 1): broadcastable against x.
    bshape = tuple(xd.shape[d] if d in red else 1 for d in range(xd.ndim))
    count = 1
    for d in red:
        count *= xd.shape[d]

    mu = xd.sum(axis=red, keepdims=True) / count
    centered = xd - mu
    var = (centered * centered).sum(axis=red, keepdims=True) / count
    # r = 1 / sqrt(var + eps): epsilon keeps r finite when a sample is constant.
    r = 1.0 / xp.sqrt(var + epsilon)
    # normalized value before the affine part: xhat (centered) or x * r (rms_scaling)
    xhat = (xd if rms_scaling else centered) * r
    gam = None if gt is None else gt.data.reshape(bshape)
    out = xhat * gam if gam is not None else xhat.copy()
    if bt is not None:
        out += bt.data.reshape(bshape)

    # Backward. With gg = g * gamma (or g without gamma):
    #   standard: y = gamma * (x - mu) r + beta, and mu, var depend on x, so
    #     dx = r * (gg - mean_R(gg) - xhat * mean_R(gg * xhat))        (x's shape)
    #   rms_scaling: y = gamma * x r; dr/dx_i = -r^3 (x_i - mu) / k, so with xc = (x - mu) r,
    #     dx = r * (gg - xc * mean_R(gg * x r))                        (x's shape)
    #   dgamma = sum over the kept axes of g * xhat; dbeta = sum over the kept axes of g
    #   (both reshaped to gamma's shape, the sizes over R).
    def backward(g):
        gg = g if gam is None else g * gam
        dx = None
        if xt.requires_grad:
            if rms_scaling:
                dx = r * (gg - (centered * r) * ((gg * xhat).sum(axis=red, keepdims=True) / count))
            else:
                dx = r * (
                    gg
                    - gg.sum(axis=red, keepdims=True) / count
                    - xhat * ((gg * xhat).sum(axis=red, keepdims=True) / count)
                )
        grads = [dx]
        if gt is not None:
            grads.append((g * xhat).sum(axis=kept).reshape(gt.data.shape) if gt.requires_grad else None)
        if bt is not None:
            grads.append(g.sum(axis=kept).reshape(bt.data.shape) if bt.requires_grad else None)
        return tuple(grads)

    parents = tuple(p for p in (xt, gt, bt) if p is not None)
    return record(out, parents, backward)
