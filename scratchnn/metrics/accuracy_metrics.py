"""Accuracy metrics: exact match, binary, categorical, sparse categorical and top-k.

Each class is a `MeanMetricWrapper` around a per-sample match function. The
private `_*` forms take backend arrays and return boolean matches, which
`Mean` counts without a cast (the per-batch hot path; array methods such as
`.argmax` are used because they skip NumPy's function dispatch). The public
functional forms return a Tensor of 0./1. values in `floatx()`. The shape handling
follows keras/src/metrics/accuracy_metrics.py.
"""

from __future__ import annotations

from typing import Any

from scratchnn import backend
from scratchnn.backend import xp
from scratchnn.metrics.metrics_utils import squeeze_or_expand_to_same_rank, to_array
from scratchnn.metrics.reduction_metrics import _BuiltinMetricWrapper
from scratchnn.ops.tensor import Tensor


def _accuracy(y_true: Any, y_pred: Any) -> Any:
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    return y_true == y_pred


def _binary_accuracy(y_true: Any, y_pred: Any, threshold: float = 0.5) -> Any:
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    # Comparing with the boolean prediction equals Keras's cast of it to y_true's dtype.
    return y_true == (y_pred > threshold)


def _categorical_accuracy(y_true: Any, y_pred: Any) -> Any:
    labels = y_true.argmax(axis=-1)
    shape = labels.shape
    # (N, 1)-shaped argmax labels against (N, 1) predictions keep their shape (Keras quirk).
    reshape = labels.ndim == y_pred.ndim
    if reshape:
        labels = labels.reshape(shape[:-1])
    matches = labels == y_pred.argmax(axis=-1)
    return matches.reshape(shape) if reshape else matches


def _sparse_categorical_accuracy(y_true: Any, y_pred: Any) -> Any:
    # Labels (N,) or (N, 1), int or float; predictions (N, K) -> matches (N,).
    if y_true.ndim == y_pred.ndim and y_true.shape[-1] == 1:
        y_true = y_true.reshape(y_true.shape[:-1])
    matches = y_true == y_pred.argmax(axis=-1)
    if matches.ndim > 1 and matches.shape[-1] == 1:
        matches = matches.reshape(matches.shape[:-1])
    return matches


def _in_top_k(labels: Any, y_pred: Any, k: int) -> Any:
    """True where the label's score has fewer than `k` strictly larger scores (ties count in)."""
    # (M, K) scores, (M,) labels -> (M, 1) score of the label; NaN never ranks high.
    at_label = xp.take_along_axis(y_pred, labels[:, None], axis=-1)
    at_label = xp.where(xp.isnan(at_label), -xp.inf, at_label)
    return (y_pred > at_label).sum(axis=-1) < k


def _top_k_categorical_accuracy(y_true: Any, y_pred: Any, k: int = 5) -> Any:
    labels = y_true.argmax(axis=-1)
    return _sparse_top_k_categorical_accuracy(labels, y_pred, k=k)


def _sparse_top_k_categorical_accuracy(
    y_true: Any, y_pred: Any, k: int = 5, from_sorted_ids: bool = False
) -> Any:
    shape = y_true.shape
    # (N, ..., K) -> (M, K) scores and (M,) labels; the matches take the labels' shape back.
    y_pred = y_pred.reshape(-1, y_pred.shape[-1])
    labels = y_true.reshape(-1)
    if from_sorted_ids:
        matches = (labels[:, None] == y_pred[:, :k]).any(axis=-1)
    else:
        matches = _in_top_k(labels.astype("int64"), y_pred, k)
    return matches.reshape(shape)


def _as_tensor(fn: Any, y_true: Any, y_pred: Any, **kwargs: Any) -> Tensor:
    return Tensor(fn(to_array(y_true), to_array(y_pred), **kwargs).astype(backend.floatx()))


