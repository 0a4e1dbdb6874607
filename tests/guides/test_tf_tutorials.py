"""TensorFlow tutorials that Keras users start from (tensorflow/docs site/en/tutorials), by section.

A test marked xfail (strict) names what is missing; the mark breaks once it lands.

Each notebook's `import tensorflow as tf` (and `from tensorflow import keras`, `from tensorflow.keras
import layers, regularizers, Model`) becomes `import scratchnn as tf` and the matching scratchnn
paths; the Keras calls, their arguments and their order are the notebooks'. The data are cut to a
few hundred samples and the epochs to a few. Values real Keras 3 (JAX backend) computes
deterministically (a model's logits and loss on shared weights, adapted statistics, schedules,
regularization losses) are compared against it. Steps written with TensorFlow's own API
(`tf.GradientTape`, `tf.data`, `.numpy()` on a model's output) run on Keras 3 with its TensorFlow
backend, as in the notebooks; every other step also runs on Keras 3 with JAX.

quickstart/beginner.ipynb
| section                          | test                                                    |
|----------------------------------|---------------------------------------------------------|
| Set up TensorFlow                | test_beginner_set_up                                    |
| Load a dataset                   | test_beginner_load_a_dataset                            |
| Build a machine learning model   | test_beginner_build_a_model                             |
| Train and evaluate your model    | test_beginner_train_and_evaluate                        |

quickstart/advanced.ipynb (no section headings; one test per step)
| step                                   | test                                              |
|----------------------------------------|---------------------------------------------------|
| load MNIST, add a channels dimension   | test_advanced_add_a_channels_dimension            |
| batch and shuffle with tf.data         | test_advanced_batch_with_tf_data                  |
| build the model by subclassing         | test_advanced_build_the_model_by_subclassing      |
| loss, optimizer, metrics, train/test   | test_advanced_train_and_test_steps                |
|   steps with tf.GradientTape           |                                                   |
| the training loop over the datasets    | test_advanced_training_loop                       |

keras/classification.ipynb (Fashion-MNIST)
| section                                 | test                                             |
|-----------------------------------------|--------------------------------------------------|
| Import the Fashion MNIST dataset        | test_classification_import_the_dataset           |
| Explore the data                        | test_classification_explore_the_data             |
| Preprocess the data                     | test_classification_preprocess_the_data (the     |
|                                         | imshow cells are skipped: matplotlib only)       |
| Set up the layers                       | test_classification_set_up_the_layers            |
| Compile the model                       | test_classification_compile_the_model            |
| Feed the model                          | test_classification_feed_the_model               |
| Evaluate accuracy                       | test_classification_evaluate_accuracy            |
| Make predictions                        | test_classification_make_predictions             |
| Verify predictions                      | skipped: matplotlib plots of the predictions     |
| Use the trained model                   | test_classification_use_the_trained_model        |

keras/regression.ipynb (a synthetic Auto-MPG-like table in NumPy replaces the UCI download and
pandas, which is not installed: the data cells "Get / Clean / Split / Inspect the data", "Split
features from labels" and "Performance" are pandas/seaborn only and are skipped)
| section                                 | test                                             |
|-----------------------------------------|--------------------------------------------------|
| The Normalization layer                 | test_regression_normalization_layer,             |
|                                         | test_regression_normalization_layer_mean         |
| Linear regression with one variable     | test_regression_linear_one_variable              |
| Linear regression with multiple inputs  | test_regression_linear_multiple_inputs           |
| Regression using a DNN and a single     | test_regression_dnn_single_input                 |
|   input                                 |                                                  |
| Regression using a DNN and multiple     | test_regression_dnn_multiple_inputs              |
|   inputs                                |                                                  |
| Make predictions (and save / reload)    | test_regression_make_predictions                 |

keras/overfit_and_underfit.ipynb (synthetic 28-feature rows replace the HIGGS download, and
`from_tensor_slices` replaces `tf.data.experimental.CsvDataset`; `tensorflow_docs`' EpochDots and
HistoryPlotter, the plots and the TensorBoard notebook views are skipped: not Keras)
| section                                 | test                                             |
|-----------------------------------------|--------------------------------------------------|
| The Higgs dataset                       | test_overfit_input_pipeline                      |
| Training procedure                      | test_overfit_training_procedure                  |
| Tiny / Small / Medium / Large model     | test_overfit_model_sizes,                        |
|                                         | test_overfit_compile_and_fit_each_size           |
| Add weight regularization               | test_overfit_weight_regularization_losses,       |
|   (and its "More info")                 | test_overfit_strategies_compile_and_fit          |
| Add dropout, Combined L2 + dropout      | test_overfit_strategies_compile_and_fit          |
"""

import pathlib

import keras as real_keras
import numpy as np
import pytest

import scratchnn as tf
from scratchnn.keras import Model, layers, regularizers
from scratchnn.keras.layers import Conv2D, Dense, Flatten
from tests.data_env import data_dir


