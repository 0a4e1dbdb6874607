"""ZeroPadding2D, Cropping2D, UpSampling2D and SpatialDropout2D: harness, Keras parity, errors."""

import keras
import numpy as np
import pytest

from scratchnn import layers
from scratchnn.testing import run_layer_test

CASES = [
    ("ZeroPadding2D", {}, (2, 3, 4, 2)),
    ("ZeroPadding2D", {"padding": (2, 1)}, (2, 3, 4, 2)),
    ("ZeroPadding2D", {"padding": ((1, 0), (0, 2))}, (1, 3, 4, 2)),
    ("Cropping2D", {"cropping": 1}, (2, 5, 4, 2)),
    ("Cropping2D", {"cropping": ((1, 0), (0, 2))}, (2, 5, 4, 2)),
    ("Cropping2D", {}, (2, 3, 3, 1)),
    ("UpSampling2D", {}, (2, 3, 2, 2)),
    ("UpSampling2D", {"size": (1, 3)}, (2, 3, 2, 2)),
    ("SpatialDropout2D", {"rate": 0.5}, (2, 3, 4, 2)),
]


@pytest.mark.parametrize("name,kwargs,shape", CASES)
def test_harness_and_keras(name, kwargs, shape, rng):
    run_layer_test(getattr(layers, name), kwargs, input_shape=shape)
    x = rng.standard_normal(shape).astype("float32")
    ours, theirs = getattr(layers, name)(**kwargs), getattr(keras.layers, name)(**kwargs)
    np.testing.assert_allclose(ours(x).numpy(), np.asarray(theirs(x)), atol=1e-6)
    assert tuple(ours.compute_output_shape((None, *shape[1:]))) == tuple(
        theirs.compute_output_shape((None, *shape[1:]))
    )
    assert set(ours.get_config()) == set(theirs.get_config())


def test_spatial_dropout_drops_whole_channels(rng):
    x = np.ones((40, 5, 6, 8), dtype="float32")
    out = layers.SpatialDropout2D(0.5, seed=3)(x, training=True).numpy()
    per_map = out.reshape(40, 30, 8)
    assert np.all(per_map.min(axis=1) == per_map.max(axis=1))  # a map is all kept or all dropped
    kept = per_map[:, 0, :] != 0
    assert 0.35 < kept.mean() < 0.65
    np.testing.assert_allclose(per_map[:, 0, :][kept], 2.0)


def test_spatial_dropout_training_gradient_uses_the_mask():
    from scratchnn.testing import check_gradients

    layer = layers.SpatialDropout2D(0.5, seed=1)
    x = np.random.default_rng(0).standard_normal((2, 3, 3, 4))
    state = layer._generator.bit_generator.state

    def fn(a):
        layer._generator.bit_generator.state = state  # the same mask on every call
        return layer(a, training=True)

    check_gradients(fn, [x], atol=1e-7)


@pytest.mark.parametrize(
    "cls,kwargs,match",
    [
        ("ZeroPadding2D", {"padding": -1}, "padding"),
        ("ZeroPadding2D", {"padding": (1, 2, 3)}, "padding"),
        ("Cropping2D", {"cropping": "a"}, "cropping"),
        ("UpSampling2D", {"size": 0}, "size"),
        ("UpSampling2D", {"interpolation": "bicubic"}, "interpolation"),
    ],
)
def test_bad_arguments(cls, kwargs, match):
    with pytest.raises(ValueError, match=match):
        getattr(layers, cls)(**kwargs)


def test_cropping_everything_is_an_error():
    with pytest.raises(ValueError, match="cropping"):
        layers.Cropping2D(2)(np.zeros((1, 4, 4, 1), dtype="float32"))
