"""Loss functions: (y_true, y_pred) -> one value per sample, written with `scratchnn.ops`.

Cross-entropies on a softmax or sigmoid output are computed from the logits
(see the package docstring); every other loss follows keras/src/losses/losses.py.
"""

from __future__ import annotations

from typing import Any

from scratchnn import backend, ops
from scratchnn.ops.nn import cross_entropy_from_softmax, softmax_stats
from scratchnn.ops.tensor import Tensor


def _pair(y_true: Any, y_pred: Any) -> tuple[Tensor, Tensor]:
    y_pred = ops.convert_to_tensor(y_pred)
    if y_pred.data.dtype.kind != "f":
        y_pred = ops.cast(y_pred, backend.floatx())
    return ops.cast(ops.convert_to_tensor(y_true), y_pred.dtype), y_pred


def _same_rank(x1: Tensor, x2: Tensor) -> tuple[Tensor, Tensor]:
    """Squeezes or expands a trailing size-1 axis so both have the same rank (Keras's rule)."""
    if x1.ndim == x2.ndim + 1 and x1.shape[-1] == 1:
        return (x1, ops.expand_dims(x2, -1)) if x2.ndim == 1 else (ops.squeeze(x1, -1), x2)
    if x2.ndim == x1.ndim + 1 and x2.shape[-1] == 1:
        return (ops.expand_dims(x1, -1), x2) if x1.ndim == 1 else (x1, ops.squeeze(x2, -1))
    return x1, x2


def _sigmoid_logits(y_pred: Any) -> Tensor | None:
    """The logits of a `sigmoid` output (Keras's `_keras_logits`), else None."""
    if getattr(y_pred, "_softmax_stats", None) is not None:
        return None
    return getattr(y_pred, "_keras_logits", None)


# -- loss functions (one value per sample) -----------------------------------


def sparse_categorical_crossentropy(
    y_true: Any, y_pred: Any, from_logits: bool = False, ignore_class: int | None = None, axis: int = -1
) -> Tensor:
    """-log p[y] per sample. y_true (N,) or (N, 1) integer labels; y_pred (N, K).

    Raises:
        ValueError: for one-hot labels (use categorical_crossentropy) or labels
            outside [0, K).
    """
    from_softmax = not from_logits and softmax_stats(y_pred) is not None
    y_pred = ops.convert_to_tensor(y_pred)
    labels = backend.asarray(getattr(y_true, "data", y_true))
    if labels.ndim == y_pred.ndim and labels.shape[-1] == 1:
        labels = labels.reshape(labels.shape[:-1])
    if labels.ndim != y_pred.ndim - 1:
        raise ValueError(
            "sparse_categorical_crossentropy expects integer labels of shape (batch,) with predictions "
            f"(batch, classes). Received: y_true.shape={tuple(labels.shape)}, y_pred.shape={y_pred.shape}. "
            "For one-hot labels use categorical_crossentropy."
        )
    num_classes = y_pred.shape[axis]
    valid = None
    if ignore_class is not None:
        valid = labels != ignore_class
        labels = backend.xp.where(valid, labels, 0)
    if labels.size and (labels.min() < 0 or labels.max() >= num_classes):
        raise ValueError(
            f"sparse_categorical_crossentropy: labels must be in [0, {num_classes}) for predictions with "
            f"{num_classes} classes. Received labels from {labels.min()} to {labels.max()}."
        )
    if from_softmax:
        # A softmax output hands over its logits, probabilities and normalizer: no second softmax.
        loss = cross_entropy_from_softmax(labels, y_pred, sparse=True)
    elif from_logits:
        loss = ops.sparse_softmax_cross_entropy(labels, y_pred)
    else:
        onehot = ops.one_hot(labels, num_classes, dtype=y_pred.dtype)
        loss = _categorical_from_probabilities(onehot, y_pred, axis)
    if valid is not None:
        loss = ops.multiply(loss, backend.asarray(valid, dtype=loss.dtype))
    return loss


def _categorical_from_probabilities(y_true: Tensor, y_pred: Tensor, axis: int) -> Tensor:
    # Keras: renormalise, clip to [eps, 1 - eps] so log never sees 0, then -sum(t * log p).
    eps = backend.epsilon()
    probs = ops.divide(y_pred, ops.sum(y_pred, axis=axis, keepdims=True))
    probs = ops.clip(probs, eps, 1 - eps)
    return ops.negative(ops.sum(ops.multiply(y_true, ops.log(probs)), axis=axis))