def load(name, n_train, n_test):
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SCRATCHNN_DATA", data_dir())
        (x_train, y_train), (x_test, y_test) = getattr(tf.keras.datasets, name).load_data()
    return (x_train[:n_train], y_train[:n_train]), (x_test[:n_test], y_test[:n_test])


def as_array(value):
    return np.asarray(tf.keras.ops.convert_to_numpy(value))


# -- quickstart/beginner -------------------------------------------------------------------------


def beginner_model(api):
    return api.models.Sequential(
        [
            api.layers.Flatten(input_shape=(28, 28)),
            api.layers.Dense(128, activation="relu"),
            api.layers.Dropout(0.2),
            api.layers.Dense(10),
        ]
    )


def test_beginner_set_up():
    assert isinstance(tf.__version__, str) and tf.__version__[0].isdigit()


def test_beginner_load_a_dataset():
    mnist = tf.keras.datasets.mnist
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SCRATCHNN_DATA", data_dir())
        (x_train, y_train), (x_test, y_test) = mnist.load_data()
    assert x_train.shape == (60000, 28, 28) and x_test.shape == (10000, 28, 28)
    assert y_train.shape == (60000,) and set(np.unique(y_test)) == set(range(10))
    # Scaled here on a slice: the whole set in float64 would take 440 MB.
    x_train, x_test = x_train[:1000] / 255.0, x_test[:200] / 255.0
    assert x_train.dtype == np.float64 and x_train.max() == 1.0


@pytest.fixture(scope="module")
def beginner_data():
    (x_train, y_train), (x_test, y_test) = load("mnist", 1000, 200)
    return (x_train / 255.0, y_train), (x_test / 255.0, y_test)


def test_beginner_build_a_model(beginner_data):
    (x_train, y_train), _ = beginner_data
    model = beginner_model(tf.keras)
    predictions = model(x_train[:1]).numpy()
    assert predictions.shape == (1, 10) and predictions.dtype == np.float32

    probabilities = tf.nn.softmax(predictions).numpy()
    np.testing.assert_allclose(probabilities.sum(), 1.0, rtol=1e-6)

    loss_fn = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    loss = loss_fn(y_train[:1], predictions).numpy()
    # An untrained model is near chance, so the loss is near -log(1/10) = 2.3.
    assert 1.0 < loss < 4.0

    # The logits and the loss are what real Keras gives on the same weights.
    reference = real_twin(model, beginner_model)
    np.testing.assert_allclose(predictions, np.asarray(reference(x_train[:1])), atol=1e-5)
    real_loss = real_keras.losses.SparseCategoricalCrossentropy(from_logits=True)(y_train[:1], predictions)
    assert float(loss) == pytest.approx(float(real_loss), rel=1e-6)

    model.compile(optimizer="adam", loss=loss_fn, metrics=["accuracy"])
    assert model.loss is loss_fn


def real_twin(model, build):
    import warnings

    with warnings.catch_warnings():
        # Keras 3 warns about `input_shape=` on a layer; the notebooks pass it.
        warnings.simplefilter("ignore", UserWarning)
        reference = build(real_keras)
    reference.set_weights(model.get_weights())
    return reference


def test_beginner_train_and_evaluate(beginner_data):
    (x_train, y_train), (x_test, y_test) = beginner_data
    tf.keras.utils.set_random_seed(0)
    model = beginner_model(tf.keras)
    loss_fn = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    model.compile(optimizer="adam", loss=loss_fn, metrics=["accuracy"])
    history = model.fit(x_train, y_train, epochs=2, verbose=0)
    assert history.history["loss"][1] < history.history["loss"][0]

    loss, accuracy = model.evaluate(x_test, y_test, verbose=2)
    assert accuracy > 0.75  # two epochs on 1,000 digits

    probability_model = tf.keras.Sequential([model, tf.keras.layers.Softmax()])
    probabilities = as_array(probability_model(x_test[:5]))
    assert probabilities.shape == (5, 10)
    np.testing.assert_allclose(probabilities, as_array(tf.nn.softmax(model(x_test[:5]))), rtol=1e-6)


# -- quickstart/advanced -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def advanced_data():
    (x_train, y_train), (x_test, y_test) = load("mnist", 512, 128)
    x_train, x_test = x_train / 255.0, x_test / 255.0
    # Add a channels dimension.
    x_train = x_train[..., tf.newaxis].astype("float32")
    x_test = x_test[..., tf.newaxis].astype("float32")
    return (x_train, y_train), (x_test, y_test)


class MyModel(Model):
    def __init__(self):
        super().__init__()
        self.conv1 = Conv2D(32, 3, activation="relu")
        self.flatten = Flatten()
        self.d1 = Dense(128, activation="relu")
        self.d2 = Dense(10)

    def call(self, x):
        x = self.conv1(x)
        x = self.flatten(x)
        x = self.d1(x)
        return self.d2(x)


