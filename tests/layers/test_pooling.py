"""Pooling layers: the layer harness and Keras parity, aliases, errors (the ops: tests/ops/test_pooling.py)."""

import keras
import numpy as np
import pytest

from scratchnn import layers
from scratchnn.testing import run_layer_test

POOL_LAYERS = [
    ("MaxPooling2D", {}, (2, 6, 7, 3)),
    ("MaxPooling2D", {"pool_size": 3, "strides": 2, "padding": "same"}, (2, 7, 5, 3)),
    ("AveragePooling2D", {"pool_size": (2, 3)}, (2, 6, 7, 3)),
    ("AveragePooling2D", {"pool_size": 3, "strides": 1, "padding": "same"}, (2, 5, 4, 2)),
    ("MaxPooling1D", {}, (2, 7, 3)),
    ("AveragePooling1D", {"pool_size": 3, "strides": 2, "padding": "same"}, (2, 8, 3)),
    ("GlobalAveragePooling2D", {}, (2, 4, 5, 3)),
    ("GlobalMaxPooling2D", {}, (2, 4, 5, 3)),
    ("GlobalAveragePooling2D", {"keepdims": True}, (2, 4, 5, 3)),
    ("GlobalAveragePooling1D", {}, (2, 6, 3)),
    ("GlobalMaxPooling1D", {"keepdims": True}, (2, 6, 3)),
]


@pytest.mark.parametrize("name,kwargs,shape", POOL_LAYERS)
def test_pool_layer_harness_and_keras(name, kwargs, shape, rng):
    run_layer_test(getattr(layers, name), kwargs, input_shape=shape)
    x = rng.standard_normal(shape).astype("float32")
    ours = getattr(layers, name)(**kwargs)
    theirs = getattr(keras.layers, name)(**kwargs)
    np.testing.assert_allclose(ours(x).numpy(), np.asarray(theirs(x)), atol=1e-6)
    none_shape = (None, *shape[1:])
    assert tuple(ours.compute_output_shape(none_shape)) == tuple(theirs.compute_output_shape(none_shape))
    assert set(ours.get_config()) == set(theirs.get_config())


def test_aliases_are_the_same_classes():
    assert layers.MaxPool2D is layers.MaxPooling2D and layers.AvgPool2D is layers.AveragePooling2D
    assert layers.MaxPooling2D().get_config()["strides"] == (2, 2)


@pytest.mark.parametrize(
    "kwargs,match",
    [({"pool_size": 0}, "pool_size"), ({"strides": (1, 2, 3)}, "strides"), ({"padding": "full"}, "padding")],
)
def test_pooling_rejects_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        layers.MaxPooling2D(**kwargs)


def test_pool_larger_than_input_is_an_error():
    with pytest.raises(ValueError, match="larger than the input"):
        layers.MaxPooling2D(4)(np.zeros((1, 3, 3, 1), dtype="float32"))
