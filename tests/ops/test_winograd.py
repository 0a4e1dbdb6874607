"""Winograd F(2x2, 3x3) and F(4x4, 3x3) convolutions: the transform matrices, float64 gradient
checks, equality with im2col, Keras parity, dispatch."""

import keras
import numpy as np
import pytest

from scratchnn import backend, layers, ops
from scratchnn.ops import convolution, winograd
from scratchnn.ops.convolution import conv2d
from scratchnn.testing import check_gradients

# (N, H, W, C, O, padding): odd sizes crop the last tile row/column, batch 1, valid and
# same, explicit asymmetric pads, outputs of one pixel.
CASES = [
    (2, 5, 6, 3, 4, "same"),
    (1, 7, 7, 2, 3, "valid"),
    (2, 4, 3, 3, 2, "valid"),
    (3, 6, 5, 2, 5, "same"),
    (1, 3, 3, 2, 2, "valid"),
    (2, 5, 4, 2, 3, ((0, 2), (1, 0))),
]


@pytest.fixture
def algorithm(monkeypatch):
    """Sets convolution.ALGORITHM for one test."""

    def use(name):
        monkeypatch.setattr(convolution, "ALGORITHM", name)

    return use


@pytest.fixture(params=sorted(winograd.TRANSFORMS))
def tile(request, monkeypatch):
    """Runs a test once per output tile size m (F(2x2, 3x3), F(4x4, 3x3))."""
    monkeypatch.setattr(winograd, "TILE", request.param)
    return request.param


@pytest.mark.parametrize("m", sorted(winograd.TRANSFORMS))
def test_transform_matrices_compute_the_1d_correlation(m, rng):
    # y = A^T [(G g) * (B^T d)] must equal y[i] = sum_j d[i + j] g[j] for every d and g.
    bt, g_mat, at = (np.asarray(a, dtype=np.float64) for a in winograd.TRANSFORMS[m])
    assert bt.shape == (m + 2, m + 2) and g_mat.shape == (m + 2, 3) and at.shape == (m, m + 2)
    for _ in range(5):
        d, g = rng.standard_normal(m + 2), rng.standard_normal(3)
        want = [d[i : i + 3] @ g for i in range(m)]
        np.testing.assert_allclose(at @ ((g_mat @ g) * (bt @ d)), want, rtol=1e-12, atol=1e-12)


def _values(rng, n, h, w, c, o):
    return rng.standard_normal((n, h, w, c)), rng.standard_normal((3, 3, c, o)) * 0.5, rng.standard_normal(o)


@pytest.mark.parametrize("n,h,w,c,o,padding", CASES)
@pytest.mark.parametrize("relu", [False, True])
def test_winograd_gradients(n, h, w, c, o, padding, relu, rng, algorithm, tile):
    algorithm("winograd")
    x, kernel, bias = _values(rng, n, h, w, c, o)
    check_gradients(lambda a, b, d: conv2d(a, b, d, 1, padding, relu=relu), [x, kernel, bias], atol=1e-7)


def _loss_and_grads(x, kernel, bias, padding, relu, wanted=(True, True, True)):
    tensors = [ops.Variable(v, dtype="float64", trainable=t) for v, t in zip((x, kernel, bias), wanted)]
    with ops.GradientTape() as tape:
        out = conv2d(*tensors, 1, padding, relu=relu)
        loss = ops.sum(out * out)
    sources = [t for t in tensors if t.trainable]
    return [out.numpy(), *(g.numpy() for g in tape.gradient(loss, sources))]


@pytest.mark.parametrize("n,h,w,c,o,padding", CASES)
@pytest.mark.parametrize("wanted", [(True, True, True), (True, False, False), (False, True, True)])
def test_winograd_equals_im2col(n, h, w, c, o, padding, wanted, rng, algorithm, tile):
    x, kernel, bias = _values(rng, n, h, w, c, o)
    algorithm("im2col")
    reference = _loss_and_grads(x, kernel, bias, padding, True, wanted)
    algorithm("winograd")
    for got, want in zip(_loss_and_grads(x, kernel, bias, padding, True, wanted), reference):
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-11)


@pytest.mark.parametrize("shape", [(4, 14, 14, 32, 64), (3, 7, 7, 64, 128), (2, 9, 8, 16, 16)])
def test_winograd_float32_matches_keras(shape, rng, algorithm, tile):
    n, h, w, c, o = shape
    algorithm("winograd")
    x = rng.standard_normal((n, h, w, c)).astype("float32")
    kernel = (rng.standard_normal((3, 3, c, o)) / np.sqrt(9 * c)).astype("float32")
    for padding in ("same", "valid"):
        ours = ops.conv(x, kernel, 1, padding).numpy()
        theirs = np.asarray(keras.ops.conv(x, kernel, 1, padding))
        assert ours.dtype == np.float32
        np.testing.assert_allclose(ours, theirs, atol=1e-5, rtol=1e-5)


