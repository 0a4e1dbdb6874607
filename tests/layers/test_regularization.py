"""GaussianNoise, GaussianDropout, AlphaDropout, ActivityRegularization: inference identity,
training statistics, seeding, gradients with fixed noise, Keras parity, errors."""

import keras
import numpy as np
import pytest

from scratchnn import layers
from scratchnn.backend import random
from scratchnn.testing import check_gradients, run_layer_test

NOISE_LAYERS = [
    (layers.GaussianNoise, {"stddev": 0.5}),
    (layers.GaussianDropout, {"rate": 0.3}),
    (layers.AlphaDropout, {"rate": 0.3}),
]


@pytest.mark.parametrize("cls,kwargs", NOISE_LAYERS)
def test_noise_layers_harness_and_inference_identity(cls, kwargs, rng):
    run_layer_test(cls, kwargs, input_shape=(3, 5), expected_output_shape=(3, 5))
    x = rng.standard_normal((4, 6)).astype("float32")
    np.testing.assert_array_equal(cls(**kwargs)(x).numpy(), x)
    np.testing.assert_array_equal(cls(**kwargs)(x, training=False).numpy(), x)
    assert not np.array_equal(cls(**kwargs)(x, training=True).numpy(), x)


@pytest.mark.parametrize("cls,kwargs", NOISE_LAYERS)
def test_noise_layers_repeat_with_a_seed(cls, kwargs, rng):
    x = rng.standard_normal((4, 6)).astype("float32")
    first = cls(**kwargs, seed=3)
    second = cls(**kwargs, seed=3)
    a1, a2 = first(x, training=True).numpy(), first(x, training=True).numpy()
    np.testing.assert_array_equal(a1, second(x, training=True).numpy())
    assert not np.array_equal(a1, a2)  # the seed fixes the sequence, not one draw


@pytest.mark.parametrize("cls,kwargs", NOISE_LAYERS)
def test_noise_layers_gradient_with_fixed_noise(cls, kwargs, rng, float64):
    layer = cls(**kwargs)
    x = rng.standard_normal((3, 5))

    def forward(inp):
        with random.scoped_generator(7):  # the same noise on every evaluation
            return layer(inp, training=True)

    check_gradients(forward, [x])


def test_gaussian_noise_statistics():
    x = np.zeros((400, 250), dtype="float32")
    out = layers.GaussianNoise(0.3, seed=1)(x, training=True).numpy()
    assert out.dtype == np.float32
    assert abs(out.mean()) < 0.01 and abs(out.std() - 0.3) < 0.01


def test_gaussian_dropout_statistics():
    x = np.ones((400, 250), dtype="float32")
    out = layers.GaussianDropout(0.2, seed=1)(x, training=True).numpy()
    assert abs(out.mean() - 1) < 0.01 and abs(out.std() - np.sqrt(0.2 / 0.8)) < 0.01


def test_alpha_dropout_values_and_moments():
    rate = 0.2
    x = np.random.default_rng(0).standard_normal((500, 200)).astype("float32")
    out = layers.AlphaDropout(rate, seed=2)(x, training=True).numpy()
    alpha_p = -1.6732632423543772 * 1.0507009873554805
    a = ((1 - rate) * (1 + rate * alpha_p**2)) ** -0.5
    b = -a * alpha_p * rate
    dropped = np.isclose(out, a * alpha_p + b, atol=1e-6)
    assert abs(dropped.mean() - rate) < 0.01
    np.testing.assert_allclose(out[~dropped], a * x[~dropped] + b, rtol=1e-5, atol=1e-6)
    # The point of alpha dropout: zero mean and unit variance are kept.
    assert abs(out.mean()) < 0.02 and abs(out.std() - 1) < 0.02


def test_alpha_dropout_noise_shape_shares_the_mask():
    x = np.ones((3, 4, 5), dtype="float32")
    out = layers.AlphaDropout(0.5, noise_shape=(None, 1, 5), seed=0)(x, training=True).numpy()
    assert (out == out[:, :1, :]).all()


@pytest.mark.parametrize(
    "name,kwargs",
    [
        ("GaussianNoise", {"stddev": 0.2}),
        ("GaussianDropout", {"rate": 0.4}),
        ("AlphaDropout", {"rate": 0.1, "noise_shape": (None, 1)}),
    ],
)
def test_noise_layers_match_keras_at_inference_and_in_config(name, kwargs, rng):
    x = rng.standard_normal((3, 4)).astype("float32")
    ours, theirs = getattr(layers, name)(**kwargs), getattr(keras.layers, name)(**kwargs)
    np.testing.assert_array_equal(ours(x).numpy(), np.asarray(theirs(x, training=False)))
    keys = set(theirs.get_config()) - {"dtype", "name", "trainable"}
    assert {k: ours.get_config()[k] for k in keys} == {k: theirs.get_config()[k] for k in keys}


@pytest.mark.parametrize(
    "cls,arg",
    [(layers.GaussianNoise, "stddev"), (layers.GaussianDropout, "rate"), (layers.AlphaDropout, "rate")],
)
@pytest.mark.parametrize("value", [-0.1, 1.5, "0.5", None])
def test_noise_layers_reject_bad_values(cls, arg, value):
    with pytest.raises(ValueError, match=f"`{arg}`.*between 0 and 1.*Received: {arg}="):
        cls(value)


@pytest.mark.parametrize("cls", [layers.GaussianDropout, layers.AlphaDropout])
def test_dropout_rates_of_one_are_rejected(cls):
    with pytest.raises(ValueError, match="excluding 1"):
        cls(1.0)


def test_activity_regularization_adds_the_penalty_like_keras(rng):
    x = rng.standard_normal((4, 3)).astype("float32")
    ours = layers.ActivityRegularization(l1=0.1, l2=0.3)
    np.testing.assert_array_equal(ours(x).numpy(), x)
    theirs = keras.layers.ActivityRegularization(l1=0.1, l2=0.3)
    theirs(x)
    expected = (0.1 * np.abs(x).sum() + 0.3 * (x**2).sum()) / 4
    np.testing.assert_allclose(float(ours.losses[0].numpy()), expected, rtol=1e-5)
    np.testing.assert_allclose(float(ours.losses[0].numpy()), float(theirs.losses[0]), rtol=1e-5)
    assert ours.get_config()["l1"] == 0.1 and "activity_regularizer" not in ours.get_config()


def test_activity_regularization_harness():
    run_layer_test(layers.ActivityRegularization, {"l1": 0.01, "l2": 0.02}, input_shape=(3, 5))


def test_activity_regularization_penalty_gradient(rng, float64):
    layer = layers.ActivityRegularization(l1=0.2, l2=0.5)
    check_gradients(lambda inp: (layer(inp), layer.losses[0])[1], [rng.standard_normal((3, 5))])


def test_activity_regularization_rejects_negative_factors():
    with pytest.raises(ValueError, match="l1"):
        layers.ActivityRegularization(l1=-1.0)
