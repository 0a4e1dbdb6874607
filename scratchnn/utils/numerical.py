"""`to_categorical` and `normalize` (keras/src/utils/numerical_utils.py)."""

from __future__ import annotations

from typing import Any

import numpy as np


def to_categorical(x: Any, num_classes: int | None = None) -> np.ndarray:
    """One-hot encodes integer class labels: (N,) -> (N, num_classes) float32.

    Args:
        x: integer labels of any shape (a trailing axis of size 1 is dropped).
        num_classes: number of classes; default max(x) + 1.

    Raises:
        ValueError: for non-integer labels, negative labels or labels >= num_classes.
    """
    y = np.asarray(x)
    if y.size and not np.issubdtype(y.dtype, np.integer):
        if not np.all(np.mod(y, 1) == 0):
            raise ValueError(
                f"to_categorical expects integer class labels. Received values such as {y.flat[0]!r}"
            )
    y = y.astype(np.int64)
    if y.ndim > 1 and y.shape[-1] == 1:
        y = y.reshape(y.shape[:-1])
    if y.size and y.min() < 0:
        raise ValueError(f"to_categorical: labels must be non-negative. Received a label {y.min()}")
    if num_classes is None:
        num_classes = int(y.max()) + 1 if y.size else 0
    elif y.size and y.max() >= num_classes:
        raise ValueError(f"to_categorical: label {y.max()} is out of range for num_classes={num_classes}")
    out = np.zeros(y.shape + (num_classes,), dtype=np.float32)
    np.put_along_axis(out, y[..., None], 1.0, axis=-1)
    return out


def normalize(x: Any, axis: int = -1, order: int = 2) -> np.ndarray:
    """Scales `x` to unit `order`-norm along `axis` (zero vectors stay zero)."""
    arr = np.asarray(x, dtype=np.float64 if np.asarray(x).dtype == np.float64 else np.float32)
    norm = np.linalg.norm(arr, ord=order, axis=axis, keepdims=True)
    return arr / np.where(norm == 0, 1, norm)
