"""Python operators on Tensor: `==` and `!=` are elementwise, as on Keras variables and TF tensors."""

import keras as real_keras
import numpy as np
import pytest

from scratchnn.keras import ops
from scratchnn.ops.tensor import Variable

LEFT = np.array([[1], [2], [0], [4]], dtype="int32")
RIGHT = np.array([1, 2, 3, 4], dtype="int32")


@pytest.mark.parametrize(
    "compare, reference",
    [(lambda a, b: a == b, real_keras.ops.equal), (lambda a, b: a != b, real_keras.ops.not_equal)],
    ids=["eq", "ne"],
)
def test_equality_is_elementwise_and_broadcasts(compare, reference):
    # (4, 1) against (4,) broadcasts to (4, 4), as the keras-io custom-metric example relies on.
    ours = compare(ops.convert_to_tensor(LEFT), ops.convert_to_tensor(RIGHT))
    expected = np.asarray(reference(LEFT, RIGHT))
    assert ours.shape == (4, 4) and ours.dtype == "bool"
    np.testing.assert_array_equal(ours.numpy(), expected)


def test_equality_with_numbers_arrays_and_variables():
    t = ops.convert_to_tensor(RIGHT)
    np.testing.assert_array_equal((t == 2).numpy(), RIGHT == 2)
    np.testing.assert_array_equal((2 == t).numpy(), RIGHT == 2)
    np.testing.assert_array_equal((t != RIGHT).numpy(), np.zeros(4, bool))
    v = Variable(np.array([0.0, 1.0], "float32"))
    np.testing.assert_array_equal((v == 1.0).numpy(), [False, True])


def test_comparing_with_none_gives_a_bool_as_tensorflow_does():
    t = ops.convert_to_tensor(RIGHT)
    assert (t == None) is False  # noqa: E711 (the comparison under test)
    assert (t != None) is True  # noqa: E711


def test_tensors_still_key_dicts_and_sets_by_identity():
    a, b = ops.convert_to_tensor(RIGHT), ops.convert_to_tensor(RIGHT)
    assert {a: "a", b: "b"}[b] == "b"
    assert len({a, b}) == 2 and a in {a}


def test_mod_and_floor_division_operators_match_keras():
    import keras as real

    x = np.array([-7.0, -2.5, 3.0, 8.5], dtype="float32")
    t = ops.convert_to_tensor(x)
    for ours, theirs in [
        (t % 3.0, real.ops.mod(x, 3.0)),
        (t // 2.0, real.ops.floor_divide(x, 2.0)),
        (10.0 % t, real.ops.mod(10.0, x)),
        (9.0 // t, real.ops.floor_divide(9.0, x)),
    ]:
        np.testing.assert_allclose(ours.numpy(), np.asarray(theirs), rtol=1e-6)
