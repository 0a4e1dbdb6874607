"""Confusion-matrix metrics: TruePositives & co., Precision and Recall.

State is one float64 count array per quantity, of shape (T,) for T thresholds;
see `confusion_utils` for how a batch is counted.
"""

from __future__ import annotations

from typing import Any

from scratchnn.backend import xp
from scratchnn.metrics import confusion_utils
from scratchnn.metrics.metric import Metric
from scratchnn.metrics.metrics_utils import divide_no_nan, result_tensor
from scratchnn.ops.tensor import Tensor


class _ThresholdedCounts(Metric):
    """Base: parses thresholds and accumulates (tp, fp, tn, fn) at each."""

    def __init__(
        self,
        thresholds: Any = None,
        top_k: int | None = None,
        class_id: int | None = None,
        name: str | None = None,
        dtype: Any = None,
    ) -> None:
        super().__init__(name=name, dtype=dtype)
        if top_k is not None and (not isinstance(top_k, int) or top_k < 1):
            raise ValueError(
                f"Argument `top_k` must be a positive integer or None. Received: top_k={top_k!r}"
            )
        self.init_thresholds = thresholds
        self.top_k = top_k
        self.class_id = class_id
        # With top_k, every kept score counts as positive unless thresholds say otherwise.
        default = 0.5 if top_k is None else confusion_utils.NEG_INF
        self.thresholds = confusion_utils.parse_init_thresholds(thresholds, default_threshold=default)
        self._thresholds_distributed_evenly = confusion_utils.is_evenly_distributed_thresholds(
            self.thresholds
        )
        self.reset_state()

    def reset_state(self) -> None:
        n = len(self.thresholds)
        self._tp, self._fp, self._tn, self._fn = (xp.zeros(n) for _ in range(4))

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        """Accumulates the counts of one batch.

        Args:
            y_true: labels (non-zero is positive), shape (N,), (N, 1) or (N, K).
            y_pred: scores in [0, 1], same shape as `y_true`.
            sample_weight: optional, shape (N,), (N, 1) or that of `y_pred`.
        """
        tp, fp, tn, fn = confusion_utils.confusion_counts(
            y_true,
            y_pred,
            self.thresholds,
            thresholds_distributed_evenly=self._thresholds_distributed_evenly,
            top_k=self.top_k,
            class_id=self.class_id,
            sample_weight=sample_weight,
            dtype=self._dtype,
        )
        self._tp += tp
        self._fp += fp
        self._tn += tn
        self._fn += fn

    def _scalar_or_vector(self, value: Any) -> Tensor:
        return result_tensor(value[0] if len(self.thresholds) == 1 else value, self._dtype)


class _ConfusionMatrixConditionCount(_ThresholdedCounts):
    _state = "_tp"

    def __init__(self, thresholds: Any = None, name: str | None = None, dtype: Any = None) -> None:
        super().__init__(thresholds=thresholds, name=name, dtype=dtype)

    def result(self) -> Tensor:
        """The weighted count: a scalar for one threshold, else shape (T,)."""
        return self._scalar_or_vector(getattr(self, self._state))

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "thresholds": self.init_thresholds}


_COUNT_DOC = """Counts the (weighted) {what}.

    A score is a positive prediction at threshold t when `y_pred > t`; a label
    is positive when non-zero. With several thresholds the result has one
    count per threshold.

    Args:
        thresholds: a float in [0, 1] or a list of them. Defaults to 0.5.
        name: name of the metric instance. Defaults to "{name}".
        dtype: dtype of the result. Defaults to `floatx()`.

    Inputs: `y_true`, `y_pred` of the same shape (N,) or (N, K); `sample_weight` (N,).

    Raises:
        ValueError: if a threshold is outside [0, 1].
    """


class TruePositives(_ConfusionMatrixConditionCount):
    __doc__ = _COUNT_DOC.format(
        what="true positives: positive labels with positive predictions", name="true_positives"
    )
    _state = "_tp"


class FalsePositives(_ConfusionMatrixConditionCount):
    __doc__ = _COUNT_DOC.format(
        what="false positives: negative labels with positive predictions", name="false_positives"
    )
    _state = "_fp"


class TrueNegatives(_ConfusionMatrixConditionCount):
    __doc__ = _COUNT_DOC.format(
        what="true negatives: negative labels with negative predictions", name="true_negatives"
    )
    _state = "_tn"


class FalseNegatives(_ConfusionMatrixConditionCount):
    __doc__ = _COUNT_DOC.format(
        what="false negatives: positive labels with negative predictions", name="false_negatives"
    )
    _state = "_fn"


_PRECISION_RECALL_DOC = """{summary}

    Args:
        thresholds: a float in [0, 1] or a list of them; a score is positive
            when `y_pred > threshold`. Defaults to 0.5, or to "every kept
            score" when `top_k` is set.
        top_k: count only the `k` highest scores of each sample as positive.
        class_id: compute the metric for this column of (N, K) inputs only.
        name: name of the metric instance. Defaults to "{name}".
        dtype: dtype of the result. Defaults to `floatx()`.

    Inputs: `y_true`, `y_pred` of shape (N,), (N, 1) or (N, K); `sample_weight` (N,).
    The result is 0 while `{denominator} == 0`, and has shape (T,) for T thresholds.

    Raises:
        ValueError: if a threshold is outside [0, 1] or `top_k` is not a positive integer.

    Example:

    >>> m = {cls}()
    >>> m.update_state([0, 1, 1, 1], [1, 0, 1, 1])
    >>> round(float(m.result()), 4)
    0.6667
    """


class _PrecisionRecallBase(_ThresholdedCounts):
    _direction = "up"

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "thresholds": self.init_thresholds,
            "top_k": self.top_k,
            "class_id": self.class_id,
        }


class Precision(_PrecisionRecallBase):
    __doc__ = _PRECISION_RECALL_DOC.format(
        summary="Precision `tp / (tp + fp)`: the fraction of positive predictions that are right.",
        name="precision",
        denominator="tp + fp",
        cls="Precision",
    )

    def result(self) -> Tensor:
        return self._scalar_or_vector(divide_no_nan(self._tp, self._tp + self._fp))


class Recall(_PrecisionRecallBase):
    __doc__ = _PRECISION_RECALL_DOC.format(
        summary="Recall `tp / (tp + fn)`: the fraction of positive labels that are predicted positive.",
        name="recall",
        denominator="tp + fn",
        cls="Recall",
    )

    def result(self) -> Tensor:
        return self._scalar_or_vector(divide_no_nan(self._tp, self._tp + self._fn))
