"""Géron's Fashion-MNIST MLP (Hands-On ML, chapter 10), with only the import changed.

Flatten -> Dense(300, relu) -> Dense(100, relu) -> Dense(10, softmax), SGD,
30 epochs, the last 5,000 training images as the validation set. The book
reports 88.9% validation accuracy.

    python examples/fashion_mlp.py [--epochs N]
"""

import argparse

import numpy as np

from scratchnn import keras  # was: from tensorflow import keras

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--epochs", type=int, default=30)
parser.add_argument("--verbose", type=int, default=2)
args = parser.parse_args()

keras.utils.set_random_seed(42)
(X_train_full, y_train_full), (X_test, y_test) = keras.datasets.fashion_mnist.load_data()
X_valid, X_train = X_train_full[-5000:] / 255.0, X_train_full[:-5000] / 255.0
y_valid, y_train = y_train_full[-5000:], y_train_full[:-5000]
X_test = X_test / 255.0
class_names = keras.datasets.fashion_mnist.CLASS_NAMES

model = keras.models.Sequential(
    [
        keras.layers.Flatten(input_shape=[28, 28]),
        keras.layers.Dense(300, activation="relu"),
        keras.layers.Dense(100, activation="relu"),
        keras.layers.Dense(10, activation="softmax"),
    ]
)
model.summary()
model.compile(loss="sparse_categorical_crossentropy", optimizer="sgd", metrics=["accuracy"])
history = model.fit(
    X_train, y_train, epochs=args.epochs, validation_data=(X_valid, y_valid), verbose=args.verbose
)
print(f"validation accuracy: {history.history['val_accuracy'][-1]:.4f}")
print(f"test [loss, accuracy]: {model.evaluate(X_test, y_test, verbose=0)}")
y_proba = model.predict(X_test[:3], verbose=0)
print("first three test images:", [class_names[i] for i in np.argmax(y_proba, axis=1)])
