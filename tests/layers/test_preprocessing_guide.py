"""The image and numeric sections of the Keras "Working with preprocessing layers" guide, on small
data, written with scratchnn's `keras` (only the import differs from the guide)."""

import numpy as np

from scratchnn import keras
from scratchnn.keras import layers


def test_adapt_then_normalize():
    data = np.array([[0.1, 0.2, 0.3], [0.8, 0.9, 1.0], [1.5, 1.6, 1.7]])
    layer = layers.Normalization()
    layer.adapt(data)
    normalized = np.asarray(layer(data))
    np.testing.assert_allclose(normalized.mean(), 0.0, atol=1e-6)
    np.testing.assert_allclose(normalized.std(), 1.0, atol=1e-5)


def test_image_augmentation_in_a_model_then_fit(rng):
    data_augmentation = keras.Sequential(
        [layers.RandomFlip("horizontal"), layers.RandomRotation(0.1), layers.RandomZoom(0.1)]
    )
    inputs = keras.Input(shape=(16, 16, 3))
    x = data_augmentation(inputs)
    x = layers.Rescaling(1.0 / 255)(x)
    x = layers.Conv2D(4, 3, activation="relu")(x)
    x = layers.GlobalAveragePooling2D()(x)
    outputs = layers.Dense(10)(x)
    model = keras.Model(inputs, outputs)
    model.compile(optimizer="rmsprop", loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    x_train = rng.integers(0, 256, (32, 16, 16, 3)).astype("float32")
    y_train = rng.integers(0, 10, 32)
    history = model.fit(x_train, y_train, batch_size=16, epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"][0])
    # Augmentation is active in fit only: predict is deterministic.
    np.testing.assert_array_equal(model.predict(x_train, verbose=0), model.predict(x_train, verbose=0))


def test_augmenting_a_batch_outside_the_model(rng):
    images = rng.uniform(0, 255, (4, 8, 8, 3)).astype("float32")
    augment = keras.Sequential([layers.RandomFlip("horizontal"), layers.RandomRotation(0.1)])
    augmented = np.asarray(augment(images, training=True))
    assert augmented.shape == images.shape and not np.allclose(augmented, images)


def test_normalizing_numerical_features(rng):
    x_train = rng.integers(0, 256, (64, 4, 4, 3)).astype("float32").reshape((64, -1))
    y_train = rng.integers(0, 10, 64)
    normalizer = layers.Normalization()
    normalizer.adapt(x_train)
    inputs = keras.Input(shape=x_train.shape[1:])
    x = normalizer(inputs)
    outputs = layers.Dense(10, activation="softmax")(x)
    model = keras.Model(inputs, outputs)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    model.fit(x_train, y_train, verbose=0)


def test_one_hot_and_discretization_examples(rng):
    data = np.array([[3], [2], [0], [1]])
    layer = layers.CategoryEncoding(num_tokens=4, output_mode="one_hot")
    np.testing.assert_array_equal(np.asarray(layer(data)), np.eye(4)[[3, 2, 0, 1]])
    values = rng.normal(0, 1, (200, 1))
    discretizer = layers.Discretization(num_bins=4, epsilon=0.01)
    discretizer.adapt(values)
    assert len(discretizer.bin_boundaries) == 3
    assert set(np.unique(np.asarray(discretizer(values)))) == {0, 1, 2, 3}
