"""tf.constant, creation and shape functions: TensorFlow's dtype inference, values against
keras.ops (real Keras 3 on JAX) and NumPy, and gradients through the ones that move values."""

import numpy as np
import pytest
from keras import ops as kops

import scratchnn as tf
from scratchnn.testing import check_gradients


@pytest.mark.parametrize(
    "value,dtype",
    [
        (1.0, "float32"),
        ([1.0, 2.5], "float32"),
        (3, "int32"),
        ([[1, 2], [3, 4]], "int32"),
        (2**40, "int64"),  # does not fit int32, as TensorFlow infers
        (True, "bool"),
        ([], "float32"),
        (np.arange(3), "int64"),  # arrays keep their dtype
        (np.ones(2), "float64"),
        (np.ones(2, dtype="float16"), "float16"),
    ],
)
def test_constant_infers_tensorflow_dtypes(value, dtype):
    assert tf.constant(value).dtype == dtype
    assert tf.convert_to_tensor(value).dtype == dtype


def test_constant_dtype_shape_and_convert_to_tensor_identity():
    assert tf.constant([1, 2], dtype=tf.float64).dtype == "float64"
    np.testing.assert_array_equal(tf.constant(7.0, shape=(2, 3)).numpy(), np.full((2, 3), 7.0, "float32"))
    np.testing.assert_array_equal(tf.constant([1, 2, 3, 4], shape=[2, 2]).numpy(), [[1, 2], [3, 4]])
    with pytest.raises(TypeError, match="1 or 6 elements"):
        tf.constant([1, 2], shape=(2, 3))
    t = tf.constant([1.0])
    assert tf.convert_to_tensor(t) is t  # keeps its place on the tape
    assert tf.convert_to_tensor([1, 2], dtype_hint=tf.float32).dtype == "float32"
    assert isinstance(tf.Variable([1.0, 2.0]), tf.Tensor) and tf.is_tensor(t) and not tf.is_tensor([1.0])


def test_creation_functions(rng):
    assert tf.zeros((2, 3)).dtype == "float32" and tf.ones([4]).dtype == "float32"
    assert tf.zeros(3, dtype=tf.int32).dtype == "int32"
    ints = tf.constant([[1, 2]])
    assert tf.zeros_like(ints).dtype == "int32" and tf.ones_like(ints, dtype=tf.float32).dtype == "float32"
    np.testing.assert_array_equal(tf.ones_like(ints).numpy(), [[1, 1]])
    filled = tf.fill([2, 2], 9.0)
    assert filled.dtype == "float32" and filled.numpy().tolist() == [[9.0, 9.0], [9.0, 9.0]]
    assert tf.fill((3,), 2).dtype == "int32"
    r = tf.range(5)
    assert r.dtype == "int32" and r.numpy().tolist() == [0, 1, 2, 3, 4]
    np.testing.assert_array_equal(tf.range(3, 18, 3).numpy(), [3, 6, 9, 12, 15])  # TensorFlow's doc example
    r = tf.range(1.0, 2.0, 0.25)
    assert r.dtype == "float32"
    np.testing.assert_allclose(r.numpy(), [1.0, 1.25, 1.5, 1.75])
    lin = tf.linspace(10.0, 12.0, 3)  # TensorFlow's doc example: [10, 11, 12]
    assert lin.dtype == "float32"
    np.testing.assert_allclose(lin.numpy(), [10.0, 11.0, 12.0])
    np.testing.assert_allclose(
        tf.linspace(0.0, 1.0, 7).numpy(), np.asarray(kops.linspace(0.0, 1.0, 7)), rtol=1e-6
    )


