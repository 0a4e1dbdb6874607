"""Convolution and pooling on the execution layer's threads give the serial path's bits.

The ops cut a batch into image chunks by its shapes alone and run the chunks on
`parallel.num_threads()` threads, each chunk writing its own outputs (partial sums are
added in chunk order), so threaded results must equal serial ones exactly; with more
threads than cores (6 here) the chunks interleave in every order.
"""

import numpy as np
import pytest

import scratchnn.keras as sk
from scratchnn import ops
from scratchnn.backend import parallel
from scratchnn.ops import convolution
from scratchnn.ops.convolution import conv2d

THREADS = 6

# (x shape, kernel shape, strides, padding, groups, algorithm)
CONV_CASES = [
    ((16, 12, 12, 1), (5, 5, 1, 8), 1, "same", 1, "im2col"),  # one channel: offset-major cols
    ((16, 9, 8, 6), (3, 3, 6, 5), 1, "same", 1, "im2col"),
    ((16, 9, 8, 6), (3, 3, 6, 5), 1, "same", 1, "winograd"),
    ((11, 7, 7, 4), (3, 3, 4, 6), 1, "valid", 1, "winograd"),
    ((16, 9, 9, 4), (3, 2, 4, 6), 2, "same", 1, "im2col"),
    ((9, 6, 6, 4), (3, 3, 2, 6), 1, "same", 2, "im2col"),  # grouped
]


def _conv_results(x, kernel, bias, strides, padding, groups, dtype):
    tx, tk, tb = (ops.Variable(v.astype(dtype), dtype=dtype) for v in (x, kernel, bias))
    with ops.GradientTape() as tape:
        out = conv2d(tx, tk, tb, strides, padding, 1, groups, relu=True)
        loss = ops.sum(
            out * ops.convert_to_tensor(np.linspace(-1, 1, out.size).reshape(out.shape).astype(dtype))
        )
    return [out.numpy(), *(g.numpy() for g in tape.gradient(loss, [tx, tk, tb]))]


@pytest.mark.parametrize("x_shape,k_shape,strides,padding,groups,algorithm", CONV_CASES)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_threaded_conv2d_equals_serial_bit_for_bit(
    x_shape, k_shape, strides, padding, groups, algorithm, dtype, rng, monkeypatch
):
    monkeypatch.setattr(convolution, "ALGORITHM", algorithm)
    x, kernel = rng.standard_normal(x_shape), rng.standard_normal(k_shape) * 0.3
    bias = rng.standard_normal(k_shape[-1]) * 0.1
    with parallel.threads(1):
        serial = _conv_results(x, kernel, bias, strides, padding, groups, dtype)
    with parallel.threads(THREADS):
        for _ in range(3):
            threaded = _conv_results(x, kernel, bias, strides, padding, groups, dtype)
            for got, want in zip(threaded, serial):
                np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("mode", ["max", "avg"])
@pytest.mark.parametrize("pool,strides,padding", [(2, None, "valid"), (3, 2, "same"), (3, 1, "valid")])
def test_threaded_pooling_equals_serial_bit_for_bit(mode, pool, strides, padding, rng):
    # ReLU'd inputs: many tied zeros, so the first-maximum rule is exercised in every chunk.
    x = np.maximum(rng.standard_normal((40, 9, 9, 3)), 0).astype("float32")
    fn = ops.max_pool if mode == "max" else ops.average_pool

    def run():
        t = ops.Variable(x)
        with ops.GradientTape() as tape:
            out = fn(t, pool, strides, padding)
            loss = ops.sum(out * out)
        return out.numpy(), tape.gradient(loss, [t])[0].numpy()

    with parallel.threads(1):
        serial = run()
    with parallel.threads(THREADS):
        threaded = run()
    for got, want in zip(threaded, serial):
        np.testing.assert_array_equal(got, want)


def _train_small_cnn(threads):
    rng = np.random.default_rng(3)
    x = rng.random((96, 12, 12, 1)).astype("float32")
    y = rng.integers(0, 3, 96)
    sk.backend.clear_session()
    sk.utils.set_random_seed(7)
    model = sk.Sequential(
        [
            sk.layers.Input((12, 12, 1)),
            sk.layers.Conv2D(8, 5, padding="same", activation="relu"),
            sk.layers.MaxPooling2D(),
            sk.layers.Conv2D(16, 3, padding="same", activation="relu"),
            sk.layers.MaxPooling2D(),
            sk.layers.Conv2D(16, 3, padding="same", activation="relu"),
            sk.layers.Flatten(),
            sk.layers.Dense(3, activation="softmax"),
        ]
    )
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    with parallel.threads(threads):
        history = model.fit(x, y, batch_size=32, epochs=2, verbose=0)
    return model.get_weights(), history.history


@pytest.mark.parametrize("algorithm", ["im2col", "winograd"])
def test_same_seed_same_weights_and_history_with_threads_on(algorithm, monkeypatch):
    monkeypatch.setattr(convolution, "ALGORITHM", algorithm)
    weights_serial, history_serial = _train_small_cnn(1)
    weights_threaded, history_threaded = _train_small_cnn(THREADS)
    assert history_threaded == history_serial
    for got, want in zip(weights_threaded, weights_serial):
        np.testing.assert_array_equal(got, want)
    weights_again, history_again = _train_small_cnn(THREADS)
    assert history_again == history_threaded
    for got, want in zip(weights_again, weights_threaded):
        np.testing.assert_array_equal(got, want)


def _dense_run(threads):
    sk.utils.set_random_seed(3)
    rng = np.random.default_rng(3)
    x, y = rng.standard_normal((96, 300)).astype("float32"), rng.integers(0, 10, 96)
    model = sk.Sequential(
        [sk.Input((300,)), sk.layers.Dense(256, activation="relu"), sk.layers.Dense(10, activation="softmax")]
    )
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    # The serial run gives BLAS back its own thread count, which can split a product's sums
    # by the machine's cores unless the environment pins it (CI sets OPENBLAS_NUM_THREADS=1).
    # Pinned here too, so the comparison is the execution layer's alone, on any machine.
    threadpoolctl = pytest.importorskip("threadpoolctl")
    with parallel.threads(threads), threadpoolctl.threadpool_limits(1, user_api="blas"):
        history = model.fit(x, y, batch_size=32, epochs=2, shuffle=False, verbose=0)
    return [w.copy() for w in model.get_weights()], history.history["loss"]


def test_threaded_dense_training_equals_serial_bit_for_bit():
    """`ops.linear` keeps its products whole with the pool on (BLAS pinned to one thread, as
    in the serial run), so dense training is the same to the last bit at any thread count."""
    serial_weights, serial_loss = _dense_run(1)
    threaded_weights, threaded_loss = _dense_run(THREADS)
    for a, b in zip(serial_weights, threaded_weights):
        np.testing.assert_array_equal(a, b)
    assert serial_loss == threaded_loss
    assert _dense_run(THREADS)[1] == threaded_loss  # and repeats exactly with threads on
