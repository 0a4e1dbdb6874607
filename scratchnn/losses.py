"""`keras.losses`: loss functions, Loss classes, reductions (keras/src/losses/).

A loss function maps (y_true, y_pred) to one value per sample (the last axis
reduced); a `Loss` object applies sample weights and the reduction
("sum_over_batch_size" by default: the weighted sum divided by the number of
per-sample values, as Keras 3 does). Everything is written with
`scratchnn.ops`, so user-defined losses written the same way train too.

Fusion: when `y_pred` came straight out of a softmax (or sigmoid) op and the
loss is a cross-entropy on probabilities, the loss is computed from the
logits with a fused, numerically stable op (log-sum-exp), instead of clipping
probabilities at epsilon. Keras's TensorFlow backend does the same; the
values agree wherever the probabilities are above epsilon.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from scratchnn import backend, ops
from scratchnn.ops.tensor import Tensor

_REDUCTIONS = ("sum_over_batch_size", "sum", "mean", "mean_with_sample_weight", "none", None)


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


def _fused_logits(y_pred: Any, kind: str) -> Tensor | None:
    info = getattr(y_pred, "_keras_logits", None)
    if info is not None and info[0] == kind and (kind != "softmax" or info[2] in (-1, y_pred.ndim - 1)):
        return info[1]
    return None


# -- loss functions (one value per sample) -----------------------------------


def sparse_categorical_crossentropy(
    y_true: Any, y_pred: Any, from_logits: bool = False, ignore_class: int | None = None, axis: int = -1
) -> Tensor:
    """-log p[y] per sample. y_true (N,) or (N, 1) integer labels; y_pred (N, K).

    Raises:
        ValueError: for one-hot labels (use categorical_crossentropy) or labels
            outside [0, K).
    """
    logits = y_pred if from_logits else _fused_logits(y_pred, "softmax")
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
    if logits is not None:
        loss = ops.sparse_softmax_cross_entropy(labels, logits)
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
    logits = y_pred if from_logits else _fused_logits(y_pred, "softmax")
    y_true, y_pred = _pair(y_true, y_pred)
    if y_true.ndim != y_pred.ndim or y_true.shape[-1] != y_pred.shape[-1]:
        raise ValueError(
            "categorical_crossentropy expects one-hot labels with the same shape as the predictions. "
            f"Received: y_true.shape={y_true.shape}, y_pred.shape={y_pred.shape}. For integer labels use "
            "sparse_categorical_crossentropy, or convert them with keras.utils.to_categorical."
        )
    if label_smoothing:
        y_true = ops.add(ops.multiply(y_true, 1.0 - label_smoothing), label_smoothing / y_pred.shape[-1])
    if logits is not None:
        return ops.softmax_cross_entropy(y_true, logits, axis=axis)
    return _categorical_from_probabilities(y_true, y_pred, axis)


def binary_crossentropy(
    y_true: Any, y_pred: Any, from_logits: bool = False, label_smoothing: float = 0.0, axis: int = -1
) -> Tensor:
    """Mean over the last axis of -(t log p + (1 - t) log(1 - p))."""
    logits = y_pred if from_logits else _fused_logits(y_pred, "sigmoid")
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


# -- Loss objects -------------------------------------------------------------


def reduce_weighted_values(
    values: Tensor, sample_weight: Any = None, reduction: str | None = "sum_over_batch_size"
) -> Tensor:
    """Applies `sample_weight` to per-sample `values`, then the reduction.

    "sum_over_batch_size" divides the weighted sum by the number of values
    (not by the sum of the weights), as Keras 3 does.
    """
    if sample_weight is not None:
        sw = ops.cast(ops.convert_to_tensor(sample_weight), values.dtype)
        values, sw = _same_rank(values, sw)
        values = ops.multiply(values, sw)
    if reduction in (None, "none") or values.ndim == 0:
        return values
    if sample_weight is None and reduction in ("sum_over_batch_size", "mean", "mean_with_sample_weight"):
        return ops.mean(values)  # the same value as sum / size, as one op on the tape
    total = ops.sum(values)
    if reduction == "sum":
        return total
    if reduction == "mean_with_sample_weight" and sample_weight is not None:
        divisor = float(backend.to_numpy(ops.sum(sw).data))
    else:
        divisor = values.size
    return ops.divide(total, divisor) if divisor else ops.multiply(total, 0.0)


class Loss:
    """Base class: subclasses implement `call(y_true, y_pred)` returning per-sample values.

    Args:
        name: display name.
        reduction: "sum_over_batch_size" (default), "sum", "mean",
            "mean_with_sample_weight" or "none".
        dtype: compute dtype (default floatx()).
    """

    def __init__(
        self, name: str | None = None, reduction: str | None = "sum_over_batch_size", dtype: Any = None
    ) -> None:
        if reduction not in _REDUCTIONS:
            raise ValueError(
                f"Invalid value for argument `reduction`. Expected one of {_REDUCTIONS}. "
                f"Received: reduction={reduction!r}"
            )
        self.name = name or _snake(type(self).__name__)
        self.reduction = reduction
        self.dtype = dtype

    def __call__(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> Tensor:
        return reduce_weighted_values(self.call(y_true, y_pred), sample_weight, self.reduction)

    def call(self, y_true: Any, y_pred: Any) -> Tensor:
        raise NotImplementedError(f"{type(self).__name__} must implement call(y_true, y_pred).")

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name, "reduction": self.reduction}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Loss:
        return cls(**config)


def _snake(name: str) -> str:
    from scratchnn.utils.naming import to_snake_case

    return to_snake_case(name)


class LossFunctionWrapper(Loss):
    """Wraps a loss function `fn(y_true, y_pred, **kwargs)` as a Loss."""

    def __init__(
        self,
        fn: Callable[..., Tensor],
        reduction: str | None = "sum_over_batch_size",
        name: str | None = None,
        dtype: Any = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(name=name or getattr(fn, "__name__", None), reduction=reduction, dtype=dtype)
        self.fn = fn
        self._fn_kwargs = kwargs

    def call(self, y_true: Any, y_pred: Any) -> Tensor:
        return self.fn(y_true, y_pred, **self._fn_kwargs)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update(self._fn_kwargs)
        if type(self) is LossFunctionWrapper:
            config["fn"] = getattr(self.fn, "__name__", str(self.fn))
        return config

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Loss:
        if cls is LossFunctionWrapper:
            config = dict(config)
            config["fn"] = get(config["fn"])
        return cls(**config)


def _loss_class(
    fn: Callable[..., Tensor], class_name: str, default_name: str, params: dict[str, Any]
) -> type:
    """Makes a Keras-style Loss class for `fn` whose constructor takes `params` (with defaults)."""

    def __init__(
        self,
        *args: Any,
        reduction: str | None = "sum_over_batch_size",
        name: str = default_name,
        dtype: Any = None,
        **kwargs: Any,
    ) -> None:
        values = dict(params)
        for key, value in zip(params, args):
            values[key] = value
        unknown = set(kwargs) - set(params)
        if unknown:
            raise TypeError(
                f"{class_name} got unexpected keyword arguments {sorted(unknown)}. Valid: {sorted(params)}"
            )
        values.update(kwargs)
        LossFunctionWrapper.__init__(self, fn, reduction=reduction, name=name, dtype=dtype, **values)

    cls = type(
        class_name,
        (LossFunctionWrapper,),
        {"__init__": __init__, "__doc__": f"Loss class for `{fn.__name__}`:\n\n{fn.__doc__}"},
    )
    cls.__module__ = __name__
    return cls


SparseCategoricalCrossentropy = _loss_class(
    sparse_categorical_crossentropy,
    "SparseCategoricalCrossentropy",
    "sparse_categorical_crossentropy",
    {"from_logits": False, "ignore_class": None, "axis": -1},
)
CategoricalCrossentropy = _loss_class(
    categorical_crossentropy,
    "CategoricalCrossentropy",
    "categorical_crossentropy",
    {"from_logits": False, "label_smoothing": 0.0, "axis": -1},
)
BinaryCrossentropy = _loss_class(
    binary_crossentropy,
    "BinaryCrossentropy",
    "binary_crossentropy",
    {"from_logits": False, "label_smoothing": 0.0, "axis": -1},
)
MeanSquaredError = _loss_class(mean_squared_error, "MeanSquaredError", "mean_squared_error", {})
MeanAbsoluteError = _loss_class(mean_absolute_error, "MeanAbsoluteError", "mean_absolute_error", {})
MeanAbsolutePercentageError = _loss_class(
    mean_absolute_percentage_error, "MeanAbsolutePercentageError", "mean_absolute_percentage_error", {}
)
MeanSquaredLogarithmicError = _loss_class(
    mean_squared_logarithmic_error, "MeanSquaredLogarithmicError", "mean_squared_logarithmic_error", {}
)
Huber = _loss_class(huber, "Huber", "huber_loss", {"delta": 1.0})
LogCosh = _loss_class(log_cosh, "LogCosh", "log_cosh", {})
Hinge = _loss_class(hinge, "Hinge", "hinge", {})
SquaredHinge = _loss_class(squared_hinge, "SquaredHinge", "squared_hinge", {})
CategoricalHinge = _loss_class(categorical_hinge, "CategoricalHinge", "categorical_hinge", {})
KLDivergence = _loss_class(kl_divergence, "KLDivergence", "kl_divergence", {})
Poisson = _loss_class(poisson, "Poisson", "poisson", {})
CosineSimilarity = _loss_class(cosine_similarity, "CosineSimilarity", "cosine_similarity", {"axis": -1})

_FUNCTIONS: dict[str, Callable[..., Tensor]] = {
    "sparse_categorical_crossentropy": sparse_categorical_crossentropy,
    "categorical_crossentropy": categorical_crossentropy,
    "binary_crossentropy": binary_crossentropy,
    "mean_squared_error": mean_squared_error,
    "mse": mean_squared_error,
    "mean_absolute_error": mean_absolute_error,
    "mae": mean_absolute_error,
    "mean_absolute_percentage_error": mean_absolute_percentage_error,
    "mape": mean_absolute_percentage_error,
    "mean_squared_logarithmic_error": mean_squared_logarithmic_error,
    "msle": mean_squared_logarithmic_error,
    "huber": huber,
    "huber_loss": huber,
    "log_cosh": log_cosh,
    "logcosh": log_cosh,
    "hinge": hinge,
    "squared_hinge": squared_hinge,
    "categorical_hinge": categorical_hinge,
    "kl_divergence": kl_divergence,
    "kld": kl_divergence,
    "kullback_leibler_divergence": kl_divergence,
    "poisson": poisson,
    "cosine_similarity": cosine_similarity,
}
_CLASSES: dict[str, type] = {
    c.__name__: c
    for c in (
        SparseCategoricalCrossentropy,
        CategoricalCrossentropy,
        BinaryCrossentropy,
        MeanSquaredError,
        MeanAbsoluteError,
        MeanAbsolutePercentageError,
        MeanSquaredLogarithmicError,
        Huber,
        LogCosh,
        Hinge,
        SquaredHinge,
        CategoricalHinge,
        KLDivergence,
        Poisson,
        CosineSimilarity,
        LossFunctionWrapper,
    )
}


def get(identifier: Any) -> Any:
    """Returns a loss function or Loss for a name, class name, config dict, callable or Loss.

    Raises:
        ValueError: for an unknown name, listing the valid ones.
    """
    if identifier is None or isinstance(identifier, Loss):
        return identifier
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, str):
        if identifier in _FUNCTIONS:
            return _FUNCTIONS[identifier]
        if identifier in _CLASSES:
            return _CLASSES[identifier]()
        from scratchnn.saving.registry import get_registered_object

        found = get_registered_object(identifier)
        if found is not None:
            return found() if isinstance(found, type) else found
        raise ValueError(
            f"Unknown loss. Expected one of {sorted(_FUNCTIONS)} or a Loss class name. Received: loss={identifier!r}"
        )
    if isinstance(identifier, type) and issubclass(identifier, Loss):
        return identifier()
    if callable(identifier):
        return identifier
    raise TypeError(
        f"Could not interpret loss: expected a string, a function or a Loss. Received: loss={identifier!r}"
    )


def serialize(loss: Any) -> Any:
    """Keras 3's dict form for Loss objects; the name for built-in functions."""
    if loss is None:
        return None
    if isinstance(loss, Loss):
        from scratchnn.saving.registry import get_registered_name

        registered = getattr(type(loss), "_registered_name", None)
        return {
            "module": "keras.losses",
            "class_name": get_registered_name(type(loss)) if registered else type(loss).__name__,
            "config": loss.get_config(),
            "registered_name": registered,
        }
    for name, fn in _FUNCTIONS.items():
        if fn is loss:
            return name
    from scratchnn.saving.registry import get_registered_name

    return get_registered_name(loss)


def deserialize(config: Any, custom_objects: dict[str, Any] | None = None) -> Any:
    """The inverse of `serialize`."""
    if isinstance(config, str):
        if custom_objects and config in custom_objects:
            return custom_objects[config]
        return get(config)
    class_name = config.get("class_name")
    cfg = dict(config.get("config") or {})
    from scratchnn.saving.registry import get_registered_object

    cls = _CLASSES.get(class_name) or get_registered_object(
        config.get("registered_name") or class_name, custom_objects
    )
    if cls is None:
        if class_name in _FUNCTIONS:
            return _FUNCTIONS[class_name]
        raise ValueError(
            f"Unknown loss class {class_name!r}. Register custom losses with "
            "@keras.saving.register_keras_serializable() or pass custom_objects."
        )
    if isinstance(cls, type):
        return cls.from_config(cfg) if hasattr(cls, "from_config") else cls(**cfg)
    return cls