def categorical_crossentropy(
    y_true: Any, y_pred: Any, from_logits: bool = False, label_smoothing: float = 0.0, axis: int = -1
) -> Tensor:
    """-sum(t * log p) per sample. y_true one-hot (N, K); y_pred (N, K).

    Raises:
        ValueError: for integer class labels (use sparse_categorical_crossentropy).
    """
    from_softmax = not from_logits and softmax_stats(y_pred) is not None
    y_true, y_pred = _pair(y_true, y_pred)
    if y_true.ndim != y_pred.ndim or y_true.shape[-1] != y_pred.shape[-1]:
        raise ValueError(
            "categorical_crossentropy expects one-hot labels with the same shape as the predictions. "
            f"Received: y_true.shape={y_true.shape}, y_pred.shape={y_pred.shape}. For integer labels use "
            "sparse_categorical_crossentropy, or convert them with keras.utils.to_categorical."
        )
    if label_smoothing:
        y_true = ops.add(ops.multiply(y_true, 1.0 - label_smoothing), label_smoothing / y_pred.shape[-1])
    if from_softmax and axis in (-1, y_pred.ndim - 1):
        return cross_entropy_from_softmax(y_true, y_pred, sparse=False)
    if from_logits:
        return ops.softmax_cross_entropy(y_true, y_pred, axis=axis)
    return _categorical_from_probabilities(y_true, y_pred, axis)


def binary_crossentropy(
    y_true: Any, y_pred: Any, from_logits: bool = False, label_smoothing: float = 0.0, axis: int = -1
) -> Tensor:
    """Mean over the last axis of -(t log p + (1 - t) log(1 - p))."""
    logits = y_pred if from_logits else _sigmoid_logits(y_pred)
    y_true, y_pred = _pair(y_true, y_pred)
    y_true, y_pred = _same_rank(y_true, y_pred)
    if label_smoothing:
        y_true = ops.add(ops.multiply(y_true, 1.0 - label_smoothing), 0.5 * label_smoothing)
    if logits is not None:
        logits = ops.convert_to_tensor(logits)
        if logits.ndim != y_true.ndim:
            logits = ops.reshape(logits, y_true.shape)
        return ops.mean(ops.sigmoid_cross_entropy(y_true, logits), axis=axis)
    eps = backend.epsilon()
    p = ops.clip(y_pred, eps, 1 - eps)
    bce = ops.add(
        ops.multiply(y_true, ops.log(p)),
        ops.multiply(ops.subtract(1.0, y_true), ops.log(ops.subtract(1.0, p))),
    )
    return ops.negative(ops.mean(bce, axis=axis))


def mean_squared_error(y_true: Any, y_pred: Any) -> Tensor:
    """mean((y_true - y_pred)**2, axis=-1)."""
    y_true, y_pred = _same_rank(*_pair(y_true, y_pred))
    return ops.mean(ops.square(ops.subtract(y_true, y_pred)), axis=-1)


def mean_absolute_error(y_true: Any, y_pred: Any) -> Tensor:
    """mean(|y_true - y_pred|, axis=-1)."""
    y_true, y_pred = _same_rank(*_pair(y_true, y_pred))
    return ops.mean(ops.abs(ops.subtract(y_true, y_pred)), axis=-1)


def mean_absolute_percentage_error(y_true: Any, y_pred: Any) -> Tensor:
    """100 * mean(|(y_true - y_pred) / max(|y_true|, eps)|, axis=-1)."""
    y_true, y_pred = _same_rank(*_pair(y_true, y_pred))
    denom = ops.maximum(ops.abs(y_true), backend.epsilon())
    return ops.multiply(ops.mean(ops.abs(ops.divide(ops.subtract(y_true, y_pred), denom)), axis=-1), 100.0)


def mean_squared_logarithmic_error(y_true: Any, y_pred: Any) -> Tensor:
    """mean((log(max(y_pred, eps) + 1) - log(max(y_true, eps) + 1))**2, axis=-1)."""
    y_true, y_pred = _same_rank(*_pair(y_true, y_pred))
    eps = backend.epsilon()
    first = ops.log(ops.add(ops.maximum(y_pred, eps), 1.0))
    second = ops.log(ops.add(ops.maximum(y_true, eps), 1.0))
    return ops.mean(ops.square(ops.subtract(first, second)), axis=-1)


