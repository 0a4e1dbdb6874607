"""PReLU: harness (input and alpha gradients), shared axes, Keras parity on the same alpha, errors."""

import keras
import numpy as np
import pytest

from scratchnn import layers
from scratchnn.testing import run_layer_test


@pytest.mark.parametrize(
    "kwargs,shape,alpha_shape",
    [
        ({}, (3, 5), (5,)),
        ({"shared_axes": [1, 2]}, (2, 3, 4, 2), (1, 1, 2)),
        ({"shared_axes": 1}, (1, 3, 4), (1, 4)),
    ],
)
def test_prelu_harness_and_alpha_shape(kwargs, shape, alpha_shape):
    layer = run_layer_test(
        layers.PReLU,
        {"alpha_initializer": "random_uniform", **kwargs},
        input_shape=shape,
        expected_output_shape=shape,
        expected_num_trainable_weights=1,
    )
    assert layer.alpha.shape == alpha_shape


@pytest.mark.parametrize("shared_axes", [None, [1], [1, 2]])
def test_prelu_matches_keras(shared_axes, rng):
    x = rng.standard_normal((4, 3, 5)).astype("float32")
    ours = layers.PReLU(shared_axes=shared_axes)
    ours(x)
    alpha = [rng.uniform(0.0, 0.5, ours.alpha.shape).astype("float32")]
    ours.set_weights(alpha)
    theirs = keras.layers.PReLU(shared_axes=shared_axes)
    theirs.build(x.shape)
    theirs.set_weights(alpha)
    np.testing.assert_allclose(ours(x).numpy(), np.asarray(theirs(x)), atol=1e-6)
    assert {k: v for k, v in ours.get_config().items() if k in ("shared_axes",)} == {
        "shared_axes": shared_axes
    }


def test_prelu_starts_as_relu():
    x = np.array([[-2.0, 3.0]], dtype="float32")
    np.testing.assert_array_equal(layers.PReLU()(x).numpy(), [[0.0, 3.0]])


def test_prelu_rejects_bad_shared_axes():
    with pytest.raises(ValueError, match="shared_axes"):
        layers.PReLU(shared_axes=[0])
    with pytest.raises(ValueError, match="out of range"):
        layers.PReLU(shared_axes=[3])(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="known size"):
        layers.PReLU().build((None, None, 3))
