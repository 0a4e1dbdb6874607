"""Confusion-matrix metrics and AUC against keras.metrics on the same batches."""

import numpy as np
import pytest

from scratchnn import metrics


def _binary_batches(rng, shape, weighted, with_edges=True):
    batches = []
    for n in (24, 9):
        y_true = (rng.random((n, *shape)) > 0.6).astype(np.float32)
        y_pred = rng.random((n, *shape)).astype(np.float32)
        if with_edges:
            # Scores exactly on thresholds and at 0 and 1 exercise the bucketing edges.
            y_pred.flat[:5] = [0.0, 1.0, 0.5, 0.25, 1.0 / 3.0]
        batch = (y_true, y_pred)
        if weighted:
            batch += (rng.random(n).astype(np.float32),)
        batches.append(batch)
    return batches


COUNTS = ["TruePositives", "FalsePositives", "TrueNegatives", "FalseNegatives"]
THRESHOLDS = [None, 0.3, [0.1, 0.5, 0.9], [0.0, 0.5, 1.0], [0.0, 0.25, 0.5, 0.75, 1.0]]


@pytest.mark.parametrize("name", COUNTS + ["Precision", "Recall"])
@pytest.mark.parametrize("thresholds", THRESHOLDS)
@pytest.mark.parametrize("weighted", [False, True])
def test_thresholded_metrics(keras, parity, rng, name, thresholds, weighted):
    batches = _binary_batches(rng, (1,), weighted)
    parity(
        getattr(metrics, name)(thresholds=thresholds),
        getattr(keras.metrics, name)(thresholds=thresholds),
        batches,
    )


@pytest.mark.parametrize("name", ["Precision", "Recall"])
@pytest.mark.parametrize(
    "kwargs",
    [{"top_k": 2}, {"class_id": 1}, {"top_k": 2, "class_id": 3}, {"top_k": 1, "thresholds": [0.2, 0.6]}],
)
@pytest.mark.parametrize("weighted", [False, True])
def test_precision_recall_top_k_class_id(keras, parity, rng, name, kwargs, weighted):
    batches = _binary_batches(rng, (5,), weighted)
    parity(getattr(metrics, name)(**kwargs), getattr(keras.metrics, name)(**kwargs), batches)


def test_precision_on_sparse_labels_shape(keras, parity, rng):
    """(N,) labels against (N, 1) scores are aligned as in Keras."""
    batches = [(y_true[:, 0], y_pred, w) for y_true, y_pred, w in _binary_batches(rng, (1,), True)]
    parity(metrics.Precision(), keras.metrics.Precision(), batches)


@pytest.mark.parametrize("curve", ["ROC", "PR"])
@pytest.mark.parametrize("summation_method", ["interpolation", "minoring", "majoring"])
@pytest.mark.parametrize("weighted", [False, True])
def test_auc_curves(keras, parity, rng, curve, summation_method, weighted):
    batches = _binary_batches(rng, (1,), weighted)
    kwargs = {"curve": curve, "summation_method": summation_method}
    parity(metrics.AUC(**kwargs), keras.metrics.AUC(**kwargs), batches)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"num_thresholds": 7},
        {"num_thresholds": 2},
        {"thresholds": [0.3, 0.5, 0.8]},
        {"thresholds": [0.25, 0.5, 0.75], "curve": "PR"},
        {"multi_label": True},
        {"multi_label": True, "num_labels": 3, "curve": "PR"},
        {"multi_label": True, "label_weights": [0.2, 1.0, 0.5]},
        {"multi_label": True, "thresholds": [0.2, 0.7]},
        {"label_weights": [0.2, 1.0, 0.5]},
        {"from_logits": True},
    ],
)
@pytest.mark.parametrize("weighted", [False, True])
def test_auc_options(keras, parity, rng, kwargs, weighted):
    batches = _binary_batches(rng, (3,), weighted)
    if kwargs.get("from_logits"):
        batches = [(b[0], (b[1] - 0.5) * 8.0, *b[2:]) for b in batches]
    parity(metrics.AUC(**kwargs), keras.metrics.AUC(**kwargs), batches)


def test_count_metrics_result_shapes():
    m = metrics.TruePositives(thresholds=[0.2, 0.8])
    m.update_state([1, 1, 0], [0.5, 0.9, 0.9])
    np.testing.assert_array_equal(m.result().numpy(), [2.0, 1.0])
    assert metrics.Precision().result().shape == ()


@pytest.mark.parametrize("thresholds", [1.5, [0.2, -0.1], [None]])
def test_thresholds_out_of_range(thresholds):
    with pytest.raises(ValueError, match="Received: thresholds="):
        metrics.Precision(thresholds=thresholds)


def test_bad_arguments():
    with pytest.raises(ValueError, match="Received: num_thresholds=1"):
        metrics.AUC(num_thresholds=1)
    with pytest.raises(ValueError, match="Received: curve='XY'"):
        metrics.AUC(curve="XY")
    with pytest.raises(ValueError, match="Received: summation_method='trapezoid'"):
        metrics.AUC(summation_method="trapezoid")
    with pytest.raises(ValueError, match="Received: num_labels=3"):
        metrics.AUC(num_labels=3)
    with pytest.raises(ValueError, match="Received: y_pred.shape"):
        metrics.AUC(multi_label=True).update_state(np.ones(4), np.ones(4))
    with pytest.raises(ValueError, match="Received: y_pred.shape"):
        metrics.Precision(class_id=1).update_state(np.ones(4), np.ones(4))
    with pytest.raises(ValueError, match="Received: top_k=0"):
        metrics.Recall(top_k=0)
