"""ops.max_pool / average_pool: gradient checks (first-max routing, asymmetric 'same' windows, chunks), Keras parity."""

import keras
import numpy as np
import pytest

from scratchnn import ops
from scratchnn.testing import check_gradients

# (H, W, pool, strides, padding): divisible, cropped, overlapping, gapped and asymmetric-"same" geometries.
POOL_CASES = [
    (6, 6, 2, None, "valid"),
    (7, 5, 2, None, "valid"),
    (7, 5, 3, 2, "same"),
    (5, 7, 2, None, "same"),
    (7, 7, 3, 1, "valid"),
    (8, 8, 2, 3, "valid"),
    (6, 7, (2, 3), (1, 2), "same"),
]


@pytest.mark.parametrize("h,w,pool,strides,padding", POOL_CASES)
@pytest.mark.parametrize("mode", ["max", "avg"])
def test_pool_op_gradients_and_keras(h, w, pool, strides, padding, mode, rng):
    fn = ops.max_pool if mode == "max" else ops.average_pool
    x = rng.standard_normal((2, h, w, 3))
    check_gradients(lambda a: fn(a, pool, strides, padding), [x], atol=1e-7)
    x32 = x.astype("float32")
    kfn = keras.ops.max_pool if mode == "max" else keras.ops.average_pool
    ours = fn(x32, pool, strides, padding).numpy()
    theirs = np.asarray(kfn(x32, pool, strides or pool, padding))
    assert ours.dtype == np.float32
    np.testing.assert_allclose(ours, theirs, atol=1e-6)


def test_max_pool_routes_a_tie_to_the_first_pixel_only():
    x = np.array([[1.0, 3.0], [3.0, 2.0]]).reshape(1, 2, 2, 1)
    t = ops.Variable(x, dtype="float64")
    grad = ops.gradient(ops.max_pool(t, 2), [t])[0]
    np.testing.assert_array_equal(grad.reshape(2, 2), [[0.0, 1.0], [0.0, 0.0]])


@pytest.mark.parametrize("h,w,pool,strides,padding", POOL_CASES)
def test_max_pool_backward_in_image_chunks_equals_whole_batch(h, w, pool, strides, padding, rng, monkeypatch):
    from scratchnn.ops import pooling

    # Relu'd inputs have many tied zeros: the first-pixel rule must hold across chunks too.
    x = np.maximum(rng.standard_normal((3, h, w, 2)), 0.0)

    def grad():
        t = ops.Variable(x, dtype="float64")
        return ops.gradient(ops.sum(ops.square(ops.max_pool(t, pool, strides, padding))), [t])[0]

    whole = grad()
    monkeypatch.setattr(pooling, "CHUNK_BYTES", 1)
    np.testing.assert_array_equal(grad(), whole)


def _first_max_gradient(x, g, pool, strides, padding):
    """Reference max-pool backward by brute force: each window sends g to its first maximal pixel."""
    ph, pw = (pool, pool) if isinstance(pool, int) else pool
    sh, sw = (ph, pw) if strides is None else ((strides, strides) if isinstance(strides, int) else strides)
    n, h, w, c = x.shape
    oh, ow = g.shape[1:3]
    top = left = 0
    if padding == "same":
        top = max((oh - 1) * sh + ph - h, 0) // 2
        left = max((ow - 1) * sw + pw - w, 0) // 2
    dx = np.zeros_like(x)
    for b, i, j, ch in np.ndindex(n, oh, ow, c):
        pixels = [
            (r, q)
            for r in range(i * sh - top, i * sh - top + ph)
            for q in range(j * sw - left, j * sw - left + pw)
            if 0 <= r < h and 0 <= q < w
        ]
        best = max(x[b, r, q, ch] for r, q in pixels)
        r, q = next(p for p in pixels if x[b, p[0], p[1], ch] == best)
        dx[b, r, q, ch] += g[b, i, j, ch]
    return dx


@pytest.mark.parametrize("h,w,pool,strides,padding", POOL_CASES)
def test_max_pool_ties_go_to_the_first_maximal_pixel(h, w, pool, strides, padding, rng):
    # Few distinct values: most windows hold two, three or four tied maxima.
    x = rng.integers(0, 3, (2, h, w, 3)).astype("float64")
    t = ops.Variable(x, dtype="float64")
    out = ops.max_pool(t, pool, strides, padding)
    g = rng.standard_normal(out.shape)
    grad = ops.gradient(ops.sum(out * g), [t])[0]
    np.testing.assert_allclose(grad, _first_max_gradient(x, g, pool, strides, padding), rtol=1e-12)
