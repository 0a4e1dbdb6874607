"""`get`, `serialize` and `deserialize`: metrics by name, class, function or config.

The names follow keras/src/metrics/__init__.py: every class by its class name
and its snake_case name ("AUC" and "auc", "MeanSquaredError" and
"mean_squared_error"), plus the aliases "mse", "mae", "mape", "msle" (and
upper-case forms). scratchnn also accepts "acc" for `Accuracy`, which Keras 3's
`metrics.get` rejects (its `compile` resolves "acc" by shapes instead, see
`compile_resolution`).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from scratchnn.metrics.accuracy_metrics import (
    Accuracy,
    BinaryAccuracy,
    CategoricalAccuracy,
    SparseCategoricalAccuracy,
    SparseTopKCategoricalAccuracy,
    TopKCategoricalAccuracy,
    binary_accuracy,
    categorical_accuracy,
    sparse_categorical_accuracy,
    sparse_top_k_categorical_accuracy,
    top_k_categorical_accuracy,
)
from scratchnn.metrics.auc import AUC
from scratchnn.metrics.confusion_metrics import (
    FalseNegatives,
    FalsePositives,
    Precision,
    Recall,
    TrueNegatives,
    TruePositives,
)
from scratchnn.metrics.metric import Metric
from scratchnn.metrics.metrics_utils import to_snake_case
from scratchnn.metrics.probabilistic_metrics import (
    BinaryCrossentropy,
    CategoricalCrossentropy,
    KLDivergence,
    Poisson,
    SparseCategoricalCrossentropy,
)
from scratchnn.metrics.reduction_metrics import Mean, MeanMetricWrapper, Sum
from scratchnn.metrics.regression_metrics import (
    MeanAbsoluteError,
    MeanAbsolutePercentageError,
    MeanSquaredError,
    MeanSquaredLogarithmicError,
    RootMeanSquaredError,
    mean_absolute_error,
    mean_absolute_percentage_error,
    mean_squared_error,
    mean_squared_logarithmic_error,
)
from scratchnn.saving.object_family import ObjectFamily
from scratchnn.saving.registry import register_builtins

ALL_OBJECTS: tuple[type[Metric], ...] = (
    Metric,
    Mean,
    Sum,
    MeanMetricWrapper,
    MeanSquaredError,
    RootMeanSquaredError,
    MeanAbsoluteError,
    MeanAbsolutePercentageError,
    MeanSquaredLogarithmicError,
    AUC,
    FalseNegatives,
    FalsePositives,
    Precision,
    Recall,
    TrueNegatives,
    TruePositives,
    Accuracy,
    BinaryAccuracy,
    CategoricalAccuracy,
    SparseCategoricalAccuracy,
    TopKCategoricalAccuracy,
    SparseTopKCategoricalAccuracy,
    BinaryCrossentropy,
    CategoricalCrossentropy,
    SparseCategoricalCrossentropy,
    KLDivergence,
    Poisson,
)

ALL_OBJECTS_DICT: dict[str, type[Metric]] = {cls.__name__: cls for cls in ALL_OBJECTS}
ALL_OBJECTS_DICT.update({to_snake_case(cls.__name__): cls for cls in ALL_OBJECTS})
ALL_OBJECTS_DICT.update(
    {
        "mse": MeanSquaredError,
        "MSE": MeanSquaredError,
        "mae": MeanAbsoluteError,
        "MAE": MeanAbsoluteError,
        "mape": MeanAbsolutePercentageError,
        "MAPE": MeanAbsolutePercentageError,
        "msle": MeanSquaredLogarithmicError,
        "MSLE": MeanSquaredLogarithmicError,
        "acc": Accuracy,
    }
)

# The functional forms, by name: only used to deserialize a serialized function.
FUNCTIONS: dict[str, Callable[..., Any]] = {
    fn.__name__: fn
    for fn in (
        binary_accuracy,
        categorical_accuracy,
        sparse_categorical_accuracy,
        top_k_categorical_accuracy,
        sparse_top_k_categorical_accuracy,
        mean_squared_error,
        mean_absolute_error,
        mean_absolute_percentage_error,
        mean_squared_logarithmic_error,
    )
}


_FAMILY = ObjectFamily("metric", "keras.metrics", ALL_OBJECTS_DICT, Metric)
# The functions are built-ins of keras.metrics too, so a saved metric function resolves.
register_builtins("keras.metrics", FUNCTIONS.values())


def serialize(metric: Any) -> Any:
    """Returns Keras 3's config of a metric instance or function; strings and None unchanged.

    Returns:
        For a built-in metric, `{"module": "keras.metrics", "class_name",
        "config", "registered_name": None}`; for a function, Keras's
        `{"module": "builtins", "class_name": "function", "config": name,
        "registered_name": "function"}`.

    Raises:
        TypeError: for anything else.
    """
    if metric is None or isinstance(metric, str):
        return metric
    if not isinstance(metric, Metric) and not inspect.isfunction(metric):
        raise TypeError(
            f"Cannot serialize this metric: expected a Metric or a function. Received: metric={metric!r}"
        )
    return _FAMILY.serialize(metric)


def deserialize(config: Any, custom_objects: dict[str, Any] | None = None) -> Any:
    """Rebuilds a metric (or metric function) from `serialize`'s output or a name.

    Args:
        config: a dict with `class_name` and `config`, or a string name.
        custom_objects: optional `{name: class or function}` for user metrics.

    Returns:
        A `Metric` instance, or a function for a serialized function.

    Raises:
        ValueError: for an unknown name (listing the valid ones) or a malformed config.
    """
    if isinstance(config, str) and config not in ALL_OBJECTS_DICT and config in FUNCTIONS:
        return FUNCTIONS[config]
    return _FAMILY.deserialize(config, custom_objects)


def get(identifier: Any) -> Any:
    """Retrieves a metric from a name, config dict, class, instance or function.

    Args:
        identifier: None; a string name ("accuracy", "mse", "auc",
            "Precision", ...); a config dict; a `Metric` class (instantiated
            with its defaults); a `Metric` instance or a function (returned as is).

    Returns:
        A `Metric` instance, a function, or None.

    Raises:
        ValueError: for an unknown name (the message lists the valid names) or
            an identifier that is neither callable nor a name or config.

    Example:

    >>> get("mse").name
    'mean_squared_error'
    """
    return _FAMILY.get(identifier)