def test_advanced_add_a_channels_dimension(advanced_data):
    (x_train, _), (x_test, _) = advanced_data
    assert x_train.shape == (512, 28, 28, 1) and x_test.shape == (128, 28, 28, 1)
    assert x_train.dtype == np.float32


def test_advanced_batch_with_tf_data(advanced_data):
    (x_train, y_train), (x_test, y_test) = advanced_data
    train_ds = tf.data.Dataset.from_tensor_slices((x_train, y_train)).shuffle(10000).batch(32)
    test_ds = tf.data.Dataset.from_tensor_slices((x_test, y_test)).batch(32)
    images, labels = next(iter(train_ds))
    assert tuple(images.shape) == (32, 28, 28, 1) and tuple(labels.shape) == (32,)
    assert len(test_ds) == 4


def test_advanced_build_the_model_by_subclassing(advanced_data):
    (x_train, _), _ = advanced_data
    model = MyModel()
    assert tuple(model(x_train[:3]).shape) == (3, 10)
    # conv 3*3*1*32+32, dense 26*26*32*128+128, dense 128*10+10
    assert model.count_params() == 320 + 2769024 + 1290


def advanced_steps():
    """The notebook's model, loss, optimizer, metrics and its two tf.function steps."""
    model = MyModel()
    loss_object = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    optimizer = tf.keras.optimizers.Adam()

    train_loss = tf.keras.metrics.Mean(name="train_loss")
    train_accuracy = tf.keras.metrics.SparseCategoricalAccuracy(name="train_accuracy")
    test_loss = tf.keras.metrics.Mean(name="test_loss")
    test_accuracy = tf.keras.metrics.SparseCategoricalAccuracy(name="test_accuracy")

    @tf.function
    def train_step(images, labels):
        with tf.GradientTape() as tape:
            # training=True matters only for layers that differ in training (Dropout, ...).
            predictions = model(images, training=True)
            loss = loss_object(labels, predictions)
        gradients = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(gradients, model.trainable_variables))

        train_loss(loss)
        train_accuracy(labels, predictions)

    @tf.function
    def test_step(images, labels):
        predictions = model(images, training=False)
        t_loss = loss_object(labels, predictions)

        test_loss(t_loss)
        test_accuracy(labels, predictions)

    metrics = (train_loss, train_accuracy, test_loss, test_accuracy)
    return model, train_step, test_step, metrics


def test_advanced_train_and_test_steps(advanced_data):
    (x_train, y_train), (x_test, y_test) = advanced_data
    tf.keras.utils.set_random_seed(0)
    model, train_step, test_step, (train_loss, train_accuracy, test_loss, test_accuracy) = advanced_steps()

    test_step(x_test, y_test)
    loss_before = float(test_loss.result())
    # 16 steps of 32 images (the notebook draws these batches from train_ds).
    for start in range(0, 512, 32):
        train_step(x_train[start : start + 32], y_train[start : start + 32])
    assert np.isfinite(float(train_loss.result())) and 0.0 < float(train_accuracy.result()) <= 1.0

    test_loss.reset_state()
    test_accuracy.reset_state()
    test_step(x_test, y_test)
    assert float(test_loss.result()) < loss_before
    assert float(test_accuracy.result()) > 0.6
    # reset_state starts the averages over.
    train_loss.reset_state()
    assert float(train_loss.result()) == 0.0


def test_advanced_training_loop(advanced_data):
    (x_train, y_train), (x_test, y_test) = advanced_data
    train_ds = tf.data.Dataset.from_tensor_slices((x_train, y_train)).shuffle(10000).batch(32)
    test_ds = tf.data.Dataset.from_tensor_slices((x_test, y_test)).batch(32)
    model, train_step, test_step, (train_loss, train_accuracy, test_loss, test_accuracy) = advanced_steps()

    EPOCHS = 2
    lines = []
    for epoch in range(EPOCHS):
        # Reset the metrics at the start of each epoch.
        train_loss.reset_state()
        train_accuracy.reset_state()
        test_loss.reset_state()
        test_accuracy.reset_state()

        for images, labels in train_ds:
            train_step(images, labels)

        for test_images, test_labels in test_ds:
            test_step(test_images, test_labels)

        lines.append(
            f"Epoch {epoch + 1}, "
            f"Loss: {train_loss.result():0.2f}, "
            f"Accuracy: {train_accuracy.result() * 100:0.2f}, "
            f"Test Loss: {test_loss.result():0.2f}, "
            f"Test Accuracy: {test_accuracy.result() * 100:0.2f}"
        )
    assert lines[-1].startswith("Epoch 2, Loss: ")
    assert float(test_accuracy.result()) > 0.6


# -- keras/classification (Fashion-MNIST) --------------------------------------------------------

class_names = [
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
]


