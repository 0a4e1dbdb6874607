"""BatchNormalization: gradients through the batch statistics, Keras parity in both modes, moving stats."""

import keras
import numpy as np
import pytest

from scratchnn import layers, ops
from scratchnn.testing import check_gradients, run_layer_test


@pytest.mark.parametrize("shape", [(4, 3), (2, 3, 4, 5), (1, 3, 2, 2)])
@pytest.mark.parametrize("center,scale", [(True, True), (False, True), (True, False)])
def test_training_batch_norm_op_gradients(shape, center, scale, rng):
    x = rng.standard_normal(shape)
    c = shape[-1]
    params = [rng.uniform(0.5, 1.5, c)] * scale + [rng.standard_normal(c)] * center

    def fn(a, *p):
        gamma = p[0] if scale else None
        beta = p[-1] if center else None
        return ops.batch_norm_train(a, gamma, beta, -1, 1e-3)[0]

    check_gradients(fn, [x, *params], atol=1e-7)


def test_inference_batch_norm_op_gradients_for_every_input(rng):
    x = rng.standard_normal((2, 3, 4))
    stats = [rng.standard_normal(3), rng.uniform(0.5, 2, 3), rng.standard_normal(3), rng.uniform(0.5, 1.5, 3)]
    check_gradients(
        lambda a, m, v, o, s: ops.batch_normalization(a, m, v, 1, o, s, 1e-3), [x, *stats], atol=1e-7
    )


@pytest.mark.parametrize(
    "kwargs", [{}, {"center": False}, {"scale": False}, {"momentum": 0.5, "epsilon": 0.01}]
)
def test_harness_in_both_modes(kwargs):
    n_trainable = 2 - (not kwargs.get("center", True)) - (not kwargs.get("scale", True))
    for training in (False, True):
        run_layer_test(
            layers.BatchNormalization,
            kwargs,
            input_shape=(3, 4, 5, 3),
            call_kwargs={"training": training},
            expected_num_trainable_weights=n_trainable,
            expected_num_non_trainable_weights=2,
        )


def test_harness_on_axis_1():
    run_layer_test(
        layers.BatchNormalization,
        {"axis": 1},
        input_shape=(4, 3, 2),
        call_kwargs={"training": True},
        expected_num_trainable_weights=2,
        expected_num_non_trainable_weights=2,
    )


@pytest.mark.parametrize(
    "kwargs", [{}, {"center": False, "momentum": 0.9}, {"scale": False, "epsilon": 0.1}, {"axis": 1}]
)
def test_matches_keras_in_training_and_inference(kwargs, rng):
    x = rng.normal(1.5, 2.0, (6, 4, 5, 3)).astype("float32")
    ours, theirs = layers.BatchNormalization(**kwargs), keras.layers.BatchNormalization(**kwargs)
    ours(x)
    theirs.build(x.shape)
    channels = x.shape[kwargs.get("axis", -1)]
    weights = [rng.uniform(0.5, 1.5, channels).astype("float32") for _ in ours.get_weights()]
    ours.set_weights(weights)
    theirs.set_weights(weights)
    assert [w.name for w in ours.weights] == [w.name for w in theirs.weights]
    np.testing.assert_allclose(
        ours(x, training=False).numpy(), np.asarray(theirs(x, training=False)), atol=1e-5
    )
    np.testing.assert_allclose(
        ours(x, training=True).numpy(), np.asarray(theirs(x, training=True)), atol=1e-5
    )
    # One training call updated the moving statistics the same way.
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(a, b, atol=1e-6)
    np.testing.assert_allclose(ours(x).numpy(), np.asarray(theirs(x)), atol=1e-5)


def test_moving_statistics_follow_the_momentum_rule(rng):
    x = rng.normal(3.0, 2.0, (64, 5)).astype("float32")
    layer = layers.BatchNormalization(momentum=0.9)
    out = layer(x, training=True).numpy()
    np.testing.assert_allclose(out.mean(axis=0), 0, atol=1e-5)
    np.testing.assert_allclose(layer.moving_mean.numpy(), 0.1 * x.mean(axis=0), rtol=1e-5)
    np.testing.assert_allclose(layer.moving_variance.numpy(), 0.9 + 0.1 * x.var(axis=0), rtol=1e-5)
    before = layer.get_weights()
    layer(x, training=False)
    for a, b in zip(before, layer.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_frozen_layer_uses_moving_statistics(rng):
    x = rng.normal(3.0, 2.0, (8, 4)).astype("float32")
    layer = layers.BatchNormalization()
    layer(x)
    layer.trainable = False
    np.testing.assert_allclose(layer(x, training=True).numpy(), x / np.sqrt(1 + 1e-3), rtol=1e-6)
    assert layer.moving_mean.numpy().sum() == 0


def test_counts_and_config_match_keras():
    ours, theirs = layers.BatchNormalization(), keras.layers.BatchNormalization()
    ours.build((None, 6, 6, 8))
    theirs.build((None, 6, 6, 8))
    assert ours.count_params() == theirs.count_params() == 32
    assert len(ours.non_trainable_weights) == len(theirs.non_trainable_weights) == 2
    assert set(ours.get_config()) == set(theirs.get_config())


def test_bad_axis_is_rejected():
    with pytest.raises(ValueError, match="axis"):
        layers.BatchNormalization(axis="last")
