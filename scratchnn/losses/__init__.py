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
    kld,
    kullback_leibler_divergence,
    log_cosh,
    logcosh,
    mae,
    mape,
    mean_absolute_error,
    mean_absolute_percentage_error,
    mean_squared_error,
    mean_squared_logarithmic_error,
    mse,
    msle,
    poisson,
    sparse_categorical_crossentropy,
    squared_hinge,
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
from scratchnn.saving.object_family import ObjectFamily

_FUNCTIONS: dict[str, Callable[..., Tensor]] = {
    "sparse_categorical_crossentropy": sparse_categorical_crossentropy,
    "categorical_crossentropy": categorical_crossentropy,
    "binary_crossentropy": binary_crossentropy,
    "mean_squared_error": mean_squared_error,
    "mse": mse,
    "mean_absolute_error": mean_absolute_error,
    "mae": mae,
    "mean_absolute_percentage_error": mean_absolute_percentage_error,
    "mape": mape,
    "mean_squared_logarithmic_error": mean_squared_logarithmic_error,
    "msle": msle,
    "huber": huber,
    "huber_loss": huber,
    "log_cosh": log_cosh,
    "logcosh": logcosh,
    "hinge": hinge,
    "squared_hinge": squared_hinge,
    "categorical_hinge": categorical_hinge,
    "kl_divergence": kl_divergence,
    "kld": kld,
    "kullback_leibler_divergence": kullback_leibler_divergence,
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


# Every accepted name: function names and aliases, and class names (keras/src/losses/__init__.py).
ALL_OBJECTS_DICT: dict[str, Any] = {**_FUNCTIONS, **_CLASSES}
_FAMILY = ObjectFamily("loss", "keras.losses", ALL_OBJECTS_DICT, Loss, arg="loss")


def get(identifier: Any) -> Any:
    """Returns a loss function or Loss for a name, class name, config dict, class, callable or Loss.

    A function name ("mse") gives the function, a class name ("MeanSquaredError") an instance.

    Raises:
        ValueError: for an unknown name, listing the valid ones.
        TypeError: for an identifier that is none of these.
    """
    if identifier is not None and not isinstance(identifier, (str, dict, Loss)) and not callable(identifier):
        raise TypeError(
            f"Could not interpret loss: expected a string, a function or a Loss. Received: loss={identifier!r}"
        )
    return _FAMILY.get(identifier)


def serialize(loss: Any) -> Any:
    """Keras 3's config dict of a Loss or a loss function (built-in or custom); None for None."""
    return _FAMILY.serialize(loss)


def deserialize(config: Any, custom_objects: dict[str, Any] | None = None) -> Any:
    """The inverse of `serialize`; also takes a name ("mse", "MeanSquaredError")."""
    return _FAMILY.deserialize(config, custom_objects)
