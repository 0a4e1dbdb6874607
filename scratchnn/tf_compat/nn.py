"""`tf.nn`: activations, the cross-entropies on logits, l2_loss, moments and dropout.

TensorFlow's argument names (`features`, `logits`, `labels`) and defaults, which differ from
keras.ops in two places: `tf.nn.gelu` is exact (`approximate=False`), and `tf.nn.dropout` always
drops (there is no `training` flag; the kept values are scaled by 1 / (1 - rate)).
"""

from __future__ import annotations

from typing import Any

from scratchnn import ops
from scratchnn import random as _random
from scratchnn.ops.tensor import Tensor
from scratchnn.tf_compat import missing
from scratchnn.tf_compat.array_ops import as_tensor, axis_arg
from scratchnn.tf_compat.sort_ops import top_k

# -- activations ----------------------------------------------------------------------------------


def relu(features: Any, name: str | None = None) -> Tensor:
    """tf.nn.relu: max(x, 0)."""
    return ops.relu(as_tensor(features))


def relu6(features: Any, name: str | None = None) -> Tensor:
    """tf.nn.relu6: min(max(x, 0), 6)."""
    return ops.relu6(as_tensor(features))


def leaky_relu(features: Any, alpha: float = 0.2, name: str | None = None) -> Tensor:
    """tf.nn.leaky_relu: x for x > 0, alpha * x otherwise (alpha 0.2 by default)."""
    return ops.leaky_relu(as_tensor(features), negative_slope=alpha)


def elu(features: Any, name: str | None = None) -> Tensor:
    """tf.nn.elu: x for x > 0, e^x - 1 otherwise."""
    return ops.elu(as_tensor(features))


def selu(features: Any, name: str | None = None) -> Tensor:
    """tf.nn.selu: scale * elu(x, alpha) with the self-normalizing constants."""
    return ops.selu(as_tensor(features))


def gelu(features: Any, approximate: bool = False, name: str | None = None) -> Tensor:
    """tf.nn.gelu: x * Phi(x); exact (erf) by default, tanh approximation if `approximate`."""
    return ops.gelu(as_tensor(features), approximate=approximate)


def sigmoid(x: Any, name: str | None = None) -> Tensor:
    """tf.nn.sigmoid: 1 / (1 + e^-x)."""
    return ops.sigmoid(as_tensor(x))


def tanh(x: Any, name: str | None = None) -> Tensor:
    """tf.nn.tanh: the hyperbolic tangent."""
    return ops.tanh(as_tensor(x))


def softplus(features: Any, name: str | None = None) -> Tensor:
    """tf.nn.softplus: log(1 + e^x)."""
    return ops.softplus(as_tensor(features))


def softsign(features: Any, name: str | None = None) -> Tensor:
    """tf.nn.softsign: x / (1 + |x|)."""
    return ops.softsign(as_tensor(features))


def silu(features: Any, beta: float = 1.0) -> Tensor:
    """tf.nn.silu (tf.nn.swish): x * sigmoid(beta * x)."""
    x = as_tensor(features)
    if beta == 1.0:
        return ops.silu(x)
    return ops.multiply(x, ops.sigmoid(ops.multiply(x, beta)))


swish = silu


def softmax(logits: Any, axis: Any = None, name: str | None = None) -> Tensor:
    """tf.nn.softmax: e^x / sum(e^x) along `axis` (the last by default)."""
    return ops.softmax(as_tensor(logits), axis=-1 if axis is None else int(axis))


def log_softmax(logits: Any, axis: Any = None, name: str | None = None) -> Tensor:
    """tf.nn.log_softmax: x - logsumexp(x) along `axis` (the last by default)."""
    return ops.log_softmax(as_tensor(logits), axis=-1 if axis is None else int(axis))


# -- losses on logits (per-sample values, no reduction) -------------------------------------------


def sparse_softmax_cross_entropy_with_logits(labels: Any, logits: Any, name: str | None = None) -> Tensor:
    """tf.nn.sparse_softmax_cross_entropy_with_logits: -log softmax(logits)[label].

    Args:
        labels: (...,) integer classes in [0, K).
        logits: (..., K) unnormalized log-probabilities.

    Returns:
        (...,) per-sample losses, in the dtype of `logits`.

    Raises:
        ValueError: if the shapes do not fit or a label is outside [0, K) (NumPy indexing would
            otherwise wrap a negative label around silently).
        TypeError: for non-integer labels.
    """
    z, y = as_tensor(logits), as_tensor(labels)
    if y.data.dtype.kind not in "iu":
        raise TypeError(f"`labels` must be integer class indices. Received: labels.dtype={y.dtype}")
    if y.shape != z.shape[:-1]:
        raise ValueError(
            f"`labels` must have the shape of `logits` without its last axis. "
            f"Received: labels.shape={y.shape}, logits.shape={z.shape}"
        )
    if y.size and (int(y.data.min()) < 0 or int(y.data.max()) >= z.shape[-1]):
        raise ValueError(
            f"`labels` must be in [0, {z.shape[-1]}). Received labels from {int(y.data.min())} to {int(y.data.max())}"
        )
    return ops.sparse_softmax_cross_entropy(y, z)


