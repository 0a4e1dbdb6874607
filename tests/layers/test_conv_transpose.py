"""Conv2DTranspose and Conv1DTranspose: harness, Keras parity on the same weights, configs, errors."""

import io
from contextlib import redirect_stdout

import keras
import numpy as np
import pytest

import scratchnn.keras as sk
from scratchnn import layers
from scratchnn.testing import run_layer_test

CONV2D_T_CASES = [
    {"filters": 3, "kernel_size": 3},
    {"filters": 3, "kernel_size": 3, "strides": 2, "padding": "same", "activation": "relu"},
    {"filters": 2, "kernel_size": (2, 3), "strides": (2, 1), "padding": "valid", "activation": "tanh"},
    {"filters": 2, "kernel_size": 3, "strides": 2, "padding": "same", "output_padding": 1},
    {"filters": 2, "kernel_size": 3, "strides": 3, "padding": "valid", "output_padding": (2, 1)},
    {"filters": 2, "kernel_size": 4, "strides": 2, "padding": "same", "output_padding": 0, "use_bias": False},
    {"filters": 2, "kernel_size": 2, "dilation_rate": 2, "padding": "same"},
    {"filters": 1, "kernel_size": 5, "strides": 2, "padding": "same", "activation": "sigmoid"},
]


@pytest.mark.parametrize("kwargs", CONV2D_T_CASES)
def test_conv2d_transpose_harness(kwargs):
    run_layer_test(
        layers.Conv2DTranspose,
        kwargs,
        input_shape=(2, 3, 4, 3),
        expected_num_trainable_weights=1 + kwargs.get("use_bias", True),
    )


@pytest.mark.parametrize("kwargs", CONV2D_T_CASES)
def test_conv2d_transpose_matches_keras(kwargs, rng):
    x = rng.standard_normal((3, 5, 4, 4)).astype("float32")
    ours, theirs = layers.Conv2DTranspose(**kwargs), keras.layers.Conv2DTranspose(**kwargs)
    ours(x)
    theirs.build(x.shape)
    weights = [rng.standard_normal(w.shape).astype("float32") for w in ours.get_weights()]
    # Keras's kernel layout (kh, kw, filters, in_channels) and weight order.
    assert [w.shape for w in weights] == [tuple(w.shape) for w in theirs.get_weights()]
    assert [w.name for w in ours.weights] == [w.name for w in theirs.weights]
    ours.set_weights(weights)
    theirs.set_weights(weights)
    np.testing.assert_allclose(ours(x).numpy(), np.asarray(theirs(x)), atol=1e-5, rtol=1e-5)
    for shape in [(None, 5, 4, 4), (None, None, 4, 4), (2, 7, None, 4)]:
        assert ours.compute_output_shape(shape) == tuple(theirs.compute_output_shape(shape))


CONV1D_T_CASES = [
    {"filters": 3, "kernel_size": 3},
    {"filters": 3, "kernel_size": 3, "strides": 2, "padding": "same"},
    {"filters": 2, "kernel_size": 2, "strides": 3, "output_padding": 1, "activation": "tanh"},
    {"filters": 2, "kernel_size": 3, "dilation_rate": 2, "padding": "same"},
]


@pytest.mark.parametrize("kwargs", CONV1D_T_CASES)
def test_conv1d_transpose_harness_and_keras(kwargs, rng):
    run_layer_test(layers.Conv1DTranspose, kwargs, input_shape=(2, 5, 3), expected_num_trainable_weights=2)
    x = rng.standard_normal((3, 6, 4)).astype("float32")
    ours, theirs = layers.Conv1DTranspose(**kwargs), keras.layers.Conv1DTranspose(**kwargs)
    ours(x)
    theirs.build(x.shape)
    weights = [rng.standard_normal(w.shape).astype("float32") for w in ours.get_weights()]
    ours.set_weights(weights)
    theirs.set_weights(weights)
    np.testing.assert_allclose(ours(x).numpy(), np.asarray(theirs(x)), atol=1e-5, rtol=1e-5)
    assert ours.compute_output_shape((None, 6, 4)) == tuple(theirs.compute_output_shape((None, 6, 4)))


@pytest.mark.parametrize("cls", ["Conv2DTranspose", "Conv1DTranspose"])
def test_config_matches_keras_and_loads_keras_configs(cls):
    args = {"filters": 4, "kernel_size": 3, "strides": 2, "output_padding": 1, "padding": "same"}
    ours = getattr(layers, cls)(**args).get_config()
    theirs = getattr(keras.layers, cls)(**args).get_config()
    assert set(ours) == set(theirs)
    for key in (
        "filters",
        "kernel_size",
        "strides",
        "padding",
        "output_padding",
        "dilation_rate",
        "use_bias",
    ):
        assert ours[key] == theirs[key], key
    # A config written by Keras (its dtype policy dict included) builds an equal layer here.
    rebuilt = getattr(layers, cls).from_config(theirs)
    assert rebuilt.output_padding == (1,) * rebuilt.rank and rebuilt.strides == (2,) * rebuilt.rank


