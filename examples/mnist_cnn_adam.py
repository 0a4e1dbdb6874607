"""Keras's "simple MNIST convnet" on scratchnn: only the import line differs from the Keras code.

Conv2D(32, 3) -> MaxPooling2D -> Conv2D(64, 3) -> MaxPooling2D -> Flatten -> Dropout(0.5) -> Dense(10, softmax),
Adam, batch 128, categorical cross-entropy on one-hot labels, 10% held out for validation, 15 epochs:
about 99% test accuracy.

Run: SCRATCHNN_DATA=/path/to/data python examples/mnist_cnn_adam.py
"""

import numpy as np

from scratchnn import keras

keras.utils.set_random_seed(42)

num_classes = 10
input_shape = (28, 28, 1)

(x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
x_train = np.expand_dims(x_train.astype("float32") / 255, -1)
x_test = np.expand_dims(x_test.astype("float32") / 255, -1)
y_train = keras.utils.to_categorical(y_train, num_classes)
y_test = keras.utils.to_categorical(y_test, num_classes)

model = keras.Sequential(
    [
        keras.Input(shape=input_shape),
        keras.layers.Conv2D(32, kernel_size=(3, 3), activation="relu"),
        keras.layers.MaxPooling2D(pool_size=(2, 2)),
        keras.layers.Conv2D(64, kernel_size=(3, 3), activation="relu"),
        keras.layers.MaxPooling2D(pool_size=(2, 2)),
        keras.layers.Flatten(),
        keras.layers.Dropout(0.5),
        keras.layers.Dense(num_classes, activation="softmax"),
    ]
)
model.summary()

batch_size = 128
epochs = 15
model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
model.fit(x_train, y_train, batch_size=batch_size, epochs=epochs, validation_split=0.1)

score = model.evaluate(x_test, y_test, verbose=0)
print("Test loss:", score[0])
print("Test accuracy:", score[1])
