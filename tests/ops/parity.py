"""Helpers for comparing scratchnn.ops against keras.ops (real Keras 3 on JAX).

Keras on JAX computes in 32 bits unless JAX's x64 mode is on, and even then its own result_type
narrows float64 to float32 for many ops (BIT64_TO_BIT32_DTYPE in keras/src/backend/common/dtypes.py),
a JAX device default that scratchnn does not copy: scratchnn keeps float64, as Keras on TensorFlow
does. So the comparisons are:

- float32 and int inputs, Keras in its default mode: same dtype, same shape, values within 1e-5;
- float64 inputs, Keras with x64 enabled: scratchnn gives float64; where Keras kept float64 the
  values agree within 1e-6 (relative), where it narrowed to float32 within float32's 1e-5.

Index outputs are int64 in scratchnn (as NumPy and ops.argmax) where Keras on JAX gives int32;
`index=True` allows exactly that difference.
"""

from __future__ import annotations

import jax
import numpy as np

from scratchnn import ops


def leaves(tree):
    """The arrays of a result (a tensor, or a tuple/list of them), as NumPy arrays."""
    if isinstance(tree, (tuple, list)):
        return [leaf for item in tree for leaf in leaves(item)]
    if isinstance(tree, ops.Tensor):
        return [tree.numpy()]
    return [np.asarray(tree)]


def keras_result(fn, *args, x64=False, **kwargs):
    """Runs a keras.ops call (in JAX's x64 mode if asked) and returns its arrays."""
    if x64:
        with jax.enable_x64(True):
            return leaves(fn(*args, **kwargs))
    return leaves(fn(*args, **kwargs))


def assert_matches(ours, theirs, rtol=1e-5, atol=1e-6, index=False, check_dtype=True, float64=False):
    """Asserts scratchnn's result equals Keras's: shapes, dtypes (see the module docstring), values."""
    ours_l, theirs_l = leaves(ours), [np.asarray(t) for t in theirs]
    assert len(ours_l) == len(theirs_l), f"{len(ours_l)} outputs, Keras gave {len(theirs_l)}"
    for mine, ref in zip(ours_l, theirs_l):
        assert mine.shape == ref.shape, f"shape {mine.shape}, Keras {ref.shape}"
        if check_dtype:
            expected = ref.dtype
            if float64 and expected.kind == "f":
                expected = np.dtype("float64")
            if index and expected == np.int32 and mine.dtype == np.int64:
                expected = np.dtype("int64")
            assert mine.dtype == expected, f"dtype {mine.dtype}, expected {expected} (Keras gave {ref.dtype})"
        tol = rtol if not (float64 and ref.dtype == np.float32) else 1e-5
        if mine.dtype.kind in "biu" and ref.dtype.kind in "biu":
            np.testing.assert_array_equal(mine, ref)
        else:
            np.testing.assert_allclose(mine, ref.astype(mine.dtype), rtol=tol, atol=atol, equal_nan=True)


def away_from_kinks(rng, shape, low=0.2, high=2.0):
    """Values with |x| in [low, high], random signs."""
    return rng.uniform(low, high, shape) * rng.choice([-1.0, 1.0], shape)
