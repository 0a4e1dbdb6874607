"""The TensorFlow names wired to scratchnn.ops' new families: tf.tile/pad/repeat/boolean_mask/
gather_nd, tf.sort/argsort/math.top_k, tf.cumsum/math.cumprod, tf.einsum, the trigonometric names,
and tf.reduce_prod/any/all on the real ops. Values against TensorFlow's documented examples, NumPy
and keras.ops; gradients by finite differences."""

import numpy as np
import pytest
from keras import ops as kops

import scratchnn as tf
from scratchnn.testing import check_gradients


def test_tile_pad_repeat_follow_tensorflow_examples():
    # The examples of TensorFlow's tf.tile, tf.pad and tf.repeat docs.
    a = tf.constant([[1, 2, 3], [4, 5, 6]])
    np.testing.assert_array_equal(tf.tile(a, [1, 2]).numpy(), [[1, 2, 3, 1, 2, 3], [4, 5, 6, 4, 5, 6]])
    assert tf.tile(a, tf.constant([2, 1])).dtype == "int32"
    paddings = tf.constant([[1, 1], [2, 2]])
    np.testing.assert_array_equal(tf.pad(a, paddings).numpy()[0], [0] * 7)
    np.testing.assert_array_equal(tf.pad(a, paddings, "REFLECT").numpy()[0], [6, 5, 4, 5, 6, 5, 4])
    np.testing.assert_array_equal(tf.pad(a, paddings, "SYMMETRIC").numpy()[0], [2, 1, 1, 2, 3, 3, 2])
    np.testing.assert_array_equal(tf.pad(a, paddings, constant_values=9).numpy()[0], [9] * 7)
    np.testing.assert_array_equal(
        tf.repeat(["a", "b", "c"], repeats=[3, 0, 2], axis=0).numpy(), list("aaacc")
    )
    np.testing.assert_array_equal(tf.repeat([[1, 2], [3, 4]], repeats=2).numpy(), [1, 1, 2, 2, 3, 3, 4, 4])
    with pytest.raises(ValueError, match="multiple per axis"):
        tf.tile(a, [2])
    with pytest.raises(ValueError, match="mode"):
        tf.pad(a, paddings, "EDGE")


def test_tile_and_pad_gradients(rng):
    x = rng.standard_normal((2, 3))
    check_gradients(lambda t: tf.tile(t, [2, 2]), [x])
    check_gradients(lambda t: tf.pad(t, [[1, 1], [2, 2]], "REFLECT"), [x])
    check_gradients(lambda t: tf.repeat(t, 3, axis=1), [x])


def test_boolean_mask_and_gather_nd(rng):
    # The examples of TensorFlow's tf.boolean_mask and tf.gather_nd docs.
    np.testing.assert_array_equal(
        tf.boolean_mask([0, 1, 2, 3], np.array([True, False, True, False])).numpy(), [0, 2]
    )
    rows = tf.boolean_mask([[1, 2], [3, 4], [5, 6]], np.array([True, False, True]))
    np.testing.assert_array_equal(rows.numpy(), [[1, 2], [5, 6]])
    cols = tf.boolean_mask(np.arange(6).reshape(2, 3), np.array([True, False, True]), axis=1)
    np.testing.assert_array_equal(cols.numpy(), [[0, 2], [3, 5]])
    np.testing.assert_array_equal(
        tf.gather_nd([["a", "b"], ["c", "d"]], [[0, 0], [1, 1]]).numpy(), ["a", "d"]
    )
    np.testing.assert_array_equal(
        tf.gather_nd([["a", "b"], ["c", "d"]], [[1], [0]]).numpy(), [["c", "d"], ["a", "b"]]
    )
    x = rng.standard_normal((3, 4))
    mask = x > 0
    check_gradients(lambda t: tf.boolean_mask(t, mask), [x])
    check_gradients(lambda t: tf.gather_nd(t, [[0, 1], [2, 3], [0, 1]]), [x])
    with pytest.raises(ValueError, match="mask"):
        tf.boolean_mask(x, np.ones(2, bool))