def test_conv2d_layer_with_many_channels_takes_winograd_and_matches_keras(rng, monkeypatch):
    monkeypatch.setattr(convolution, "ALGORITHM", "auto")
    monkeypatch.setattr(convolution, "WINOGRAD_MIN_WORK", 1)
    monkeypatch.setattr(convolution, "WINOGRAD_MIN_CHANNELS", 32)
    called = []
    original = convolution.conv2d_winograd
    monkeypatch.setattr(convolution, "conv2d_winograd", lambda *a: called.append(1) or original(*a))
    x = rng.standard_normal((2, 8, 10, 32)).astype("float32")
    ours = layers.Conv2D(40, 3, padding="same", activation="relu")
    theirs = keras.layers.Conv2D(40, 3, padding="same", activation="relu")
    ours(x)
    theirs.build(x.shape)
    weights = [rng.standard_normal(w.shape).astype("float32") * 0.2 for w in ours.get_weights()]
    ours.set_weights(weights)
    theirs.set_weights(weights)
    np.testing.assert_allclose(ours(x).numpy(), np.asarray(theirs(x)), atol=1e-5, rtol=1e-5)
    assert called


@pytest.mark.parametrize("m", sorted(winograd.TRANSFORMS))
def test_kernel_transform_adjoint_is_its_transpose(m, rng):
    # <K w, du> = <w, K^T du> for the linear map K = (w -> G w G^T).
    w = backend.asarray(rng.standard_normal((3, 3, 2, 3)))
    du = backend.asarray(rng.standard_normal(((m + 2) ** 2, 2, 3)))
    lhs = np.sum(winograd.kernel_transform(w, m) * du)
    rhs = np.sum(w * winograd.kernel_transform_adjoint(du, m))
    np.testing.assert_allclose(lhs, rhs, rtol=1e-12)


@pytest.mark.parametrize(
    "kernel,strides,dilation,c,o,out_shape,expected",
    [
        ((3, 3), (1, 1), (1, 1), 64, 128, (128, 7, 7), True),
        ((3, 3), (1, 1), (1, 1), 64, 128, (64, 7, 7), True),
        ((3, 3), (1, 1), (1, 1), 64, 128, (32, 7, 7), False),  # small batch: im2col won
        ((3, 3), (1, 1), (1, 1), 32, 64, (128, 14, 14), False),  # 32 channels: a tie at best
        ((3, 3), (1, 1), (1, 1), 16, 64, (128, 14, 14), False),  # too few channels
        ((3, 3), (2, 2), (1, 1), 32, 64, (128, 14, 14), False),
        ((3, 3), (1, 1), (2, 2), 32, 64, (128, 14, 14), False),
        ((5, 5), (1, 1), (1, 1), 32, 64, (128, 14, 14), False),
        ((3, 1), (1, 1), (1, 1), 32, 64, (128, 14, 14), False),
    ],
)
def test_dispatch_takes_winograd_only_where_it_applies(
    kernel, strides, dilation, c, o, out_shape, expected, algorithm
):
    algorithm("auto")
    assert convolution.use_winograd(kernel, strides, dilation, c, o, out_shape) is expected
    algorithm("im2col")
    assert not convolution.use_winograd(kernel, strides, dilation, c, o, out_shape)
    algorithm("winograd")
    applies = (tuple(kernel), tuple(strides), tuple(dilation)) == ((3, 3), (1, 1), (1, 1))
    assert convolution.use_winograd(kernel, strides, dilation, c, o, out_shape) is applies


def test_an_unknown_algorithm_is_rejected(algorithm):
    algorithm("fft")
    with pytest.raises(ValueError, match="SCRATCHNN_CONV_ALGORITHM"):
        conv2d(np.zeros((1, 4, 4, 1)), np.zeros((3, 3, 1, 1)))


def test_predict_keeps_no_transformed_tiles(rng, algorithm, tile):
    # Without a tape the forward pass keeps nothing for a backward pass.
    algorithm("winograd")
    x = ops.Variable(rng.standard_normal((2, 6, 6, 3)), dtype="float64")
    kernel = ops.Variable(rng.standard_normal((3, 3, 3, 4)), dtype="float64")
    with ops.no_grad():
        out = conv2d(x, kernel, None, 1, "same")
    assert out._backward is None
    algorithm("im2col")
    np.testing.assert_allclose(out.numpy(), conv2d(x, kernel, None, 1, "same").numpy(), rtol=1e-12)
