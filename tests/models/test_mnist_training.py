"""Training on the real MNIST files from ../shared/data (through the datasets loader)."""

import os

import numpy as np
import pytest

from tests.data_env import data_dir


@pytest.fixture(scope="module")
def mnist():
    os.environ.setdefault("SCRATCHNN_DATA", data_dir())
    from scratchnn.keras.datasets import mnist

    return mnist.load_data()


@pytest.mark.parametrize("optimizer,target", [("adam", 0.93), ("sgd", 0.90)])
def test_tutorial_dense_network_after_one_epoch(mnist, optimizer, target):
    """One epoch of the tutorial network on the real MNIST.

    With Adam it passes 93%. With SGD at Keras's defaults (learning rate 0.01,
    batch 32) real Keras 3 itself reaches only 91.0-91.2% after one epoch
    (seeds 42 and 1, JAX backend), so that run is held to 90%: the defaults
    are never changed to pass a threshold.
    """
    from scratchnn import keras

    (x_train, y_train), (x_test, y_test) = mnist
    keras.utils.set_random_seed(42)
    model = keras.models.Sequential(
        [
            keras.layers.Flatten(input_shape=[28, 28]),
            keras.layers.Dense(250, activation="relu"),
            keras.layers.Dense(100, activation="relu"),
            keras.layers.Dense(10, activation="softmax"),
        ]
    )
    model.compile(loss="sparse_categorical_crossentropy", optimizer=optimizer, metrics=["accuracy"])
    history = model.fit(x_train / 255.0, y_train, epochs=1, verbose=0)
    loss, accuracy = model.evaluate(x_test / 255.0, y_test, verbose=0)
    assert accuracy >= target
    assert history.history["loss"][0] > loss  # the epoch's running mean includes the untrained start
    assert np.isfinite(model.predict(x_test[:10] / 255.0, verbose=0)).all()
