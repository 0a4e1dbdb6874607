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


def serialize(metric: Any) -> Any:
    """Returns a JSON-safe description of a metric instance or function.

    Args:
        metric: a `Metric`, a metric function, a string name, or None.

    Returns:
        For a metric, `{"module": "keras.metrics", "class_name", "config",
        "registered_name": None}`; for a function, Keras's
        `{"module": "builtins", "class_name": "function", "config": name,
        "registered_name": "function"}`; strings and None unchanged.

    Raises:
        TypeError: for anything else.
    """
    if metric is None or isinstance(metric, str):
        return metric
    if isinstance(metric, Metric):
        return {
            "module": "keras.metrics",
            "class_name": type(metric).__name__,
            "config": metric.get_config(),
            "registered_name": None,
        }
    if inspect.isfunction(metric) or inspect.isbuiltin(metric):
        return {
            "module": "builtins",
            "class_name": "function",
            "config": metric.__name__,
            "registered_name": "function",
        }
    raise TypeError(
        f"Cannot serialize this metric: expected a Metric or a function. Received: metric={metric!r}"
    )


def _unknown(identifier: Any) -> ValueError:
    return ValueError(
        f"Unknown metric. Expected one of {sorted(ALL_OBJECTS_DICT)} "
        f"(or a Metric instance or class, a function, or a config dict). Received: identifier={identifier!r}"
    )


def deserialize(config: Any, custom_objects: dict[str, Any] | None = None) -> Any:
    """Rebuilds a metric (or metric function) from `serialize`'s output or a name.

    Args:
        config: a dict with `class_name` and `config`, or a string name.
        custom_objects: optional `{name: class or function}` for user metrics.

    Returns:
        A `Metric` instance, or a function for a serialized function.

    Raises:
        ValueError: for an unknown name or a malformed config.
    """
    custom_objects = custom_objects or {}
    if isinstance(config, str):
        obj = custom_objects.get(config) or ALL_OBJECTS_DICT.get(config) or FUNCTIONS.get(config)
        if obj is None:
            raise _unknown(config)
        return obj() if inspect.isclass(obj) else obj
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(
            f"A metric config must be a dict with a 'class_name' key. Received: config={config!r}"
        )
    class_name, inner = config["class_name"], config.get("config", {})
    if class_name == "function":
        fn = custom_objects.get(inner) or FUNCTIONS.get(inner)
        if fn is None:
            raise ValueError(
                f"Unknown metric function. Expected one of {sorted(FUNCTIONS)}. Received: config={inner!r}"
            )
        return fn
    cls = custom_objects.get(class_name) or ALL_OBJECTS_DICT.get(class_name)
    if cls is None:
        raise _unknown(class_name)
    if not isinstance(inner, dict):
        raise ValueError(f"Expected 'config' to be a dict for {class_name}. Received: config={inner!r}")
    return cls.from_config(inner)


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
    if identifier is None:
        return None
    if isinstance(identifier, dict):
        obj = deserialize(identifier)
    elif isinstance(identifier, str):
        obj = ALL_OBJECTS_DICT.get(identifier)
        if obj is None:
            raise _unknown(identifier)
    else:
        obj = identifier
    if inspect.isclass(obj):
        return obj()
    if callable(obj):
        return obj
    raise ValueError(f"Could not interpret metric identifier. Received: identifier={identifier!r}")
