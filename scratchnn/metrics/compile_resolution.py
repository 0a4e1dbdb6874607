"""How `model.compile(metrics=[...])` turns each entry into a named `Metric`.

Follows `get_metric` in keras/src/trainers/compile_utils.py (Keras 3): the
strings "accuracy" and "acc" (any case) pick an accuracy by the *shapes* of
the targets and predictions, never by the loss:

- binary when the predictions' last axis is 1: `BinaryAccuracy` (y_pred > 0.5);
- else sparse when y_true has a lower rank than y_pred, or its last axis is
  1 while y_pred's is larger: `SparseCategoricalAccuracy`;
- else `CategoricalAccuracy`. A multi-label sigmoid output with k-hot
  targets therefore gets categorical accuracy, as in Keras.

Everything else goes through `metrics.get`; a plain function is wrapped in a
`MeanMetricWrapper`. The metric's name (the key in the training logs) is the
string exactly as written ("acc" stays "acc", "mse" stays "mse"), or else the
instance's own name, or the snake-cased function name.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from scratchnn.metrics.accuracy_metrics import BinaryAccuracy, CategoricalAccuracy, SparseCategoricalAccuracy
from scratchnn.metrics.metric import Metric
from scratchnn.metrics.metrics_utils import to_snake_case
from scratchnn.metrics.reduction_metrics import MeanMetricWrapper
from scratchnn.metrics.registry import get

_ACCURACY_NAMES = ("accuracy", "acc")


def is_binary_or_sparse_categorical(
    y_true_shape: Sequence[int | None], y_pred_shape: Sequence[int | None]
) -> tuple[bool, bool]:
    """Returns `(is_binary, is_sparse_categorical)` for the given shapes (see the module docstring)."""
    true_last = y_true_shape[-1] if len(y_true_shape) else None
    pred_last = y_pred_shape[-1] if len(y_pred_shape) else None
    is_binary = pred_last == 1
    is_sparse = len(y_true_shape) < len(y_pred_shape) or (
        true_last == 1 and pred_last is not None and pred_last > 1
    )
    return is_binary, is_sparse


def _object_name(obj: Any) -> str:
    """The name Keras gives a metric passed as an object (`naming.get_object_name`)."""
    if hasattr(obj, "name"):
        return obj.name
    if hasattr(obj, "__name__"):
        return to_snake_case(obj.__name__)
    return to_snake_case(type(obj).__name__)


def resolve_compile_metric(
    identifier: Any, y_true_shape: Sequence[int | None], y_pred_shape: Sequence[int | None]
) -> Metric:
    """Builds the `Metric` that `compile` uses for one metrics entry.

    Args:
        identifier: a string ("accuracy", "acc", "mse", "auc", ...), a `Metric`
            instance or class, a function `fn(y_true, y_pred) -> (N,)`, or a config dict.
        y_true_shape: shape of one batch of targets, e.g. (32,) or (32, 10).
        y_pred_shape: shape of one batch of predictions, e.g. (32, 10).

    Returns:
        A `Metric` whose `name` is the log key: `identifier` itself for a string.

    Raises:
        ValueError: for None or an unknown name (listing the valid ones).

    Example:

    >>> resolve_compile_metric("acc", (32,), (32, 10))
    <SparseCategoricalAccuracy name=acc>
    """
    if identifier is None:
        raise ValueError("Expected a metric. Received: identifier=None")
    if isinstance(identifier, str) and identifier.lower() in _ACCURACY_NAMES:
        is_binary, is_sparse = is_binary_or_sparse_categorical(tuple(y_true_shape), tuple(y_pred_shape))
        if is_binary:
            return BinaryAccuracy(name=identifier)
        if is_sparse:
            return SparseCategoricalAccuracy(name=identifier)
        return CategoricalAccuracy(name=identifier)
    metric = get(identifier)
    name = identifier if isinstance(identifier, str) else _object_name(metric)
    if not isinstance(metric, Metric):
        return MeanMetricWrapper(metric, name=name)
    metric.name = name
    return metric
