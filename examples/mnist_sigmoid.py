"""The sigmoid MLP tutorial: 784-128-64-10 sigmoid, SGD 0.01, batch 128, 75/25 split of all 70,000 images.

The tutorial trains with scikit-learn's train_test_split on MNIST's 70,000
images and reports 92% accuracy with a classification report and plots. The
split here is a seeded permutation (25% test), so no scikit-learn is needed to
run it.

    python examples/mnist_sigmoid.py [--epochs N]
"""

import argparse

import numpy as np

# The tutorial's imports, with `keras` replaced by `scratchnn.keras` (keras.layers.core is a Keras 2 path).
from scratchnn import keras
from scratchnn.keras.layers.core import Dense
from scratchnn.keras.models import Sequential

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--epochs", type=int, default=100)
parser.add_argument("--verbose", type=int, default=2)
args = parser.parse_args()

keras.utils.set_random_seed(42)
(x_a, y_a), (x_b, y_b) = keras.datasets.mnist.load_data()
X = np.concatenate([x_a, x_b]).reshape(-1, 784) / 255.0
y = np.concatenate([y_a, y_b])
order = np.random.default_rng(42).permutation(len(X))
cut = int(len(X) * 0.75)
X_train, y_train, X_test, y_test = X[order[:cut]], y[order[:cut]], X[order[cut:]], y[order[cut:]]

model = Sequential(
    [
        keras.Input(shape=(784,)),
        Dense(128, activation="sigmoid"),
        Dense(64, activation="sigmoid"),
        Dense(10, activation="softmax"),
    ]
)
model.compile(
    optimizer=keras.optimizers.SGD(learning_rate=0.01),
    loss="sparse_categorical_crossentropy",
    metrics=["accuracy"],
)
model.fit(X_train, y_train, epochs=args.epochs, batch_size=128, validation_split=0.1, verbose=args.verbose)
print(f"test accuracy: {model.evaluate(X_test, y_test, verbose=0)[1]:.4f}")
