"""keras-io guide "Working with preprocessing layers", section by section.

The guide imports `tensorflow as tf`, `keras` and `layers`; here `import scratchnn as tf`,
`import scratchnn.keras as keras`, `from scratchnn.keras import layers`. CIFAR-10 is not
downloaded: random images of its shape stand in. Normalization is compared against real Keras 3.

| section                                                 | test / why not                                       |
|---------------------------------------------------------|------------------------------------------------------|
| Keras preprocessing                                     | skipped: prose only                                  |
| Available preprocessing                                 | skipped: a list of layers                            |
| `adapt()`: Normalization on an array                    | test_adapt_method                                    |
| `adapt()`: a `tf.data.Dataset`                          | test_adapt_on_a_dataset                              |
| `adapt()`: TextVectorization, StringLookup vocabulary   | skipped: text preprocessing (later issue)            |
| Preprocessing before the model or inside the model      | test_preprocessing_{inside_the_model,in_the_dataset} |
| Benefits of preprocessing inside the model at inference | test_inference_model_with_preprocessing              |
| Preprocessing during multi-worker training              | skipped: needs tf.distribute and Hashing             |
| Quick recipes: image data augmentation                  | test_image_data_augmentation                         |
| Quick recipes: normalizing numerical features           | test_normalizing_numerical_features                  |
| Encoding string categorical features (one-hot)          | skipped: StringLookup (later issue)                  |
| Encoding integer categorical features (one-hot)         | skipped: IntegerLookup (later issue)                 |
| Applying the hashing trick to an integer feature        | skipped: Hashing (later issue)                       |
| Encoding text as a sequence of token indices            | skipped: TextVectorization, GRU (later issue)        |
| Encoding text as a dense matrix of N-grams (multi-hot)  | skipped: TextVectorization (later issue)             |
| Encoding text as a dense matrix of N-grams (TF-IDF)     | skipped: TextVectorization (later issue)             |
| Important gotchas                                       | skipped: prose only                                  |

The augmentation recipe puts `keras.applications.ResNet50(weights=None, ...)` after the
augmentation; scratchnn has no `keras.applications`, and a ResNet50 is far beyond a unit
test's budget, so a two-layer convnet takes its place (the recipe is about the augmentation).
"""

import numpy as np

import scratchnn as tf
import scratchnn.keras as keras
from scratchnn.keras import layers

DATA = np.array([[0.1, 0.2, 0.3], [0.8, 0.9, 1.0], [1.5, 1.6, 1.7]])


def _real_keras():
    import keras as real_keras

    return real_keras


def test_adapt_method():
    layer = layers.Normalization()
    layer.adapt(DATA)
    normalized_data = layer(DATA)
    # Each feature is standardized: mean 0, standard deviation 1.
    np.testing.assert_allclose(normalized_data.numpy().mean(), 0.0, atol=1e-6)
    np.testing.assert_allclose(normalized_data.numpy().std(), 1.0, rtol=1e-5)
    reference = _real_keras().layers.Normalization()
    reference.adapt(DATA)
    np.testing.assert_allclose(normalized_data.numpy(), np.asarray(reference(DATA)), rtol=1e-5, atol=1e-6)


def test_adapt_on_a_dataset():
    layer = layers.Normalization()
    layer.adapt(tf.data.Dataset.from_tensor_slices(DATA).batch(2))
    np.testing.assert_allclose(layer(DATA).numpy().mean(axis=0), 0.0, atol=1e-6)


def _features(n=64, width=12, seed=0):
    rng = np.random.default_rng(seed)
    return (rng.random((n, width)) * 255).astype("float32"), rng.integers(0, 10, size=(n,))


def _adapted_normalizer(x_train):
    normalizer = layers.Normalization()
    normalizer.adapt(x_train)
    return normalizer


def test_preprocessing_inside_the_model():
    # Option 1: the preprocessing layer is part of the model.
    x_train, y_train = _features()
    normalizer = _adapted_normalizer(x_train)
    inputs = keras.Input(shape=x_train.shape[1:])
    x = normalizer(inputs)
    outputs = layers.Dense(10, activation="softmax")(x)
    model = keras.Model(inputs, outputs)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    history = model.fit(x_train, y_train, epochs=2, batch_size=16, verbose=0)
    assert np.isfinite(history.history["loss"]).all()
    # Training leaves the adapted statistics alone (they are not trainable).
    np.testing.assert_allclose(normalizer.adapt_mean.numpy().squeeze(), x_train.mean(axis=0), rtol=1e-5)


