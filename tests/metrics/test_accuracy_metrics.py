"""Accuracy metrics against keras.metrics on the same batches."""

import numpy as np
import pytest

from scratchnn import metrics
from scratchnn.ops.tensor import Tensor


def _scores(rng, n, k):
    return rng.random((n, k)).astype(np.float32)


def _sparse_batches(rng, label_shape, label_dtype, weighted):
    batches = []
    for n in (32, 7, 1):
        y_pred = _scores(rng, n, 5)
        labels = rng.integers(0, 5, n)
        # Make roughly half of the predictions right, so the result is not trivial.
        labels[: n // 2] = y_pred[: n // 2].argmax(-1)
        y_true = labels.reshape((n, 1) if label_shape == "n1" else (n,)).astype(label_dtype)
        batch = (y_true, y_pred)
        if weighted:
            batch += (rng.random(n).astype(np.float32),)
        batches.append(batch)
    return batches


@pytest.mark.parametrize("label_shape", ["n", "n1"])
@pytest.mark.parametrize("label_dtype", ["int64", "float32"])
@pytest.mark.parametrize("weighted", [False, True])
def test_sparse_categorical_accuracy(keras, parity, rng, label_shape, label_dtype, weighted):
    batches = _sparse_batches(rng, label_shape, label_dtype, weighted)
    parity(metrics.SparseCategoricalAccuracy(), keras.metrics.SparseCategoricalAccuracy(), batches)


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("k", [1, 3])
@pytest.mark.parametrize("label_shape", ["n", "n1"])
def test_sparse_top_k(keras, parity, rng, weighted, k, label_shape):
    batches = _sparse_batches(rng, label_shape, "int64", weighted)
    parity(
        metrics.SparseTopKCategoricalAccuracy(k=k),
        keras.metrics.SparseTopKCategoricalAccuracy(k=k),
        batches,
    )


def test_sparse_top_k_from_sorted_ids(keras, parity, rng):
    y_pred = np.argsort(-rng.random((16, 6)), axis=-1).astype(np.float32)
    y_true = rng.integers(0, 6, 16)
    parity(
        metrics.SparseTopKCategoricalAccuracy(k=2, from_sorted_ids=True),
        keras.metrics.SparseTopKCategoricalAccuracy(k=2, from_sorted_ids=True),
        [(y_true, y_pred), (y_true[:5], y_pred[:5], np.arange(5.0))],
    )


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("name", ["CategoricalAccuracy", "TopKCategoricalAccuracy"])
def test_categorical(keras, parity, rng, weighted, name):
    batches = []
    for y_true, y_pred, _ in _sparse_batches(rng, "n", "int64", True):
        one_hot = np.eye(5, dtype=np.float32)[y_true]
        batches.append((one_hot, y_pred, rng.random(len(y_true))) if weighted else (one_hot, y_pred))
    kwargs = {"k": 2} if name.startswith("TopK") else {}
    parity(getattr(metrics, name)(**kwargs), getattr(keras.metrics, name)(**kwargs), batches)


@pytest.mark.parametrize("shapes", [((16, 1), (16, 1)), ((16,), (16, 1)), ((16, 3), (16, 3)), ((16,), (16,))])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("threshold", [0.5, 0.3])
def test_binary_accuracy(keras, parity, rng, shapes, weighted, threshold):
    true_shape, pred_shape = shapes
    batches = []
    for _ in range(3):
        y_true = (rng.random(true_shape) > 0.5).astype(np.float32)
        y_pred = rng.random(pred_shape).astype(np.float32)
        batches.append((y_true, y_pred, rng.random(true_shape[0])) if weighted else (y_true, y_pred))
    parity(
        metrics.BinaryAccuracy(threshold=threshold),
        keras.metrics.BinaryAccuracy(threshold=threshold),
        batches,
    )


@pytest.mark.parametrize("weighted", [False, True])
def test_accuracy(keras, parity, rng, weighted):
    batches = []
    for n in (10, 4):
        y_true = rng.integers(0, 3, (n, 1))
        y_pred = rng.integers(0, 3, (n, 1)).astype(np.float32)
        batches.append((y_true, y_pred, rng.random(n)) if weighted else (y_true, y_pred))
    parity(metrics.Accuracy(), keras.metrics.Accuracy(), batches)


def test_weight_shapes(keras, parity, rng):
    """(N, 1) weights and a scalar weight follow Keras's broadcasting rules."""
    y_true, y_pred = _sparse_batches(rng, "n", "int64", False)[0]
    batches = [(y_true, y_pred, rng.random((32, 1))), (y_true, y_pred, 2.0)]
    parity(metrics.SparseCategoricalAccuracy(), keras.metrics.SparseCategoricalAccuracy(), batches)


def test_accepts_tensors_and_lists(rng):
    y_true, y_pred = _sparse_batches(rng, "n", "int64", False)[0]
    reference = metrics.SparseCategoricalAccuracy()
    reference.update_state(y_true, y_pred)
    for convert in (Tensor, lambda a: a.tolist()):
        m = metrics.SparseCategoricalAccuracy()
        m.update_state(convert(y_true), convert(y_pred))
        assert float(m.result()) == float(reference.result())


@pytest.mark.parametrize(
    "name, kwargs, sparse",
    [
        ("binary_accuracy", {"threshold": 0.4}, None),
        ("categorical_accuracy", {}, False),
        ("sparse_categorical_accuracy", {}, True),
        ("top_k_categorical_accuracy", {"k": 2}, False),
        ("sparse_top_k_categorical_accuracy", {"k": 2}, True),
    ],
)
def test_functional_forms(keras, rng, name, kwargs, sparse):
    y_pred = _scores(rng, 12, 4)
    labels = rng.integers(0, 4, 12)
    if sparse is None:
        y_true, y_pred = (rng.random((12, 1)) > 0.5).astype(np.float32), y_pred[:, :1]
    else:
        y_true = labels if sparse else np.eye(4, dtype=np.float32)[labels]
    ours = getattr(metrics, name)(y_true, y_pred, **kwargs)
    theirs = getattr(keras.metrics, name)(y_true, y_pred, **kwargs)
    assert isinstance(ours, Tensor)
    assert ours.dtype == "float32"
    np.testing.assert_array_equal(ours.numpy(), np.asarray(theirs))


def test_result_is_float32_tensor():
    m = metrics.CategoricalAccuracy()
    out = m([[0, 1], [1, 0]], [[0.2, 0.8], [0.3, 0.7]])
    assert isinstance(out, Tensor)
    assert out.shape == () and out.dtype == "float32"
    assert float(out) == 0.5
    assert m.result().numpy() == np.float32(0.5)