def binary_accuracy(y_true: Any, y_pred: Any, threshold: float = 0.5) -> Tensor:
    """Per-sample match of `y_pred > threshold` with binary labels.

    Args:
        y_true: labels (0/1 or bools), shape (N, ...).
        y_pred: probabilities, same shape as `y_true` (or with an extra trailing 1).
        threshold: a prediction above it counts as 1. Defaults to 0.5.

    Returns:
        Tensor of 0./1. values, shape of `y_true`.
    """
    return _as_tensor(_binary_accuracy, y_true, y_pred, threshold=threshold)


def categorical_accuracy(y_true: Any, y_pred: Any) -> Tensor:
    """Per-sample `argmax(y_true) == argmax(y_pred)` for one-hot labels.

    Args:
        y_true: one-hot labels, shape (N, K).
        y_pred: scores, shape (N, K).

    Returns:
        Tensor of 0./1. values, shape (N,).
    """
    return _as_tensor(_categorical_accuracy, y_true, y_pred)


def sparse_categorical_accuracy(y_true: Any, y_pred: Any) -> Tensor:
    """Per-sample `y_true == argmax(y_pred)` for integer labels.

    Args:
        y_true: class indices, shape (N,) or (N, 1), int or float.
        y_pred: scores, shape (N, K).

    Returns:
        Tensor of 0./1. values, shape (N,).
    """
    return _as_tensor(_sparse_categorical_accuracy, y_true, y_pred)


def top_k_categorical_accuracy(y_true: Any, y_pred: Any, k: int = 5) -> Tensor:
    """Per-sample: is the one-hot target class among the `k` highest scores?

    Args:
        y_true: one-hot labels, shape (N, K).
        y_pred: scores, shape (N, K).
        k: number of top scores to look at. Defaults to 5.

    Returns:
        Tensor of 0./1. values, shape (N,).
    """
    return _as_tensor(_top_k_categorical_accuracy, y_true, y_pred, k=k)


def sparse_top_k_categorical_accuracy(
    y_true: Any, y_pred: Any, k: int = 5, from_sorted_ids: bool = False
) -> Tensor:
    """Per-sample: is the integer target among the `k` highest scores?

    Args:
        y_true: class indices, shape (N,) or (N, 1).
        y_pred: scores, shape (N, K); or, with `from_sorted_ids=True`, class
            ids sorted by decreasing score, shape (N, >=k).
        k: number of top scores to look at. Defaults to 5.
        from_sorted_ids: whether `y_pred` holds sorted ids instead of scores.

    Returns:
        Tensor of 0./1. values, shape of `y_true`.
    """
    return _as_tensor(
        _sparse_top_k_categorical_accuracy, y_true, y_pred, k=k, from_sorted_ids=from_sorted_ids
    )


class _AccuracyWrapper(_BuiltinMetricWrapper):
    _fn_takes_arrays = True
    _direction = "up"


class Accuracy(_AccuracyWrapper):
    """How often predictions equal labels exactly: `mean(y_true == y_pred)`.

    Args:
        name: name of the metric instance. Defaults to "accuracy".
        dtype: dtype of the result. Defaults to `floatx()`.

    Example:

    >>> m = Accuracy()
    >>> m.update_state([[1], [2], [3], [4]], [[0], [2], [3], [4]])
    >>> float(m.result())
    0.75
    """

    def __init__(self, name: str = "accuracy", dtype: Any = None) -> None:
        super().__init__(fn=_accuracy, name=name, dtype=dtype)


class BinaryAccuracy(_AccuracyWrapper):
    """How often `y_pred > threshold` matches binary labels.

    Args:
        name: name of the metric instance. Defaults to "binary_accuracy".
        dtype: dtype of the result. Defaults to `floatx()`.
        threshold: a prediction above it counts as 1. Defaults to 0.5.

    Inputs: `y_true` (N, 1) or (N,) of 0/1; `y_pred` the same shape.

    Example:

    >>> m = BinaryAccuracy()
    >>> m.update_state([[1], [1], [0], [0]], [[0.98], [1], [0], [0.6]])
    >>> float(m.result())
    0.75
    """

    def __init__(self, name: str = "binary_accuracy", dtype: Any = None, threshold: float = 0.5) -> None:
        super().__init__(fn=_binary_accuracy, name=name, dtype=dtype, threshold=threshold)
        self.threshold = threshold


