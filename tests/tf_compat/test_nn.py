"""tf.nn against keras.ops (real Keras 3 on JAX) and TensorFlow's documented formulas; gradients."""

import numpy as np
import pytest
from keras import ops as kops

import scratchnn as tf
from scratchnn.testing import check_gradients

ACTIVATIONS = [
    ("relu", {}, lambda x: kops.relu(x)),
    ("relu6", {}, lambda x: kops.relu6(x)),
    ("elu", {}, lambda x: kops.elu(x)),
    ("selu", {}, lambda x: kops.selu(x)),
    ("gelu", {}, lambda x: kops.gelu(x, approximate=False)),  # TensorFlow's default is exact
    ("gelu", {"approximate": True}, lambda x: kops.gelu(x, approximate=True)),
    ("leaky_relu", {}, lambda x: kops.leaky_relu(x, negative_slope=0.2)),
    ("leaky_relu", {"alpha": 0.05}, lambda x: kops.leaky_relu(x, negative_slope=0.05)),
    ("sigmoid", {}, lambda x: kops.sigmoid(x)),
    ("tanh", {}, lambda x: kops.tanh(x)),
    ("softplus", {}, lambda x: kops.softplus(x)),
    ("softsign", {}, lambda x: kops.softsign(x)),
    ("silu", {}, lambda x: kops.silu(x)),
    ("swish", {}, lambda x: kops.silu(x)),
    ("silu", {"beta": 1.7}, lambda x: x * kops.sigmoid(1.7 * x)),
    ("softmax", {}, lambda x: kops.softmax(x, axis=-1)),
    ("softmax", {"axis": 0}, lambda x: kops.softmax(x, axis=0)),
    ("log_softmax", {}, lambda x: kops.log_softmax(x, axis=-1)),
    ("log_softmax", {"axis": 0}, lambda x: kops.log_softmax(x, axis=0)),
]


@pytest.mark.parametrize("name,kwargs,reference", ACTIVATIONS)
def test_activation_matches_keras_ops(name, kwargs, reference, rng):
    x = rng.uniform(-4, 8, (5, 3)).astype("float32")
    ours = getattr(tf.nn, name)(x, **kwargs)
    theirs = np.asarray(reference(x))
    assert ours.dtype == "float32" and ours.shape == theirs.shape
    np.testing.assert_allclose(ours.numpy(), theirs, rtol=1e-6, atol=1e-6)


def test_sparse_softmax_cross_entropy_matches_keras(rng):
    logits = rng.standard_normal((6, 4)).astype("float32") * 3
    labels = rng.integers(0, 4, 6)
    ours = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits)
    theirs = np.asarray(kops.sparse_categorical_crossentropy(labels, logits, from_logits=True))
    assert ours.shape == (6,) and ours.dtype == "float32"
    np.testing.assert_allclose(ours.numpy(), theirs, rtol=1e-6, atol=1e-6)


def test_softmax_cross_entropy_matches_keras(rng):
    logits = rng.standard_normal((6, 4)).astype("float32") * 3
    labels = rng.dirichlet(np.ones(4), 6).astype("float32")  # soft labels, as TensorFlow allows
    ours = tf.nn.softmax_cross_entropy_with_logits(labels=labels, logits=logits)
    theirs = np.asarray(kops.categorical_crossentropy(labels, logits, from_logits=True))
    assert ours.shape == (6,)
    np.testing.assert_allclose(ours.numpy(), theirs, rtol=1e-6, atol=1e-6)


def test_sigmoid_cross_entropy_matches_the_tensorflow_formula_and_keras(rng):
    logits = rng.uniform(-30, 30, (4, 3)).astype("float32")
    labels = rng.random((4, 3)).astype("float32")
    ours = tf.nn.sigmoid_cross_entropy_with_logits(labels=labels, logits=logits)
    z, t = logits.astype("float64"), labels.astype("float64")
    formula = np.maximum(z, 0) - z * t + np.log1p(np.exp(-np.abs(z)))  # TensorFlow's docstring
    np.testing.assert_allclose(ours.numpy(), formula, rtol=1e-6, atol=1e-5)
    np.testing.assert_allclose(
        ours.numpy(),
        np.asarray(kops.binary_crossentropy(labels, logits, from_logits=True)),
        rtol=1e-5,
        atol=1e-5,
    )


