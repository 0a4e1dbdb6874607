"""TimeDistributed: vectorised over (batch, time), same weights as Keras, gradients, masks, config."""

import keras
import numpy as np
import pytest

from scratchnn import backend, layers
from scratchnn.ops import Tensor
from scratchnn.testing import check_gradients


def _keras_twin(ours, theirs, x):
    theirs(x)
    theirs.set_weights(ours.get_weights())
    return np.asarray(theirs(x))


def test_time_distributed_dense_matches_keras(rng):
    x = rng.standard_normal((3, 4, 5)).astype("float32")
    ours = layers.TimeDistributed(layers.Dense(2, activation="tanh"))
    out = ours(x).numpy()
    assert out.shape == (3, 4, 2) and ours.compute_output_shape((None, 4, 5)) == (None, 4, 2)
    theirs = keras.layers.TimeDistributed(keras.layers.Dense(2, activation="tanh"))
    np.testing.assert_allclose(out, _keras_twin(ours, theirs, x), atol=1e-5)
    assert [w.shape for w in ours.weights] == [(5, 2), (2,)]


def test_time_distributed_conv2d_matches_keras(rng):
    x = rng.standard_normal((2, 3, 6, 6, 2)).astype("float32")
    ours = layers.TimeDistributed(layers.Conv2D(3, 3, padding="same"))
    theirs = keras.layers.TimeDistributed(keras.layers.Conv2D(3, 3, padding="same"))
    np.testing.assert_allclose(ours(x).numpy(), _keras_twin(ours, theirs, x), atol=1e-5)


def test_time_distributed_gradients_and_accumulation(rng, float64):
    layer = layers.TimeDistributed(layers.Dense(3, activation="sigmoid"))
    x = rng.standard_normal((2, 3, 4))
    layer(x)
    check_gradients(lambda inp, *_w: layer(inp), [x, *layer.trainable_weights])
    check_gradients(lambda inp, *_w: layer(inp) * layer(inp), [x, *layer.trainable_weights])


def test_time_distributed_config_round_trip_and_float32():
    layer = layers.TimeDistributed(layers.Dense(2), name="td")
    x = np.ones((1, 2, 3), dtype="float32")
    out = layer(x)
    assert out.dtype == "float32"
    config = layer.get_config()
    assert config["layer"]["class_name"] == "Dense" and config["layer"]["config"]["units"] == 2
    clone = layers.TimeDistributed.from_config(config)
    clone(x)
    clone.set_weights(layer.get_weights())
    np.testing.assert_array_equal(clone(x).numpy(), out.numpy())
    assert clone.get_config() == config


def test_time_distributed_passes_training_and_the_mask():
    seen = {}

    class Probe(layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.supports_masking = True

        def call(self, inputs, training=False, mask=None):
            seen["training"], seen["mask"] = training, mask
            return inputs

    t = Tensor(backend.asarray(np.ones((2, 3, 4), dtype="float32")))
    t._keras_mask = np.array([[True, False, True], [True, True, False]])
    layers.TimeDistributed(Probe())(t, training=True)
    assert seen["training"] is True
    np.testing.assert_array_equal(seen["mask"], t._keras_mask.reshape(6))


def test_time_distributed_dropout_drops_in_training_only():
    x = np.ones((4, 5, 50), dtype="float32")
    layer = layers.TimeDistributed(layers.Dropout(0.5, seed=0))
    np.testing.assert_array_equal(layer(x).numpy(), x)
    assert (layer(x, training=True).numpy() == 0).mean() > 0.4


def test_time_distributed_errors():
    with pytest.raises(ValueError, match="keras.layers.Layer` instance"):
        layers.TimeDistributed("dense")
    with pytest.raises(ValueError, match="at least 3 dimensions"):
        layers.TimeDistributed(layers.Dense(2))(np.zeros((2, 3)))
    t = Tensor(backend.asarray(np.zeros((2, 3, 4), dtype="float32")))
    t._keras_mask = np.ones((2, 4), dtype=bool)
    with pytest.raises(ValueError, match="mask"):
        layers.TimeDistributed(layers.Dense(2))(t)
