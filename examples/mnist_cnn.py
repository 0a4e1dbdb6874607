"""The Keras CNN tutorial on MNIST, run on scratchnn: only the import line differs from the Keras code.

Conv2D(32, 5x5, same) -> MaxPool2D -> Conv2D(64, 3x3, same) -> MaxPool2D -> Conv2D(128, 3x3) -> MaxPool2D
-> Flatten -> Dense(128) -> Dense(10, softmax), plain SGD, 10 epochs; the tutorial reports 98.1% test accuracy.

Run: SCRATCHNN_DATA=/path/to/data python examples/mnist_cnn.py
"""

from scratchnn import keras

keras.utils.set_random_seed(42)

(X_train, y_train), (X_test, y_test) = keras.datasets.mnist.load_data()
X_train = X_train.reshape(60000, 28, 28, 1).astype("float32") / 255
X_test = X_test.reshape(10000, 28, 28, 1).astype("float32") / 255

model = keras.models.Sequential()
model.add(keras.layers.Input(shape=(28, 28, 1)))
model.add(keras.layers.Conv2D(32, kernel_size=(5, 5), padding="same", activation="relu"))
model.add(keras.layers.MaxPool2D())
model.add(keras.layers.Conv2D(64, kernel_size=(3, 3), padding="same", activation="relu"))
model.add(keras.layers.MaxPool2D())
model.add(keras.layers.Conv2D(128, kernel_size=(3, 3), activation="relu"))
model.add(keras.layers.MaxPool2D())
model.add(keras.layers.Flatten())
model.add(keras.layers.Dense(128, activation="relu"))
model.add(keras.layers.Dense(10, activation="softmax"))
model.summary()

model.compile(loss="sparse_categorical_crossentropy", optimizer="sgd", metrics=["accuracy"])
model.fit(X_train, y_train, epochs=10, validation_data=(X_test, y_test))
test_loss, test_accuracy = model.evaluate(X_test, y_test, verbose=0)
print(f"test accuracy: {test_accuracy:.4f}")
