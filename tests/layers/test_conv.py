"""Convolution layers: harness, Keras parity, configs, summary, errors (the ops: tests/ops/test_convolution.py)."""

import io
from contextlib import redirect_stdout

import keras
import numpy as np
import pytest

import scratchnn.keras as sk
from scratchnn import layers
from scratchnn.testing import run_layer_test

CONV2D_LAYER_CASES = [
    {"filters": 3, "kernel_size": 3},
    {"filters": 3, "kernel_size": 3, "padding": "same", "activation": "relu"},
    {"filters": 2, "kernel_size": (2, 3), "strides": 2, "padding": "same", "activation": "tanh"},
    {"filters": 2, "kernel_size": 2, "dilation_rate": 2, "padding": "same"},
    {"filters": 4, "kernel_size": 3, "groups": 2, "use_bias": False},
    {"filters": 2, "kernel_size": 1, "strides": (2, 1)},
]


@pytest.mark.parametrize("kwargs", CONV2D_LAYER_CASES)
def test_conv2d_layer_harness(kwargs):
    run_layer_test(
        layers.Conv2D,
        kwargs,
        input_shape=(2, 5, 7, 4),
        expected_num_trainable_weights=1 + kwargs.get("use_bias", True),
    )


@pytest.mark.parametrize("kwargs", CONV2D_LAYER_CASES)
def test_conv2d_layer_matches_keras(kwargs, rng):
    x = rng.standard_normal((3, 9, 8, 4)).astype("float32")
    ours = layers.Conv2D(**kwargs)
    theirs = keras.layers.Conv2D(**kwargs)
    ours(x)
    theirs.build(x.shape)
    weights = [rng.standard_normal(w.shape).astype("float32") for w in ours.get_weights()]
    assert [w.shape for w in weights] == [tuple(w.shape) for w in theirs.get_weights()]
    ours.set_weights(weights)
    theirs.set_weights(weights)
    np.testing.assert_allclose(ours(x).numpy(), np.asarray(theirs(x)), atol=1e-5, rtol=1e-5)
    assert ours.compute_output_shape((None, 9, 8, 4)) == theirs.compute_output_shape((None, 9, 8, 4))


CONV1D_CASES = [
    {"filters": 3, "kernel_size": 3},
    {"filters": 3, "kernel_size": 3, "padding": "same", "strides": 2},
    {"filters": 2, "kernel_size": 2, "padding": "causal", "dilation_rate": 2, "activation": "relu"},
    {"filters": 4, "kernel_size": 2, "groups": 2},
]


