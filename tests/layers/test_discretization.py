"""Discretization: Keras parity (boundaries learned by adapt, encodings), configs, errors."""

import json

import keras
import numpy as np
import pytest

from scratchnn import layers

MODES = ["int", "one_hot", "multi_hot", "count"]


def _keras_adapt(layer, batches):
    # Keras's adapt() needs TensorFlow for its isinstance check; its update/finalize steps do not.
    layer.reset_state()
    for batch in batches:
        layer.update_state(batch)
    layer.finalize_state()


@pytest.mark.parametrize("shape", [(1000,), (300, 4), (7, 3)])
@pytest.mark.parametrize("num_bins", [2, 5, 10, 150])
def test_adapted_boundaries_match_keras(shape, num_bins, rng):
    data = rng.normal(0, 1, shape).astype("float32")
    ours = layers.Discretization(num_bins=num_bins)
    ours.adapt(data)
    theirs = keras.layers.Discretization(num_bins=num_bins)
    _keras_adapt(theirs, [data])
    assert len(ours.bin_boundaries) == len(theirs.bin_boundaries)
    np.testing.assert_allclose(ours.bin_boundaries, theirs.bin_boundaries, rtol=1e-6)


def test_adapt_over_batches_matches_keras_and_steps(rng):
    batches = [rng.exponential(2.0, (64, 2)).astype("float32") for _ in range(6)]
    ours = layers.Discretization(num_bins=4, epsilon=0.05)
    ours.adapt(batches)
    theirs = keras.layers.Discretization(num_bins=4, epsilon=0.05)
    _keras_adapt(theirs, batches)
    np.testing.assert_allclose(ours.bin_boundaries, theirs.bin_boundaries, rtol=1e-6)
    limited = layers.Discretization(num_bins=4, epsilon=0.05)
    limited.adapt(iter(batches), steps=2)
    _keras_adapt(theirs, batches[:2])
    np.testing.assert_allclose(limited.bin_boundaries, theirs.bin_boundaries, rtol=1e-6)


def test_adapted_bins_hold_about_equal_counts(rng):
    data = rng.uniform(0, 10, (5000, 1)).astype("float32")
    layer = layers.Discretization(num_bins=5)
    layer.adapt(data)
    counts = np.bincount(layer(data).numpy().reshape(-1), minlength=5)
    assert counts.min() > 800 and counts.max() < 1200


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("shape", [(6,), (4, 3), (4, 1), (2, 3, 2)])
def test_fixed_boundaries_match_keras(mode, shape, rng):
    x = rng.normal(0, 1, shape).astype("float32")
    x.reshape(-1)[0] = 0.0  # exactly on a boundary: the bin to its right
    kwargs = {"bin_boundaries": [-0.5, 0.0, 0.5], "output_mode": mode}
    ours, theirs = layers.Discretization(**kwargs)(x), keras.layers.Discretization(**kwargs)(x)
    assert ours.dtype == str(theirs.dtype)
    np.testing.assert_array_equal(ours.numpy(), np.asarray(theirs))
    shape_ours = layers.Discretization(**kwargs).compute_output_shape(shape)
    assert tuple(shape_ours) == tuple(keras.layers.Discretization(**kwargs).compute_output_shape(shape))


def test_discretization_config_round_trip_after_adapt(rng):
    layer = layers.Discretization(num_bins=3, output_mode="one_hot")
    layer.adapt(rng.normal(0, 1, (100, 1)))
    config = json.loads(json.dumps(layer.get_config()))
    assert set(config) == set(keras.layers.Discretization(num_bins=3).get_config())
    clone = layers.Discretization.from_config(config)
    assert clone.bin_boundaries == layer.bin_boundaries and clone.get_config() == layer.get_config()
    x = rng.normal(0, 1, (5, 1)).astype("float32")
    np.testing.assert_array_equal(clone(x).numpy(), layer(x).numpy())
    keras_clone = keras.layers.Discretization.from_config(config)
    np.testing.assert_array_equal(np.asarray(keras_clone(x)), layer(x).numpy())


@pytest.mark.parametrize(
    "kwargs,match",
    [
        ({}, "either `num_bins` or `bin_boundaries`"),
        ({"num_bins": 2, "bin_boundaries": [0.0]}, "Both"),
        ({"num_bins": -1}, "greater than or equal to 0"),
        ({"num_bins": 2, "output_mode": "binary"}, "output_mode"),
        ({"num_bins": 2, "sparse": True}, "sparse"),
        ({"num_bins": 2, "epsilon": 0}, "epsilon"),
    ],
)
def test_discretization_argument_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        layers.Discretization(**kwargs)


def test_discretization_use_errors():
    with pytest.raises(ValueError, match="call `adapt"):
        layers.Discretization(num_bins=3)(np.zeros((2, 2)))
    with pytest.raises(ValueError, match="Cannot adapt"):
        layers.Discretization(bin_boundaries=[0.0]).adapt(np.zeros((2, 2)))
