"""Transposed convolution ops: float64 gradient checks, Keras parity, image chunks, bad input."""

import importlib

import keras
import numpy as np
import pytest

from scratchnn import ops
from scratchnn.ops.conv_transpose import conv_transpose1d, conv_transpose2d
from scratchnn.testing import check_gradients

# The module, not keras.ops.conv_transpose (the function of the same name that scratchnn.ops exports).
ct = importlib.import_module("scratchnn.ops.conv_transpose")

# (H, W, kernel, strides, padding, output_padding, dilation): odd sizes, crops on one side only,
# outputs that reach past the full scatter (valid + output_padding, stride > kernel), dilation.
CASES = [
    (3, 4, 3, 1, "valid", None, 1),
    (3, 4, 3, 1, "same", None, 1),
    (3, 5, 3, 2, "same", None, 1),
    (4, 3, 2, 2, "same", None, 1),
    (3, 3, 3, 2, "same", 1, 1),
    (3, 4, 3, 2, "valid", 1, 1),
    (2, 3, 2, 3, "valid", None, 1),
    (3, 2, (2, 3), (2, 1), "same", (1, 0), 1),
    (4, 3, 3, 1, "same", None, 2),
    (3, 4, (2, 3), 1, "valid", None, (2, 1)),
    (1, 1, 3, 2, "same", None, 1),
]


def _kernel_hw(k):
    return (k, k) if isinstance(k, int) else k


@pytest.mark.parametrize("h,w,k,s,p,op,d", CASES)
@pytest.mark.parametrize("batch", [1, 2])
def test_conv_transpose2d_gradients(h, w, k, s, p, op, d, batch, rng):
    x = rng.standard_normal((batch, h, w, 3))
    kernel = rng.standard_normal((*_kernel_hw(k), 5, 3)) * 0.5
    bias = rng.standard_normal(5)
    check_gradients(lambda a, b, c: conv_transpose2d(a, b, c, s, p, op, d), [x, kernel, bias], atol=1e-7)


@pytest.mark.parametrize("h,w,k,s,p,op,d", CASES)
def test_conv_transpose2d_matches_keras(h, w, k, s, p, op, d, rng):
    x = rng.standard_normal((3, h, w, 4)).astype("float32")
    kernel = rng.standard_normal((*_kernel_hw(k), 6, 4)).astype("float32")
    ours = ops.conv_transpose(x, kernel, s, p, op, dilation_rate=d).numpy()
    theirs = np.asarray(keras.ops.conv_transpose(x, kernel, s, p, op, dilation_rate=d))
    assert ours.shape == theirs.shape and ours.dtype == np.float32
    np.testing.assert_allclose(ours, theirs, atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize(
    "length,k,s,p,op,d",
    [
        (5, 3, 1, "valid", None, 1),
        (5, 3, 2, "same", None, 1),
        (4, 2, 3, "valid", 2, 1),
        (6, 3, 1, "same", None, 2),
    ],
)
def test_conv_transpose1d_gradients_and_keras(length, k, s, p, op, d, rng):
    x, kernel, bias = (
        rng.standard_normal((2, length, 3)),
        rng.standard_normal((k, 4, 3)),
        rng.standard_normal(4),
    )
    check_gradients(lambda a, b, c: conv_transpose1d(a, b, c, s, p, op, d), [x, kernel, bias], atol=1e-7)
    x32, k32 = x.astype("float32"), kernel.astype("float32")
    theirs = np.asarray(keras.ops.conv_transpose(x32, k32, s, p, op, dilation_rate=d))
    np.testing.assert_allclose(
        ops.conv_transpose(x32, k32, s, p, op, dilation_rate=d).numpy(), theirs, atol=1e-5
    )


def test_gradients_accumulate_over_two_calls(rng):
    # The same kernel used twice: its gradient is the sum of both uses.
    x1, x2 = rng.standard_normal((2, 3, 3, 2)), rng.standard_normal((1, 3, 3, 2))
    kernel = rng.standard_normal((3, 3, 4, 2))

    def fn(a, b, w):
        y1 = conv_transpose2d(a, w, None, 2, "same")
        y2 = conv_transpose2d(b, w, None, 2, "same")
        return ops.concatenate([y1, y2], axis=0)

    check_gradients(fn, [x1, x2, kernel], atol=1e-7)


def test_is_the_input_gradient_of_conv2d(rng):
    # <conv2d(z, K), x> == <z, conv_transpose2d(x, K)> for every z and x: the two ops are adjoint.
    from scratchnn.ops.convolution import conv2d

    kernel = rng.standard_normal((3, 3, 4, 5))  # conv2d: 4 -> 5 channels; the transpose: 5 -> 4
    z = rng.standard_normal((2, 8, 8, 4))
    x = rng.standard_normal((2, 4, 4, 5))
    lhs = np.sum(conv2d(z, kernel, None, 2, "same").numpy() * x)
    rhs = np.sum(z * conv_transpose2d(x, kernel, None, 2, "same").numpy())
    np.testing.assert_allclose(lhs, rhs, rtol=1e-10)


@pytest.mark.parametrize("h,w,k,s,p,op,d", CASES[:6])
def test_chunked_over_images_gives_the_same_result(h, w, k, s, p, op, d, rng, monkeypatch):
    x, kernel, bias = (
        rng.standard_normal((3, h, w, 2)),
        rng.standard_normal((*_kernel_hw(k), 3, 2)),
        rng.standard_normal(3),
    )

    def run():
        tx, tk, tb = (ops.Variable(v, dtype="float64") for v in (x, kernel, bias))
        with ops.GradientTape() as tape:
            loss = ops.sum(ops.square(conv_transpose2d(tx, tk, tb, s, p, op, d)))
        return [loss.numpy(), *(g.numpy() for g in tape.gradient(loss, [tx, tk, tb]))]

    whole = run()
    monkeypatch.setattr(ct, "CHUNK_BYTES", 1)  # every image its own chunk
    for a, b in zip(whole, run()):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize(
    "size,k,s,p,op,expected",
    [(7, 3, 2, "same", None, 14), (7, 3, 2, "valid", None, 15), (7, 3, 2, "same", 0, 13), (7, 2, 3, "valid", None, 21),
     (5, 3, 1, "valid", None, 7), (None, 3, 2, "same", None, None)],
)  # fmt: skip
def test_output_length_matches_keras_rule(size, k, s, p, op, expected):
    assert ct.conv_transpose_output_length(size, k, s, p, op) == expected


@pytest.mark.parametrize(
    "x_shape,k_shape,kwargs,match",
    [
        ((1, 4, 4, 3), (3, 3, 2, 5), {}, "same C"),
        ((1, 4, 4, 3), (3, 3, 2, 3), {"padding": "full"}, "padding"),
        ((1, 4, 4, 3), (3, 3, 2, 3), {"output_padding": (1, -1)}, "output_padding"),
        ((1, 4, 4, 3), (3, 3, 2, 3), {"strides": 0}, "strides"),
    ],
)
def test_bad_input_raises(x_shape, k_shape, kwargs, match):
    x, kernel = np.zeros(x_shape, "float32"), np.zeros(k_shape, "float32")
    with pytest.raises(ValueError, match=match):
        conv_transpose2d(x, kernel, **kwargs)
    with pytest.raises(ValueError, match="supports 3-D and 4-D"):
        ops.conv_transpose(np.zeros((1, 2, 3, 4, 3), "float32"), kernel)
