"""Weighted confusion-matrix counts at a list of thresholds.

Shared by TruePositives & co., Precision, Recall and AUC. The rules follow
`update_confusion_matrix_variables` in keras/src/metrics/metrics_utils.py:

- a prediction is positive at threshold t when `y_pred > t`;
- labels count as positive when non-zero;
- evenly spaced thresholds (0, 1/(T-1), ..., 1) use a bucketing pass, O(N + T)
  instead of O(N * T), whose rounding Keras's results depend on, so it is
  reproduced exactly (float32 bucket index `ceil(p * (T - 1)) - 1`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from scratchnn import backend
from scratchnn.backend import xp
from scratchnn.metrics.metrics_utils import squeeze_or_expand_to_same_rank, to_array

# Threshold used with `top_k`: every kept score is above it, every dropped one equals it.
NEG_INF = -1e10


def parse_init_thresholds(thresholds: Any, default_threshold: float = 0.5) -> list[float]:
    """Returns the thresholds as a list, `[default_threshold]` when None.

    Raises:
        ValueError: if a threshold is None or outside [0, 1].
    """
    if thresholds is None:
        return [default_threshold]
    values = list(thresholds) if isinstance(thresholds, (list, tuple)) else [thresholds]
    if hasattr(thresholds, "tolist"):
        values = list(xp.ravel(to_array(thresholds)).tolist())
    invalid = [t for t in values if t is None or not 0 <= t <= 1]
    if invalid:
        raise ValueError(f"Threshold values must be in [0, 1]. Received: thresholds={thresholds!r}")
    return [float(t) for t in values]


def is_evenly_distributed_thresholds(thresholds: Sequence[float]) -> bool:
    """True when there are at least 3 thresholds equal to `linspace(0, 1, T)` up to epsilon."""
    n = len(thresholds)
    if n < 3:
        return False
    even = xp.arange(n, dtype="float32") / (n - 1)
    return bool(xp.allclose(xp.asarray(thresholds, dtype="float64"), even, atol=backend.epsilon()))


def filter_top_k(x: Any, k: int) -> Any:
    """Keeps the `k` largest scores on the last axis and sets the others to `NEG_INF`.

    Ties keep the lower index first, as `jax.lax.top_k` does.
    """
    order = xp.argsort(-x, axis=-1, kind="stable")[..., :k]
    keep = xp.zeros(x.shape, dtype=bool)
    xp.put_along_axis(keep, order, True, axis=-1)
    return xp.where(keep, x, xp.asarray(NEG_INF, dtype=x.dtype))


def confusion_counts(
    y_true: Any,
    y_pred: Any,
    thresholds: Sequence[float],
    thresholds_distributed_evenly: bool = False,
    top_k: int | None = None,
    class_id: int | None = None,
    sample_weight: Any = None,
    multi_label: bool = False,
    label_weights: Any = None,
    dtype: str = "float32",
) -> tuple[Any, Any, Any, Any]:
    """Weighted true/false positive/negative counts of one batch.

    Args:
        y_true: labels, same shape as `y_pred` (or with a trailing axis of 1 less or more).
        y_pred: scores in [0, 1], shape (N,) or (N, L).
        thresholds: T thresholds.
        thresholds_distributed_evenly: use the bucketing pass (see the module docstring).
        top_k: keep only the `k` highest scores of each sample as positives.
        class_id: restrict labels and predictions to this column of (N, K).
        sample_weight: optional, broadcastable to `y_pred` once a trailing axis is added.
        multi_label: count each column of (N, L) separately.
        label_weights: optional (L,) weights per column (only without `multi_label`).
        dtype: the dtype the inputs are cast to before comparing (the metric's dtype).

    Returns:
        `(tp, fp, tn, fn)`, float64 arrays of shape (T,), or (T, L) with `multi_label`.

    Raises:
        ValueError: if `class_id` is given with 1-D predictions.
    """
    y_true = to_array(y_true).astype(dtype, copy=False)
    y_pred = to_array(y_pred).astype(dtype, copy=False)
    y_pred, y_true = squeeze_or_expand_to_same_rank(y_pred, y_true)
    if sample_weight is not None:
        # A trailing axis lets (N,) weights broadcast against (N, K) scores.
        sample_weight = to_array(sample_weight).astype(dtype, copy=False)[..., None]
        _, sample_weight = squeeze_or_expand_to_same_rank(y_true, sample_weight, expand_rank_1=False)
    if top_k is not None:
        y_pred = filter_top_k(y_pred, top_k)
    if class_id is not None:
        if y_pred.ndim == 1:
            raise ValueError(
                "When class_id is provided, y_pred must be a 2D array with shape "
                f"(num_samples, num_classes). Received: y_pred.shape={y_pred.shape}"
            )
        y_true = y_true[..., class_id, None]
        y_pred = y_pred[..., class_id, None]

    weights = None
    if sample_weight is not None:
        weights = xp.broadcast_to(sample_weight, y_pred.shape)
    if label_weights is not None:
        lw = xp.broadcast_to(to_array(label_weights).astype(dtype, copy=False), y_pred.shape)
        weights = lw if weights is None else weights * lw
    is_true = y_true != 0
    if not multi_label:
        # (N, ...) -> (M,): every score is one binary decision.
        is_true, y_pred = is_true.reshape(-1), y_pred.reshape(-1)
        weights = None if weights is None else weights.reshape(-1)
    true_w = is_true.astype("float64") if weights is None else xp.where(is_true, weights, 0.0)
    false_w = (~is_true).astype("float64") if weights is None else xp.where(is_true, 0.0, weights)

    if thresholds_distributed_evenly:
        tp, fp = _bucketed_counts(y_pred, true_w, false_w, thresholds)
    else:
        thr = xp.asarray(thresholds, dtype=dtype)
        if multi_label:
            # (T, 1, 1) vs (N, L) -> (T, N, L); sum over samples -> (T, L).
            pos = y_pred[None] > thr[:, None, None]
            tp = (pos * true_w[None]).sum(axis=1)
            fp = (pos * false_w[None]).sum(axis=1)
        else:
            # (T, M) decisions @ (M,) weights -> (T,).
            pos = (y_pred[None, :] > thr[:, None]).astype("float64")
            tp, fp = pos @ true_w, pos @ false_w
    fn = true_w.sum(axis=0) - tp
    tn = false_w.sum(axis=0) - fp
    return tp, fp, tn, fn


def _bucketed_counts(y_pred: Any, true_w: Any, false_w: Any, thresholds: Sequence[float]) -> tuple[Any, Any]:
    """tp and fp at T evenly spaced thresholds from one pass over the scores.

    A score p lands in bucket `ceil(p * (T - 1)) - 1`, the index of the last
    threshold it exceeds; the count at threshold i is the sum of the buckets
    >= i, a reversed cumulative sum. When the end thresholds carry an epsilon
    (AUC's -eps and 1 + eps), p = 0 still exceeds the first one, so bucket -1
    becomes 0; otherwise such scores exceed none and are dropped.
    """
    n = len(thresholds)
    with_epsilon = thresholds[0] < 0.0 or thresholds[-1] > 1.0
    p = xp.clip(y_pred, 0.0, 1.0)
    bucket = xp.ceil(p * xp.asarray(n - 1, dtype=p.dtype)) - 1
    if with_epsilon:
        bucket = xp.maximum(bucket, 0)
    bucket = bucket.astype("int64")
    keep = bucket >= 0
    if p.ndim == 2:
        # Multi-label (N, L): bucket b of label l goes to slot b * L + l of a (T, L) table.
        num_labels = p.shape[1]
        slot = (bucket * num_labels + xp.arange(num_labels))[keep]
        size, shape = n * num_labels, (n, num_labels)
    else:
        slot, size, shape = bucket[keep], n, (n,)
    tp_b = xp.bincount(slot, weights=true_w[keep], minlength=size).reshape(shape)
    fp_b = xp.bincount(slot, weights=false_w[keep], minlength=size).reshape(shape)
    tp = xp.cumsum(tp_b[::-1], axis=0)[::-1]
    fp = xp.cumsum(fp_b[::-1], axis=0)[::-1]
    return tp, fp
