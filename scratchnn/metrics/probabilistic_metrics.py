"""Metrics that report a probabilistic loss: the mean cross-entropy, KL divergence or Poisson
loss over every batch seen (keras/src/metrics/probabilistic_metrics.py).

Each is a `MeanMetricWrapper` over the loss function of the same name, so the values are
exactly the per-sample losses `keras.losses` computes; a tutorial's
`metrics=[keras.metrics.BinaryCrossentropy(from_logits=True)]` tracks its training loss.
"""

from __future__ import annotations

from typing import Any

from scratchnn.losses import functions as loss_functions
from scratchnn.metrics.reduction_metrics import _BuiltinMetricWrapper


class _LossMetric(_BuiltinMetricWrapper):
    _direction = "down"


class BinaryCrossentropy(_LossMetric):
    """Mean binary cross-entropy between labels (N, d) in [0, 1] and predictions (N, d).

    Args:
        name: defaults to "binary_crossentropy".
        dtype: result dtype, defaults to `floatx()`.
        from_logits: whether predictions are logits rather than probabilities.
        label_smoothing: in [0, 1]; targets become t * (1 - s) + 0.5 * s.

    Example:
        >>> m = BinaryCrossentropy()
        >>> m.update_state([[0, 1], [0, 0]], [[0.6, 0.4], [0.4, 0.6]])
    """

    def __init__(
        self,
        name: str = "binary_crossentropy",
        dtype: Any = None,
        from_logits: bool = False,
        label_smoothing: float = 0.0,
    ) -> None:
        super().__init__(
            loss_functions.binary_crossentropy,
            name=name,
            dtype=dtype,
            from_logits=from_logits,
            label_smoothing=label_smoothing,
        )


class CategoricalCrossentropy(_LossMetric):
    """Mean categorical cross-entropy between one-hot labels (N, K) and predictions (N, K).

    Args:
        name: defaults to "categorical_crossentropy".
        dtype: result dtype.
        from_logits: whether predictions are logits.
        label_smoothing: in [0, 1].
        axis: the class axis.
    """

    def __init__(
        self,
        name: str = "categorical_crossentropy",
        dtype: Any = None,
        from_logits: bool = False,
        label_smoothing: float = 0.0,
        axis: int = -1,
    ) -> None:
        super().__init__(
            loss_functions.categorical_crossentropy,
            name=name,
            dtype=dtype,
            from_logits=from_logits,
            label_smoothing=label_smoothing,
            axis=axis,
        )


class SparseCategoricalCrossentropy(_LossMetric):
    """Mean cross-entropy between integer labels (N,) and predictions (N, K).

    Args:
        name: defaults to "sparse_categorical_crossentropy".
        dtype: result dtype.
        from_logits: whether predictions are logits.
        axis: the class axis.
    """

    def __init__(
        self,
        name: str = "sparse_categorical_crossentropy",
        dtype: Any = None,
        from_logits: bool = False,
        axis: int = -1,
    ) -> None:
        super().__init__(
            loss_functions.sparse_categorical_crossentropy,
            name=name,
            dtype=dtype,
            from_logits=from_logits,
            axis=axis,
        )


class KLDivergence(_LossMetric):
    """Mean Kullback-Leibler divergence sum(t * log(t / p)) over the last axis."""

    def __init__(self, name: str = "kl_divergence", dtype: Any = None) -> None:
        super().__init__(loss_functions.kl_divergence, name=name, dtype=dtype)


class Poisson(_LossMetric):
    """Mean Poisson loss mean(p - t * log(p)) over the last axis."""

    def __init__(self, name: str = "poisson", dtype: Any = None) -> None:
        super().__init__(loss_functions.poisson, name=name, dtype=dtype)
