"""Regression and reduction metrics against keras.metrics on the same batches."""

import numpy as np
import pytest

from scratchnn import metrics

REGRESSION = [
    "MeanSquaredError",
    "MeanAbsoluteError",
    "RootMeanSquaredError",
    "MeanAbsolutePercentageError",
    "MeanSquaredLogarithmicError",
]


def _regression_batches(rng, true_shape, pred_shape, weight_shape):
    batches = []
    for n in (16, 5):
        y_true = rng.normal(size=(n, *true_shape[1:])).astype(np.float32)
        y_pred = rng.normal(size=(n, *pred_shape[1:])).astype(np.float32)
        batch = (y_true, y_pred)
        if weight_shape is not None:
            batch += (rng.random((n, *weight_shape[1:])).astype(np.float32),)
        batches.append(batch)
    return batches


@pytest.mark.parametrize("name", REGRESSION)
@pytest.mark.parametrize(
    "true_shape, pred_shape, weight_shape",
    [
        ((0, 3), (0, 3), None),
        ((0, 3), (0, 3), (0,)),
        ((0, 3), (0, 3), (0, 1)),
        ((0, 3), (0, 3), (0, 3)),
        ((0,), (0, 1), None),
        ((0, 1), (0,), (0,)),
        ((0, 2, 3), (0, 2, 3), (0,)),
    ],
)
def test_regression_metrics(keras, parity, rng, name, true_shape, pred_shape, weight_shape):
    batches = _regression_batches(rng, true_shape, pred_shape, weight_shape)
    if weight_shape == (0, 3) and name != "RootMeanSquaredError":
        # Per-sample values (N,) cannot take (N, 3) weights, in Keras either.
        for metric in (getattr(metrics, name)(), getattr(keras.metrics, name)()):
            with pytest.raises(ValueError):
                metric.update_state(*batches[0])
        return
    parity(getattr(metrics, name)(), getattr(keras.metrics, name)(), batches)


@pytest.mark.parametrize(
    "name",
    [
        "mean_squared_error",
        "mean_absolute_error",
        "mean_absolute_percentage_error",
        "mean_squared_logarithmic_error",
    ],
)
def test_regression_functions(keras, rng, name):
    y_true = rng.normal(size=(6, 4)).astype(np.float32)
    y_pred = rng.normal(size=(6, 4)).astype(np.float32)
    ours = getattr(metrics, name)(y_true, y_pred)
    theirs = getattr(keras.metrics, name)(y_true, y_pred)
    np.testing.assert_allclose(ours.numpy(), np.asarray(theirs), rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("name", ["Mean", "Sum"])
@pytest.mark.parametrize(
    "value_shape, weight_shape",
    [
        ((8,), None),
        ((8,), (8,)),
        ((8, 3), None),
        ((8, 3), (8,)),
        ((8, 3), (8, 1)),
        ((8, 3), (8, 3)),
        ((8,), ()),
        ((), None),
    ],
)
def test_mean_and_sum(keras, parity, rng, name, value_shape, weight_shape):
    batches = []
    for _ in range(3):
        values = rng.normal(size=value_shape).astype(np.float32)
        if weight_shape is None:
            batches.append((values,))
        else:
            batches.append((values, rng.random(weight_shape).astype(np.float32)))
    parity(getattr(metrics, name)(), getattr(keras.metrics, name)(), batches)


def test_mean_is_zero_before_any_update():
    assert float(metrics.Mean().result()) == 0.0
    assert float(metrics.RootMeanSquaredError().result()) == 0.0


def _squared_error(y_true, y_pred):
    return (y_true - y_pred) ** 2


def test_mean_metric_wrapper_with_user_function(keras, parity, rng):
    batches = _regression_batches(rng, (0, 3), (0, 3), (0,))
    parity(
        metrics.MeanMetricWrapper(_squared_error, name="se"),
        keras.metrics.MeanMetricWrapper(_squared_error, name="se"),
        batches,
    )


def test_mean_metric_wrapper_passes_kwargs(keras, parity, rng):
    y_true = (rng.random((10, 1)) > 0.5).astype(np.float32)
    y_pred = rng.random((10, 1)).astype(np.float32)
    parity(
        metrics.MeanMetricWrapper(metrics.binary_accuracy, threshold=0.2),
        keras.metrics.MeanMetricWrapper(keras.metrics.binary_accuracy, threshold=0.2),
        [(y_true, y_pred)],
    )


def test_mean_metric_wrapper_rejects_non_callable():
    with pytest.raises(TypeError, match="Received: fn=3"):
        metrics.MeanMetricWrapper(3)
