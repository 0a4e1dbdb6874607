"""AUC: area under the ROC or precision-recall curve, from thresholded counts."""

from __future__ import annotations

from typing import Any

from scratchnn import backend
from scratchnn.backend import xp
from scratchnn.metrics import confusion_utils
from scratchnn.metrics.metric import Metric
from scratchnn.metrics.metrics_utils import divide_no_nan, result_tensor, to_array
from scratchnn.ops.tensor import Tensor

_CURVES = ("ROC", "PR")
_SUMMATIONS = ("interpolation", "minoring", "majoring")


def _sigmoid(x: Any) -> Any:
    # exp of a non-positive argument only, so large |x| cannot overflow.
    e = xp.exp(-xp.abs(x))
    return xp.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e)).astype(x.dtype, copy=False)


class AUC(Metric):
    """Approximates the area under the ROC or PR curve with a Riemann sum.

    Labels and scores are counted at `num_thresholds` thresholds; the curve
    through the (x, y) points is then integrated:

    - ROC: x = fp / (fp + tn), y = tp / (tp + fn);
    - PR: x = recall, y = precision; with "interpolation" the counts, not the
      ratio, vary linearly between thresholds (Davis & Goadrich 2006), so each
      interval adds `slope * (dtp + intercept * log(p_a / p_b)) / (tp_b + fn_b)`
      with `p = tp + fp`, `slope = dtp / dp`, `intercept = tp_b - slope * p_b`.

    Thresholds are `[-eps, 1/(T-1), ..., (T-2)/(T-1), 1 + eps]`, so scores of
    exactly 0 and 1 fall inside.

    Args:
        num_thresholds: number of thresholds, > 1. Defaults to 200.
        curve: "ROC" (default) or "PR".
        summation_method: "interpolation" (trapezoid for ROC; the rule above
            for PR), "minoring" (lower rectangles) or "majoring" (upper).
        name: name of the metric instance. Defaults to "auc".
        dtype: dtype of the result. Defaults to `floatx()`.
        thresholds: explicit thresholds in [0, 1], used instead of
            `num_thresholds` (then `num_thresholds = len(thresholds) + 2`).
        multi_label: with (N, L) inputs, compute one AUC per column and
            average them, instead of flattening every column into one curve.
        num_labels: L, when known ahead (only with `multi_label`).
        label_weights: (L,) non-negative weights of each column: in the
            average with `multi_label`, in the counts otherwise.
        from_logits: whether `y_pred` holds logits (a sigmoid is applied).

    Inputs: `y_true` (N,), (N, 1) or (N, L) of 0/1; `y_pred` scores of the same
    shape; `sample_weight` (N,).

    Raises:
        ValueError: for `num_thresholds <= 1`, an unknown `curve` or
            `summation_method`, thresholds outside [0, 1], or `num_labels`
            without `multi_label`.

    Example:

    >>> m = AUC(num_thresholds=3)
    >>> m.update_state([0, 0, 1, 1], [0, 0.5, 0.3, 0.9])
    >>> float(m.result())
    0.75
    """

    _direction = "up"

    def __init__(
        self,
        num_thresholds: int = 200,
        curve: str = "ROC",
        summation_method: str = "interpolation",
        name: str | None = None,
        dtype: Any = None,
        thresholds: Any = None,
        multi_label: bool = False,
        num_labels: int | None = None,
        label_weights: Any = None,
        from_logits: bool = False,
    ) -> None:
        if str(curve).upper() not in _CURVES:
            raise ValueError(
                f"Invalid AUC curve value. Expected one of {list(_CURVES)}. Received: curve={curve!r}"
            )
        if str(summation_method).lower() not in _SUMMATIONS:
            raise ValueError(
                f"Invalid AUC summation method value. Expected one of {list(_SUMMATIONS)}. "
                f"Received: summation_method={summation_method!r}"
            )
        self._init_from_thresholds = thresholds is not None
        if thresholds is not None:
            inner = sorted(confusion_utils.parse_init_thresholds(thresholds))
            self.num_thresholds = len(inner) + 2
            evenly = confusion_utils.is_evenly_distributed_thresholds([0.0, *inner, 1.0])
        else:
            if not isinstance(num_thresholds, int) or num_thresholds <= 1:
                raise ValueError(
                    "Argument `num_thresholds` must be an integer > 1. "
                    f"Received: num_thresholds={num_thresholds!r}"
                )
            self.num_thresholds = num_thresholds
            inner = [(i + 1) / (num_thresholds - 1) for i in range(num_thresholds - 2)]
            evenly = True
        self._thresholds_distributed_evenly = evenly
        eps = backend.epsilon()
        self._thresholds = [0.0 - eps, *inner, 1.0 + eps]
        self.curve = str(curve).upper()
        self.summation_method = str(summation_method).lower()
        super().__init__(name=name, dtype=dtype)
        if num_labels and not multi_label:
            raise ValueError(
                f"`num_labels` is needed only when `multi_label` is True. Received: num_labels={num_labels!r}"
            )
        self.multi_label = bool(multi_label)
        self.num_labels = num_labels
        if isinstance(label_weights, dict):
            # Keras serializes an array as {"class_name": "__tensor__", "config": {"value": [...]}}.
            label_weights = label_weights.get("config", {}).get("value")
        self.label_weights = None if label_weights is None else to_array(label_weights, dtype="float64")
        self._from_logits = from_logits
        self._num_labels = num_labels if multi_label else None
        self.reset_state()

    @property
    def thresholds(self) -> list[float]:
        """The T thresholds, including the end points -eps and 1 + eps."""
        return list(self._thresholds)

    def reset_state(self) -> None:
        if self.multi_label and self._num_labels is None:
            self._counts = None  # shaped (T, L) at the first update
            return
        shape = (self.num_thresholds, self._num_labels) if self.multi_label else (self.num_thresholds,)
        self._counts = [xp.zeros(shape) for _ in range(4)]

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        """Accumulates tp, fp, tn, fn at every threshold for one batch.

        Raises:
            ValueError: with `multi_label`, if `y_pred` is not of rank 2.
        """
        y_pred = to_array(y_pred)
        if self.multi_label:
            if y_pred.ndim != 2:
                raise ValueError(
                    "`y_pred` must have rank 2 when `multi_label=True`. "
                    f"Received: y_pred.shape={tuple(y_pred.shape)}"
                )
            if self._counts is None:
                self._num_labels = y_pred.shape[1]
                self.reset_state()
        if self._from_logits:
            y_pred = _sigmoid(y_pred.astype(self._dtype, copy=False))
        counts = confusion_utils.confusion_counts(
            y_true,
            y_pred,
            self._thresholds,
            thresholds_distributed_evenly=self._thresholds_distributed_evenly,
            sample_weight=sample_weight,
            multi_label=self.multi_label,
            label_weights=None if self.multi_label else self.label_weights,
            dtype=self._dtype,
        )
        for state, batch in zip(self._counts, counts, strict=True):
            state += batch

    def _average(self, per_interval: Any) -> Any:
        if not self.multi_label:
            return per_interval.sum()
        by_label = per_interval.sum(axis=0)
        if self.label_weights is None:
            return by_label.mean()
        return divide_no_nan((by_label * self.label_weights).sum(), self.label_weights.sum())

    def _interpolate_pr_auc(self) -> Any:
        tp, fp, _, fn = self._counts
        p = tp + fp
        # Interval [b, a] between consecutive thresholds: a is the lower one.
        dtp = tp[:-1] - tp[1:]
        dp = p[:-1] - p[1:]
        slope = divide_no_nan(dtp, xp.maximum(dp, 0))
        intercept = tp[1:] - slope * p[1:]
        both_positive = (p[:-1] > 0) & (p[1:] > 0)
        # log(1) = 0 where an end of the interval has no positive predictions:
        # the precision is then taken as constant over the interval.
        ratio = xp.where(both_positive, divide_no_nan(p[:-1], xp.maximum(p[1:], 0)), 1.0)
        area = divide_no_nan(slope * (dtp + intercept * xp.log(ratio)), xp.maximum(tp[1:] + fn[1:], 0))
        return self._average(area)

    def result(self) -> Tensor:
        """The area, a scalar in [0, 1]; 0 before any update."""
        if self._counts is None:
            return result_tensor(0.0, self._dtype)
        if self.curve == "PR" and self.summation_method == "interpolation":
            return result_tensor(self._interpolate_pr_auc(), self._dtype)
        tp, fp, tn, fn = self._counts
        recall = divide_no_nan(tp, tp + fn)
        if self.curve == "ROC":
            x, y = divide_no_nan(fp, fp + tn), recall
        else:
            x, y = recall, divide_no_nan(tp, tp + fp)
        if self.summation_method == "interpolation":
            heights = (y[:-1] + y[1:]) / 2.0
        elif self.summation_method == "minoring":
            heights = xp.minimum(y[:-1], y[1:])
        else:
            heights = xp.maximum(y[:-1], y[1:])
        return result_tensor(self._average((x[:-1] - x[1:]) * heights), self._dtype)

    def get_config(self) -> dict[str, Any]:
        config = {
            **super().get_config(),
            "num_thresholds": self.num_thresholds,
            "curve": self.curve,
            "summation_method": self.summation_method,
            "multi_label": self.multi_label,
            "num_labels": self.num_labels,
            "label_weights": None if self.label_weights is None else self.label_weights.tolist(),
            "from_logits": self._from_logits,
        }
        if self._init_from_thresholds:
            # Without the end points, so that from_config rebuilds the same thresholds.
            config["thresholds"] = self.thresholds[1:-1]
        return config