def softmax_cross_entropy_with_logits(
    labels: Any, logits: Any, axis: int = -1, name: str | None = None
) -> Tensor:
    """tf.nn.softmax_cross_entropy_with_logits: -sum(labels * log softmax(logits)) along `axis`.

    Gradients flow to both `logits` and `labels`, as in TensorFlow 2.

    Raises:
        ValueError: if `labels` and `logits` differ in shape.
    """
    z, t = as_tensor(logits), as_tensor(labels)
    if t.shape != z.shape:
        raise ValueError(f"`labels` and `logits` must have the same shape. Received: {t.shape} and {z.shape}")
    return ops.softmax_cross_entropy(t, z, axis=axis)


def sigmoid_cross_entropy_with_logits(
    labels: Any = None, logits: Any = None, name: str | None = None
) -> Tensor:
    """tf.nn.sigmoid_cross_entropy_with_logits: elementwise binary cross-entropy on logits,
    max(z, 0) - z * t + log(1 + e^-|z|).

    Raises:
        ValueError: if `labels` and `logits` differ in shape.
    """
    z, t = as_tensor(logits), as_tensor(labels)
    if t.shape != z.shape:
        raise ValueError(f"`labels` and `logits` must have the same shape. Received: {t.shape} and {z.shape}")
    return ops.sigmoid_cross_entropy(t, z)


def l2_loss(t: Any, name: str | None = None) -> Tensor:
    """tf.nn.l2_loss: sum(t**2) / 2, a scalar."""
    return ops.multiply(ops.sum(ops.square(as_tensor(t))), 0.5)


# -- normalization and noise ----------------------------------------------------------------------


def l2_normalize(x: Any, axis: Any = None, epsilon: float = 1e-12, name: str | None = None) -> Tensor:
    """tf.nn.l2_normalize: x / sqrt(max(sum(x**2, axis), epsilon)) (all axes by default)."""
    t = as_tensor(x)
    square_sum = ops.sum(ops.square(t), axis=axis_arg(axis), keepdims=True)
    return ops.divide(t, ops.sqrt(ops.maximum(square_sum, epsilon)))


def moments(x: Any, axes: Any, shift: Any = None, keepdims: bool = False, name: str | None = None) -> tuple:
    """tf.nn.moments: (mean, population variance) over `axes`."""
    t = as_tensor(x)
    mean = ops.mean(t, axis=axis_arg(axes), keepdims=True)
    variance = ops.mean(ops.square(ops.subtract(t, mean)), axis=axis_arg(axes), keepdims=keepdims)
    return (mean if keepdims else ops.squeeze(mean, axis_arg(axes))), variance


def bias_add(value: Any, bias: Any, data_format: str | None = None, name: str | None = None) -> Tensor:
    """tf.nn.bias_add: adds a (C,) bias along the last axis (channels-last).

    Raises:
        ValueError: for a channels-first `data_format` (scratchnn stores images channels-last).
    """
    if data_format not in (None, "NHWC", "NWC", "NDHWC", "N...C"):
        raise ValueError(
            f"scratchnn's tf.nn.bias_add is channels-last only. Received: data_format={data_format!r}"
        )
    return ops.add(as_tensor(value), as_tensor(bias))


def dropout(
    x: Any, rate: float, noise_shape: Any = None, seed: Any = None, name: str | None = None
) -> Tensor:
    """tf.nn.dropout: zeroes each element with probability `rate`, scales the rest by 1 / (1 - rate).

    Always applied (TensorFlow's tf.nn.dropout has no training flag). Draws through
    keras.random.dropout, so `keras.utils.set_random_seed` makes the mask repeat.

    Raises:
        ValueError: if `rate` is not in [0, 1).
    """
    rate = float(rate)
    if not 0 <= rate < 1:
        raise ValueError(f"`rate` must be in the range [0, 1). Received: rate={rate}")
    return _random.dropout(as_tensor(x), rate, noise_shape=noise_shape, seed=seed)


def __getattr__(name: str) -> Any:
    raise missing("tf.nn", name)


__all__ = [
    "bias_add",
    "dropout",
    "elu",
    "gelu",
    "l2_loss",
    "l2_normalize",
    "leaky_relu",
    "log_softmax",
    "moments",
    "relu",
    "relu6",
    "selu",
    "sigmoid",
    "sigmoid_cross_entropy_with_logits",
    "silu",
    "softmax",
    "softmax_cross_entropy_with_logits",
    "softplus",
    "softsign",
    "sparse_softmax_cross_entropy_with_logits",
    "swish",
    "tanh",
    "top_k",
]
