"""Losses: gradient checks in float64, parity with keras.losses, reductions, errors."""

import keras
import numpy as np
import pytest

from scratchnn import losses, ops
from scratchnn.testing import check_gradients


def _data(name, rng, n=6, k=4):
    """(y_true, y_pred) suited to each loss."""
    probs = rng.dirichlet(np.ones(k), size=n)
    if name == "sparse_categorical_crossentropy":
        return rng.integers(0, k, n), probs
    if name in ("categorical_crossentropy", "kl_divergence", "categorical_hinge"):
        return np.eye(k)[rng.integers(0, k, n)], probs
    if name == "binary_crossentropy":
        return rng.integers(0, 2, (n, k)).astype(float), rng.uniform(0.05, 0.95, (n, k))
    if name in ("hinge", "squared_hinge"):
        return rng.choice([-1.0, 1.0], (n, k)), rng.uniform(-2, 2, (n, k))
    if name == "poisson":
        return rng.uniform(0, 3, (n, k)), rng.uniform(0.5, 3, (n, k))
    return rng.uniform(0.1, 2, (n, k)), rng.uniform(0.1, 2, (n, k))


NAMES = [
    "sparse_categorical_crossentropy",
    "categorical_crossentropy",
    "binary_crossentropy",
    "mean_squared_error",
    "mean_absolute_error",
    "mean_absolute_percentage_error",
    "mean_squared_logarithmic_error",
    "huber",
    "log_cosh",
    "hinge",
    "squared_hinge",
    "categorical_hinge",
    "kl_divergence",
    "poisson",
    "cosine_similarity",
]


@pytest.mark.parametrize("name", NAMES)
def test_loss_matches_keras(name, rng):
    y_true, y_pred = _data(name, rng)
    ours = losses.get(name)(y_true, y_pred.astype("float32")).numpy()
    theirs = np.asarray(keras.losses.get(name)(y_true, y_pred.astype("float32")))
    np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", NAMES)
def test_loss_gradient(name, rng):
    y_true, y_pred = _data(name, rng)
    check_gradients(lambda p: losses.get(name)(y_true, p), [y_pred])


@pytest.mark.parametrize("from_logits", [False, True])
@pytest.mark.parametrize(
    "cls,label_kind",
    [
        ("SparseCategoricalCrossentropy", "sparse"),
        ("CategoricalCrossentropy", "onehot"),
        ("BinaryCrossentropy", "binary"),
    ],
)
def test_crossentropy_classes_with_weights_match_keras(cls, label_kind, from_logits, rng):
    logits = rng.standard_normal((8, 3)).astype("float32")
    labels = rng.integers(0, 3, 8)
    y_true = {
        "sparse": labels,
        "onehot": np.eye(3)[labels],
        "binary": rng.integers(0, 2, (8, 3)).astype("float32"),
    }[label_kind]
    if from_logits:
        y_pred = logits
    elif label_kind == "binary":
        y_pred = 1 / (1 + np.exp(-logits))
    else:
        y_pred = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
    weights = rng.uniform(0, 2, 8).astype("float32")
    ours = getattr(losses, cls)(from_logits=from_logits)(y_true, y_pred, sample_weight=weights)
    theirs = getattr(keras.losses, cls)(from_logits=from_logits)(y_true, y_pred, sample_weight=weights)
    np.testing.assert_allclose(float(ours), float(theirs), rtol=1e-5)


@pytest.mark.parametrize("reduction", ["sum_over_batch_size", "sum", "none", "mean_with_sample_weight"])
def test_reductions_match_keras(reduction, rng):
    y_true, y_pred = rng.standard_normal((5, 3)), rng.standard_normal((5, 3))
    w = rng.uniform(0.1, 1, 5)
    ours = losses.MeanSquaredError(reduction=reduction)(y_true, y_pred, sample_weight=w).numpy()
    theirs = np.asarray(keras.losses.MeanSquaredError(reduction=reduction)(y_true, y_pred, sample_weight=w))
    np.testing.assert_allclose(ours, theirs, rtol=1e-5)


def test_softmax_output_is_fused_with_crossentropy(rng):
    """A softmax followed by cross-entropy is computed from the logits: exact even where p underflows."""
    logits = ops.Variable(np.array([[200.0, 0.0, -200.0]]), dtype="float64")
    loss = losses.sparse_categorical_crossentropy(np.array([2]), ops.softmax(logits))
    assert np.isfinite(loss.numpy()).all()
    np.testing.assert_allclose(loss.numpy(), [400.0])
    (grad,) = ops.gradient(ops.sum(loss), [logits])
    np.testing.assert_allclose(grad, [[1.0, 0.0, -1.0]], atol=1e-12)


def test_fused_and_unfused_crossentropy_agree(rng):
    logits = rng.standard_normal((6, 5))
    labels = rng.integers(0, 5, 6)
    fused = losses.sparse_categorical_crossentropy(labels, ops.softmax(logits)).numpy()
    probs = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
    plain = losses.sparse_categorical_crossentropy(labels, probs).numpy()
    np.testing.assert_allclose(fused, plain, rtol=1e-10)


def test_one_hot_labels_given_to_sparse_loss_are_refused():
    with pytest.raises(ValueError, match="categorical_crossentropy"):
        losses.sparse_categorical_crossentropy(np.eye(3), np.full((3, 3), 1 / 3))


def test_sparse_labels_given_to_categorical_loss_are_refused():
    with pytest.raises(ValueError, match="sparse_categorical_crossentropy"):
        losses.categorical_crossentropy(np.array([0, 1, 2]), np.full((3, 3), 1 / 3))


def test_labels_outside_the_classes_are_refused():
    with pytest.raises(ValueError, match=r"labels must be in \[0, 3\)"):
        losses.sparse_categorical_crossentropy(np.array([0, 3]), np.full((2, 3), 1 / 3))


def test_unknown_loss_lists_valid_names():
    with pytest.raises(ValueError, match="Expected one of"):
        losses.get("cross_entropyy")


def test_loss_config_round_trip():
    loss = losses.CategoricalCrossentropy(from_logits=True, label_smoothing=0.1, name="cce")
    again = losses.deserialize(losses.serialize(loss))
    assert again.get_config() == loss.get_config()
    assert loss.get_config()["label_smoothing"] == 0.1