def huber(y_true: Any, y_pred: Any, delta: float = 1.0) -> Tensor:
    """Quadratic for |error| <= delta, linear beyond: mean over the last axis."""
    y_true, y_pred = _same_rank(*_pair(y_true, y_pred))
    err = ops.abs(ops.subtract(y_pred, y_true))
    quadratic = ops.multiply(ops.square(err), 0.5)
    linear = ops.subtract(ops.multiply(err, delta), 0.5 * delta * delta)
    return ops.mean(ops.where(ops.less_equal(err, delta), quadratic, linear), axis=-1)


def log_cosh(y_true: Any, y_pred: Any) -> Tensor:
    """mean(log(cosh(y_pred - y_true))), computed as x + softplus(-2x) - log 2."""
    y_true, y_pred = _same_rank(*_pair(y_true, y_pred))
    x = ops.subtract(y_pred, y_true)
    log2 = 0.6931471805599453
    return ops.mean(ops.subtract(ops.add(x, ops.softplus(ops.multiply(x, -2.0))), log2), axis=-1)


def _hinge_labels(y_true: Tensor) -> Tensor:
    # Keras: labels given as {0, 1} are mapped to {-1, 1}.
    data = y_true.data
    if data.size and bool(((data == 0) | (data == 1)).all()):
        return ops.subtract(ops.multiply(y_true, 2.0), 1.0)
    return y_true


def hinge(y_true: Any, y_pred: Any) -> Tensor:
    """mean(max(1 - y_true * y_pred, 0)), labels in {-1, 1} (or {0, 1}, converted)."""
    y_true, y_pred = _pair(y_true, y_pred)
    y_true = _hinge_labels(y_true)
    return ops.mean(ops.maximum(ops.subtract(1.0, ops.multiply(y_true, y_pred)), 0.0), axis=-1)


def squared_hinge(y_true: Any, y_pred: Any) -> Tensor:
    """mean(max(1 - y_true * y_pred, 0)**2)."""
    y_true, y_pred = _pair(y_true, y_pred)
    y_true = _hinge_labels(y_true)
    return ops.mean(ops.square(ops.maximum(ops.subtract(1.0, ops.multiply(y_true, y_pred)), 0.0)), axis=-1)


def categorical_hinge(y_true: Any, y_pred: Any) -> Tensor:
    """max(0, 1 + max((1 - t) * p) - sum(t * p))."""
    y_true, y_pred = _pair(y_true, y_pred)
    pos = ops.sum(ops.multiply(y_true, y_pred), axis=-1)
    neg = ops.max(ops.multiply(ops.subtract(1.0, y_true), y_pred), axis=-1)
    return ops.maximum(ops.add(ops.subtract(neg, pos), 1.0), 0.0)


def kl_divergence(y_true: Any, y_pred: Any) -> Tensor:
    """sum(t * log(t / p)) with both clipped to [eps, 1]."""
    y_true, y_pred = _pair(y_true, y_pred)
    eps = backend.epsilon()
    t = ops.clip(y_true, eps, 1.0)
    p = ops.clip(y_pred, eps, 1.0)
    return ops.sum(ops.multiply(t, ops.log(ops.divide(t, p))), axis=-1)


def poisson(y_true: Any, y_pred: Any) -> Tensor:
    """mean(p - t * log(p + eps))."""
    y_true, y_pred = _pair(y_true, y_pred)
    return ops.mean(
        ops.subtract(y_pred, ops.multiply(y_true, ops.log(ops.add(y_pred, backend.epsilon())))), axis=-1
    )


def cosine_similarity(y_true: Any, y_pred: Any, axis: int = -1) -> Tensor:
    """-sum(l2_normalize(t) * l2_normalize(p)) along `axis`."""
    y_true, y_pred = _pair(y_true, y_pred)

    def normalize(x):
        norm = ops.sqrt(ops.maximum(ops.sum(ops.square(x), axis=axis, keepdims=True), 1e-12))
        return ops.divide(x, norm)

    return ops.negative(ops.sum(ops.multiply(normalize(y_true), normalize(y_pred)), axis=axis))


# Keras's aliases.
mse = MSE = mean_squared_error
mae = MAE = mean_absolute_error
mape = MAPE = mean_absolute_percentage_error
msle = MSLE = mean_squared_logarithmic_error
kld = KLD = kullback_leibler_divergence = kl_divergence
logcosh = log_cosh
