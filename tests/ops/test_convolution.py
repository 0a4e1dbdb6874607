"""ops.conv / convolution.conv2d: float64 gradient checks, Keras parity, same-padding geometry, image chunks."""

import keras
import numpy as np
import pytest

from scratchnn import ops
from scratchnn.ops.conv_geometry import same_pads
from scratchnn.ops.convolution import conv2d
from scratchnn.testing import check_gradients

# (H, W, kernel, strides, padding, dilation, groups): odd sizes make "same" padding asymmetric.
CONV2D_CASES = [
    (5, 6, 3, 1, "valid", 1, 1),
    (5, 6, 3, 1, "same", 1, 1),
    (7, 5, 3, 2, "same", 1, 1),
    (6, 6, 2, 2, "same", 1, 1),
    (7, 7, (2, 3), (2, 1), "valid", 1, 1),
    (8, 7, 4, 3, "same", 1, 1),
    (7, 8, 3, 1, "same", 2, 1),
    (9, 7, (3, 2), 1, "valid", (2, 3), 1),
    (5, 6, 3, 1, "same", 1, 2),
    (6, 5, 1, 2, "valid", 1, 1),
]


def _small(rng, shape, scale=0.5):
    return rng.standard_normal(shape) * scale


@pytest.mark.parametrize("h,w,k,s,p,d,groups", CONV2D_CASES)
def test_conv2d_op_gradients(h, w, k, s, p, d, groups, rng):
    kh, kw = (k, k) if isinstance(k, int) else k
    x = _small(rng, (2, h, w, 4))
    kernel = _small(rng, (kh, kw, 4 // groups, 6))
    bias = _small(rng, (6,))
    check_gradients(lambda a, b, c: conv2d(a, b, c, s, p, d, groups), [x, kernel, bias], atol=1e-7)


@pytest.mark.parametrize("h,w,k,s,p,d,groups", CONV2D_CASES)
def test_conv2d_op_matches_keras(h, w, k, s, p, d, groups, rng):
    kh, kw = (k, k) if isinstance(k, int) else k
    x = rng.standard_normal((3, h, w, 4)).astype("float32")
    kernel = rng.standard_normal((kh, kw, 4 // groups, 6)).astype("float32")
    ours = ops.conv(x, kernel, s, p, dilation_rate=d).numpy()
    theirs = np.asarray(keras.ops.conv(x, kernel, s, p, dilation_rate=d))
    assert ours.shape == theirs.shape and ours.dtype == np.float32
    np.testing.assert_allclose(ours, theirs, atol=1e-5, rtol=1e-5)


def test_fused_relu_gradient_matches_composition(rng):
    x, kernel, bias = _small(rng, (2, 5, 6, 3)), _small(rng, (3, 3, 3, 4)), _small(rng, (4,))
    check_gradients(lambda a, b, c: conv2d(a, b, c, 1, "same", relu=True), [x + 0.0, kernel, bias], atol=1e-7)
    fused = conv2d(x, kernel, bias, 1, "same", relu=True).numpy()
    np.testing.assert_array_equal(fused, ops.relu(conv2d(x, kernel, bias, 1, "same")).numpy())


@pytest.mark.parametrize(
    "size,k,s,expected", [(5, 3, 1, (1, 1)), (6, 3, 2, (0, 1)), (7, 2, 2, (0, 1)), (4, 4, 3, (1, 2))]
)
def test_same_padding_puts_the_odd_pixel_last(size, k, s, expected):
    assert same_pads(size, k, s) == expected


@pytest.mark.parametrize("h,w,k,s,p,d,groups", CONV2D_CASES[:4])
def test_conv2d_chunked_over_images_gives_the_same_result(h, w, k, s, p, d, groups, rng, monkeypatch):
    # A chunk budget of one byte makes every image its own chunk: the forward, and the
    # backward that rebuilds cols per chunk, must equal the one-chunk computation.
    from scratchnn.ops import convolution

    kh, kw = (k, k) if isinstance(k, int) else k
    x, kernel, bias = _small(rng, (3, h, w, 4)), _small(rng, (kh, kw, 4, 6)), _small(rng, (6,))

    def run():
        tx, tk, tb = (ops.Variable(v, dtype="float64") for v in (x, kernel, bias))
        with ops.GradientTape() as tape:
            loss = ops.sum(ops.square(conv2d(tx, tk, tb, s, p, d, relu=True)))
        return [loss.numpy(), *(g.numpy() for g in tape.gradient(loss, [tx, tk, tb]))]

    whole = run()
    monkeypatch.setattr(convolution, "CHUNK_BYTES", 1)
    assert len(convolution.image_chunks(3, 100, convolution.CHUNK_BYTES)) == 3
    for a, b in zip(whole, run()):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)
    check_gradients(lambda a, b, c: conv2d(a, b, c, s, p, d, relu=True), [x, kernel, bias], atol=1e-7)


@pytest.mark.parametrize("h,w,k,s,p,d,groups", [case for case in CONV2D_CASES if case[-1] == 1])
def test_one_channel_conv2d_offset_major_cols(h, w, k, s, p, d, groups, rng, monkeypatch):
    # One input channel takes the offset-major im2col layout: gradients, Keras parity and
    # per-image chunks must all hold there too.
    from scratchnn.ops import convolution

    kh, kw = (k, k) if isinstance(k, int) else k
    x, kernel, bias = _small(rng, (3, h, w, 1)), _small(rng, (kh, kw, 1, 5)), _small(rng, (5,))
    check_gradients(lambda a, b, c: conv2d(a, b, c, s, p, d, relu=True), [x, kernel, bias], atol=1e-7)
    x32, k32 = x.astype("float32"), kernel.astype("float32")
    theirs = np.asarray(keras.ops.conv(x32, k32, s, p, dilation_rate=d))
    np.testing.assert_allclose(
        ops.conv(x32, k32, s, p, dilation_rate=d).numpy(), theirs, atol=1e-5, rtol=1e-5
    )

    def run():
        tx, tk, tb = (ops.Variable(v, dtype="float64") for v in (x, kernel, bias))
        with ops.GradientTape() as tape:
            loss = ops.sum(ops.square(conv2d(tx, tk, tb, s, p, d)))
        return [loss.numpy(), *(g.numpy() for g in tape.gradient(loss, [tx, tk, tb]))]

    whole = run()
    monkeypatch.setattr(convolution, "CHUNK_BYTES", 1)
    for a, b in zip(whole, run()):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)