def test_sort_argsort_and_top_k():
    x = tf.constant([1, 10, 26.9, 2.8, 166.32, 62.3])
    np.testing.assert_allclose(tf.sort(x).numpy(), np.sort(x.numpy()))
    np.testing.assert_allclose(tf.sort(x, direction="DESCENDING").numpy(), np.sort(x.numpy())[::-1])
    order = tf.argsort([3, 1, 3, 2], direction="DESCENDING")
    assert order.dtype == "int32"
    np.testing.assert_array_equal(order.numpy(), [0, 2, 3, 1])  # stable: the tied 3s keep their order
    np.testing.assert_array_equal(tf.argsort([[3, 1], [0, 2]], axis=0).numpy(), [[1, 0], [0, 1]])
    result = tf.math.top_k([[1.0, 5.0, 3.0]], k=2)
    np.testing.assert_array_equal(result.values.numpy(), [[5.0, 3.0]])
    np.testing.assert_array_equal(result.indices.numpy(), [[1, 2]])
    values, indices = tf.nn.top_k([2.0, 1.0])
    assert values.shape == (1,) and indices.dtype == "int32"
    with pytest.raises(ValueError, match="direction"):
        tf.sort(x, direction="UP")


@pytest.mark.parametrize("exclusive", [False, True])
@pytest.mark.parametrize("reverse", [False, True])
def test_cumsum_and_cumprod_options(exclusive, reverse, rng):
    x = rng.uniform(0.5, 1.5, (3, 4))

    def reference(op, identity, axis):
        y = np.flip(x, axis) if reverse else x
        if exclusive:
            y = np.concatenate([np.full_like(np.take(y, [0], axis), identity), np.delete(y, -1, axis)], axis)
        y = op(y, axis=axis)
        return np.flip(y, axis) if reverse else y

    for axis in (0, 1):
        np.testing.assert_allclose(
            tf.cumsum(x, axis, exclusive, reverse).numpy(), reference(np.cumsum, 0, axis)
        )
        np.testing.assert_allclose(
            tf.math.cumprod(x, axis, exclusive, reverse).numpy(), reference(np.cumprod, 1, axis)
        )
    check_gradients(lambda t: tf.math.cumprod(t, 1, exclusive, reverse), [x])
    check_gradients(lambda t: tf.cumsum(t, exclusive=exclusive, reverse=reverse), [x])
    # The examples of TensorFlow's tf.math.cumsum docs.
    np.testing.assert_array_equal(
        tf.cumsum([2, 4, 6, 8], exclusive=True, reverse=True).numpy(), [18, 14, 8, 0]
    )


def test_einsum_and_trigonometric_names(rng):
    a, b = rng.standard_normal((2, 3)).astype("float32"), rng.standard_normal((3, 4)).astype("float32")
    np.testing.assert_allclose(tf.einsum("ij,jk->ik", a, b).numpy(), a @ b, rtol=1e-6)
    assert tf.linalg.einsum is tf.einsum
    x = rng.uniform(-0.9, 0.9, 5).astype("float32")
    names = {"sin": kops.sin, "cos": kops.cos, "tan": kops.tan, "asin": kops.arcsin, "acos": kops.arccos,
             "atan": kops.arctan, "sinh": kops.sinh, "cosh": kops.cosh, "asinh": kops.arcsinh,
             "atanh": kops.arctanh, "erfc": kops.erfc, "erfinv": kops.erfinv}  # fmt: skip
    for name, reference in names.items():
        ours = getattr(tf.math, name)(x)
        assert ours.dtype == "float32" and getattr(tf, name) is getattr(tf.math, name)
        np.testing.assert_allclose(ours.numpy(), np.asarray(reference(x)), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(tf.math.acosh(x + 2).numpy(), np.asarray(kops.arccosh(x + 2)), rtol=1e-6)
    np.testing.assert_allclose(tf.math.atan2(x, 1 - x).numpy(), np.arctan2(x, 1 - x), rtol=1e-6)
    np.testing.assert_array_equal(tf.math.floormod([7, -7], 3).numpy(), [1, 2])


def test_reduce_prod_is_exact_with_zeros_and_keeps_integer_dtypes(rng):
    x = rng.standard_normal((3, 4))
    x[1, 2] = 0.0
    check_gradients(lambda t: tf.reduce_prod(t, axis=1), [x])
    v = tf.Variable(np.array([2.0, 0.0, 3.0]), dtype="float64")
    with tf.GradientTape() as tape:
        p = tf.reduce_prod(v)
    np.testing.assert_array_equal(tape.gradient(p, v).numpy(), [0.0, 6.0, 0.0])
    total = tf.reduce_prod(tf.constant([[1, 2], [3, 4]], dtype=tf.int8), axis=0)
    assert total.dtype == "int8"
    np.testing.assert_array_equal(total.numpy(), [3, 8])
    assert tf.reduce_any(tf.constant([False, True])).numpy() and not tf.reduce_all([True, False]).numpy()