def test_l2_loss_l2_normalize_moments_bias_add(rng):
    x = rng.standard_normal((4, 3)).astype("float32")
    np.testing.assert_allclose(tf.nn.l2_loss(x).numpy(), np.sum(x.astype("float64") ** 2) / 2, rtol=1e-6)
    expected = x / np.sqrt(np.maximum(np.sum(x**2, axis=1, keepdims=True), 1e-12))
    np.testing.assert_allclose(tf.nn.l2_normalize(x, axis=1).numpy(), expected, rtol=1e-6)
    np.testing.assert_allclose(tf.math.l2_normalize(x).numpy(), x / np.sqrt(np.sum(x**2)), rtol=1e-6)
    mean, variance = tf.nn.moments(x, axes=[0])
    k_mean, k_variance = kops.moments(x, axes=[0])
    np.testing.assert_allclose(mean.numpy(), np.asarray(k_mean), rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(variance.numpy(), np.asarray(k_variance), rtol=1e-6)
    assert tf.nn.moments(x, axes=[0], keepdims=True)[0].shape == (1, 3)
    bias = np.arange(3, dtype="float32")
    np.testing.assert_array_equal(tf.nn.bias_add(x, bias).numpy(), x + bias)
    with pytest.raises(ValueError, match="channels-last"):
        tf.nn.bias_add(x, bias, data_format="NCHW")


def test_dropout_always_drops_and_scales_the_kept_values(rng):
    x = rng.uniform(1, 2, (200, 50)).astype("float32")
    out = tf.nn.dropout(x, rate=0.3, seed=5).numpy()
    kept = out != 0
    assert abs(kept.mean() - 0.7) < 0.02
    np.testing.assert_allclose(out[kept], (x / np.float32(0.7))[kept], rtol=1e-7)
    np.testing.assert_array_equal(tf.nn.dropout(x, rate=0.3, seed=5).numpy(), out)  # an int seed repeats
    rows = tf.nn.dropout(x, 0.5, noise_shape=[200, 1], seed=1).numpy()
    assert set(np.unique((rows != 0).sum(axis=1))) <= {0, 50}
    for rate in (1.0, -0.1):
        with pytest.raises(ValueError, match=r"`rate` must be in the range \[0, 1\)"):
            tf.nn.dropout(x, rate)


@pytest.mark.parametrize(
    "call,match,error",
    [
        (
            lambda: tf.nn.sparse_softmax_cross_entropy_with_logits([0, 4], np.zeros((2, 4))),
            r"in \[0, 4\)",
            ValueError,
        ),
        (
            lambda: tf.nn.sparse_softmax_cross_entropy_with_logits([0, -1], np.zeros((2, 4))),
            r"in \[0, 4\)",
            ValueError,
        ),
        (
            lambda: tf.nn.sparse_softmax_cross_entropy_with_logits([0, 1, 2], np.zeros((2, 4))),
            "shape",
            ValueError,
        ),
        (
            lambda: tf.nn.sparse_softmax_cross_entropy_with_logits([0.0, 1.0], np.zeros((2, 4))),
            "integer",
            TypeError,
        ),
        (
            lambda: tf.nn.softmax_cross_entropy_with_logits(np.zeros((2, 3)), np.zeros((2, 4))),
            "same shape",
            ValueError,
        ),
        (
            lambda: tf.nn.sigmoid_cross_entropy_with_logits(np.zeros(3), np.zeros((3, 1))),
            "same shape",
            ValueError,
        ),
    ],
)
def test_cross_entropy_bad_input(call, match, error):
    with pytest.raises(error, match=match):
        call()


GRADIENTS = [
    ("softmax", lambda z, t: tf.nn.softmax(z, axis=0)),
    ("log_softmax", lambda z, t: tf.nn.log_softmax(z)),
    ("gelu", lambda z, t: tf.nn.gelu(z)),
    ("silu_beta", lambda z, t: tf.nn.silu(z, beta=1.7)),
    ("softmax_cross_entropy", lambda z, t: tf.nn.softmax_cross_entropy_with_logits(labels=t, logits=z)),
    ("sigmoid_cross_entropy", lambda z, t: tf.nn.sigmoid_cross_entropy_with_logits(labels=t, logits=z)),
    ("l2_loss", lambda z, t: tf.nn.l2_loss(z)),
    ("l2_normalize", lambda z, t: tf.nn.l2_normalize(z, axis=1)),
    ("moments", lambda z, t: tf.nn.moments(z, axes=[0])[1]),
    ("dropout", lambda z, t: tf.nn.dropout(z, 0.4, seed=3)),
]


@pytest.mark.parametrize("name,fn", GRADIENTS)
def test_nn_gradient_matches_finite_differences(name, fn, rng, float64):
    z = rng.uniform(-2, 2, (3, 5))
    t = rng.dirichlet(np.ones(5), 3)
    check_gradients(fn, [z, t])


def test_sparse_cross_entropy_gradient(rng, float64):
    labels = np.array([0, 3, 1])
    check_gradients(
        lambda z: tf.nn.sparse_softmax_cross_entropy_with_logits(labels, z), [rng.standard_normal((3, 4))]
    )
