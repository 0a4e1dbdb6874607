"""The activations of keras.ops (keras.ops.nn) that ops/nn.py does not have: celu, glu, hard_tanh,
the shrink family, log_sigmoid, sparse_plus, sparse_sigmoid, squareplus, threshold, sparsemax.

Each follows the definition in keras/src/backend/jax/nn.py (jax.nn); the docstring gives the
function and its derivative, which the backward multiplies into `g`. Integer inputs give floatx().
"""

from __future__ import annotations

from typing import Any

from scratchnn.backend import xp
from scratchnn.ops.axes import normalize_axis
from scratchnn.ops.manipulation import split
from scratchnn.ops.math import multiply
from scratchnn.ops.nn import sigmoid
from scratchnn.ops.promotion import as_float
from scratchnn.ops.tensor import Tensor, record


def celu(x: Any, alpha: float = 1.0) -> Tensor:
    """max(x, 0) + alpha * (e^(min(x, 0) / alpha) - 1). d/dx = 1 for x > 0, e^(x / alpha) otherwise."""
    t = as_float(x)
    neg = xp.minimum(t.data, 0) / alpha  # the min keeps exp from overflowing on the unused branch
    out = (xp.maximum(t.data, 0) + alpha * xp.expm1(neg)).astype(t.data.dtype)
    local = xp.where(t.data > 0, 1, xp.exp(neg)).astype(t.data.dtype)
    return record(out, (t,), lambda g: (g * local,))


def glu(x: Any, axis: int = -1) -> Tensor:
    """Gated linear unit: with x split in halves a, b along `axis`, a * sigmoid(b).

    Composed of split, sigmoid and multiply, so both halves get their gradients.

    Raises:
        ValueError: if the axis has an odd length.
    """
    t = as_float(x)
    ax = normalize_axis(axis, t.ndim)
    if t.shape[ax] % 2:
        raise ValueError(f"glu needs an even length along `axis`. Received: x.shape={t.shape}, axis={axis}")
    a, b = split(t, 2, axis=ax)
    return multiply(a, sigmoid(b))


def hard_tanh(x: Any) -> Tensor:
    """clip(x, -1, 1). d/dx = 1 inside (-1, 1), 0 outside."""
    t = as_float(x)
    inside = (t.data > -1) & (t.data < 1)
    return record(xp.clip(t.data, -1, 1), (t,), lambda g: (g * inside,))


def hard_shrink(x: Any, threshold: float = 0.5) -> Tensor:
    """x where |x| > threshold, else 0. d/dx = 1 where |x| > threshold, else 0."""
    t = as_float(x)
    keep = xp.abs(t.data) > threshold
    return record(xp.where(keep, t.data, 0).astype(t.data.dtype), (t,), lambda g: (g * keep,))


def soft_shrink(x: Any, threshold: float = 0.5) -> Tensor:
    """x - threshold above threshold, x + threshold below -threshold, 0 between.

    d/dx = 1 where |x| > threshold, else 0.
    """
    t = as_float(x)
    z = t.data
    out = xp.where(z > threshold, z - threshold, xp.where(z < -threshold, z + threshold, 0)).astype(z.dtype)
    keep = xp.abs(z) > threshold
    return record(out, (t,), lambda g: (g * keep,))


def tanh_shrink(x: Any) -> Tensor:
    """x - tanh(x). d/dx = 1 - (1 - tanh(x)**2) = tanh(x)**2."""
    t = as_float(x)
    th = xp.tanh(t.data)
    return record(t.data - th, (t,), lambda g: (g * th * th,))


def log_sigmoid(x: Any) -> Tensor:
    """log(sigmoid(x)) = min(x, 0) - log(1 + e^-|x|), which never overflows.

    d/dx = 1 - sigmoid(x) = sigmoid(-x).
    """
    t = as_float(x)
    z = t.data
    out = (xp.minimum(z, 0) - xp.log1p(xp.exp(-xp.abs(z)))).astype(z.dtype)
    return record(out, (t,), lambda g: (g * sigmoid(-z).data,))


