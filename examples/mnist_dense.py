"""The dense-network tutorial on MNIST, with only the import changed from Keras.

Flatten -> Dense(250, relu) -> Dense(100, relu) -> Dense(10, softmax), SGD,
20 epochs; the first half of the test set is the test set, the second half the
validation set. The tutorial reports 96.6% test accuracy (Keras 3 on TensorFlow:
96.5% with this code and seed 42).

    python examples/mnist_dense.py [--epochs N] [--optimizer adam]
"""

import argparse

from scratchnn import keras  # was: from tensorflow import keras

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--epochs", type=int, default=20)
parser.add_argument("--optimizer", default="sgd")
parser.add_argument("--verbose", type=int, default=2)
args = parser.parse_args()

keras.utils.set_random_seed(42)
(X_train, y_train), (X_test, y_test) = keras.datasets.mnist.load_data()
X_train, X_test = X_train / 255.0, X_test / 255.0
X_valid, y_valid = X_test[5000:], y_test[5000:]
X_test, y_test = X_test[:5000], y_test[:5000]

model = keras.models.Sequential(
    [
        keras.layers.Flatten(input_shape=[28, 28]),
        keras.layers.Dense(250, activation="relu"),
        keras.layers.Dense(100, activation="relu"),
        keras.layers.Dense(10, activation="softmax"),
    ]
)
model.summary()
model.compile(loss="sparse_categorical_crossentropy", optimizer=args.optimizer, metrics=["accuracy"])
history = model.fit(
    X_train, y_train, epochs=args.epochs, validation_data=(X_valid, y_valid), verbose=args.verbose
)
test_loss, test_accuracy = model.evaluate(X_test, y_test, verbose=0)
print(f"test accuracy: {test_accuracy:.4f}  (test loss {test_loss:.4f})")
