"""tf.reduce_* and tf.argmax: values against keras.ops (real Keras 3 on JAX), TensorFlow's dtype
rules, and gradients through them (finite differences, and jax.grad for a tape-recorded loss)."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from keras import ops as kops

import scratchnn as tf
from scratchnn.testing import check_gradients

REDUCTIONS = [
    ("reduce_sum", kops.sum),
    ("reduce_mean", kops.mean),
    ("reduce_max", kops.max),
    ("reduce_min", kops.min),
    ("reduce_prod", kops.prod),
    ("reduce_std", kops.std),
    ("reduce_variance", kops.var),
    ("reduce_logsumexp", kops.logsumexp),
]
AXES = [None, 0, -1, (0, 2), [1]]


@pytest.fixture
def x(rng):
    # Values near 1 in magnitude keep the 60-element product well inside float32's range.
    return (rng.uniform(0.8, 1.25, (3, 4, 5)) * rng.choice([-1, 1], (3, 4, 5))).astype("float32")


@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("axis", AXES)
@pytest.mark.parametrize("name,reference", REDUCTIONS)
def test_reduction_matches_keras_ops(name, reference, axis, keepdims, x):
    ours = getattr(tf, name)(x, axis=axis, keepdims=keepdims)
    theirs = np.asarray(reference(x, axis=axis, keepdims=keepdims))
    assert isinstance(ours, tf.Tensor)
    assert ours.shape == theirs.shape and ours.dtype == "float32"
    np.testing.assert_allclose(ours.numpy(), theirs, rtol=1e-6, atol=1e-6)
    assert getattr(tf.math, name) is getattr(tf, name)


@pytest.mark.parametrize("name,reference", [("reduce_any", kops.any), ("reduce_all", kops.all)])
@pytest.mark.parametrize("axis", [None, 1, (0, 1)])
def test_logical_reductions_match_keras_ops(name, reference, axis, rng):
    x = rng.random((4, 3)) > 0.6
    ours = getattr(tf, name)(x, axis=axis)
    assert ours.dtype == "bool"
    np.testing.assert_array_equal(ours.numpy(), np.asarray(reference(x, axis=axis)))


def test_integer_reductions_keep_the_dtype_as_in_tensorflow():
    # The examples of TensorFlow's tf.math.reduce_sum / reduce_mean docs.
    x = tf.constant([[1, 1, 1], [1, 1, 1]])
    total = tf.reduce_sum(x)
    assert total.dtype == "int32" and int(total) == 6
    np.testing.assert_array_equal(tf.reduce_sum(x, 0).numpy(), [2, 2, 2])
    mean = tf.reduce_mean(tf.constant([[1, 0], [1, 0]]))
    assert mean.dtype == "int32" and int(mean) == 0
    # Integer division as in C: -1.5 truncates to -1 (toward zero), not to -2.
    np.testing.assert_array_equal(tf.reduce_mean(tf.constant([[-3, 0], [7, 0]]), axis=1).numpy(), [-1, 3])
    assert tf.reduce_prod(tf.constant([2, 3, 4])).dtype == "int32"


@pytest.mark.parametrize("name", ["reduce_sum", "reduce_mean", "reduce_prod"])
def test_boolean_input_to_a_numeric_reduction_is_refused(name):
    with pytest.raises(TypeError, match=rf"tf\.{name} does not take booleans.*tf\.cast"):
        getattr(tf, name)(tf.constant([True, False]))


def test_argmax_defaults_to_axis_0_and_int64(rng):
    x = rng.standard_normal((4, 3)).astype("float32")
    for fn, ref in ((tf.argmax, np.argmax), (tf.argmin, np.argmin)):
        out = fn(x)
        assert out.dtype == "int64"
        np.testing.assert_array_equal(out.numpy(), ref(x, axis=0))
        np.testing.assert_array_equal(
            fn(x, axis=1).numpy(), np.asarray(getattr(kops, ref.__name__)(x, axis=1))
        )
    assert tf.argmax(x, axis=-1, output_type=tf.int32).dtype == "int32"


def test_count_nonzero_and_euclidean_norm(rng):
    x = np.where(rng.random((3, 4)) > 0.5, rng.standard_normal((3, 4)), 0).astype("float32")
    count = tf.math.count_nonzero(x, axis=1)
    assert count.dtype == "int64"
    np.testing.assert_array_equal(count.numpy(), np.asarray(kops.count_nonzero(x, axis=1)))
    np.testing.assert_allclose(
        tf.math.reduce_euclidean_norm(x, axis=0).numpy(), np.asarray(kops.norm(x, axis=0)), rtol=1e-6
    )


# -- gradients -----------------------------------------------------------------------------------

GRADIENT_CASES = [
    ("reduce_sum", {"axis": 1}),
    ("reduce_mean", {"axis": None}),
    ("reduce_mean", {"axis": (0, 2), "keepdims": True}),
    ("reduce_max", {"axis": -1}),
    ("reduce_min", {"axis": 0}),
    ("reduce_prod", {"axis": 1}),
    ("reduce_prod", {"axis": None}),
    ("reduce_std", {"axis": 2}),
    ("reduce_variance", {"axis": None}),
    ("reduce_logsumexp", {"axis": 1}),
    ("reduce_euclidean_norm", {"axis": -1}),
]


@pytest.mark.parametrize("name,kwargs", GRADIENT_CASES)
def test_reduction_gradient_matches_finite_differences(name, kwargs, rng, float64):
    # Distinct values (no ties for max/min), away from 0 for the norm.
    x = rng.permutation(np.linspace(0.5, 1.5, 3 * 5 * 2)).reshape(3, 5, 2) * rng.choice([-1, 1], (3, 5, 2))
    fn = getattr(tf.math, name)
    check_gradients(lambda t: fn(t, **kwargs), [x])


def test_reduce_prod_gradient_with_a_zero_element(float64):
    # prod / x_i would divide by zero; the composed product gives the exact gradient.
    x = np.array([[2.0, 0.0, 3.0], [1.5, -2.0, 0.5]])
    check_gradients(lambda t: tf.reduce_prod(t, axis=1), [x])


def test_gradients_flow_through_tf_functions_on_the_tape_as_in_jax(rng):
    w0 = rng.standard_normal((4, 3)).astype("float32")
    x = rng.standard_normal((5, 4)).astype("float32")
    w = tf.Variable(w0)
    with tf.GradientTape() as tape:
        logits = tf.matmul(x, w)
        loss = tf.reduce_mean(tf.reduce_logsumexp(logits, axis=1)) + 0.1 * tf.reduce_sum(tf.square(w))
    grad = tape.gradient(loss, w)

    def reference(w):
        logits = jnp.asarray(x) @ w
        return jnp.mean(jax.nn.logsumexp(logits, axis=1)) + 0.1 * jnp.sum(jnp.square(w))

    np.testing.assert_allclose(
        grad.numpy(), np.asarray(jax.grad(reference)(jnp.asarray(w0))), rtol=1e-5, atol=1e-6
    )