def sparse_plus(x: Any) -> Tensor:
    """0 for x <= -1, x for x >= 1, (x + 1)**2 / 4 between (a smooth relu).

    d/dx = 0, 1, and (x + 1) / 2 on the three pieces.
    """
    t = as_float(x)
    z = t.data
    out = xp.where(z <= -1, 0, xp.where(z >= 1, z, (z + 1) ** 2 / 4)).astype(z.dtype)
    local = xp.where(z <= -1, 0, xp.where(z >= 1, 1, (z + 1) / 2)).astype(z.dtype)
    return record(out, (t,), lambda g: (g * local,))


def sparse_sigmoid(x: Any) -> Tensor:
    """0 for x <= -1, 1 for x >= 1, (x + 1) / 2 between. d/dx = 1/2 inside (-1, 1), else 0."""
    t = as_float(x)
    z = t.data
    out = xp.clip((z + 1) / 2, 0, 1).astype(z.dtype)
    inside = (z > -1) & (z < 1)
    return record(out, (t,), lambda g: (g * inside * 0.5,))


def squareplus(x: Any, b: float = 4) -> Tensor:
    """(x + sqrt(x**2 + b)) / 2. d/dx = (1 + x / sqrt(x**2 + b)) / 2."""
    t = as_float(x)
    root = xp.sqrt(t.data * t.data + b)
    return record((t.data + root) / 2, (t,), lambda g: (g * (1 + t.data / root) / 2,))


def threshold(x: Any, threshold: float, default_value: float) -> Tensor:
    """x where x > threshold, else default_value. d/dx = 1 where x > threshold, else 0."""
    t = as_float(x)
    keep = t.data > threshold
    return record(xp.where(keep, t.data, default_value).astype(t.data.dtype), (t,), lambda g: (g * keep,))


def sparsemax(x: Any, axis: int = -1) -> Tensor:
    """The Euclidean projection of x onto the probability simplex along `axis` (Martins & Astudillo).

    out = max(x - tau, 0) with tau chosen so the output sums to 1: with z sorted descending and
    k = max{j : z_j - (cumsum(z)_j - 1) / j > 0}, tau = (cumsum(z)_k - 1) / k.
    On the support S (out > 0) out = x - tau(x), and d tau / dx_i = 1/|S| for i in S, so
    dL/dx = s * (g - sum(g * s) / sum(s)), s the support indicator.

    Keras 3.15's own sparsemax (keras/src/backend/jax/nn.py) divides the sum of the cumsums over
    the support instead of the cumsum at k, so its outputs do not sum to 1 when more than one value
    is in the support; scratchnn computes the projection as defined, which agrees with Keras when
    one value is.
    """
    t = as_float(x)
    ax = normalize_axis(axis, t.ndim)
    z = t.data
    ranked = -xp.sort(-z, axis=ax)
    cum = xp.cumsum(ranked, axis=ax)
    shape = [1] * z.ndim
    shape[ax] = -1
    j = xp.arange(1, z.shape[ax] + 1, dtype=z.dtype).reshape(shape)
    support = ranked - (cum - 1) / j > 0
    k = xp.sum(support, axis=ax, keepdims=True)
    # The support is a prefix of the sorted values, so cumsum(z)_k is the cumsum at position k - 1.
    tau = (xp.take_along_axis(cum, k - 1, axis=ax) - 1) / k
    out = xp.maximum(z - tau, 0).astype(z.dtype)
    s = (out > 0).astype(z.dtype)

    def backward(g):
        mean_g = xp.sum(g * s, axis=ax, keepdims=True) / xp.maximum(xp.sum(s, axis=ax, keepdims=True), 1)
        return (s * (g - mean_g),)

    return record(out, (t,), backward)
