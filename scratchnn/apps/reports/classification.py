"""`confusion_matrix` and `classification_report` on label arrays, in scikit-learn's layout.

These are whole-array summaries for reports (the tutorials print
`sklearn.metrics.classification_report(y_test, y_pred)`), not streaming
`Metric` objects. The text of `classification_report` is laid out exactly as
scikit-learn's (`sklearn/metrics/_classification.py`), so a tutorial's printed
report reads the same with or without scikit-learn installed.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

from scratchnn.backend import xp

_HEADERS = ("precision", "recall", "f1-score", "support")


def _labels_1d(values: Any, name: str) -> Any:
    array = np.asarray(values)
    if array.ndim != 1:
        raise ValueError(
            f"`{name}` must be a 1-D array of class labels (use argmax for probabilities). "
            f"Received: {name} with shape {array.shape}"
        )
    return array


def _check_pair(y_true: Any, y_pred: Any) -> tuple[Any, Any]:
    y_true = _labels_1d(y_true, "y_true")
    y_pred = _labels_1d(y_pred, "y_pred")
    if len(y_true) != len(y_pred):
        raise ValueError(
            "`y_true` and `y_pred` must have the same length. "
            f"Received: len(y_true)={len(y_true)}, len(y_pred)={len(y_pred)}"
        )
    return y_true, y_pred


def confusion_matrix(y_true: Any, y_pred: Any, labels: Sequence[Any] | None = None) -> Any:
    """Counts of (true class, predicted class) pairs.

    `C[i, j]` is the number of samples of class `labels[i]` predicted as
    `labels[j]`: rows are true classes, columns predictions (scikit-learn's
    convention). Samples whose true or predicted label is not in `labels`
    are left out.

    Args:
        y_true: 1-D array `(N,)` of true labels.
        y_pred: 1-D array `(N,)` of predicted labels.
        labels: the classes, in row/column order. Defaults to None: the sorted
            union of the labels in `y_true` and `y_pred`.

    Returns:
        int64 array `(K, K)` with `K = len(labels)`.

    Raises:
        ValueError: arrays that are not 1-D or differ in length.

    Example:

    >>> confusion_matrix([0, 1, 1], [0, 1, 0]).tolist()
    [[1, 0], [1, 1]]
    """
    y_true, y_pred = _check_pair(y_true, y_pred)
    labels = np.union1d(y_true, y_pred) if labels is None else np.asarray(labels)
    k = len(labels)
    # Map every label to its row index; labels outside `labels` get index k and are dropped.
    order = np.argsort(labels, kind="stable")
    sorted_labels = labels[order]

    def index_of(values: Any) -> Any:
        pos = np.clip(np.searchsorted(sorted_labels, values), 0, max(k - 1, 0))
        found = (sorted_labels[pos] == values) if k else np.zeros(len(values), bool)
        return np.where(found, order[pos] if k else 0, k)

    rows, cols = index_of(y_true), index_of(y_pred)
    keep = (rows < k) & (cols < k)
    # One bincount over the flattened (row, col) cell index: (N,) -> (K*K,) -> (K, K).
    counts = xp.bincount(rows[keep] * k + cols[keep], minlength=k * k)
    return np.asarray(counts, dtype=np.int64).reshape(k, k)


def _divide(num: Any, den: Any, zero_division: Any, what: str) -> Any:
    """num / den elementwise, with `zero_division` where den == 0 (warning when "warn")."""
    den = np.asarray(den, dtype=np.float64)
    zero = den == 0
    if zero.any() and zero_division == "warn":
        warnings.warn(
            f"{what} is ill-defined and being set to 0.0 for some labels (0/0). "
            "Use `zero_division` to control this behavior.",
            stacklevel=3,
        )
    fill = 0.0 if zero_division == "warn" else float(zero_division)
    return np.where(zero, fill, np.asarray(num, dtype=np.float64) / np.where(zero, 1.0, den))


def _scores(tp: Any, fp: Any, fn: Any, zero_division: Any) -> tuple[Any, Any, Any]:
    precision = _divide(tp, tp + fp, zero_division, "Precision")
    recall = _divide(tp, tp + fn, zero_division, "Recall")
    # F1 from the counts (2tp / (2tp + fp + fn)), as scikit-learn >= 1.3 computes it.
    f1 = _divide(2 * tp, 2 * tp + fp + fn, zero_division, "F-score")
    return precision, recall, f1


def classification_report(
    y_true: Any,
    y_pred: Any,
    labels: Sequence[Any] | None = None,
    target_names: Sequence[str] | None = None,
    digits: int = 2,
    output_dict: bool = False,
    zero_division: Any = "warn",
) -> str | dict[str, Any]:
    """Per-class precision, recall, F1 and support, with their averages.

    precision = tp / (tp + fp), recall = tp / (tp + fn),
    f1 = 2 tp / (2 tp + fp + fn), support = number of true samples. Below the
    classes: `accuracy` (or `micro avg` when `labels` leaves some classes out),
    `macro avg` (unweighted mean) and `weighted avg` (weighted by support).

    Args:
        y_true: 1-D array `(N,)` of true labels.
        y_pred: 1-D array `(N,)` of predicted labels.
        labels: the classes to report, in order. Defaults to None: the sorted
            union of the labels present.
        target_names: display names, one per label. Defaults to None (`str(label)`).
        digits: decimals of the floats in the text. Defaults to 2.
        output_dict: return a dict instead of text. Defaults to False.
        zero_division: value for a 0/0 score: `"warn"` (0.0 and a warning), 0 or 1.

    Returns:
        The report text in scikit-learn's layout, or a dict
        `{name: {"precision", "recall", "f1-score", "support"}, "accuracy": float, ...}`.

    Raises:
        ValueError: mismatched arrays, or `target_names` of the wrong length.

    Example:

    >>> print(classification_report([0, 1, 1], [0, 1, 0]))  # doctest: +SKIP
    """
    y_true, y_pred = _check_pair(y_true, y_pred)
    present = np.union1d(y_true, y_pred)
    labels_given = labels is not None
    labels = np.asarray(labels) if labels_given else present
    micro_is_accuracy = not labels_given or set(labels.tolist()) >= set(present.tolist())
    if target_names is not None and len(labels) != len(target_names):
        if not labels_given:
            raise ValueError(
                f"Number of classes, {len(labels)}, does not match size of target_names, "
                f"{len(target_names)}. Try specifying the labels parameter. Received: target_names={target_names!r}"
            )
        warnings.warn(
            f"labels size, {len(labels)}, does not match size of target_names, {len(target_names)}",
            stacklevel=2,
        )
    names = [str(label) for label in labels] if target_names is None else [str(n) for n in target_names]

    cm = confusion_matrix(y_true, y_pred, labels=labels)
    # Labels outside `labels` still count as false positives/negatives of the listed classes.
    tp = np.diag(cm).astype(np.float64)
    # (N, 1) == (1, K) -> (N, K) membership, summed over samples.
    support = (y_true[:, None] == labels[None, :]).sum(axis=0).astype(np.int64)
    predicted = (y_pred[:, None] == labels[None, :]).sum(axis=0).astype(np.int64)
    fp, fn = predicted - tp, support - tp
    p, r, f1 = _scores(tp, fp, fn, zero_division)
    total = int(support.sum())
    averages: list[tuple[str, list[float]]] = []
    micro = _scores(tp.sum(), fp.sum(), fn.sum(), zero_division)
    averages.append(("accuracy" if micro_is_accuracy else "micro avg", [float(v) for v in micro]))
    averages.append(("macro avg", [float(p.mean()), float(r.mean()), float(f1.mean())]))
    if total:
        weights = support / total
        weighted = [float((p * weights).sum()), float((r * weights).sum()), float((f1 * weights).sum())]
    else:
        fill = 0.0 if zero_division == "warn" else float(zero_division)
        weighted = [fill, fill, fill]
    averages.append(("weighted avg", weighted))

    if output_dict:
        report: dict[str, Any] = {
            name: dict(zip(_HEADERS, [float(a), float(b), float(c), float(s)]))
            for name, a, b, c, s in zip(names, p, r, f1, support)
        }
        for heading, values in averages:
            report[heading] = dict(zip(_HEADERS, [*values, float(total)]))
        if "accuracy" in report:
            report["accuracy"] = report["accuracy"]["precision"]
        return report

    width = max(max(len(n) for n in names), len("weighted avg"), digits)
    text = ("{:>{width}s} " + " {:>9}" * 4).format("", *_HEADERS, width=width) + "\n\n"
    row = "{:>{width}s} " + " {:>9.{digits}f}" * 3 + " {:>9}\n"
    for name, a, b, c, s in zip(names, p, r, f1, support):
        text += row.format(name, a, b, c, s, width=width, digits=digits)
    text += "\n"
    for heading, values in averages:
        if heading == "accuracy":
            # The accuracy line leaves the precision and recall columns blank.
            fmt = "{:>{width}s} " + " {:>9.{digits}}" * 2 + " {:>9.{digits}f}" + " {:>9}\n"
            text += fmt.format(heading, "", "", values[2], total, width=width, digits=digits)
        else:
            text += row.format(heading, *values, total, width=width, digits=digits)
    return text