def fashion_model(api):
    return api.Sequential(
        [
            api.layers.Flatten(input_shape=(28, 28)),
            api.layers.Dense(128, activation="relu"),
            api.layers.Dense(10),
        ]
    )


@pytest.fixture(scope="module")
def fashion():
    fashion_mnist = tf.keras.datasets.fashion_mnist
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SCRATCHNN_DATA", data_dir())
        (train_images, train_labels), (test_images, test_labels) = fashion_mnist.load_data()
    return (train_images, train_labels), (test_images, test_labels)


@pytest.fixture(scope="module")
def fashion_small(fashion):
    (train_images, train_labels), (test_images, test_labels) = fashion
    train_images = train_images[:2000] / 255.0
    test_images = test_images[:300] / 255.0
    return (train_images, train_labels[:2000]), (test_images, test_labels[:300])


@pytest.fixture(scope="module")
def fashion_trained(fashion_small):
    (train_images, train_labels), _ = fashion_small
    tf.keras.utils.set_random_seed(0)
    model = fashion_model(tf.keras)
    model.compile(
        optimizer="adam",
        loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    history = model.fit(train_images, train_labels, epochs=3, verbose=0)
    return model, history


def test_classification_import_the_dataset(fashion):
    (train_images, train_labels), (test_images, test_labels) = fashion
    assert train_images.dtype == np.uint8 and train_labels.dtype == np.uint8
    assert len(class_names) == len(np.unique(train_labels)) == 10


def test_classification_explore_the_data(fashion):
    (train_images, train_labels), (test_images, test_labels) = fashion
    assert train_images.shape == (60000, 28, 28)
    assert len(train_labels) == 60000
    assert train_labels.min() == 0 and train_labels.max() == 9
    assert test_images.shape == (10000, 28, 28)
    assert len(test_labels) == 10000


def test_classification_preprocess_the_data(fashion):
    (train_images, _), (test_images, _) = fashion
    assert train_images.max() == 255
    # On slices, as everywhere in this file (the whole set in float64 would take 440 MB).
    train_images = train_images[:2000] / 255.0
    test_images = test_images[:300] / 255.0
    assert 0.0 <= train_images.min() and train_images.max() == 1.0 and test_images.max() == 1.0


def test_classification_set_up_the_layers(fashion_small):
    (train_images, _), _ = fashion_small
    model = fashion_model(tf.keras)
    assert [type(layer).__name__ for layer in model.layers] == ["Flatten", "Dense", "Dense"]
    assert model.count_params() == 784 * 128 + 128 + 128 * 10 + 10
    reference = real_twin(model, fashion_model)
    np.testing.assert_allclose(
        as_array(model(train_images[:4])), np.asarray(reference(train_images[:4])), atol=1e-5
    )


def test_classification_compile_the_model():
    model = fashion_model(tf.keras)
    model.compile(
        optimizer="adam",
        loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    assert isinstance(model.optimizer, tf.keras.optimizers.Adam)


def test_classification_feed_the_model(fashion_trained):
    _, history = fashion_trained
    loss, accuracy = history.history["loss"], history.history["accuracy"]
    assert len(loss) == 3 and loss[-1] < loss[0] and accuracy[-1] > accuracy[0]


def test_classification_evaluate_accuracy(fashion_trained, fashion_small, capsys):
    model, _ = fashion_trained
    _, (test_images, test_labels) = fashion_small
    test_loss, test_acc = model.evaluate(test_images, test_labels, verbose=2)
    print("\nTest accuracy:", test_acc)
    assert test_acc > 0.65  # three epochs on 2,000 images; 10 classes
    out = capsys.readouterr().out
    assert "accuracy:" in out and "Test accuracy:" in out


def test_classification_make_predictions(fashion_trained, fashion_small):
    model, _ = fashion_trained
    _, (test_images, test_labels) = fashion_small
    probability_model = tf.keras.Sequential([model, tf.keras.layers.Softmax()])
    predictions = probability_model.predict(test_images, verbose=0)
    assert predictions.shape == (300, 10)
    np.testing.assert_allclose(predictions.sum(axis=1), 1.0, rtol=1e-5)
    assert 0 <= np.argmax(predictions[0]) <= 9
    assert test_labels[0] == 9  # the first test image is an ankle boot
    # The argmax of the probabilities is the argmax of the logits.
    np.testing.assert_array_equal(
        predictions.argmax(axis=1), model.predict(test_images, verbose=0).argmax(axis=1)
    )


def test_classification_use_the_trained_model(fashion_trained, fashion_small):
    model, _ = fashion_trained
    _, (test_images, _) = fashion_small
    probability_model = tf.keras.Sequential([model, tf.keras.layers.Softmax()])

    img = test_images[1]
    assert img.shape == (28, 28)
    # A batch of one image.
    img = np.expand_dims(img, 0)
    assert img.shape == (1, 28, 28)
    predictions_single = probability_model.predict(img, verbose=0)
    assert predictions_single.shape == (1, 10)
    assert 0 <= np.argmax(predictions_single[0]) <= 9


# -- keras/regression ----------------------------------------------------------------------------

COLUMNS = [
    "Cylinders",
    "Displacement",
    "Horsepower",
    "Weight",
    "Acceleration",
    "Model Year",
    "Europe",
    "Japan",
    "USA",
]


@pytest.fixture(scope="module")
def auto_table():
    """A synthetic table shaped like the tutorial's cleaned Auto MPG data (float64 columns)."""
    rng = np.random.default_rng(11)
    n = 320
    cylinders = rng.choice([4.0, 6.0, 8.0], n)
    displacement = cylinders * 40 + rng.normal(0, 20, n)
    horsepower = displacement * 0.45 + rng.normal(0, 10, n)
    weight = 1500 + displacement * 7 + rng.normal(0, 200, n)
    acceleration = 20 - horsepower / 25 + rng.normal(0, 1, n)
    year = rng.integers(70, 83, n).astype(float)
    origin = np.eye(3)[rng.integers(0, 3, n)]
    features = np.column_stack([cylinders, displacement, horsepower, weight, acceleration, year, origin])
    mpg = 46 - 0.12 * horsepower - 0.002 * weight + 0.4 * (year - 70) + rng.normal(0, 1.5, n)
    # An 80/20 split, as dataset.sample(frac=0.8).
    order = rng.permutation(n)
    train, test = order[: int(0.8 * n)], order[int(0.8 * n) :]
    return {
        "train_features": features[train],
        "test_features": features[test],
        "train_labels": mpg[train],
        "test_labels": mpg[test],
    }


def column(table, name):
    return table[:, COLUMNS.index(name)]


def adapted_normalizer(table, api=tf.keras):
    normalizer = api.layers.Normalization(axis=-1)
    normalizer.adapt(np.array(table["train_features"]))
    return normalizer


def horsepower_normalizer_for(table, api=tf.keras):
    import warnings

    horsepower = np.array(column(table["train_features"], "Horsepower"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # real Keras warns about input_shape=
        horsepower_normalizer = api.layers.Normalization(input_shape=[1], axis=None)
    horsepower_normalizer.adapt(horsepower)
    return horsepower_normalizer


def build_and_compile_model(norm):
    model = tf.keras.Sequential(
        [
            norm,
            layers.Dense(64, activation="relu"),
            layers.Dense(64, activation="relu"),
            layers.Dense(1),
        ]
    )
    model.compile(loss="mean_absolute_error", optimizer=tf.keras.optimizers.Adam(0.001))
    return model


def test_regression_normalization_layer(auto_table):
    normalizer = tf.keras.layers.Normalization(axis=-1)
    normalizer.adapt(np.array(auto_table["train_features"]))
    first = np.array(auto_table["train_features"][:1])
    normalized = normalizer(first).numpy()
    assert normalized.shape == (1, 9)

    reference = real_keras.layers.Normalization(axis=-1)
    reference.adapt(np.array(auto_table["train_features"]))
    np.testing.assert_allclose(normalized, np.asarray(reference(first)), rtol=1e-5, atol=1e-5)
    # Over the training rows each column comes out with mean 0 and variance 1.
    everything = normalizer(auto_table["train_features"]).numpy()
    np.testing.assert_allclose(everything.mean(axis=0), 0.0, atol=1e-4)
    np.testing.assert_allclose(everything.std(axis=0), 1.0, rtol=1e-3)


def test_regression_normalization_layer_mean(auto_table):
    normalizer = adapted_normalizer(auto_table)
    np.testing.assert_allclose(
        normalizer.mean.numpy(), auto_table["train_features"].mean(axis=0, keepdims=True), rtol=1e-5
    )


def test_regression_linear_one_variable(auto_table, capsys):
    horsepower = np.array(column(auto_table["train_features"], "Horsepower"))
    horsepower_normalizer = horsepower_normalizer_for(auto_table)
    horsepower_model = tf.keras.Sequential([horsepower_normalizer, layers.Dense(units=1)])
    horsepower_model.summary()
    assert "Total params: 5" in capsys.readouterr().out

    assert horsepower_model.predict(horsepower[:10], verbose=0).shape == (10, 1)
    horsepower_model.compile(
        optimizer=tf.keras.optimizers.Adam(learning_rate=0.1), loss="mean_absolute_error"
    )
    history = horsepower_model.fit(
        column(auto_table["train_features"], "Horsepower"),
        auto_table["train_labels"],
        epochs=100,
        verbose=0,
        validation_split=0.2,
    )
    assert sorted(history.history) == ["loss", "val_loss"] and history.epoch == list(range(100))
    assert history.history["loss"][-1] < history.history["loss"][0]

    test_results = {}
    test_results["horsepower_model"] = horsepower_model.evaluate(
        column(auto_table["test_features"], "Horsepower"), auto_table["test_labels"], verbose=0
    )
    assert np.isfinite(test_results["horsepower_model"])
    x = tf.linspace(0.0, 250, 251)
    y = horsepower_model.predict(x, verbose=0)
    assert y.shape == (251, 1)


def test_regression_linear_multiple_inputs(auto_table):
    normalizer = adapted_normalizer(auto_table)
    linear_model = tf.keras.Sequential([normalizer, layers.Dense(units=1)])
    assert linear_model.predict(auto_table["train_features"][:10], verbose=0).shape == (10, 1)
    assert tuple(linear_model.layers[1].kernel.shape) == (9, 1)

    linear_model.compile(optimizer=tf.keras.optimizers.Adam(learning_rate=0.1), loss="mean_absolute_error")
    history = linear_model.fit(
        auto_table["train_features"], auto_table["train_labels"], epochs=100, verbose=0, validation_split=0.2
    )
    assert history.history["loss"][-1] < history.history["loss"][0]
    mae = linear_model.evaluate(auto_table["test_features"], auto_table["test_labels"], verbose=0)
    assert mae < 5.0  # the labels spread over ~25 MPG; a linear fit gets within a few


def test_regression_dnn_single_input(auto_table, capsys):
    dnn_horsepower_model = build_and_compile_model(horsepower_normalizer_for(auto_table))
    dnn_horsepower_model.summary()
    assert "Total params: 4,356" in capsys.readouterr().out
    history = dnn_horsepower_model.fit(
        column(auto_table["train_features"], "Horsepower"),
        auto_table["train_labels"],
        validation_split=0.2,
        verbose=0,
        epochs=100,
    )
    assert history.history["loss"][-1] < history.history["loss"][0]
    x = tf.linspace(0.0, 250, 251)
    assert dnn_horsepower_model.predict(x, verbose=0).shape == (251, 1)
    mae = dnn_horsepower_model.evaluate(
        column(auto_table["test_features"], "Horsepower"), auto_table["test_labels"], verbose=0
    )
    assert np.isfinite(mae)


@pytest.fixture(scope="module")
def dnn_model(auto_table):
    tf.keras.utils.set_random_seed(3)
    dnn_model = build_and_compile_model(adapted_normalizer(auto_table))
    history = dnn_model.fit(
        auto_table["train_features"], auto_table["train_labels"], validation_split=0.2, verbose=0, epochs=100
    )
    return dnn_model, history


def test_regression_dnn_multiple_inputs(dnn_model, auto_table, capsys):
    model, history = dnn_model
    model.summary()
    # normalization 9 + 9 + 1, dense 9*64+64, 64*64+64, 64+1: 4,884, of which 19 non-trainable
    text = capsys.readouterr().out
    # (A compiled, trained model's total also counts the optimizer's variables, as in Keras 3.)
    assert "Trainable params: 4,865" in text and "Non-trainable params: 19" in text
    assert history.history["loss"][-1] < history.history["loss"][0]
    mae = model.evaluate(auto_table["test_features"], auto_table["test_labels"], verbose=0)
    assert mae < 5.0


def test_regression_make_predictions(dnn_model, auto_table, tmp_path):
    model, _ = dnn_model
    test_predictions = model.predict(auto_table["test_features"], verbose=0).flatten()
    assert test_predictions.shape == (64,)
    error = test_predictions - auto_table["test_labels"]
    assert np.isfinite(error).all()

    path = str(tmp_path / "dnn_model.keras")
    model.save(path)
    reloaded = tf.keras.models.load_model(path)
    before = model.evaluate(auto_table["test_features"], auto_table["test_labels"], verbose=0)
    after = reloaded.evaluate(auto_table["test_features"], auto_table["test_labels"], verbose=0)
    assert after == pytest.approx(before, rel=1e-6)
    # Real Keras reads the file, adapted statistics included, and predicts the same.
    reference = real_keras.models.load_model(path)
    np.testing.assert_allclose(
        np.asarray(reference.predict(auto_table["test_features"], verbose=0)).flatten(),
        test_predictions,
        rtol=1e-4,
        atol=1e-4,
    )


# -- keras/overfit_and_underfit ------------------------------------------------------------------

FEATURES = 28
N_VALIDATION = 100
N_TRAIN = 400
BUFFER_SIZE = 400
BATCH_SIZE = 50
STEPS_PER_EPOCH = N_TRAIN // BATCH_SIZE


@pytest.fixture(scope="module")
def higgs_like_rows():
    """Rows of (label, 28 features), a stand-in for the HIGGS CSV file."""
    rng = np.random.default_rng(12)
    features = rng.normal(size=(N_VALIDATION + N_TRAIN, FEATURES)).astype("float32")
    label = (features[:, :3].sum(axis=1) + rng.normal(0, 1, len(features)) > 0).astype("float32")
    return tuple([label] + [features[:, i] for i in range(FEATURES)])


def pack_row(*row):
    label = row[0]
    features = tf.stack(row[1:], 1)
    return features, label


lr_schedule = tf.keras.optimizers.schedules.InverseTimeDecay(
    0.001, decay_steps=STEPS_PER_EPOCH * 1000, decay_rate=1, staircase=False
)


def get_optimizer():
    return tf.keras.optimizers.Adam(lr_schedule)


def get_callbacks(name, logdir):
    return [
        tf.keras.callbacks.EarlyStopping(monitor="val_binary_crossentropy", patience=200),
        tf.keras.callbacks.TensorBoard(logdir / name),
    ]


def compile_and_fit(model, name, train_ds, validate_ds, logdir, optimizer=None, max_epochs=3):
    if optimizer is None:
        optimizer = get_optimizer()
    model.compile(
        optimizer=optimizer,
        loss=tf.keras.losses.BinaryCrossentropy(from_logits=True),
        metrics=[
            tf.keras.metrics.BinaryCrossentropy(from_logits=True, name="binary_crossentropy"),
            "accuracy",
        ],
    )
    model.summary()
    history = model.fit(
        train_ds.map(lambda x, y: (x, tf.expand_dims(y, axis=-1))),
        steps_per_epoch=STEPS_PER_EPOCH,
        epochs=max_epochs,
        validation_data=validate_ds.map(lambda x, y: (x, tf.expand_dims(y, axis=-1))),
        callbacks=get_callbacks(name, logdir),
        verbose=0,
    )
    return history


def higgs_datasets(rows):
    ds = tf.data.Dataset.from_tensor_slices(rows)
    packed_ds = ds.batch(10000).map(pack_row).unbatch()
    validate_ds = packed_ds.take(N_VALIDATION).cache()
    train_ds = packed_ds.skip(N_VALIDATION).take(N_TRAIN).cache()
    validate_ds = validate_ds.batch(BATCH_SIZE)
    train_ds = train_ds.shuffle(BUFFER_SIZE).repeat().batch(BATCH_SIZE)
    return train_ds, validate_ds


def size_models():
    tiny_model = tf.keras.Sequential(
        [layers.Dense(16, activation="elu", input_shape=(FEATURES,)), layers.Dense(1)]
    )
    small_model = tf.keras.Sequential(
        [
            # input_shape= only so that summary() works before training.
            layers.Dense(16, activation="elu", input_shape=(FEATURES,)),
            layers.Dense(16, activation="elu"),
            layers.Dense(1),
        ]
    )
    medium_model = tf.keras.Sequential(
        [
            layers.Dense(64, activation="elu", input_shape=(FEATURES,)),
            layers.Dense(64, activation="elu"),
            layers.Dense(64, activation="elu"),
            layers.Dense(1),
        ]
    )
    large_model = tf.keras.Sequential(
        [
            layers.Dense(512, activation="elu", input_shape=(FEATURES,)),
            layers.Dense(512, activation="elu"),
            layers.Dense(512, activation="elu"),
            layers.Dense(512, activation="elu"),
            layers.Dense(1),
        ]
    )
    return {"Tiny": tiny_model, "Small": small_model, "Medium": medium_model, "large": large_model}


def l2_model(api=tf.keras):
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # real Keras warns about input_shape=
        return api.Sequential(
            [
                api.layers.Dense(
                    512,
                    activation="elu",
                    kernel_regularizer=api.regularizers.l2(0.001),
                    input_shape=(FEATURES,),
                ),
                api.layers.Dense(512, activation="elu", kernel_regularizer=api.regularizers.l2(0.001)),
                api.layers.Dense(512, activation="elu", kernel_regularizer=api.regularizers.l2(0.001)),
                api.layers.Dense(512, activation="elu", kernel_regularizer=api.regularizers.l2(0.001)),
                api.layers.Dense(1),
            ]
        )


def dropout_model():
    return tf.keras.Sequential(
        [
            layers.Dense(512, activation="elu", input_shape=(FEATURES,)),
            layers.Dropout(0.5),
            layers.Dense(512, activation="elu"),
            layers.Dropout(0.5),
            layers.Dense(512, activation="elu"),
            layers.Dropout(0.5),
            layers.Dense(512, activation="elu"),
            layers.Dropout(0.5),
            layers.Dense(1),
        ]
    )


def combined_model():
    return tf.keras.Sequential(
        [
            layers.Dense(
                512, kernel_regularizer=regularizers.l2(0.0001), activation="elu", input_shape=(FEATURES,)
            ),
            layers.Dropout(0.5),
            layers.Dense(512, kernel_regularizer=regularizers.l2(0.0001), activation="elu"),
            layers.Dropout(0.5),
            layers.Dense(512, kernel_regularizer=regularizers.l2(0.0001), activation="elu"),
            layers.Dropout(0.5),
            layers.Dense(512, kernel_regularizer=regularizers.l2(0.0001), activation="elu"),
            layers.Dropout(0.5),
            layers.Dense(1),
        ]
    )


def test_overfit_input_pipeline(higgs_like_rows):
    ds = tf.data.Dataset.from_tensor_slices(higgs_like_rows)
    packed_ds = ds.batch(10000).map(pack_row).unbatch()
    for features, label in packed_ds.batch(1000).take(1):
        assert tuple(features.shape) == (N_VALIDATION + N_TRAIN, FEATURES)
        np.testing.assert_array_equal(features.numpy()[:, 0], higgs_like_rows[1])
        np.testing.assert_array_equal(label.numpy(), higgs_like_rows[0])
    train_ds, validate_ds = higgs_datasets(higgs_like_rows)
    assert sum(1 for _ in validate_ds) == N_VALIDATION // BATCH_SIZE
    features, label = next(iter(train_ds))
    assert tuple(features.shape) == (BATCH_SIZE, FEATURES) and tuple(label.shape) == (BATCH_SIZE,)


def test_overfit_training_procedure(tmp_path):
    reference = real_keras.optimizers.schedules.InverseTimeDecay(
        0.001, decay_steps=STEPS_PER_EPOCH * 1000, decay_rate=1, staircase=False
    )
    step = np.linspace(0, 100000)
    lr = np.array([float(lr_schedule(s)) for s in step])
    np.testing.assert_allclose(lr, [float(reference(s)) for s in step], rtol=1e-6)
    assert lr[0] == pytest.approx(0.001) and np.all(np.diff(lr) < 0)

    optimizer = get_optimizer()
    assert optimizer.learning_rate == pytest.approx(0.001)
    early_stopping, tensorboard = get_callbacks("sizes/Tiny", pathlib.Path(tmp_path) / "tensorboard_logs")
    assert early_stopping.monitor == "val_binary_crossentropy" and early_stopping.patience == 200
    assert tensorboard.log_dir.endswith("sizes/Tiny")


def test_overfit_model_sizes(capsys):
    counts = {}
    for name, model in size_models().items():
        model.summary()
        counts[name] = model.count_params()
    assert counts == {
        "Tiny": 28 * 16 + 16 + 17,
        "Small": 28 * 16 + 16 + 16 * 16 + 16 + 17,
        "Medium": 28 * 64 + 64 + 2 * (64 * 64 + 64) + 65,
        "large": 28 * 512 + 512 + 3 * (512 * 512 + 512) + 513,
    }
    assert "Total params: 803,329" in capsys.readouterr().out


def test_overfit_compile_and_fit_each_size(higgs_like_rows, tmp_path):
    train_ds, validate_ds = higgs_datasets(higgs_like_rows)
    logdir = pathlib.Path(tmp_path) / "tensorboard_logs"
    size_histories = {}
    for name, model in size_models().items():
        size_histories[name] = compile_and_fit(model, f"sizes/{name}", train_ds, validate_ds, logdir)
    for history in size_histories.values():
        assert {"loss", "binary_crossentropy", "accuracy", "val_binary_crossentropy"} <= set(history.history)
    assert (logdir / "sizes" / "Tiny" / "train").is_dir()


def test_overfit_weight_regularization_losses(higgs_like_rows):
    features = np.stack(higgs_like_rows[1:], axis=1)[:8]
    model = l2_model()
    result = model(features)
    regularization_loss = tf.add_n(model.losses)
    assert tuple(result.shape) == (8, 1) and len(model.losses) == 4
    # 0.001 * sum(kernel^2) over the four regularized kernels, as real Keras counts it.
    reference = l2_model(real_keras)
    reference.set_weights(model.get_weights())
    reference(features)
    expected = float(sum(np.asarray(loss) for loss in reference.losses))
    assert float(regularization_loss) == pytest.approx(expected, rel=1e-5)
    kernels = [w for w in model.get_weights() if w.ndim == 2][:4]
    assert float(regularization_loss) == pytest.approx(
        0.001 * sum(float((k**2).sum()) for k in kernels), rel=1e-5
    )


def test_overfit_strategies_compile_and_fit(higgs_like_rows, tmp_path):
    train_ds, validate_ds = higgs_datasets(higgs_like_rows)
    logdir = pathlib.Path(tmp_path) / "tensorboard_logs"
    regularizer_histories = {}
    regularizer_histories["l2"] = compile_and_fit(
        l2_model(), "regularizers/l2", train_ds, validate_ds, logdir
    )
    regularizer_histories["dropout"] = compile_and_fit(
        dropout_model(), "regularizers/dropout", train_ds, validate_ds, logdir
    )
    regularizer_histories["combined"] = compile_and_fit(
        combined_model(), "regularizers/combined", train_ds, validate_ds, logdir
    )
    for history in regularizer_histories.values():
        assert len(history.history["val_binary_crossentropy"]) == 3
