"""Regression metrics: MSE, MAE, RMSE, MAPE and MSLE, streamed over batches.

The per-sample functions average over the last axis, as the Keras losses of
the same names do (keras/src/losses/losses.py); the classes average those
per-sample values over every sample seen.
"""

from __future__ import annotations

import math
from typing import Any

from scratchnn import backend
from scratchnn.backend import xp
from scratchnn.metrics.metrics_utils import (
    result_tensor,
    squeeze_or_expand_to_same_rank,
    to_array,
    to_float_array,
)
from scratchnn.metrics.reduction_metrics import Mean, _BuiltinMetricWrapper
from scratchnn.ops.tensor import Tensor


def _aligned(y_true: Any, y_pred: Any) -> tuple[Any, Any]:
    # Labels take the predictions' float dtype, then ranks are aligned (N,) <-> (N, 1).
    y_pred = to_float_array(y_pred)
    y_true = y_true.astype(y_pred.dtype, copy=False)
    return squeeze_or_expand_to_same_rank(y_true, y_pred)


def _last_axis_mean(x: Any) -> Any:
    # sum / d through array methods: cheaper per call than xp.mean's dispatch.
    return x.sum(axis=-1) / x.shape[-1]


def _mean_squared_error(y_true: Any, y_pred: Any) -> Any:
    y_true, y_pred = _aligned(y_true, y_pred)
    diff = y_true - y_pred
    return _last_axis_mean(diff * diff)


def _mean_absolute_error(y_true: Any, y_pred: Any) -> Any:
    y_true, y_pred = _aligned(y_true, y_pred)
    return _last_axis_mean(xp.abs(y_true - y_pred))


def _mean_absolute_percentage_error(y_true: Any, y_pred: Any) -> Any:
    y_true, y_pred = _aligned(y_true, y_pred)
    # epsilon keeps the ratio finite for zero labels.
    eps = xp.asarray(backend.epsilon(), dtype=y_pred.dtype)
    ratio = xp.abs((y_true - y_pred) / xp.maximum(xp.abs(y_true), eps))
    return 100.0 * _last_axis_mean(ratio)


def _mean_squared_logarithmic_error(y_true: Any, y_pred: Any) -> Any:
    y_true, y_pred = _aligned(y_true, y_pred)
    # Clipping at epsilon keeps log(x + 1) defined for negative inputs.
    eps = xp.asarray(backend.epsilon(), dtype=y_pred.dtype)
    diff = xp.log(xp.maximum(y_pred, eps) + 1.0) - xp.log(xp.maximum(y_true, eps) + 1.0)
    return _last_axis_mean(diff * diff)


def mean_squared_error(y_true: Any, y_pred: Any) -> Tensor:
    """Per-sample `mean(square(y_true - y_pred), axis=-1)`.

    Args:
        y_true: targets, shape (N, d).
        y_pred: predictions, shape (N, d).

    Returns:
        Tensor of shape (N,).
    """
    return Tensor(_mean_squared_error(to_array(y_true), to_array(y_pred)))


def mean_absolute_error(y_true: Any, y_pred: Any) -> Tensor:
    """Per-sample `mean(abs(y_true - y_pred), axis=-1)`; shapes (N, d) -> (N,)."""
    return Tensor(_mean_absolute_error(to_array(y_true), to_array(y_pred)))


def mean_absolute_percentage_error(y_true: Any, y_pred: Any) -> Tensor:
    """Per-sample `100 * mean(abs((y_true - y_pred) / max(abs(y_true), epsilon)), axis=-1)`.

    Shapes (N, d) -> (N,).
    """
    return Tensor(_mean_absolute_percentage_error(to_array(y_true), to_array(y_pred)))


def mean_squared_logarithmic_error(y_true: Any, y_pred: Any) -> Tensor:
    """Per-sample `mean(square(log(max(y_pred, eps) + 1) - log(max(y_true, eps) + 1)), axis=-1)`.

    Shapes (N, d) -> (N,).
    """
    return Tensor(_mean_squared_logarithmic_error(to_array(y_true), to_array(y_pred)))


class _RegressionWrapper(_BuiltinMetricWrapper):
    _fn_takes_arrays = True
    _direction = "down"


