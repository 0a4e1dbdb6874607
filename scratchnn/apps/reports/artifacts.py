"""The data files of a run: history.csv, history.json, metrics.json (and any other JSON)."""

from __future__ import annotations

import csv
import json
import math
import os
from collections.abc import Sequence
from typing import Any

import numpy as np

from scratchnn.apps.reports.classification import classification_report, confusion_matrix


def _json_safe(value: Any) -> Any:
    """NumPy scalars/arrays to Python; NaN/inf to None (JSON has no NaN)."""
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    if isinstance(value, np.ndarray):
        return _json_safe(value.tolist())
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def write_json(path: str | os.PathLike, data: Any) -> str:
    """Writes `data` as indented JSON (NumPy values converted, NaN as null); returns the path."""
    with open(path, "w", encoding="utf-8") as f:
        json.dump(_json_safe(data), f, indent=2)
        f.write("\n")
    return os.fspath(path)


def history_dict(history: Any) -> dict[str, list[float]]:
    """The `.history` dict of a `History` (or the dict itself) with string keys and float values."""
    data = getattr(history, "history", history)
    if not isinstance(data, dict):
        raise TypeError(
            "`history` must be a History (what fit() returns) or a dict of per-epoch lists. "
            f"Received: history of type {type(history).__name__}"
        )
    return {str(k): [float(v) for v in values] for k, values in data.items()}


def write_history(history: Any, folder: str | os.PathLike) -> tuple[str, str]:
    """Writes `history.json` (the `.history` dict) and `history.csv` (`epoch` + one column per key).

    Args:
        history: a `History` or its `.history` dict of per-epoch lists.
        folder: an existing folder.

    Returns:
        The paths `(history.csv, history.json)`.

    Raises:
        TypeError: `history` is not a History or a dict.
    """
    data = history_dict(history)
    json_path = write_json(os.path.join(folder, "history.json"), data)
    csv_path = os.path.join(folder, "history.csv")
    epochs = max((len(v) for v in data.values()), default=0)
    with open(csv_path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["epoch", *data])
        for epoch in range(epochs):
            writer.writerow([epoch, *(repr(v[epoch]) if epoch < len(v) else "" for v in data.values())])
    return csv_path, json_path


def classification_metrics(
    y_true: Any, y_pred: Any, class_names: Sequence[str] | None = None
) -> dict[str, Any]:
    """Per-class precision/recall/F1/support, the averages, and the confusion matrix of predicted labels.

    Args:
        y_true: `(N,)` true class indices.
        y_pred: `(N,)` predicted class indices.
        class_names: K names for classes `0..K-1`. Defaults to None (labels present).

    Returns:
        `{"accuracy", "per_class": {name: {...}}, "macro avg", "weighted avg",
        "confusion_matrix": (K, K) list, "classification_report": text, "labels"}`.
    """
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    labels = list(range(len(class_names))) if class_names is not None else None
    names = list(class_names) if class_names is not None else None
    report = classification_report(
        y_true, y_pred, labels=labels, target_names=names, output_dict=True, zero_division=0
    )
    text = classification_report(y_true, y_pred, labels=labels, target_names=names, digits=4, zero_division=0)
    cm = confusion_matrix(y_true, y_pred, labels=labels)
    averages = {
        k: report.pop(k) for k in ("accuracy", "micro avg", "macro avg", "weighted avg") if k in report
    }
    return {
        "accuracy": float(np.mean(y_true == y_pred)) if len(y_true) else None,
        "per_class": report,
        **{k: v for k, v in averages.items() if k != "accuracy"},
        "labels": names if names is not None else [str(v) for v in np.union1d(y_true, y_pred)],
        "confusion_matrix": cm.tolist(),
        "classification_report": text,
    }
