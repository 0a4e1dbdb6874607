"""Every public name of keras.ops is in scratchnn.ops or in the table below, with the reason.

A name Keras adds later fails `test_every_keras_op_is_implemented_or_listed` until it is written or
listed here, so a gap is always visible.
"""

import types

from keras import ops as kops

from scratchnn import ops

NOT_IMPLEMENTED = {
    # Signal processing on complex numbers: the tape is real-valued.
    "fft": "FFT on (real, imag) pairs; complex signal processing is out of scope",
    "fft2": "2-D FFT; complex signal processing is out of scope",
    "ifft2": "inverse 2-D FFT; complex signal processing is out of scope",
    "rfft": "real FFT; complex signal processing is out of scope",
    "irfft": "inverse real FFT; complex signal processing is out of scope",
    "stft": "short-time Fourier transform (built on rfft); out of scope",
    "istft": "inverse short-time Fourier transform; out of scope",
    "polar": "builds complex tensors from magnitude and angle; the tape is real-valued",
    "view_as_complex": "complex views; the tape is real-valued",
    "view_as_real": "complex views; the tape is real-valued",
    # Sequence losses.
    "ctc_loss": "CTC loss needs a forward-backward dynamic program; left for the recurrent-layers issue",
    "ctc_decode": "CTC greedy/beam decoding; left for the recurrent-layers issue",
    # Owned by the convolution and pooling work (ops/convolution.py, ops/pooling.py).
    "adaptive_average_pool": "adaptive pooling belongs to ops/pooling.py (being reworked for speed)",
    "adaptive_max_pool": "adaptive pooling belongs to ops/pooling.py (being reworked for speed)",
    "fold": "PyTorch-style col2im (channels-first); not used by Keras layers",
    "unfold": "PyTorch-style im2col (channels-first); not used by Keras layers",
    # Rare special functions and namespaces.
    "i0": "the modified Bessel function I0 (its gradient needs I1); no Keras layer uses it",
    "numpy": "the keras.ops.numpy namespace repeats keras.ops' top-level functions, which are all here",
}


def _public(module):
    return {n for n in dir(module) if not n.startswith("_")}


def test_every_keras_op_is_implemented_or_listed():
    missing = sorted(n for n in _public(kops) if not hasattr(ops, n) and n not in NOT_IMPLEMENTED)
    assert not missing, (
        f"keras.ops names that scratchnn.ops neither has nor lists in NOT_IMPLEMENTED: {missing}"
    )


def test_the_not_implemented_table_is_honest():
    assert set(NOT_IMPLEMENTED) <= _public(kops), "the table lists names that are not Keras ops"
    present = sorted(n for n in NOT_IMPLEMENTED if hasattr(ops, n))
    assert not present, f"implemented now, remove from NOT_IMPLEMENTED: {present}"


def test_all_lists_every_keras_function_and_no_module():
    functions = {
        n for n in _public(kops) if hasattr(ops, n) and not isinstance(getattr(ops, n), types.ModuleType)
    }
    assert functions <= set(ops.__all__)
    assert not [n for n in ops.__all__ if isinstance(getattr(ops, n), types.ModuleType)]
    namespace = {}
    exec("from scratchnn.keras.ops import *", namespace)  # noqa: S102 - a fixed statement
    assert not {n for n, v in namespace.items() if isinstance(v, types.ModuleType)}
    assert {"einsum", "top_k", "while_loop", "Tensor"} <= set(namespace)


def test_keras_linalg_namespace_is_complete():
    assert sorted(n for n in _public(kops.linalg) if not hasattr(ops.linalg, n)) == []


def test_coverage_counts():
    """The numbers the issue asked for, so a regression in coverage shows as a changed count."""
    keras_names = _public(kops)
    implemented = {n for n in keras_names if hasattr(ops, n)}
    assert len(keras_names) == len(implemented) + len(NOT_IMPLEMENTED)
    assert len(implemented) >= 321
