"""Variable's constructor keywords: Keras's `initializer` and TensorFlow's `initial_value`."""

import numpy as np
import pytest

from scratchnn import ops


def test_initial_value_is_an_alias_of_the_first_argument():
    v = ops.Variable(initial_value=np.array([1.0, 2.0]), trainable=False, name="counts")
    assert v.name == "counts" and not v.trainable and v.dtype == "float32"
    np.testing.assert_array_equal(v.numpy(), [1.0, 2.0])
    w = ops.Variable(initial_value=lambda shape, dtype: np.ones(shape, dtype), shape=(2, 3), dtype="float64")
    assert w.shape == (2, 3) and w.dtype == "float64"
    assert ops.Variable(initial_value=3.0, name=None).name == "variable"  # TensorFlow code passes name=None


@pytest.mark.parametrize("kwargs", [{}, {"initializer": 1.0, "initial_value": 2.0}])
def test_exactly_one_value_is_needed(kwargs):
    with pytest.raises(ValueError, match="initial_value"):
        ops.Variable(**kwargs)


def test_tf_variable_accepts_initial_value():
    import scratchnn as tf

    v = tf.Variable(initial_value=tf.zeros((2,)))
    assert isinstance(v, ops.Variable) and v.shape == (2,)


def test_ones_and_zeros_take_an_int_shape_like_keras():
    from scratchnn import ops

    assert ops.ones(3).shape == (3,) and ops.zeros(2, dtype="int32").shape == (2,)
    assert ops.ones(3).dtype == "float32"
