"""pad_sequences: the same arrays as keras.utils.pad_sequences, and clear errors."""

import itertools

import keras
import numpy as np
import pytest

import scratchnn.keras as sk

SEQUENCES = [[1], [2, 3], [4, 5, 6], [], [7, 8, 9, 10, 11]]


@pytest.mark.parametrize(
    "maxlen,padding,truncating",
    list(itertools.product([None, 1, 3, 5, 7], ["pre", "post"], ["pre", "post"])),
)
def test_matches_keras(maxlen, padding, truncating):
    kwargs = {"maxlen": maxlen, "padding": padding, "truncating": truncating}
    ours = sk.utils.pad_sequences(SEQUENCES, **kwargs)
    theirs = keras.utils.pad_sequences(SEQUENCES, **kwargs)
    assert ours.dtype == theirs.dtype == np.int32
    np.testing.assert_array_equal(ours, theirs)


def test_docstring_examples():
    seqs = [[1], [2, 3], [4, 5, 6]]
    np.testing.assert_array_equal(sk.utils.pad_sequences(seqs), [[0, 0, 1], [0, 2, 3], [4, 5, 6]])
    np.testing.assert_array_equal(
        sk.utils.pad_sequences(seqs, value=-1), [[-1, -1, 1], [-1, 2, 3], [4, 5, 6]]
    )
    np.testing.assert_array_equal(
        sk.utils.pad_sequences(seqs, padding="post"), [[1, 0, 0], [2, 3, 0], [4, 5, 6]]
    )
    np.testing.assert_array_equal(sk.utils.pad_sequences(seqs, maxlen=2), [[0, 1], [2, 3], [5, 6]])


@pytest.mark.parametrize(
    "sequences,kwargs",
    [
        ([[0.5, 1.7], [2.2]], {"dtype": "float32", "value": -1.5}),
        ([[0.5, 1.7], [2.9]], {}),  # floats cast to the int32 default, as Keras does
        ([np.arange(3), np.arange(5)], {"maxlen": 4, "dtype": "int64"}),
        ([[[1, 2], [3, 4]], [[5, 6]], []], {"maxlen": 3, "padding": "post"}),  # (T, 2) samples
        ([["a", "b"], ["c"]], {"dtype": object, "value": "<pad>"}),
        ([["a", "bb"], ["ccc"]], {"dtype": "<U3", "value": ""}),
        ([[], []], {"maxlen": 2}),
        ([[1, 2, 3]], {"maxlen": 0}),
        ([], {"maxlen": 3}),
    ],
)
def test_other_dtypes_and_shapes_match_keras(sequences, kwargs):
    ours = sk.utils.pad_sequences(sequences, **kwargs)
    assert ours.shape[0] == len(sequences)
    try:
        theirs = keras.utils.pad_sequences(sequences, **kwargs)
    except ValueError:
        # Keras cannot pad maxlen=0 (it assigns the whole sequence to an empty row): all padding here.
        assert kwargs.get("maxlen") == 0 and ours.shape == (1, 0)
        return
    assert ours.dtype == theirs.dtype and ours.shape == theirs.shape
    np.testing.assert_array_equal(ours, theirs)


def test_many_ragged_sequences_match_keras(rng):
    lengths = rng.integers(0, 60, 5000)
    seqs = [list(rng.integers(1, 100, n)) for n in lengths]
    ours = sk.utils.pad_sequences(seqs, maxlen=40, truncating="post")
    np.testing.assert_array_equal(ours, keras.utils.pad_sequences(seqs, maxlen=40, truncating="post"))


@pytest.mark.parametrize(
    "args,kwargs,match",
    [
        ((5,), {}, "must be iterable"),
        (([[1], 2],), {}, "Found non-iterable: 2"),
        (([[1]],), {"padding": "middle"}, "padding"),
        (([[1]],), {"truncating": "both"}, "truncating"),
        (([[1]],), {"value": "x"}, "dtype=object"),
        (([[[1, 2]], [[1, 2, 3]]],), {}, "different from expected shape"),
    ],
)
def test_bad_input_raises(args, kwargs, match):
    with pytest.raises(ValueError, match=match):
        sk.utils.pad_sequences(*args, **kwargs)