class CategoricalAccuracy(_AccuracyWrapper):
    """How often `argmax(y_pred)` equals `argmax(y_true)` for one-hot labels.

    Args:
        name: name of the metric instance. Defaults to "categorical_accuracy".
        dtype: dtype of the result. Defaults to `floatx()`.

    Inputs: `y_true` one-hot (N, K); `y_pred` scores (N, K).

    Example:

    >>> m = CategoricalAccuracy()
    >>> m.update_state([[0, 0, 1], [0, 1, 0]], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]])
    >>> float(m.result())
    0.5
    """

    def __init__(self, name: str = "categorical_accuracy", dtype: Any = None) -> None:
        super().__init__(fn=_categorical_accuracy, name=name, dtype=dtype)


class SparseCategoricalAccuracy(_AccuracyWrapper):
    """How often `argmax(y_pred)` equals integer labels.

    Args:
        name: name of the metric instance. Defaults to "sparse_categorical_accuracy".
        dtype: dtype of the result. Defaults to `floatx()`.

    Inputs: `y_true` (N,) or (N, 1) class indices, int or float; `y_pred` (N, K).

    Example:

    >>> m = SparseCategoricalAccuracy()
    >>> m.update_state([[2], [1]], [[0.1, 0.6, 0.3], [0.05, 0.95, 0]])
    >>> float(m.result())
    0.5
    """

    def __init__(self, name: str = "sparse_categorical_accuracy", dtype: Any = None) -> None:
        super().__init__(fn=_sparse_categorical_accuracy, name=name, dtype=dtype)


class TopKCategoricalAccuracy(_AccuracyWrapper):
    """How often the one-hot target is among the `k` highest scores.

    Args:
        k: number of top scores to look at. Defaults to 5.
        name: name of the metric instance. Defaults to "top_k_categorical_accuracy".
        dtype: dtype of the result. Defaults to `floatx()`.

    Inputs: `y_true` one-hot (N, K); `y_pred` scores (N, K).

    Example:

    >>> m = TopKCategoricalAccuracy(k=1)
    >>> m.update_state([[0, 0, 1], [0, 1, 0]], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]])
    >>> float(m.result())
    0.5
    """

    def __init__(self, k: int = 5, name: str = "top_k_categorical_accuracy", dtype: Any = None) -> None:
        super().__init__(fn=_top_k_categorical_accuracy, name=name, dtype=dtype, k=k)
        self.k = k


class SparseTopKCategoricalAccuracy(_AccuracyWrapper):
    """How often the integer target is among the `k` highest scores.

    Args:
        k: number of top scores to look at. Defaults to 5.
        name: name of the metric instance. Defaults to "sparse_top_k_categorical_accuracy".
        dtype: dtype of the result. Defaults to `floatx()`.
        from_sorted_ids: whether `y_pred` holds class ids sorted by decreasing
            score instead of scores. Defaults to False.

    Inputs: `y_true` (N,) or (N, 1) class indices; `y_pred` (N, K).

    Example:

    >>> m = SparseTopKCategoricalAccuracy(k=1)
    >>> m.update_state([2, 1], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]])
    >>> float(m.result())
    0.5
    """

    def __init__(
        self,
        k: int = 5,
        name: str = "sparse_top_k_categorical_accuracy",
        dtype: Any = None,
        from_sorted_ids: bool = False,
    ) -> None:
        super().__init__(
            fn=_sparse_top_k_categorical_accuracy,
            name=name,
            dtype=dtype,
            k=k,
            from_sorted_ids=from_sorted_ids,
        )
        self.k = k
        self.from_sorted_ids = from_sorted_ids

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        if not self.from_sorted_ids:
            del config["from_sorted_ids"]  # as Keras, only when set
        return config