def test_preprocessing_in_the_dataset():
    # Option 2: the dataset yields preprocessed batches.
    x_train, y_train = _features()
    normalizer = _adapted_normalizer(x_train)
    dataset = tf.data.Dataset.from_tensor_slices((x_train, y_train)).batch(16)
    dataset = dataset.map(lambda x, y: (normalizer(x), y))
    dataset = dataset.prefetch(tf.data.AUTOTUNE)
    inputs = keras.Input(shape=x_train.shape[1:])
    model = keras.Model(inputs, layers.Dense(10, activation="softmax")(inputs))
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    history = model.fit(dataset, epochs=2, verbose=0)
    assert np.isfinite(history.history["loss"]).all()


def test_inference_model_with_preprocessing():
    # Train on preprocessed data, then ship one model that takes raw inputs.
    x_train, y_train = _features()
    preprocessing_layer = _adapted_normalizer(x_train)
    training_inputs = keras.Input(shape=x_train.shape[1:])
    training_model = keras.Model(training_inputs, layers.Dense(10, activation="softmax")(training_inputs))
    training_model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    training_model.fit(preprocessing_layer(x_train).numpy(), y_train, epochs=1, verbose=0)

    inputs = keras.Input(shape=x_train.shape[1:])
    x = preprocessing_layer(inputs)
    outputs = training_model(x)
    inference_model = keras.Model(inputs, outputs)
    np.testing.assert_allclose(
        inference_model.predict(x_train, verbose=0),
        training_model.predict(preprocessing_layer(x_train).numpy(), verbose=0),
        rtol=1e-5,
    )


def test_image_data_augmentation():
    data_augmentation = keras.Sequential(
        [layers.RandomFlip("horizontal"), layers.RandomRotation(0.1), layers.RandomZoom(0.1)]
    )
    rng = np.random.default_rng(1)
    # CIFAR-10-shaped stand-ins: uint8 images (32, 32, 3), labels of shape (n, 1).
    x_train = rng.integers(0, 256, size=(32, 32, 32, 3), dtype=np.uint8)
    y_train = rng.integers(0, 10, size=(32, 1))
    input_shape = x_train.shape[1:]
    classes = 10
    train_dataset = tf.data.Dataset.from_tensor_slices((x_train, y_train))
    train_dataset = train_dataset.batch(16).map(lambda x, y: (data_augmentation(x), y))

    inputs = keras.Input(shape=input_shape)
    x = layers.Rescaling(1.0 / 255)(inputs)
    x = layers.Conv2D(4, 3, strides=2, activation="relu")(x)
    x = layers.GlobalAveragePooling2D()(x)
    outputs = layers.Dense(classes, activation="softmax")(x)
    model = keras.Model(inputs, outputs)
    model.compile(optimizer="rmsprop", loss="sparse_categorical_crossentropy")
    history = model.fit(train_dataset, steps_per_epoch=2, verbose=0)
    assert np.isfinite(history.history["loss"]).all()
    # Augmentation is active only in training: at inference it passes images through.
    np.testing.assert_array_equal(data_augmentation(x_train[:2].astype("float32")).numpy(), x_train[:2])


def test_normalizing_numerical_features():
    rng = np.random.default_rng(2)
    x_train = rng.integers(0, 256, size=(64, 8, 8, 3), dtype=np.uint8)  # CIFAR-10-like, smaller
    y_train = rng.integers(0, 10, size=(64, 1))
    x_train = x_train.reshape((len(x_train), -1))
    input_shape = x_train.shape[1:]
    classes = 10

    normalizer = layers.Normalization()
    normalizer.adapt(x_train)
    inputs = keras.Input(shape=input_shape)
    x = normalizer(inputs)
    outputs = layers.Dense(classes, activation="softmax")(x)
    model = keras.Model(inputs, outputs)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    history = model.fit(x_train, y_train, verbose=0)
    assert np.isfinite(history.history["loss"]).all()

    # The adapted layer normalizes as real Keras's does on the same data.
    reference = _real_keras().layers.Normalization()
    reference.adapt(x_train)
    np.testing.assert_allclose(
        normalizer(x_train).numpy(), np.asarray(reference(x_train)), rtol=1e-4, atol=1e-5
    )
