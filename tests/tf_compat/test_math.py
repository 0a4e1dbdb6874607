"""tf.math elementwise ops against keras.ops (real Keras 3 on JAX), TensorFlow's dtype rules for
Python operands, tf.math.confusion_matrix against TensorFlow's documented example and
scikit-learn, and gradients."""

import numpy as np
import pytest
from keras import ops as kops
from sklearn.metrics import confusion_matrix as sk_confusion_matrix

import scratchnn as tf
from scratchnn.testing import check_gradients

UNARY = [
    ("abs", kops.abs, "any"),
    ("exp", kops.exp, "any"),
    ("expm1", kops.expm1, "any"),
    ("log", kops.log, "positive"),
    ("log1p", kops.log1p, "positive"),
    ("sqrt", kops.sqrt, "positive"),
    ("rsqrt", kops.rsqrt, "positive"),
    ("reciprocal", kops.reciprocal, "positive"),
    ("square", kops.square, "any"),
    ("negative", kops.negative, "any"),
    ("sign", kops.sign, "any"),
    ("floor", kops.floor, "any"),
    ("ceil", kops.ceil, "any"),
    ("round", kops.round, "halves"),
    ("sigmoid", kops.sigmoid, "any"),
    ("tanh", kops.tanh, "any"),
    ("softplus", kops.softplus, "any"),
    ("log_sigmoid", kops.log_sigmoid, "any"),
    ("erf", kops.erf, "any"),
]


def _inputs(kind, rng):
    if kind == "positive":
        return rng.uniform(0.1, 3.0, (3, 4)).astype("float32")
    if kind == "halves":  # round half to even: -2.5 -> -2, 0.5 -> 0, 1.5 -> 2
        return np.array([[-2.5, -1.5, -0.5, 0.5], [1.5, 2.5, 0.2, -0.7]], dtype="float32")
    return rng.uniform(-3.0, 3.0, (3, 4)).astype("float32")


