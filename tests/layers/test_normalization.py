"""LayerNormalization (its fused op), UnitNormalization: harness, gradients, Keras parity, errors."""

import keras
import numpy as np
import pytest

from scratchnn import layers
from scratchnn.ops.layer_norm import layer_normalization
from scratchnn.testing import check_gradients, run_layer_test

RANDOM_AFFINE = {"gamma_initializer": "random_normal", "beta_initializer": "random_normal"}


@pytest.mark.parametrize(
    "kwargs,shape,n_weights",
    [
        ({}, (3, 5), 2),
        ({"axis": 1}, (2, 3, 4), 2),
        ({"axis": [1, 2]}, (2, 3, 4), 2),
        ({"axis": [-1, 1]}, (2, 3, 2, 4), 2),
        ({"center": False}, (1, 5), 1),
        ({"scale": False}, (3, 5), 1),
        ({"center": False, "scale": False}, (3, 5), 0),
        ({"epsilon": 0.5}, (3, 5), 2),
    ],
)
def test_layer_normalization_harness(kwargs, shape, n_weights):
    run_layer_test(
        layers.LayerNormalization,
        {**RANDOM_AFFINE, **kwargs},
        input_shape=shape,
        expected_output_shape=shape,
        expected_num_trainable_weights=n_weights,
    )


def test_layer_normalization_rms_scaling_harness_warns_like_keras():
    with pytest.warns(UserWarning, match="rms_scaling=True"):
        layer = run_layer_test(
            layers.LayerNormalization,
            {"rms_scaling": True, "gamma_initializer": "random_normal"},
            input_shape=(3, 5),
            expected_num_trainable_weights=1,
        )
    assert [w.name for w in layer.weights] == ["gamma"]


@pytest.mark.parametrize("rms_scaling", [False, True])
@pytest.mark.parametrize("axis", [-1, (1, 2), (0, 2)])
def test_layer_norm_op_gradients_odd_shapes(rms_scaling, axis, rng, float64):
    x = rng.standard_normal((3, 5, 2))
    red = [a % 3 for a in ((axis,) if isinstance(axis, int) else axis)]
    stat_shape = tuple(x.shape[a] for a in sorted(red))
    gamma, beta = rng.standard_normal(stat_shape), rng.standard_normal(stat_shape)
    check_gradients(lambda a, g, b: layer_normalization(a, g, b, axis, 1e-3, rms_scaling), [x, gamma, beta])
    check_gradients(lambda a: layer_normalization(a, None, None, axis, 1e-3, rms_scaling), [x])


def test_layer_norm_op_default_epsilon_matches_keras_ops():
    x = np.arange(5, dtype="float32")
    np.testing.assert_allclose(
        layer_normalization(x).numpy(), np.asarray(keras.ops.layer_normalization(x)), atol=1e-6
    )


def test_layer_norm_op_normalizes_each_sample(rng):
    x = rng.normal(3.0, 2.0, (4, 6)).astype("float32")
    out = layer_normalization(x, epsilon=0.0).numpy()
    np.testing.assert_allclose(out.mean(axis=1), 0, atol=1e-6)
    np.testing.assert_allclose(out.std(axis=1), 1, atol=1e-5)


def test_layer_normalization_accumulates_when_called_twice(rng, float64):
    layer = layers.LayerNormalization(**RANDOM_AFFINE)
    x = rng.standard_normal((2, 4))
    layer(x)

    def twice(inp, *_weights):
        return layer(inp) + layer(2.0 * inp)

    check_gradients(twice, [x, *layer.trainable_weights])


@pytest.mark.parametrize(
    "kwargs",
    [{}, {"axis": 1}, {"axis": [1, 2]}, {"center": False}, {"scale": False}, {"epsilon": 1e-5}],
)
def test_layer_normalization_matches_keras(kwargs, rng):
    x = (rng.standard_normal((4, 3, 5)) * 3 + 1).astype("float32")
    ours = layers.LayerNormalization(**kwargs)
    ours(x)
    weights = [rng.standard_normal(w.shape).astype("float32") for w in ours.get_weights()]
    ours.set_weights(weights)
    theirs = keras.layers.LayerNormalization(**kwargs)
    theirs.build(x.shape)
    theirs.set_weights(weights)
    np.testing.assert_allclose(ours(x).numpy(), np.asarray(theirs(x)), atol=1e-5, rtol=1e-5)


def test_layer_normalization_rms_scaling_matches_keras(rng):
    x = (rng.standard_normal((4, 6)) + 2).astype("float32")
    gamma = [rng.standard_normal(6).astype("float32")]
    with pytest.warns(UserWarning):
        ours = layers.LayerNormalization(rms_scaling=True)
        theirs = keras.layers.LayerNormalization(rms_scaling=True)
    ours(x)
    ours.set_weights(gamma)
    theirs.build(x.shape)
    theirs.set_weights(gamma)
    with pytest.warns(UserWarning):  # Keras's op warns again on every call
        expected = np.asarray(theirs(x))
    np.testing.assert_allclose(ours(x).numpy(), expected, atol=1e-5, rtol=1e-5)


def test_layer_normalization_weight_names_and_shapes_follow_keras():
    ours = layers.LayerNormalization(axis=[1, 2])
    ours.build((None, 3, 4))
    theirs = keras.layers.LayerNormalization(axis=[1, 2])
    theirs.build((None, 3, 4))
    assert [(w.name, w.shape) for w in ours.weights] == [(w.name, tuple(w.shape)) for w in theirs.weights]


@pytest.mark.parametrize("axis", ["1", 1.5, None, [1, "a"]])
def test_layer_normalization_rejects_bad_axis(axis):
    with pytest.raises(TypeError, match="argument 'axis'.*Received: axis="):
        layers.LayerNormalization(axis=axis)


def test_layer_normalization_rejects_axis_out_of_range_and_bad_epsilon():
    with pytest.raises(ValueError, match="Axis 3 is out of bounds"):
        layers.LayerNormalization(axis=3)(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="epsilon"):
        layers.LayerNormalization(epsilon=-1.0)


@pytest.mark.parametrize("axis", [-1, 1, [1, 2]])
def test_unit_normalization_harness_and_keras(axis, rng):
    run_layer_test(
        layers.UnitNormalization, {"axis": axis}, input_shape=(2, 3, 4), expected_output_shape=(2, 3, 4)
    )
    x = rng.standard_normal((2, 3, 4)).astype("float32")
    theirs = np.asarray(keras.layers.UnitNormalization(axis=axis)(x))
    np.testing.assert_allclose(layers.UnitNormalization(axis=axis)(x).numpy(), theirs, atol=1e-6)


def test_unit_normalization_keeps_a_zero_sample_zero():
    x = np.zeros((2, 3), dtype="float32")
    x[1] = [3.0, 0.0, 4.0]
    np.testing.assert_allclose(layers.UnitNormalization()(x).numpy(), [[0, 0, 0], [0.6, 0, 0.8]], atol=1e-7)


def test_unit_normalization_errors():
    with pytest.raises(TypeError, match="axis"):
        layers.UnitNormalization(axis="x")
    with pytest.raises(ValueError, match="out of bounds"):
        layers.UnitNormalization(axis=4).compute_output_shape((None, 3))