def test_one_hot_matches_keras_and_tensorflow_rules():
    labels = np.array([0, 2, 1, 5, -1])  # 5 and -1 are out of range: all-off rows, as in TensorFlow
    out = tf.one_hot(labels, 3)
    assert out.dtype == "float32" and out.shape == (5, 3)
    np.testing.assert_array_equal(out.numpy(), np.asarray(kops.one_hot(labels, 3)))
    custom = tf.one_hot([0, 2], 3, on_value=5.0, off_value=-1.0)
    np.testing.assert_array_equal(custom.numpy(), [[5, -1, -1], [-1, -1, 5]])
    assert tf.one_hot([1], 2, on_value=1, off_value=0).dtype == "int32"
    assert tf.one_hot([[0, 1]], 2, axis=0).shape == (2, 1, 2)


def test_shape_is_an_int32_tensor_usable_as_a_shape(rng):
    x = tf.constant(rng.standard_normal((4, 3, 2)).astype("float32"))
    s = tf.shape(x)
    assert s.dtype == "int32" and s.numpy().tolist() == [4, 3, 2]
    assert tf.reshape(x, [tf.shape(x)[0], -1]).shape == (4, 6)
    assert tf.zeros(tf.shape(x)).shape == (4, 3, 2)
    assert int(tf.size(x)) == 24 and tf.size(x).dtype == "int32" and int(tf.rank(x)) == 3
    assert x[:, tf.newaxis].shape == (4, 1, 3, 2)


MOVES = [
    ("reshape", lambda x: tf.reshape(x, (6, 2)), lambda x: kops.reshape(x, (6, 2))),
    ("transpose", lambda x: tf.transpose(x), lambda x: kops.transpose(x)),
    ("transpose_perm", lambda x: tf.transpose(x, perm=[1, 0, 2]), lambda x: kops.transpose(x, (1, 0, 2))),
    ("expand_dims", lambda x: tf.expand_dims(x, 1), lambda x: kops.expand_dims(x, 1)),
    ("squeeze", lambda x: tf.squeeze(x[:, :1], axis=1), lambda x: kops.squeeze(x[:, :1], axis=1)),
    ("concat", lambda x: tf.concat([x, x * 2], axis=1), lambda x: kops.concatenate([x, x * 2], axis=1)),
    ("stack", lambda x: tf.stack([x, x], axis=-1), lambda x: kops.stack([x, x], axis=-1)),
    (
        "gather",
        lambda x: tf.gather(x, [2, 0, 2], axis=1),
        lambda x: kops.take(x, np.array([2, 0, 2]), axis=1),
    ),
    ("gather_axis0", lambda x: tf.gather(x, [1]), lambda x: kops.take(x, np.array([1]), axis=0)),
    ("clip_by_value", lambda x: tf.clip_by_value(x, -0.5, 0.5), lambda x: kops.clip(x, -0.5, 0.5)),
    ("cast", lambda x: tf.cast(x * 4, tf.int32), lambda x: kops.cast(x * 4, "int32")),
    ("identity", lambda x: tf.identity(x), lambda x: x),
    ("stop_gradient", lambda x: tf.stop_gradient(x), lambda x: x),
    ("where", lambda x: tf.where(x > 0, x, 0.0), lambda x: kops.where(x > 0, x, 0.0)),
]


@pytest.mark.parametrize("name,ours,theirs", MOVES)
def test_shape_op_matches_keras_ops(name, ours, theirs, rng):
    x = rng.standard_normal((2, 3, 2)).astype("float32")
    out, ref = ours(x), np.asarray(theirs(x))
    assert out.shape == ref.shape and out.dtype == str(ref.dtype)
    np.testing.assert_array_equal(out.numpy(), ref)


def test_unstack_split_and_where_coordinates(rng):
    x = rng.standard_normal((3, 6)).astype("float32")
    parts = tf.unstack(x, axis=1)
    assert len(parts) == 6
    for a, b in zip(parts, kops.unstack(x, axis=1)):
        np.testing.assert_array_equal(a.numpy(), np.asarray(b))
    for a, b in zip(tf.split(x, 3, axis=1), kops.split(x, 3, axis=1)):
        np.testing.assert_array_equal(a.numpy(), np.asarray(b))
    assert [p.shape for p in tf.split(x, [1, -1, 2], axis=1)] == [(3, 1), (3, 3), (3, 2)]
    with pytest.raises(ValueError, match="equal parts"):
        tf.split(x, 4, axis=1)
    with pytest.raises(ValueError, match="num=2"):
        tf.unstack(x, num=2)
    where = tf.where(x > 0)
    assert where.dtype == "int64"
    np.testing.assert_array_equal(where.numpy(), np.argwhere(x > 0))
    with pytest.raises(ValueError, match="both `x` and `y`"):
        tf.where(x > 0, x)


