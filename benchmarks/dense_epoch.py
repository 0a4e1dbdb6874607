"""Seconds per training epoch of the tutorial dense network (784-250-100-10 relu, SGD 0.01).

Measures scratchnn's `fit` against a hand-written NumPy loop (forward, backward
and SGD written inline, no framework: the floor that shows framework overhead),
on the same MNIST data, batch size and thread count, in float32.

    python benchmarks/dense_epoch.py [--batch-size 32] [--repeats 3]

Run it on a quiet machine: with two cores, BLAS slows down many-fold when
anything else is running.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time

import numpy as np

from scratchnn import keras


def load():
    (x, y), _ = keras.datasets.mnist.load_data()
    return (x.reshape(len(x), -1) / 255.0).astype("float32"), y


def scratchnn_epoch(x, y, batch_size):
    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [
            keras.Input((784,)),
            keras.layers.Dense(250, activation="relu"),
            keras.layers.Dense(100, activation="relu"),
            keras.layers.Dense(10, activation="softmax"),
        ]
    )
    model.compile(
        optimizer=keras.optimizers.SGD(0.01), loss="sparse_categorical_crossentropy", metrics=["accuracy"]
    )
    start = time.perf_counter()
    model.fit(x, y, batch_size=batch_size, epochs=1, verbose=0)
    return time.perf_counter() - start


def numpy_floor_epoch(x, y, batch_size, lr=0.01):
    """The same network and update, written inline: forward, backward, SGD."""
    rng = np.random.default_rng(0)
    sizes = [784, 250, 100, 10]
    W = [
        rng.uniform(-1, 1, (a, b)).astype("float32") * np.sqrt(6 / (a + b)).astype("float32")
        for a, b in zip(sizes, sizes[1:])
    ]
    b = [np.zeros(n, dtype="float32") for n in sizes[1:]]
    start = time.perf_counter()
    order = rng.permutation(len(x))
    for i in range(0, len(x), batch_size):
        idx = order[i : i + batch_size]
        xb, yb = x[idx], y[idx]
        h1 = np.maximum(xb @ W[0] + b[0], 0)
        h2 = np.maximum(h1 @ W[1] + b[1], 0)
        z = h2 @ W[2] + b[2]
        z -= z.max(axis=1, keepdims=True)
        p = np.exp(z)
        p /= p.sum(axis=1, keepdims=True)
        p[np.arange(len(yb)), yb] -= 1  # d(mean CE)/dz = (softmax - onehot) / n
        dz = p / len(yb)
        dW2, db2 = h2.T @ dz, dz.sum(0)
        dh2 = (dz @ W[2].T) * (h2 > 0)
        dW1, db1 = h1.T @ dh2, dh2.sum(0)
        dh1 = (dh2 @ W[1].T) * (h1 > 0)
        dW0, db0 = xb.T @ dh1, dh1.sum(0)
        for param, grad in zip(W + b, [dW0, dW1, dW2, db0, db1, db2]):
            param -= lr * grad
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    x, y = load()
    rows = []
    for name, fn in (("scratchnn fit", scratchnn_epoch), ("NumPy floor (inline loop)", numpy_floor_epoch)):
        fn(x[:2048], y[:2048], args.batch_size)  # warm-up
        times = [fn(x, y, args.batch_size) for _ in range(args.repeats)]
        rows.append((name, statistics.median(times)))
    floor = rows[1][1]
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, numpy {np.__version__}"
    )
    print(f"dense 784-250-100-10, SGD, batch {args.batch_size}, {len(x)} samples, median of {args.repeats}\n")
    print("| implementation | s/epoch | samples/s | ratio to floor |")
    print("|---|---|---|---|")
    for name, t in rows:
        print(f"| {name} | {t:.2f} | {len(x) / t:,.0f} | {t / floor:.2f} |")


if __name__ == "__main__":
    main()
