"""resolve_compile_metric against Keras 3's compile_utils.get_metric (KERAS_NOTES §3.1)."""

import numpy as np
import pytest

from scratchnn import metrics
from scratchnn.metrics import resolve_compile_metric

SHAPE_CASES = [
    ((32,), (32, 10), "SparseCategoricalAccuracy"),  # integer labels, softmax
    ((32, 1), (32, 10), "SparseCategoricalAccuracy"),  # (N, 1) integer labels
    ((32, 10), (32, 10), "CategoricalAccuracy"),  # one-hot labels
    ((32, 1), (32, 1), "BinaryAccuracy"),  # sigmoid output
    ((32,), (32, 1), "BinaryAccuracy"),
    ((32, 5), (32, 5), "CategoricalAccuracy"),  # multi-label k-hot: Keras's pitfall, kept
    ((32,), (32,), "CategoricalAccuracy"),
    ((8, 4, 1), (8, 4, 6), "SparseCategoricalAccuracy"),  # per-timestep labels
]


@pytest.mark.parametrize("identifier", ["accuracy", "acc", "Accuracy", "ACC"])
@pytest.mark.parametrize("true_shape, pred_shape, expected", SHAPE_CASES)
def test_accuracy_resolution_matches_keras(keras, identifier, true_shape, pred_shape, expected):
    from keras.src.trainers.compile_utils import get_metric

    theirs = get_metric(identifier, np.zeros(true_shape), np.zeros(pred_shape))
    ours = resolve_compile_metric(identifier, true_shape, pred_shape)
    assert type(theirs).__name__ == expected
    assert type(ours).__name__ == expected
    assert ours.name == theirs.name == identifier


def _my_metric(y_true, y_pred):
    return (y_true - y_pred) ** 2


@pytest.mark.parametrize(
    "identifier",
    [
        "mse",
        "MSE",
        "mae",
        "auc",
        "AUC",
        "precision",
        "binary_accuracy",
        "mean_squared_error",
        "RootMeanSquaredError",
    ],
)
def test_strings_keep_their_spelling(keras, identifier):
    from keras.src.trainers.compile_utils import get_metric

    ours = resolve_compile_metric(identifier, (4, 1), (4, 1))
    theirs = get_metric(identifier, np.zeros((4, 1)), np.zeros((4, 1)))
    assert type(ours).__name__ == type(theirs).__name__
    assert ours.name == theirs.name == identifier


def test_objects_functions_and_classes(keras, rng):
    from keras.src.trainers.compile_utils import get_metric

    instance = metrics.Precision(name="prec")
    assert resolve_compile_metric(instance, (4,), (4,)) is instance
    assert instance.name == "prec"

    wrapped = resolve_compile_metric(_my_metric, (4, 2), (4, 2))
    reference = get_metric(_my_metric, np.zeros((4, 2)), np.zeros((4, 2)))
    assert isinstance(wrapped, metrics.MeanMetricWrapper)
    assert wrapped.name == reference.name == "_my_metric"
    y_true, y_pred = rng.random((4, 2)), rng.random((4, 2))
    np.testing.assert_allclose(float(wrapped(y_true, y_pred)), float(reference(y_true, y_pred)), rtol=1e-6)

    from_class = resolve_compile_metric(metrics.Recall, (4,), (4,))
    assert isinstance(from_class, metrics.Recall) and from_class.name.startswith("recall")
    assert resolve_compile_metric(metrics.binary_accuracy, (4, 1), (4, 1)).name == "binary_accuracy"


def test_errors():
    with pytest.raises(ValueError, match="Received: identifier=None"):
        resolve_compile_metric(None, (4,), (4, 3))
    with pytest.raises(ValueError, match=r"Expected one of .*'accuracy'.*Received: identifier='acuracy'"):
        resolve_compile_metric("acuracy", (4,), (4, 3))


def test_unknown_batch_dimension():
    assert type(resolve_compile_metric("acc", (None,), (None, 3))).__name__ == "SparseCategoricalAccuracy"
    assert type(resolve_compile_metric("acc", (None, 3), (None, None))).__name__ == "CategoricalAccuracy"
