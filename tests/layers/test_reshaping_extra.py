"""Permute, RepeatVector, UpSampling1D, ZeroPadding1D, Cropping1D: harness, Keras parity, errors."""

import keras
import numpy as np
import pytest

from scratchnn import layers
from scratchnn.testing import run_layer_test

CASES = [
    ("Permute", {"dims": (2, 1)}, (2, 3, 4), (2, 4, 3)),
    ("Permute", {"dims": (3, 1, 2)}, (2, 3, 4, 5), (2, 5, 3, 4)),
    ("RepeatVector", {"n": 3}, (2, 4), (2, 3, 4)),
    ("RepeatVector", {"n": 1}, (1, 5), (1, 1, 5)),
    ("UpSampling1D", {}, (2, 3, 4), (2, 6, 4)),
    ("UpSampling1D", {"size": 3}, (1, 3, 2), (1, 9, 2)),
    ("ZeroPadding1D", {}, (2, 3, 4), (2, 5, 4)),
    ("ZeroPadding1D", {"padding": (0, 2)}, (2, 3, 4), (2, 5, 4)),
    ("Cropping1D", {}, (2, 5, 3), (2, 3, 3)),
    ("Cropping1D", {"cropping": (2, 0)}, (2, 5, 3), (2, 3, 3)),
]


@pytest.mark.parametrize("name,kwargs,shape,out_shape", CASES)
def test_reshaping_harness(name, kwargs, shape, out_shape):
    run_layer_test(getattr(layers, name), kwargs, input_shape=shape, expected_output_shape=out_shape)


@pytest.mark.parametrize("name,kwargs,shape,out_shape", CASES)
def test_reshaping_matches_keras(name, kwargs, shape, out_shape, rng):
    x = rng.standard_normal(shape).astype("float32")
    ours = getattr(layers, name)(**kwargs)
    theirs = getattr(keras.layers, name)(**kwargs)
    np.testing.assert_array_equal(ours(x).numpy(), np.asarray(theirs(x)))
    assert tuple(ours.compute_output_shape((None, *shape[1:]))) == tuple(
        theirs.compute_output_shape((None, *shape[1:]))
    )
    keys = set(theirs.get_config()) - {"dtype", "name", "trainable"}
    assert {k: ours.get_config()[k] for k in keys} == {k: theirs.get_config()[k] for k in keys}


def test_variable_length_shapes():
    assert layers.UpSampling1D(2).compute_output_shape((None, None, 3)) == (None, None, 3)
    assert layers.ZeroPadding1D(1).compute_output_shape((None, None, 3)) == (None, None, 3)
    assert layers.Cropping1D(1).compute_output_shape((None, None, 3)) == (None, None, 3)


@pytest.mark.parametrize("dims", [(1, 3), (0, 1), (2, 2), 3])
def test_permute_rejects_bad_dims(dims):
    with pytest.raises(ValueError, match="Invalid permutation argument `dims`"):
        layers.Permute(dims)


def test_permute_and_repeat_vector_check_the_input_rank():
    with pytest.raises(ValueError, match="expected ndim=3, found ndim=2"):
        layers.Permute((2, 1))(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="expected ndim=2, found ndim=3"):
        layers.RepeatVector(2)(np.zeros((2, 3, 4)))


@pytest.mark.parametrize("cls,arg", [(layers.RepeatVector, "n"), (layers.UpSampling1D, "size")])
def test_positive_int_arguments(cls, arg):
    with pytest.raises(TypeError, match=f"integer value for `{arg}`"):
        cls(2.0)
    with pytest.raises(ValueError, match=f"`{arg}` should be a positive integer. Received: {arg}=0"):
        cls(0)


@pytest.mark.parametrize("cls,arg", [(layers.ZeroPadding1D, "padding"), (layers.Cropping1D, "cropping")])
@pytest.mark.parametrize("value", [-1, (1, -1), (1, 2, 3), "1"])
def test_pair_arguments(cls, arg, value):
    with pytest.raises(ValueError, match=f"`{arg}` argument.*Received: {arg}="):
        cls(value)


def test_cropping1d_that_leaves_nothing_is_an_error():
    with pytest.raises(ValueError, match="must be smaller than the input length"):
        layers.Cropping1D((2, 2))(np.zeros((1, 4, 2)))


def test_zero_padding1d_only_channels_last():
    with pytest.raises(ValueError, match="channels_last"):
        layers.ZeroPadding1D(1, data_format="channels_first")