class MeanSquaredError(_RegressionWrapper):
    """Mean of `square(y_true - y_pred)` over all samples and features.

    Args:
        name: name of the metric instance. Defaults to "mean_squared_error".
        dtype: dtype of the result. Defaults to `floatx()`.

    Inputs: `y_true`, `y_pred` of shape (N, d); `sample_weight` (N,).

    Example:

    >>> m = MeanSquaredError()
    >>> m.update_state([[0, 1], [0, 0]], [[1, 1], [0, 0]])
    >>> float(m.result())
    0.25
    """

    def __init__(self, name: str = "mean_squared_error", dtype: Any = None) -> None:
        super().__init__(fn=_mean_squared_error, name=name, dtype=dtype)


class MeanAbsoluteError(_RegressionWrapper):
    """Mean of `abs(y_true - y_pred)` over all samples and features.

    Args:
        name: name of the metric instance. Defaults to "mean_absolute_error".
        dtype: dtype of the result. Defaults to `floatx()`.

    Example:

    >>> m = MeanAbsoluteError()
    >>> m.update_state([[0, 1], [0, 0]], [[1, 1], [0, 0]])
    >>> float(m.result())
    0.25
    """

    def __init__(self, name: str = "mean_absolute_error", dtype: Any = None) -> None:
        super().__init__(fn=_mean_absolute_error, name=name, dtype=dtype)


class MeanAbsolutePercentageError(_RegressionWrapper):
    """Mean of `100 * abs((y_true - y_pred) / max(abs(y_true), epsilon))`.

    Args:
        name: name of the metric instance. Defaults to "mean_absolute_percentage_error".
        dtype: dtype of the result. Defaults to `floatx()`.

    Example:

    >>> m = MeanAbsolutePercentageError()
    >>> m.update_state([[1, 2]], [[2, 2]])
    >>> float(m.result())
    50.0
    """

    def __init__(self, name: str = "mean_absolute_percentage_error", dtype: Any = None) -> None:
        super().__init__(fn=_mean_absolute_percentage_error, name=name, dtype=dtype)


class MeanSquaredLogarithmicError(_RegressionWrapper):
    """Mean of `square(log(max(y_pred, eps) + 1) - log(max(y_true, eps) + 1))`.

    Args:
        name: name of the metric instance. Defaults to "mean_squared_logarithmic_error".
        dtype: dtype of the result. Defaults to `floatx()`.

    Example:

    >>> m = MeanSquaredLogarithmicError()
    >>> m.update_state([[0.0, 0.0]], [[1.0, 0.0]])
    >>> round(float(m.result()), 4)  # log(2) ** 2 / 2
    0.2402
    """

    def __init__(self, name: str = "mean_squared_logarithmic_error", dtype: Any = None) -> None:
        super().__init__(fn=_mean_squared_logarithmic_error, name=name, dtype=dtype)


class RootMeanSquaredError(Mean):
    """`sqrt` of the (weighted) mean of `square(y_true - y_pred)`.

    The square root is taken once, of the running mean, not per batch.

    Args:
        name: name of the metric instance. Defaults to "root_mean_squared_error".
        dtype: dtype of the result. Defaults to `floatx()`.

    Inputs: `y_true`, `y_pred` of shape (N, d); `sample_weight` (N,) or (N, d).

    Example:

    >>> m = RootMeanSquaredError()
    >>> m.update_state([[0, 1], [0, 0]], [[1, 1], [0, 0]])
    >>> float(m.result())
    0.5
    """

    _direction = "down"

    def __init__(self, name: str = "root_mean_squared_error", dtype: Any = None) -> None:
        super().__init__(name=name, dtype=dtype)

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        """Accumulates the squared errors of one batch (shapes (N, d))."""
        y_true = to_array(y_true, dtype=self._dtype)
        y_pred = to_array(y_pred, dtype=self._dtype)
        y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
        self._accumulate(xp.square(y_pred - y_true), sample_weight)

    def result(self) -> Tensor:
        mean = self._total / self._count if self._count else 0.0
        return result_tensor(math.sqrt(mean), self._dtype)