@pytest.mark.parametrize(
    "kwargs,ref",
    [
        ({}, lambda a, b: a @ b),
        ({"transpose_a": True}, lambda a, b: np.swapaxes(a, -1, -2) @ b),
        ({"transpose_b": True}, lambda a, b: a @ np.swapaxes(b, -1, -2)),
        (
            {"adjoint_a": True, "adjoint_b": True},
            lambda a, b: np.swapaxes(a, -1, -2) @ np.swapaxes(b, -1, -2),
        ),
    ],
)
def test_matmul_matches_numpy_with_transposes(kwargs, ref, rng):
    a = rng.standard_normal((2, 3, 3)).astype("float32")
    b = rng.standard_normal((2, 3, 3)).astype("float32")
    np.testing.assert_allclose(tf.matmul(a, b, **kwargs).numpy(), ref(a, b), rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(
        tf.linalg.matmul(a, b).numpy(), np.asarray(kops.matmul(a, b)), rtol=1e-6, atol=1e-6
    )


@pytest.mark.parametrize(
    "ord_,axis,keras_kwargs",
    [
        ("euclidean", None, {}),  # every entry: keras.ops.norm of the flattened tensor
        ("euclidean", 1, {"axis": 1}),
        (1, -1, {"ord": 1, "axis": -1}),
        (np.inf, 0, {"ord": np.inf, "axis": 0}),
        ("fro", (0, 1), {"ord": "fro", "axis": (0, 1)}),
    ],
)
def test_norm_matches_keras_ops(ord_, axis, keras_kwargs, rng):
    x = rng.standard_normal((4, 3)).astype("float32")
    reference = x.reshape(-1) if axis is None else x
    expected = np.asarray(kops.norm(reference, **keras_kwargs))
    np.testing.assert_allclose(tf.norm(x, ord=ord_, axis=axis).numpy(), expected, rtol=1e-6)
    with pytest.raises(ValueError, match="spectral"):
        tf.norm(x, ord=2, axis=(0, 1))


GRADIENTS = [
    ("reshape", lambda x: tf.reshape(x, [5, 3])),
    ("transpose", lambda x: tf.transpose(x, perm=[1, 0])),
    ("concat", lambda x: tf.concat([x, tf.square(x)], axis=0)),
    ("stack", lambda x: tf.stack([x, 2.0 * x], axis=1)),
    ("unstack", lambda x: tf.unstack(x, axis=1)[2] * tf.unstack(x)[0][:1]),
    ("split", lambda x: tf.split(x, [2, 3], axis=1)[1]),
    ("gather", lambda x: tf.gather(x, [0, 2, 2], axis=0)),
    ("where", lambda x: tf.where(x > 0, x, -2.0 * x)),
    ("clip_by_value", lambda x: tf.clip_by_value(x, -0.7, 0.7)),
    ("identity", lambda x: tf.identity(x) * 3.0),
    ("matmul", lambda x: tf.matmul(x, x, transpose_b=True)),
    ("norm", lambda x: tf.norm(x, axis=1)),
]


@pytest.mark.parametrize("name,fn", GRADIENTS)
def test_gradient_matches_finite_differences(name, fn, rng, float64):
    x = rng.uniform(0.2, 1.0, (3, 5)) * rng.choice([-1, 1], (3, 5))  # away from 0 and +-0.7
    x[np.abs(np.abs(x) - 0.7) < 0.05] = 0.5
    check_gradients(fn, [x])
