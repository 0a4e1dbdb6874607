"""Reduction metrics: `Sum`, `Mean`, and `MeanMetricWrapper` (the mean of a per-sample function)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from scratchnn.backend import xp
from scratchnn.metrics.metric import Metric
from scratchnn.metrics.metrics_utils import (
    result_tensor,
    squeeze_or_expand_to_same_rank,
    to_array,
    to_float_array,
)
from scratchnn.ops.tensor import Tensor


def reduce_to_samplewise_values(
    values: Any, sample_weight: Any, reduce_fn: Callable[..., Any]
) -> tuple[Any, Any]:
    """Weights `values` and reduces them to one value per sample, as Keras's Mean/Sum do.

    Follows `reduce_to_samplewise_values` in keras/src/metrics/reduction_metrics.py:
    axes of `values` beyond the weight's rank are reduced first, the weight is
    broadcast to the values and multiplied in, then everything past axis 0 is
    reduced. A scalar weight therefore reduces `values` to a scalar.

    Args:
        values: float array, shape (N, ...) or ().
        sample_weight: None, or an array broadcastable to `values` after
            squeezing/expanding a trailing axis of size 1.
        reduce_fn: `xp.mean` (Mean) or `xp.sum` (Sum).

    Returns:
        `(values, sample_weight)`: values of shape (N,) (or () for a scalar
        weight or scalar values) and the weight reduced the same way (or None).
    """
    if sample_weight is not None:
        sample_weight = to_float_array(sample_weight)
        values, sample_weight = squeeze_or_expand_to_same_rank(values, sample_weight)
        weight_ndim = sample_weight.ndim
        if values.ndim > weight_ndim:
            values = reduce_fn(values, axis=tuple(range(weight_ndim, values.ndim)))
        # Broadcasting here also decides how much weight each sample counts for below.
        sample_weight = xp.broadcast_to(sample_weight, values.shape)
        values = values * sample_weight
        if weight_ndim > 1:
            sample_weight = reduce_fn(sample_weight, axis=tuple(range(1, weight_ndim)))
    if values.ndim > 1:
        values = reduce_fn(values, axis=tuple(range(1, values.ndim)))
    return values, sample_weight


class Sum(Metric):
    """Computes the (weighted) sum of the given values.

    `result = sum(values * sample_weight)`. Values of shape (N, ...) are summed
    over every axis.

    Args:
        name: name of the metric instance. Defaults to "sum".
        dtype: dtype of the result. Defaults to `floatx()`.

    Example:

    >>> m = Sum()
    >>> m.update_state([1, 3, 5, 7], sample_weight=[1, 1, 0, 0])
    >>> float(m.result())
    4.0
    """

    def __init__(self, name: str = "sum", dtype: Any = None) -> None:
        super().__init__(name=name, dtype=dtype)
        self._total = 0.0

    def update_state(self, values: Any, sample_weight: Any = None) -> None:
        """Adds `sum(values * sample_weight)`; values of any shape, weight broadcastable."""
        values = to_float_array(values).astype(self._dtype, copy=False)
        values, _ = reduce_to_samplewise_values(values, sample_weight, xp.sum)
        self._total += float(values.sum())

    def reset_state(self) -> None:
        self._total = 0.0

    def result(self) -> Tensor:
        return result_tensor(self._total, self._dtype)


class Mean(Metric):
    """Computes the (weighted) mean of the given values.

    `result = sum(w_i * v_i) / sum(w_i)` over samples, where values of shape
    (N, d1, ...) are first averaged to one value per sample. Returns 0 before
    any update.

    Args:
        name: name of the metric instance. Defaults to "mean".
        dtype: dtype of the result. Defaults to `floatx()`.

    Example:

    >>> m = Mean()
    >>> m.update_state([1, 3, 5, 7], sample_weight=[1, 1, 0, 0])
    >>> float(m.result())
    2.0
    """

    def __init__(self, name: str = "mean", dtype: Any = None) -> None:
        super().__init__(name=name, dtype=dtype)
        self._total = 0.0
        self._count = 0.0

    def update_state(self, values: Any, sample_weight: Any = None) -> None:
        """Accumulates the values of one batch.

        Args:
            values: array of shape (N, ...) or a scalar.
            sample_weight: optional, shape (N,), (N, 1), a scalar, or any shape
                broadcastable to `values`.
        """
        self._accumulate(to_float_array(values).astype(self._dtype, copy=False), sample_weight)

    def _accumulate(self, values: Any, sample_weight: Any) -> None:
        """Adds one batch of values: float or boolean (matches), shape (N, ...) or ()."""
        if sample_weight is None:
            # Hot path (the trainer's case): the per-sample means sum to
            # sum(values) / (values.size / N), so no per-axis reduction is needed.
            if values.ndim == 0:
                self._total += float(values)
                self._count += 1
                return
            n = values.shape[0]
            if n:
                total = int(xp.count_nonzero(values)) if values.dtype == bool else float(values.sum())
                self._total += total if values.ndim == 1 else total * n / values.size
                self._count += n
            return
        if values.ndim == 0 and isinstance(sample_weight, (int, float)):
            # The trainer's loss tracker: one batch mean weighted by the batch size.
            self._total += float(values) * sample_weight
            self._count += sample_weight
            return
        if values.dtype == bool:
            values = values.astype(self._dtype)
        values, sample_weight = reduce_to_samplewise_values(values, sample_weight, xp.mean)
        self._total += float(values.sum())
        self._count += float(sample_weight.sum())

    def reset_state(self) -> None:
        self._total = 0.0
        self._count = 0.0

    def result(self) -> Tensor:
        return result_tensor(self._total / self._count if self._count else 0.0, self._dtype)


def _is_loss(fn: Any) -> bool:
    """True for functions and instances from a losses module (their metrics go "down")."""
    module = getattr(fn, "__module__", None) or type(fn).__module__
    return module.startswith(("scratchnn.losses", "keras.losses", "keras.src.losses"))


class MeanMetricWrapper(Mean):
    """Wraps a stateless function `fn(y_true, y_pred, **kwargs)` with `Mean`.

    `fn` returns one value per sample (shape (N,) or (N, ...)); the metric
    reports their (weighted) mean over every batch seen. `fn` receives Tensors,
    so functions written with `keras.ops` work unchanged.

    Args:
        fn: the metric function, e.g. `lambda y_true, y_pred: (y_true - y_pred) ** 2`.
        name: name of the metric instance. Defaults to an automatic name;
            `model.compile` names it after the function.
        dtype: dtype of the result. Defaults to `floatx()`.
        **kwargs: keyword arguments passed on to `fn`.

    Raises:
        TypeError: if `fn` is not callable.

    Example:

    >>> m = MeanMetricWrapper(fn=lambda t, p: (t - p) ** 2)
    >>> m.update_state([[0.0], [1.0]], [[1.0], [1.0]])
    >>> float(m.result())
    0.5
    """

    # Built-in subclasses wrap private functions that take and return backend
    # arrays, which skips the Tensor round trip on the per-batch hot path.
    _fn_takes_arrays = False

    def __init__(
        self, fn: Callable[..., Any], name: str | None = None, dtype: Any = None, **kwargs: Any
    ) -> None:
        if not callable(fn):
            raise TypeError(f"Argument `fn` must be callable. Received: fn={fn!r}")
        super().__init__(name=name, dtype=dtype)
        self._fn = fn
        self._fn_kwargs = kwargs
        if _is_loss(fn):
            self._direction = "down"

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        """Accumulates `fn(y_true, y_pred)` for one batch.

        Args:
            y_true: labels, array-like of shape (N, ...).
            y_pred: predictions, array-like of shape (N, ...).
            sample_weight: optional per-sample weights, shape (N,) or (N, 1).
        """
        if self._fn_takes_arrays:
            # Float values, or booleans from the accuracy functions (counted without a cast).
            values = self._fn(to_array(y_true), to_array(y_pred), **self._fn_kwargs)
        else:
            out = self._fn(Tensor(to_array(y_true)), Tensor(to_array(y_pred)), **self._fn_kwargs)
            values = to_float_array(out).astype(self._dtype, copy=False)
        self._accumulate(values, sample_weight)

    def get_config(self) -> dict[str, Any]:
        # metrics/registry.py lists every metric class, this one included: the cycle
        # metrics/reduction_metrics.py <-> metrics/registry.py, closed here at call time.
        from scratchnn.metrics.registry import serialize

        return {**super().get_config(), "fn": serialize(self._fn), **self._fn_kwargs}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Metric:
        # The same cycle as get_config: metrics/reduction_metrics.py <-> metrics/registry.py.
        from scratchnn.metrics.registry import deserialize

        config = dict(config)
        if "fn" in config:
            config["fn"] = deserialize(config["fn"])
        return cls(**config)


class _BuiltinMetricWrapper(MeanMetricWrapper):
    """Base of the built-in metric classes over a fixed function (Accuracy, MeanSquaredError, ...).

    Their config is their constructor's arguments: name, dtype and the function's keyword
    arguments (threshold, k, from_logits, ...), never `fn`, which the class fixes.
    """

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name, "dtype": self.dtype, **self._fn_kwargs}
