"""Trainings that tests/distribution/test_mpi.py runs in one process and under `mpiexec -n 2`.

`python tests/distribution/mpi_training.py KIND OUT [dp]` trains the network KIND ("dense" or
"cnn") for 2 epochs from seed 7 and writes each rank's weights and history to OUT.<rank>.npz;
with "dp" it sets a DataParallel distribution first.
"""

import json
import sys

import numpy as np

from scratchnn import keras


def data(kind):
    rng = np.random.default_rng(0)
    if kind == "dense":
        x = rng.random((250, 20), dtype=np.float32)
    else:
        x = rng.random((90, 8, 8, 1), dtype=np.float32)
    return x, rng.integers(0, 3, len(x))


def model(kind):
    if kind == "dense":
        stack = [keras.Input((20,)), keras.layers.Dense(16, activation="relu")]
    else:
        stack = [keras.Input((8, 8, 1)), keras.layers.Conv2D(4, 3, activation="relu"), keras.layers.MaxPooling2D(),
                 keras.layers.Flatten()]  # fmt: skip
    net = keras.Sequential([*stack, keras.layers.Dense(3, activation="softmax")])
    net.compile(
        optimizer=keras.optimizers.SGD(0.2), loss="sparse_categorical_crossentropy", metrics=["accuracy"]
    )
    return net


def train(kind):
    """Weights and history after 2 epochs; batches of 31 (dense: uneven shards) or 32 (cnn)."""
    keras.utils.set_random_seed(7)
    x, y = data(kind)
    net = model(kind)
    history = net.fit(
        x, y, batch_size=31 if kind == "dense" else 32, epochs=2, validation_split=0.2, verbose=0
    )
    return net.get_weights(), history.history


if __name__ == "__main__":
    kind, out = sys.argv[1], sys.argv[2]
    rank = 0
    if sys.argv[3:] == ["dp"]:
        keras.distribution.set_distribution(keras.distribution.DataParallel())
        rank = keras.distribution.distribution().process_id
    weights, history = train(kind)
    np.savez(f"{out}.{rank}.npz", *weights, history=json.dumps(history))