@pytest.mark.parametrize("name,reference,kind", UNARY)
def test_unary_op_matches_keras_ops(name, reference, kind, rng):
    x = _inputs(kind, rng)
    ours = getattr(tf.math, name)(x)
    theirs = np.asarray(reference(x))
    assert ours.dtype == "float32" and ours.shape == theirs.shape
    np.testing.assert_allclose(ours.numpy(), theirs, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize(
    "name,reference", [("is_nan", kops.isnan), ("is_finite", kops.isfinite), ("is_inf", kops.isinf)]
)
def test_float_classification_matches_keras_ops(name, reference):
    x = np.array([1.0, np.nan, np.inf, -np.inf, 0.0], dtype="float32")
    ours = getattr(tf.math, name)(x)
    assert ours.dtype == "bool"
    np.testing.assert_array_equal(ours.numpy(), np.asarray(reference(x)))


BINARY = [
    ("add", kops.add),
    ("subtract", kops.subtract),
    ("multiply", kops.multiply),
    ("divide", kops.divide),
    ("truediv", kops.true_divide),
    ("pow", kops.power),
    ("maximum", kops.maximum),
    ("minimum", kops.minimum),
    ("floordiv", kops.floor_divide),
    ("divide_no_nan", kops.divide_no_nan),
    ("squared_difference", lambda a, b: kops.square(kops.subtract(a, b))),
    ("equal", kops.equal),
    ("not_equal", kops.not_equal),
    ("greater", kops.greater),
    ("greater_equal", kops.greater_equal),
    ("less", kops.less),
    ("less_equal", kops.less_equal),
]


@pytest.mark.parametrize("name,reference", BINARY)
def test_binary_op_matches_keras_ops_with_broadcasting(name, reference, rng):
    a = rng.uniform(0.5, 2.0, (3, 4)).astype("float32")
    b = rng.uniform(0.5, 2.0, (4,)).astype("float32")
    b[1] = a[0, 1]  # one tie for the comparisons
    if name == "divide_no_nan":
        b[2] = 0.0
    ours = getattr(tf.math, name)(a, b)
    theirs = np.asarray(reference(a, b))
    assert ours.shape == theirs.shape == (3, 4)
    assert ours.dtype == ("bool" if theirs.dtype == bool else "float32")
    np.testing.assert_allclose(ours.numpy(), theirs, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("name", ["logical_and", "logical_or", "logical_xor"])
def test_logical_ops_match_keras_ops(name, rng):
    a, b = rng.random((3, 4)) > 0.5, rng.random((3, 4)) > 0.5
    np.testing.assert_array_equal(getattr(tf.math, name)(a, b).numpy(), np.asarray(getattr(kops, name)(a, b)))
    np.testing.assert_array_equal(tf.math.logical_not(a).numpy(), ~a)


def test_python_operands_follow_tensorflow_dtypes():
    x = tf.constant([1.5, -2.0])
    assert tf.maximum(x, 0).dtype == "float32"  # a Python number takes the tensor's dtype
    assert tf.add(1, 2).dtype == "int32" and int(tf.add(1, 2)) == 3
    assert tf.multiply([1.0, 2.0], 3.0).dtype == "float32"
    assert tf.divide(tf.constant([3, 4]), 2).dtype == "float64"  # TensorFlow's truediv of int32
    np.testing.assert_array_equal(tf.math.floordiv(tf.constant([7, -7]), 2).numpy(), [3, -4])
    assert tf.math.floordiv(tf.constant([7, -7]), 2).dtype == "int32"
    np.testing.assert_allclose(tf.math.add_n([x, x, x]).numpy(), [4.5, -6.0])


# -- confusion_matrix -----------------------------------------------------------------------------


def test_confusion_matrix_tensorflow_doc_example():
    # tf.math.confusion_matrix's docstring: labels [1, 2, 4], predictions [2, 2, 4].
    out = tf.math.confusion_matrix([1, 2, 4], [2, 2, 4])
    expected = np.zeros((5, 5), dtype="int32")
    expected[1, 2] = expected[2, 2] = expected[4, 4] = 1
    assert out.dtype == "int32"
    np.testing.assert_array_equal(out.numpy(), expected)


@pytest.mark.parametrize("num_classes", [None, 7])
def test_confusion_matrix_rows_are_labels_as_in_scikit_learn(num_classes, rng):
    labels, predictions = rng.integers(0, 5, 200), rng.integers(0, 5, 200)
    out = tf.math.confusion_matrix(labels, predictions, num_classes=num_classes)
    k = num_classes or 5
    np.testing.assert_array_equal(out.numpy(), sk_confusion_matrix(labels, predictions, labels=range(k)))


def test_confusion_matrix_weights_and_dtype(rng):
    labels, predictions = rng.integers(0, 3, 50), rng.integers(0, 3, 50)
    weights = rng.uniform(0, 2, 50)
    out = tf.math.confusion_matrix(labels, predictions, weights=weights, dtype=tf.float64)
    assert out.dtype == "float64"
    expected = sk_confusion_matrix(labels, predictions, labels=range(3), sample_weight=weights)
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-12)
    # Integer dtype: TensorFlow casts the weights to it first (1.7 -> 1).
    np.testing.assert_array_equal(
        tf.math.confusion_matrix([0, 1], [0, 0], weights=[1.7, 2.2]).numpy(), [[1, 0], [2, 0]]
    )


@pytest.mark.parametrize(
    "args,match",
    [
        (([0, 1, 2], [0, 1]), "same length"),
        (([0, -1], [0, 1]), "non-negative"),
        (([0, 3], [0, 1], 3), "< num_classes=3"),
        (([0, 1], [0, 1], None, [1.0]), "one value per sample"),
    ],
)
def test_confusion_matrix_bad_input(args, match):
    with pytest.raises(ValueError, match=match):
        tf.math.confusion_matrix(*args)


# -- gradients -----------------------------------------------------------------------------------

GRADIENTS = [
    ("exp", lambda a, b: tf.math.exp(a)),
    ("log", lambda a, b: tf.math.log(a)),
    ("rsqrt", lambda a, b: tf.math.rsqrt(a)),
    ("reciprocal", lambda a, b: tf.math.reciprocal(a)),
    ("log_sigmoid", lambda a, b: tf.math.log_sigmoid(a - 1.0)),
    ("pow", lambda a, b: tf.pow(a, b)),
    ("squared_difference", lambda a, b: tf.math.squared_difference(a, b)),
    ("divide_no_nan", lambda a, b: tf.math.divide_no_nan(a, b)),
    ("maximum", lambda a, b: tf.maximum(a, b)),
    ("add_n", lambda a, b: tf.math.add_n([a, b, a])),
]


@pytest.mark.parametrize("name,fn", GRADIENTS)
def test_elementwise_gradient_matches_finite_differences(name, fn, rng, float64):
    a = rng.uniform(0.5, 2.0, (3, 5))
    b = rng.uniform(0.5, 2.0, (3, 5)) + np.where(rng.random((3, 5)) > 0.5, 0.1, -0.1)
    check_gradients(fn, [a, b])
