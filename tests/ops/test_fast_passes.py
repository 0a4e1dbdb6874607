"""The fast ReLU pass gives NumPy's own results, bit for bit."""

import numpy as np
import pytest

from scratchnn.backend import xp
from scratchnn.ops import fast_passes

SPECIALS = np.array([-0.0, 0.0, -1.5, 2.5, np.nan, np.inf, -np.inf, 1e-45, -1e-45], dtype=np.float32)


def _values(n: int, dtype=np.float32) -> np.ndarray:
    a = np.random.default_rng(n).standard_normal(n).astype(dtype)
    a[: len(SPECIALS)] = SPECIALS[: len(a)]
    return xp.asarray(a)


def _same_bits(a: np.ndarray, b: np.ndarray) -> None:
    assert a.dtype == b.dtype and a.shape == b.shape
    assert a.tobytes() == b.tobytes()


# Sizes on both sides of the small-array cut-off and of the zeros block's length.
SMALL, BLOCK = fast_passes._SMALL, fast_passes._BLOCK
SIZES = [9, SMALL - 1, SMALL, BLOCK, BLOCK + 7, 3 * BLOCK - 1]


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_relu_matches_numpy_maximum(n, dtype):
    a = _values(n, dtype)
    expected = xp.maximum(a, 0)
    _same_bits(fast_passes.relu(a), expected)
    inplace = a.copy()
    assert fast_passes.relu(inplace, out=inplace) is inplace
    _same_bits(inplace, expected)
    _same_bits(a, _values(n, dtype))  # the input of the out-of-place form is untouched


def test_relu_strided_and_integer_inputs_keep_numpy_semantics():
    a = _values(2 * fast_passes._BLOCK).reshape(2, -1)[:, ::2]  # not contiguous
    _same_bits(fast_passes.relu(a), xp.maximum(a, 0))
    ints = xp.arange(-5000, 5000, dtype=np.int32)
    _same_bits(fast_passes.relu(ints), xp.maximum(ints, 0))
    flags = xp.zeros(5000, dtype=bool)
    _same_bits(fast_passes.relu(flags), xp.maximum(flags, 0))  # NumPy promotes bool to int


def test_zeros_block_follows_the_backend():
    from scratchnn import backend

    fast_passes.relu(_values(fast_passes._SMALL))
    assert fast_passes._zeros
    previous = backend.get_backend()
    backend.set_backend(previous)  # a switch, even to the same module, drops the blocks
    assert not fast_passes._zeros
