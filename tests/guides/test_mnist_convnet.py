"""keras-io examples/vision/mnist_convnet.py ("Simple MNIST convnet"), one test per section.

A test marked xfail (strict) names what is missing; the mark breaks once it lands.

The example's imports (`numpy as np`, `keras`, `from keras import layers`; `from tensorflow import
keras` in its tf.keras edition) become `scratchnn.keras as keras` and `from scratchnn.keras import
layers`. The data are cut to 1,280 training and 256 test digits and the 15 epochs to 2. The model's
output on shared weights, and `to_categorical`, are compared against real Keras 3 (JAX backend).

| section                   | test                                                     |
|---------------------------|----------------------------------------------------------|
| Setup                     | the imports of this file                                 |
| Prepare the data          | test_prepare_the_data                                    |
| Build the model           | test_build_the_model                                     |
| Train the model           | test_train_the_model                                     |
| Evaluate the trained model| test_evaluate_the_trained_model                          |
"""

import keras as real_keras
import numpy as np
import pytest

import scratchnn.keras as keras
from scratchnn.keras import layers
from tests.data_env import data_dir

num_classes = 10
input_shape = (28, 28, 1)
N_TRAIN, N_TEST = 1280, 256


@pytest.fixture(scope="module")
def prepared():
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SCRATCHNN_DATA", data_dir())
        (x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
    x_train, y_train = x_train[:N_TRAIN], y_train[:N_TRAIN]
    x_test, y_test = x_test[:N_TEST], y_test[:N_TEST]

    # Scale to [0, 1] and add the channel axis: (n, 28, 28) -> (n, 28, 28, 1).
    x_train = x_train.astype("float32") / 255
    x_test = x_test.astype("float32") / 255
    x_train = np.expand_dims(x_train, -1)
    x_test = np.expand_dims(x_test, -1)

    labels = y_train
    y_train = keras.utils.to_categorical(y_train, num_classes)
    y_test = keras.utils.to_categorical(y_test, num_classes)
    return {"x_train": x_train, "y_train": y_train, "x_test": x_test, "y_test": y_test, "labels": labels}


def convnet():
    return keras.Sequential(
        [
            keras.Input(shape=input_shape),
            layers.Conv2D(32, kernel_size=(3, 3), activation="relu"),
            layers.MaxPooling2D(pool_size=(2, 2)),
            layers.Conv2D(64, kernel_size=(3, 3), activation="relu"),
            layers.MaxPooling2D(pool_size=(2, 2)),
            layers.Flatten(),
            layers.Dropout(0.5),
            layers.Dense(num_classes, activation="softmax"),
        ]
    )


def real_keras_convnet():
    """The same model in real Keras, for reference outputs."""
    return real_keras.Sequential(
        [
            real_keras.Input(shape=input_shape),
            real_keras.layers.Conv2D(32, kernel_size=(3, 3), activation="relu"),
            real_keras.layers.MaxPooling2D(pool_size=(2, 2)),
            real_keras.layers.Conv2D(64, kernel_size=(3, 3), activation="relu"),
            real_keras.layers.MaxPooling2D(pool_size=(2, 2)),
            real_keras.layers.Flatten(),
            real_keras.layers.Dropout(0.5),
            real_keras.layers.Dense(num_classes, activation="softmax"),
        ]
    )


@pytest.fixture(scope="module")
def trained(prepared):
    keras.utils.set_random_seed(0)
    model = convnet()
    model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
    batch_size = 128
    epochs = 2
    history = model.fit(
        prepared["x_train"],
        prepared["y_train"],
        batch_size=batch_size,
        epochs=epochs,
        validation_split=0.1,
        verbose=0,
    )
    return model, history


def test_prepare_the_data(prepared):
    assert prepared["x_train"].shape == (N_TRAIN, 28, 28, 1)
    assert prepared["x_test"].shape == (N_TEST, 28, 28, 1)
    assert prepared["x_train"].dtype == np.float32
    assert 0.0 <= prepared["x_train"].min() and prepared["x_train"].max() <= 1.0
    assert prepared["y_train"].shape == (N_TRAIN, num_classes)
    expected = real_keras.utils.to_categorical(prepared["labels"], num_classes)
    assert prepared["y_train"].dtype == expected.dtype
    np.testing.assert_array_equal(prepared["y_train"], expected)


def test_build_the_model(prepared, capsys):
    model = convnet()
    model.summary()
    text = capsys.readouterr().out
    for shape in ("(None, 26, 26, 32)", "(None, 13, 13, 32)", "(None, 11, 11, 64)", "(None, 5, 5, 64)"):
        assert shape in text
    assert "(None, 1600)" in text and "(None, 10)" in text
    # The example's printed summary: 34,826 parameters, all trainable.
    assert "Total params: 34,826" in text and "Trainable params: 34,826" in text

    # Same weights, same probabilities as real Keras (Dropout is off at inference).
    reference = real_keras_convnet()
    reference.set_weights(model.get_weights())
    images = prepared["x_test"][:4]
    np.testing.assert_allclose(model.predict(images, verbose=0), np.asarray(reference(images)), atol=1e-5)


def test_train_the_model(trained):
    _, history = trained
    assert sorted(history.history) == ["accuracy", "loss", "val_accuracy", "val_loss"]
    loss = history.history["loss"]
    assert len(loss) == 2 and loss[1] < loss[0]
    # 1,152 training digits, two epochs (0.70 here): well above the 0.1 of chance on the held-out 128.
    assert history.history["val_accuracy"][-1] > 0.5


def test_evaluate_the_trained_model(trained, prepared):
    model, _ = trained
    score = model.evaluate(prepared["x_test"], prepared["y_test"], verbose=0)
    assert len(score) == 2
    test_loss, test_accuracy = score
    assert np.isfinite(test_loss) and test_accuracy > 0.5  # 0.68 here
    # evaluate() reports the accuracy of predict()'s argmax.
    predicted = model.predict(prepared["x_test"], verbose=0).argmax(axis=1)
    expected = float(np.mean(predicted == prepared["y_test"].argmax(axis=1)))
    assert test_accuracy == pytest.approx(expected, abs=1e-6)