@pytest.mark.parametrize("kwargs", CONV1D_CASES)
def test_conv1d_layer_harness_and_keras(kwargs, rng):
    run_layer_test(layers.Conv1D, kwargs, input_shape=(2, 7, 4), expected_num_trainable_weights=2)
    x = rng.standard_normal((3, 9, 4)).astype("float32")
    ours, theirs = layers.Conv1D(**kwargs), keras.layers.Conv1D(**kwargs)
    ours(x)
    theirs.build(x.shape)
    theirs.set_weights(ours.get_weights())
    np.testing.assert_allclose(ours(x).numpy(), np.asarray(theirs(x)), atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"kernel_size": 3},
        {"kernel_size": 2, "depth_multiplier": 2, "strides": 2, "padding": "same"},
        {"kernel_size": 3, "dilation_rate": 2, "padding": "same", "activation": "relu"},
    ],
)
def test_depthwise_conv2d_harness_and_keras(kwargs, rng):
    run_layer_test(layers.DepthwiseConv2D, kwargs, input_shape=(2, 6, 7, 3), expected_num_trainable_weights=2)
    x = rng.standard_normal((2, 8, 7, 3)).astype("float32")
    ours, theirs = layers.DepthwiseConv2D(**kwargs), keras.layers.DepthwiseConv2D(**kwargs)
    ours(x)
    theirs.build(x.shape)
    weights = [rng.standard_normal(w.shape).astype("float32") for w in ours.get_weights()]
    ours.set_weights(weights)
    theirs.set_weights(weights)
    np.testing.assert_allclose(ours(x).numpy(), np.asarray(theirs(x)), atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("cls", ["Conv2D", "Conv1D", "DepthwiseConv2D"])
def test_config_has_keras_keys(cls):
    args = {"kernel_size": 3} if cls == "DepthwiseConv2D" else {"filters": 4, "kernel_size": 3}
    ours = getattr(layers, cls)(**args).get_config()
    theirs = getattr(keras.layers, cls)(**args).get_config()
    assert set(ours) == set(theirs)
    for key in ("kernel_size", "strides", "padding", "dilation_rate", "activation", "use_bias"):
        assert list(np.atleast_1d(ours[key])) == list(np.atleast_1d(theirs[key])), key


def test_conv_weights_count_and_initializer_limits():
    layer = layers.Conv2D(64, 3)
    layer(np.zeros((1, 8, 8, 32), dtype="float32"))
    kernel, bias = layer.get_weights()
    assert layer.count_params() == 3 * 3 * 32 * 64 + 64
    limit = np.sqrt(6 / (9 * 32 + 9 * 64))  # glorot_uniform with conv fans
    assert np.abs(kernel).max() <= limit and np.abs(kernel).max() > 0.9 * limit
    assert not bias.any()


def _tutorial_cnn(api):
    L = api.layers
    return api.Sequential(
        [
            L.Input((28, 28, 1)),
            L.Conv2D(32, (5, 5), padding="same", activation="relu"),
            L.MaxPool2D(),
            L.Conv2D(64, (3, 3), padding="same", activation="relu"),
            L.MaxPool2D(),
            L.Conv2D(128, (3, 3), activation="relu"),
            L.MaxPool2D(),
            L.Flatten(),
            L.Dense(128, activation="relu"),
            L.Dense(10, activation="softmax"),
        ]
    )


def _summary(model):
    buf = io.StringIO()
    with redirect_stdout(buf):
        model.summary()
    return buf.getvalue()


def test_tutorial_cnn_summary_and_predictions_match_keras(rng):
    sk.backend.clear_session()
    keras.backend.clear_session()
    ours, theirs = _tutorial_cnn(sk), _tutorial_cnn(keras)
    text = _summary(ours)
    assert "160,138" in text
    assert text == _summary(theirs)
    theirs.set_weights(ours.get_weights())
    x = rng.random((4, 28, 28, 1)).astype("float32")
    np.testing.assert_allclose(ours.predict(x, verbose=0), np.asarray(theirs(x)), atol=1e-5)


def test_small_cnn_learns(rng):
    # Vertical vs horizontal bars: a two-layer CNN separates them in a few epochs.
    y = rng.integers(0, 2, 96)
    x = rng.normal(0, 0.1, (96, 8, 8, 1)).astype("float32")
    pos = rng.integers(1, 7, 96)
    x[y == 0, :, pos[y == 0], 0] += 1.0
    x[y == 1, pos[y == 1], :, 0] += 1.0
    sk.utils.set_random_seed(0)
    model = sk.Sequential(
        [
            sk.layers.Input((8, 8, 1)),
            sk.layers.Conv2D(4, 3, activation="relu"),
            sk.layers.MaxPooling2D(),
            sk.layers.Flatten(),
            sk.layers.Dense(2, activation="softmax"),
        ]
    )
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(x, y, epochs=25, batch_size=16, verbose=0)
    assert history.history["accuracy"][-1] > 0.9 > history.history["accuracy"][0]


@pytest.mark.parametrize(
    "kwargs,match",
    [
        ({"filters": 0, "kernel_size": 3}, "filters"),
        ({"filters": 2, "kernel_size": (3, 0)}, "kernel_size"),
        ({"filters": 2, "kernel_size": 3, "padding": "full"}, "padding"),
        ({"filters": 3, "kernel_size": 3, "groups": 2}, "groups"),
        ({"filters": 2, "kernel_size": 3, "strides": 2, "dilation_rate": 2}, "dilation_rate"),
        ({"filters": 2, "kernel_size": 3, "data_format": "channels_first"}, "data_format"),
    ],
)
def test_conv2d_rejects_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        layers.Conv2D(**kwargs)


def test_conv2d_rejects_incompatible_input():
    layer = layers.Conv2D(2, 3)
    layer(np.zeros((1, 5, 5, 3), dtype="float32"))
    with pytest.raises(ValueError, match="axis -1 of size 3"):
        layer(np.zeros((1, 5, 5, 4), dtype="float32"))
    with pytest.raises(ValueError, match="4-D input"):
        layers.Conv2D(2, 3)(np.zeros((5, 5, 3), dtype="float32"))
