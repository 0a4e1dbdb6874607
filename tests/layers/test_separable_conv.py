"""SeparableConv2D: harness (three weights' gradients), Keras parity on the same weights, errors."""

import keras
import numpy as np
import pytest

from scratchnn import layers
from scratchnn.testing import run_layer_test

CASES = [
    ({"filters": 3, "kernel_size": 2}, (2, 5, 5, 2), (2, 4, 4, 3)),
    ({"filters": 2, "kernel_size": 3, "padding": "same", "depth_multiplier": 2}, (1, 5, 4, 3), (1, 5, 4, 2)),
    ({"filters": 4, "kernel_size": (3, 2), "strides": 2, "padding": "same"}, (2, 7, 6, 2), (2, 4, 3, 4)),
    ({"filters": 2, "kernel_size": 2, "dilation_rate": 2, "activation": "relu"}, (2, 6, 6, 2), (2, 4, 4, 2)),
    ({"filters": 2, "kernel_size": 3, "use_bias": False, "activation": "tanh"}, (2, 5, 5, 1), (2, 3, 3, 2)),
]


@pytest.mark.parametrize("kwargs,shape,out_shape", CASES)
def test_separable_conv2d_harness(kwargs, shape, out_shape):
    n_weights = 3 if kwargs.get("use_bias", True) else 2
    run_layer_test(
        layers.SeparableConv2D,
        {**kwargs, "bias_initializer": "random_normal"} if n_weights == 3 else kwargs,
        input_shape=shape,
        expected_output_shape=out_shape,
        expected_num_trainable_weights=n_weights,
    )


@pytest.mark.parametrize("kwargs,shape,out_shape", CASES)
def test_separable_conv2d_matches_keras(kwargs, shape, out_shape, rng):
    x = rng.standard_normal(shape).astype("float32")
    ours = layers.SeparableConv2D(**kwargs)
    ours(x)
    weights = [rng.standard_normal(w.shape).astype("float32") for w in ours.get_weights()]
    ours.set_weights(weights)
    theirs = keras.layers.SeparableConv2D(**kwargs)
    theirs.build(shape)
    assert [tuple(w.shape) for w in theirs.weights] == [w.shape for w in weights]
    theirs.set_weights(weights)
    np.testing.assert_allclose(ours(x).numpy(), np.asarray(theirs(x)), atol=1e-5, rtol=1e-5)
    keys = set(theirs.get_config()) - {"dtype", "name", "trainable", "activation"}
    ours_config = ours.get_config()
    for key in keys - {k for k in keys if k.endswith("_initializer")}:
        assert ours_config[key] == theirs.get_config()[key], key


def test_separable_conv2d_alias_and_weight_names():
    assert layers.SeparableConvolution2D is layers.SeparableConv2D
    layer = layers.SeparableConv2D(4, 3)
    layer.build((None, 8, 8, 2))
    assert [w.name for w in layer.weights] == ["depthwise_kernel", "pointwise_kernel", "bias"]


@pytest.mark.parametrize(
    "kwargs,match",
    [
        ({"filters": 0, "kernel_size": 3}, "filters"),
        ({"filters": 2, "kernel_size": 3, "depth_multiplier": -1}, "depth_multiplier"),
        ({"filters": 2, "kernel_size": 0}, "kernel_size"),
        ({"filters": 2, "kernel_size": 3, "padding": "causal"}, "padding"),
    ],
)
def test_separable_conv2d_rejects_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        layers.SeparableConv2D(**kwargs)


def test_separable_conv2d_checks_its_input():
    layer = layers.SeparableConv2D(2, 3)
    with pytest.raises(ValueError, match="4-D input"):
        layer(np.zeros((2, 5, 3)))
    layer(np.zeros((1, 5, 5, 2)))
    with pytest.raises(ValueError, match="axis -1 of size 2"):
        layer(np.zeros((1, 5, 5, 3)))
