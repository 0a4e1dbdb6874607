"""The NumPy-only tutorial's network: 784-128-10 with sigmoid units, trained on 5,000 images.

That tutorial writes forward and backward passes by hand and reports 76% accuracy.
Here the same small network is a few Keras lines: a sigmoid hidden layer, a
softmax output with cross-entropy (the tutorial's choice of output is the only
change: softmax + cross-entropy trains faster than sigmoid + squared error),
plain SGD with learning rate 0.1, batch 32, on the first 5,000 Fashion-MNIST
training images, tested on the 10,000 test images.

    python examples/fashion_numpy_sigmoid.py [--epochs N]
"""

import argparse

from scratchnn import keras

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--epochs", type=int, default=30)
parser.add_argument("--verbose", type=int, default=2)
args = parser.parse_args()

keras.utils.set_random_seed(42)
(X_train, y_train), (X_test, y_test) = keras.datasets.fashion_mnist.load_data()
X_train, y_train = X_train[:5000].reshape(-1, 784) / 255.0, y_train[:5000]
X_test = X_test.reshape(-1, 784) / 255.0

model = keras.Sequential(
    [
        keras.Input(shape=(784,)),
        keras.layers.Dense(128, activation="sigmoid"),
        keras.layers.Dense(10, activation="softmax"),
    ]
)
model.compile(
    optimizer=keras.optimizers.SGD(learning_rate=0.1),
    loss="sparse_categorical_crossentropy",
    metrics=["accuracy"],
)
model.fit(X_train, y_train, epochs=args.epochs, batch_size=32, verbose=args.verbose)
print(f"test accuracy: {model.evaluate(X_test, y_test, verbose=0)[1]:.4f}")
