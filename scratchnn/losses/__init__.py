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

from scratchnn.losses.functions import (
    KLD as KLD,
)
from scratchnn.losses.functions import (
    MAE as MAE,
)
from scratchnn.losses.functions import (
    MAPE as MAPE,
)
from scratchnn.losses.functions import (
    MSE as MSE,
)
from scratchnn.losses.functions import (
    MSLE as MSLE,
)
from scratchnn.losses.functions import (
    binary_crossentropy,
    categorical_crossentropy,
    categorical_hinge,
    cosine_similarity,
    hinge,
    huber,
    kl_divergence,
    log_cosh,
    mean_absolute_error,
    mean_absolute_percentage_error,
    mean_squared_error,
    mean_squared_logarithmic_error,
    poisson,
    sparse_categorical_crossentropy,
    squared_hinge,
)
from scratchnn.losses.functions import (
    kld as kld,
)
from scratchnn.losses.functions import (
    kullback_leibler_divergence as kullback_leibler_divergence,
)
from scratchnn.losses.functions import (
    logcosh as logcosh,
)
from scratchnn.losses.functions import (
    mae as mae,
)
from scratchnn.losses.functions import (
    mape as mape,
)
from scratchnn.losses.functions import (
    mse as mse,
)
from scratchnn.losses.functions import (
    msle as msle,
)
from scratchnn.losses.loss import (
    BinaryCrossentropy,
    CategoricalCrossentropy,
    CategoricalHinge,
    CosineSimilarity,
    Hinge,
    Huber,
    KLDivergence,
    LogCosh,
    Loss,
    LossFunctionWrapper,
    MeanAbsoluteError,
    MeanAbsolutePercentageError,
    MeanSquaredError,
    MeanSquaredLogarithmicError,
    Poisson,
    SparseCategoricalCrossentropy,
    SquaredHinge,
)
from scratchnn.losses.loss import (
    reduce_weighted_values as reduce_weighted_values,
)
from scratchnn.ops.tensor import Tensor

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
