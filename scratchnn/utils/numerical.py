"""`to_categorical` and `normalize` (keras/src/utils/numerical_utils.py)."""

from __future__ import annotations

from typing import Any

import numpy as np

from scratchnn import backend
from scratchnn.ops.tensor import Tensor


def to_categorical(x: Any, num_classes: int | None = None) -> Any:
    """One-hot encodes integer class labels: (N,) -> (N, num_classes).

    A NumPy array (or list) gives a float64 NumPy array, as in Keras; fit/evaluate cast targets
    to the model's dtype (float32), so training stays in float32. A scratchnn Tensor gives a
    floatx() Tensor, as Keras gives a backend tensor for a backend tensor.

    Args:
        x: integer labels of any shape (a trailing axis of size 1 is dropped).
        num_classes: number of classes; default (None or 0) max(x) + 1.

    Raises:
        ValueError: for non-integer labels, negative labels or labels >= num_classes.

    Example:
        >>> to_categorical([0, 2], num_classes=3)
        array([[1., 0., 0.],
               [0., 0., 1.]])
    """
    if isinstance(x, Tensor):
        return Tensor(backend.asarray(to_categorical(x.numpy(), num_classes), dtype=backend.floatx()))
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
    if not num_classes:
        num_classes = int(y.max()) + 1 if y.size else 0
    elif y.size and y.max() >= num_classes:
        raise ValueError(f"to_categorical: label {y.max()} is out of range for num_classes={num_classes}")
    out = np.zeros(y.shape + (num_classes,), dtype=np.float64)  # Keras's dtype (numerical_utils.py)
    np.put_along_axis(out, y[..., None], 1.0, axis=-1)
    return out


def normalize(x: Any, axis: int = -1, order: int = 2) -> np.ndarray:
    """Scales `x` to unit `order`-norm along `axis` (zero vectors stay zero)."""
    arr = np.asarray(x, dtype=np.float64 if np.asarray(x).dtype == np.float64 else np.float32)
    norm = np.linalg.norm(arr, ord=order, axis=axis, keepdims=True)
    return arr / np.where(norm == 0, 1, norm)