def test_aliases_and_keras_namespace():
    assert sk.layers.Convolution2DTranspose is sk.layers.Conv2DTranspose
    assert sk.layers.Convolution1DTranspose is sk.layers.Conv1DTranspose
    assert sk.ops.conv_transpose is not None


def _decoder(api):
    L = api.layers
    return api.Sequential(
        [
            L.Input((7, 7, 8)),
            L.Conv2DTranspose(16, 3, strides=2, padding="same", activation="relu"),
            L.Conv2DTranspose(8, 3, strides=2, padding="same", output_padding=1, activation="relu"),
            L.Conv2DTranspose(1, 3, activation="sigmoid"),
        ]
    )


def _summary(model):
    buf = io.StringIO()
    with redirect_stdout(buf):
        model.summary()
    return buf.getvalue()


def test_decoder_shapes_params_and_predictions_match_keras(rng):
    ours, theirs = _decoder(sk), _decoder(keras)
    # (The summary text itself differs: Keras wraps "name (Type)" cells longer than 31 characters.)
    assert "2,401" in _summary(ours)
    assert ours.count_params() == theirs.count_params() == 2401
    assert [ours._summary_output_shape(a) for a in ours.layers] == [b.output.shape for b in theirs.layers]
    theirs.set_weights(ours.get_weights())
    x = rng.random((2, 7, 7, 8)).astype("float32")
    out = ours.predict(x, verbose=0)
    assert out.shape == (2, 30, 30, 1)
    np.testing.assert_allclose(out, np.asarray(theirs(x)), atol=1e-5)


def test_conv_autoencoder_learns(rng):
    # Conv2D down, Conv2DTranspose up: reconstructing blurred blobs, the loss falls by half.
    sk.utils.set_random_seed(0)
    x = np.zeros((32, 8, 8, 1), dtype="float32")
    r, c = rng.integers(1, 6, 32), rng.integers(1, 6, 32)
    for dr in (0, 1):
        for dc in (0, 1):
            x[np.arange(32), r + dr, c + dc, 0] = 1.0
    model = sk.Sequential(
        [
            sk.layers.Input((8, 8, 1)),
            sk.layers.Conv2D(8, 3, strides=2, padding="same", activation="relu"),
            sk.layers.Conv2DTranspose(8, 3, strides=2, padding="same", activation="relu"),
            sk.layers.Conv2D(1, 3, padding="same", activation="sigmoid"),
        ]
    )
    model.compile(optimizer="adam", loss="binary_crossentropy")
    history = model.fit(x, x, epochs=40, batch_size=8, verbose=0)
    assert history.history["loss"][-1] < 0.5 * history.history["loss"][0]


@pytest.mark.parametrize(
    "kwargs,match",
    [
        ({"filters": 0, "kernel_size": 3}, "filters"),
        ({"filters": 2, "kernel_size": 0}, "kernel_size"),
        ({"filters": 2, "kernel_size": 3, "padding": "causal"}, "padding"),
        ({"filters": 2, "kernel_size": 3, "strides": 2, "output_padding": 2}, "strictly less than `strides`"),
        ({"filters": 2, "kernel_size": 3, "output_padding": (0, -1)}, "output_padding"),
        ({"filters": 2, "kernel_size": 3, "strides": 2, "output_padding": (1, None)}, "output_padding"),
        ({"filters": 2, "kernel_size": 3, "strides": 2, "dilation_rate": 2}, "dilation_rate"),
        ({"filters": 2, "kernel_size": 3, "data_format": "channels_first"}, "data_format"),
    ],
)
def test_conv2d_transpose_rejects_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        layers.Conv2DTranspose(**kwargs)


def test_conv2d_transpose_rejects_incompatible_input():
    layer = layers.Conv2DTranspose(2, 3)
    layer(np.zeros((1, 4, 4, 3), dtype="float32"))
    with pytest.raises(ValueError, match="axis -1 of size 3"):
        layer(np.zeros((1, 4, 4, 5), dtype="float32"))
    with pytest.raises(ValueError, match="4-D input"):
        layers.Conv2DTranspose(2, 3)(np.zeros((4, 4, 3), dtype="float32"))
