"""keras-io guides/training_with_built_in_methods.py ("Training & evaluation with the built-in methods").

A test marked xfail (strict) names what is missing; the mark breaks once it lands.

One test per section of the guide's Keras 3 edition, whose imports (`tensorflow as tf` for tf.data,
`numpy as np`, `keras`, `from keras import layers, ops`) become `scratchnn as tf`, `scratchnn.keras
as keras`, `from scratchnn.keras import layers, ops`. Where its tf.keras edition spells a section
with TensorFlow names (`tf.math.reduce_mean`, `tf.one_hot`, `tf.argmax`, `Metric.add_weight`), a
second test uses those. MNIST is sliced to 800 training, 200 validation and 200 test digits (the
checkpoint section takes 3,200 so that `save_freq=100` is reached in one epoch). Values that real
Keras 3 (JAX backend) computes deterministically (losses and metrics on fixed inputs, a model's
loss on shared weights, schedules, a few unshuffled training steps) are compared against it.

| section                                                   | test(s)                                    |
|-----------------------------------------------------------|--------------------------------------------|
| Setup, Introduction                                       | imports only                               |
| API overview: a first end-to-end example                  | test_api_overview_end_to_end               |
| The compile() method                                      | test_compile_with_objects_or_strings       |
| Many built-in optimizers, losses, and metrics             | test_many_builtin_optimizers_losses_metrics|
| Custom losses                                             | test_custom_losses,                        |
|                                                           | test_custom_losses_tf_spelling             |
| Custom metrics                                            | test_custom_metrics,                       |
|                                                           | test_custom_metrics_tf_spelling            |
| Handling losses and metrics that don't fit the standard   | test_add_loss_in_a_layer,                  |
|   signature                                               | test_logistic_endpoint_without_a_loss      |
|   (tf.keras edition: `add_metric` in a layer and on a     | skipped: `add_metric` was removed in       |
|   model)                                                  | Keras 3 (real Keras raises)                |
| Automatically setting apart a validation holdout set      | test_validation_split                      |
| Training & evaluation using tf.data Datasets              | test_fit_evaluate_on_a_dataset,            |
|                                                           | test_dataset_with_steps_per_epoch,         |
|                                                           | test_dataset_as_validation_data,           |
|                                                           | test_dataset_with_validation_steps         |
| Training & evaluation using PyDataset instances           | test_py_dataset,                           |
|                                                           | test_py_dataset_with_workers               |
| Training & evaluation using PyTorch DataLoader objects    | skipped: needs PyTorch, which is not a     |
|                                                           | scratchnn dependency nor installed in CI   |
| Class weights                                             | test_class_weights                         |
| Sample weights                                            | test_sample_weights,                       |
|                                                           | test_sample_weights_in_a_dataset           |
| Passing data to multi-input, multi-output models          | test_multi_io_compile_variants,            |
|                                                           | test_multi_io_fit_on_lists_and_dicts,      |
|                                                           | test_multi_io_fit_on_a_dataset_of_dicts    |
|   (keras.utils.plot_model to PNG)                         | test_multi_io_plot_model                   |
| Using callbacks                                           | test_early_stopping_callback               |
| Many built-in callbacks are available                     | skipped: prose (names the callbacks)       |
| Writing your own callback                                 | test_writing_your_own_callback             |
| Checkpointing models                                      | test_model_checkpoint_best_only,           |
|                                                           | test_checkpoints_for_fault_tolerance       |
| Passing a schedule to an optimizer                        | test_learning_rate_schedule                |
| Using callbacks to implement a dynamic learning rate      | skipped: prose only (names                 |
|   schedule                                                | ReduceLROnPlateau), no code                |
| Visualizing loss and metrics during training with         | skipped: prose and a shell command         |
|   TensorBoard                                             |                                            |
| Using the TensorBoard callback                            | test_tensorboard_callback                  |
"""

import os

import keras as real_keras
import numpy as np
import pytest

import scratchnn as tf
import scratchnn.keras as keras
from scratchnn.keras import layers, ops
from tests.data_env import data_dir


@pytest.fixture(scope="module")
def mnist():
    """Float32 digits in [0, 1] as 784-vectors, float32 labels; 3,200 for training (use [:800])."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SCRATCHNN_DATA", data_dir())
        (x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
    x_train = x_train[:3400].reshape(3400, 784).astype("float32") / 255
    x_test = x_test[:200].reshape(200, 784).astype("float32") / 255
    y_train = y_train[:3400].astype("float32")
    y_test = y_test[:200].astype("float32")
    # Reserve the last 200 for validation, as the guide reserves its last 10,000.
    x_val, y_val = x_train[-200:], y_train[-200:]
    x_train, y_train = x_train[:-200], y_train[:-200]
    return {"train": (x_train, y_train), "val": (x_val, y_val), "test": (x_test, y_test)}


@pytest.fixture
def small(mnist):
    """800 training digits, 200 validation, 200 test."""
    (x_train, y_train), val, test = mnist["train"], mnist["val"], mnist["test"]
    return (x_train[:800], y_train[:800]), val, test


def get_uncompiled_model(api=keras):
    inputs = api.Input(shape=(784,), name="digits")
    x = api.layers.Dense(64, activation="relu", name="dense_1")(inputs)
    x = api.layers.Dense(64, activation="relu", name="dense_2")(x)
    outputs = api.layers.Dense(10, activation="softmax", name="predictions")(x)
    model = api.Model(inputs=inputs, outputs=outputs)
    return model


def get_compiled_model():
    model = get_uncompiled_model()
    model.compile(
        optimizer="rmsprop",
        loss="sparse_categorical_crossentropy",
        metrics=["sparse_categorical_accuracy"],
    )
    return model


def real_twin(model, build=get_uncompiled_model):
    """The same architecture in real Keras, holding `model`'s weights."""
    reference = build(real_keras)
    reference.set_weights(model.get_weights())
    return reference


def as_array(value):
    return np.asarray(keras.ops.convert_to_numpy(value))


def test_api_overview_end_to_end(small):
    (x_train, y_train), (x_val, y_val), (x_test, y_test) = small
    keras.utils.set_random_seed(0)
    model = get_uncompiled_model()
    model.compile(
        optimizer=keras.optimizers.RMSprop(),
        loss=keras.losses.SparseCategoricalCrossentropy(),
        metrics=[keras.metrics.SparseCategoricalAccuracy()],
    )
    history = model.fit(x_train, y_train, batch_size=64, epochs=2, validation_data=(x_val, y_val), verbose=0)
    assert sorted(history.history) == [
        "loss",
        "sparse_categorical_accuracy",
        "val_loss",
        "val_sparse_categorical_accuracy",
    ]
    assert all(len(values) == 2 for values in history.history.values())
    assert history.history["loss"][1] < history.history["loss"][0]

    results = model.evaluate(x_test, y_test, batch_size=128, verbose=0)
    assert len(results) == 2 and results[1] > 0.5  # 0.75 here

    predictions = model.predict(x_test[:3], verbose=0)
    assert predictions.shape == (3, 10)
    np.testing.assert_allclose(predictions.sum(axis=1), 1.0, rtol=1e-5)

    # evaluate() on these weights gives what real Keras gives on them.
    reference = real_twin(model)
    reference.compile(
        optimizer=real_keras.optimizers.RMSprop(),
        loss=real_keras.losses.SparseCategoricalCrossentropy(),
        metrics=[real_keras.metrics.SparseCategoricalAccuracy()],
    )
    np.testing.assert_allclose(
        results, reference.evaluate(x_test, y_test, batch_size=128, verbose=0), atol=1e-5
    )


def test_compile_with_objects_or_strings(small):
    _, _, (x_test, y_test) = small
    model = get_uncompiled_model()
    model.compile(
        optimizer=keras.optimizers.RMSprop(learning_rate=1e-3),
        loss=keras.losses.SparseCategoricalCrossentropy(),
        metrics=[keras.metrics.SparseCategoricalAccuracy()],
    )
    by_objects = model.evaluate(x_test, y_test, verbose=0)
    assert isinstance(model.optimizer, keras.optimizers.RMSprop)
    assert float(model.optimizer.learning_rate) == pytest.approx(1e-3)

    # The same configuration through string identifiers.
    model.compile(
        optimizer="rmsprop",
        loss="sparse_categorical_crossentropy",
        metrics=["sparse_categorical_accuracy"],
    )
    assert isinstance(model.optimizer, keras.optimizers.RMSprop)
    np.testing.assert_allclose(model.evaluate(x_test, y_test, verbose=0), by_objects, rtol=1e-6)


def test_many_builtin_optimizers_losses_metrics():
    rng = np.random.default_rng(7)
    y_true = (rng.random((6, 4)) > 0.5).astype("float32")
    y_pred = rng.uniform(0.05, 0.95, (6, 4)).astype("float32")

    for name in ("SGD", "RMSprop", "Adam"):
        ours, theirs = getattr(keras.optimizers, name)(), getattr(real_keras.optimizers, name)()
        assert float(ours.learning_rate) == pytest.approx(float(theirs.learning_rate)), name
    assert keras.optimizers.SGD(momentum=0.9).get_config()["momentum"] == 0.9

    for name in ("MeanSquaredError", "KLDivergence", "CosineSimilarity"):
        ours = float(getattr(keras.losses, name)()(y_true, y_pred))
        theirs = float(getattr(real_keras.losses, name)()(y_true, y_pred))
        assert ours == pytest.approx(theirs, rel=1e-5, abs=1e-6), name

    for name in ("AUC", "Precision", "Recall"):
        ours, theirs = getattr(keras.metrics, name)(), getattr(real_keras.metrics, name)()
        ours.update_state(y_true, y_pred)
        theirs.update_state(y_true, y_pred)
        assert float(ours.result()) == pytest.approx(float(theirs.result()), rel=1e-5), name


def custom_mean_squared_error(y_true, y_pred):
    return ops.mean(ops.square(y_true - y_pred), axis=-1)


class CustomMSE(keras.losses.Loss):
    def __init__(self, regularization_factor=0.1, name="custom_mse"):
        super().__init__(name=name)
        self.regularization_factor = regularization_factor

    def call(self, y_true, y_pred):
        mse = ops.mean(ops.square(y_true - y_pred), axis=-1)
        reg = ops.mean(ops.square(0.5 - y_pred), axis=-1)
        return mse + reg * self.regularization_factor


def test_custom_losses(small):
    (x_train, y_train), _, _ = small
    model = get_uncompiled_model()
    model.compile(optimizer=keras.optimizers.Adam(), loss=custom_mean_squared_error)
    y_train_one_hot = ops.one_hot(y_train, num_classes=10)
    history = model.fit(x_train, y_train_one_hot, batch_size=64, epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"][0])

    model = get_uncompiled_model()
    model.compile(optimizer=keras.optimizers.Adam(), loss=CustomMSE())
    y_train_one_hot = ops.one_hot(y_train, num_classes=10)
    history = model.fit(x_train, y_train_one_hot, batch_size=64, epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"][0])

    # The loss object computes what the same class computes in real Keras.
    class RealCustomMSE(real_keras.losses.Loss):
        def call(self, y_true, y_pred):
            mse = real_keras.ops.mean(real_keras.ops.square(y_true - y_pred), axis=-1)
            reg = real_keras.ops.mean(real_keras.ops.square(0.5 - y_pred), axis=-1)
            return mse + reg * 0.1

    y_pred = model.predict(x_train[:16], verbose=0)
    target = as_array(y_train_one_hot)[:16]
    ours = float(CustomMSE()(target, y_pred))
    assert ours == pytest.approx(float(RealCustomMSE()(target, y_pred)), rel=1e-6)


def test_custom_losses_tf_spelling(small):
    (x_train, y_train), _, _ = small

    def custom_mean_squared_error(y_true, y_pred):
        return tf.math.reduce_mean(tf.square(y_true - y_pred))

    class CustomMSE(keras.losses.Loss):
        def __init__(self, regularization_factor=0.1, name="custom_mse"):
            super().__init__(name=name)
            self.regularization_factor = regularization_factor

        def call(self, y_true, y_pred):
            mse = tf.math.reduce_mean(tf.square(y_true - y_pred))
            reg = tf.math.reduce_mean(tf.square(0.5 - y_pred))
            return mse + reg * self.regularization_factor

    for loss in (custom_mean_squared_error, CustomMSE()):
        model = get_uncompiled_model()
        model.compile(optimizer=keras.optimizers.Adam(), loss=loss)
        y_train_one_hot = tf.one_hot(y_train, depth=10)
        history = model.fit(x_train, y_train_one_hot, batch_size=64, epochs=1, verbose=0)
        assert np.isfinite(history.history["loss"][0])


class CategoricalTruePositives(keras.metrics.Metric):
    def __init__(self, name="categorical_true_positives", **kwargs):
        super().__init__(name=name, **kwargs)
        self.true_positives = self.add_variable(shape=(), name="ctp", initializer="zeros")

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_pred = ops.reshape(ops.argmax(y_pred, axis=1), (-1, 1))
        values = ops.cast(y_true, "int32") == ops.cast(y_pred, "int32")
        values = ops.cast(values, "float32")
        if sample_weight is not None:
            sample_weight = ops.cast(sample_weight, "float32")
            values = ops.multiply(values, sample_weight)
        self.true_positives.assign_add(ops.sum(values))

    def result(self):
        return self.true_positives

    def reset_state(self):
        # The state of the metric will be reset at the start of each epoch.
        self.true_positives.assign(0.0)


class RealCategoricalTruePositives(real_keras.metrics.Metric):
    """The guide's metric in real Keras, for reference values."""

    def __init__(self, name="categorical_true_positives", **kwargs):
        super().__init__(name=name, **kwargs)
        self.true_positives = self.add_variable(shape=(), name="ctp", initializer="zeros")

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_pred = real_keras.ops.reshape(real_keras.ops.argmax(y_pred, axis=1), (-1, 1))
        values = real_keras.ops.cast(y_true, "int32") == real_keras.ops.cast(y_pred, "int32")
        self.true_positives.assign_add(real_keras.ops.sum(real_keras.ops.cast(values, "float32")))

    def result(self):
        # `.value`: on the JAX backend, Keras cannot return the variable itself from a traced step
        # (the guide's `return self.true_positives` works on its TensorFlow backend).
        return self.true_positives.value

    def reset_state(self):
        self.true_positives.assign(0.0)


def check_true_positive_counts(metric_class, small):
    (x_train, y_train), (x_val, y_val), _ = small
    model = get_uncompiled_model()
    model.compile(
        optimizer=keras.optimizers.RMSprop(learning_rate=1e-3),
        loss=keras.losses.SparseCategoricalCrossentropy(),
        metrics=[metric_class()],
    )
    history = model.fit(x_train, y_train, batch_size=64, epochs=3, verbose=0)
    counts = history.history["categorical_true_positives"]
    assert len(counts) == 3 and all(c > 0 and float(c).is_integer() for c in counts)

    # The labels arrive as a (batch,) vector and the predictions as a (batch, 1) column, so the
    # guide's `==` broadcasts to (batch, batch) in Keras; a reset state and the same broadcast give
    # real Keras's count on the same weights.
    ours = model.evaluate(x_val, y_val, batch_size=64, verbose=0, return_dict=True)
    reference = real_twin(model)
    reference.compile(loss="sparse_categorical_crossentropy", metrics=[RealCategoricalTruePositives()])
    theirs = reference.evaluate(x_val, y_val, batch_size=64, verbose=0, return_dict=True)
    assert ours["categorical_true_positives"] == theirs["categorical_true_positives"]

    # With labels as a column it counts the argmax hits, weighted by sample_weight.
    metric = metric_class()
    scores = np.eye(10, dtype="float32")[[1, 2, 3, 4]]
    metric.update_state(np.array([[1], [2], [0], [4]]), scores)
    assert float(metric.result()) == 3.0
    metric.update_state(
        np.array([[1], [2], [0], [4]]), scores, sample_weight=np.array([[1.0], [0.5], [1], [0]])
    )
    assert float(metric.result()) == 4.5
    metric.reset_state()
    assert float(metric.result()) == 0.0


def test_custom_metrics(small):
    check_true_positive_counts(CategoricalTruePositives, small)


def test_custom_metrics_tf_spelling(small):
    class CategoricalTruePositives(keras.metrics.Metric):
        def __init__(self, name="categorical_true_positives", **kwargs):
            super(CategoricalTruePositives, self).__init__(name=name, **kwargs)  # noqa: UP008 (the guide's form)
            self.true_positives = self.add_weight(name="ctp", initializer="zeros")

        def update_state(self, y_true, y_pred, sample_weight=None):
            y_pred = tf.reshape(tf.argmax(y_pred, axis=1), shape=(-1, 1))
            values = tf.cast(y_true, "int32") == tf.cast(y_pred, "int32")
            values = tf.cast(values, "float32")
            if sample_weight is not None:
                sample_weight = tf.cast(sample_weight, "float32")
                values = tf.multiply(values, sample_weight)
            self.true_positives.assign_add(tf.reduce_sum(values))

        def result(self):
            return self.true_positives

        def reset_state(self):
            self.true_positives.assign(0.0)

    check_true_positive_counts(CategoricalTruePositives, small)


class ActivityRegularizationLayer(layers.Layer):
    def call(self, inputs):
        self.add_loss(ops.sum(inputs) * 0.1)
        return inputs  # Pass-through layer.


def regularized_model(api, regularization_layer):
    inputs = api.Input(shape=(784,), name="digits")
    x = api.layers.Dense(64, activation="relu", name="dense_1")(inputs)
    x = regularization_layer()(x)
    x = api.layers.Dense(64, activation="relu", name="dense_2")(x)
    outputs = api.layers.Dense(10, name="predictions")(x)
    return api.Model(inputs=inputs, outputs=outputs)


def test_add_loss_in_a_layer(small):
    (x_train, y_train), _, _ = small
    model = regularized_model(keras, ActivityRegularizationLayer)
    model.compile(
        optimizer=keras.optimizers.RMSprop(learning_rate=1e-3),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    )

    # Before training, the reported loss is on the same weights what real Keras reports.
    class RealActivityRegularization(real_keras.layers.Layer):
        def call(self, inputs):
            self.add_loss(real_keras.ops.sum(inputs) * 0.1)
            return inputs

    reference = real_twin(model, lambda api: regularized_model(api, RealActivityRegularization))
    reference.compile(
        optimizer="rmsprop", loss=real_keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    )
    ours = model.evaluate(x_train[:64], y_train[:64], batch_size=64, verbose=0)
    theirs = reference.evaluate(x_train[:64], y_train[:64], batch_size=64, verbose=0)
    assert ours == pytest.approx(theirs, rel=1e-5)

    # The displayed loss includes the regularization term, so it is well above the crossentropy.
    plain = regularized_model(keras, lambda: layers.Activation("linear"))
    plain.set_weights(model.get_weights())
    plain.compile(loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    assert ours > plain.evaluate(x_train[:64], y_train[:64], batch_size=64, verbose=0) + 1.0

    history = model.fit(x_train, y_train, batch_size=64, epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"][0])


class LogisticEndpoint(keras.layers.Layer):
    def __init__(self, name=None):
        super().__init__(name=name)
        self.loss_fn = keras.losses.BinaryCrossentropy(from_logits=True)

    def call(self, targets, logits, sample_weights=None):
        # The training-time loss is tracked with add_loss().
        loss = self.loss_fn(targets, logits, sample_weights)
        self.add_loss(loss)
        # Inference-time prediction (for predict()).
        return ops.softmax(logits)


def test_logistic_endpoint_without_a_loss():
    inputs = keras.Input(shape=(3,), name="inputs")
    targets = keras.Input(shape=(10,), name="targets")
    logits = keras.layers.Dense(10)(inputs)
    predictions = LogisticEndpoint(name="predictions")(targets, logits)

    model = keras.Model(inputs=[inputs, targets], outputs=predictions)
    model.compile(optimizer="adam")  # No loss argument!

    data = {
        "inputs": np.random.random((3, 3)),
        "targets": np.random.random((3, 10)),
    }
    history = model.fit(data, verbose=0)
    assert np.isfinite(history.history["loss"][0]) and history.history["loss"][0] > 0
    assert model.predict(data, verbose=0).shape == (3, 10)


def test_validation_split(small):
    (x_train, y_train), _, _ = small
    model = get_compiled_model()

    class CountValidationBatches(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            self.train_batches = self.test_batches = 0

        def on_train_batch_end(self, batch, logs=None):
            self.train_batches += 1

        def on_test_batch_end(self, batch, logs=None):
            self.test_batches += 1

    counter = CountValidationBatches()
    history = model.fit(
        x_train, y_train, batch_size=64, validation_split=0.2, epochs=1, verbose=0, callbacks=[counter]
    )
    assert "val_loss" in history.history and "val_sparse_categorical_accuracy" in history.history
    # 20% of 800 samples held out: 640 train in 10 batches of 64, 160 validation in 3.
    assert (counter.train_batches, counter.test_batches) == (10, 3)


def _mnist_datasets(x_train, y_train, x_val, y_val):
    train_dataset = tf.data.Dataset.from_tensor_slices((x_train, y_train))
    train_dataset = train_dataset.shuffle(buffer_size=1024).batch(64)
    val_dataset = tf.data.Dataset.from_tensor_slices((x_val, y_val))
    val_dataset = val_dataset.batch(64)
    return train_dataset, val_dataset


def test_fit_evaluate_on_a_dataset(small):
    (x_train, y_train), _, (x_test, y_test) = small
    model = get_compiled_model()
    train_dataset, test_dataset = _mnist_datasets(x_train, y_train, x_test, y_test)
    history = model.fit(train_dataset, epochs=3, verbose=0)
    assert len(history.history["loss"]) == 3
    result = model.evaluate(test_dataset, verbose=0)
    metrics = dict(zip(model.metrics_names, result))
    assert sorted(metrics) == ["compile_metrics", "loss"] or sorted(metrics) == [
        "loss",
        "sparse_categorical_accuracy",
    ]


def test_dataset_with_steps_per_epoch(small):
    (x_train, y_train), _, _ = small
    model = get_compiled_model()
    train_dataset, _ = _mnist_datasets(x_train, y_train, x_train[:1], y_train[:1])
    # 13 batches of 64 in 800 samples; 4 per epoch for 3 epochs keeps drawing from the same pass.
    history = model.fit(train_dataset, epochs=3, steps_per_epoch=4, verbose=0)
    assert len(history.history["loss"]) == 3


def test_dataset_as_validation_data(small):
    (x_train, y_train), (x_val, y_val), _ = small
    model = get_compiled_model()
    train_dataset, val_dataset = _mnist_datasets(x_train, y_train, x_val, y_val)
    history = model.fit(train_dataset, epochs=1, validation_data=val_dataset, verbose=0)
    assert "val_loss" in history.history


def test_dataset_with_validation_steps(small):
    (x_train, y_train), (x_val, y_val), _ = small
    model = get_compiled_model()
    train_dataset, val_dataset = _mnist_datasets(x_train, y_train, x_val, y_val)
    history = model.fit(train_dataset, epochs=1, validation_data=val_dataset, validation_steps=2, verbose=0)
    # Two validation batches are the first 128 validation samples.
    expected = model.evaluate(x_val[:128], y_val[:128], batch_size=64, verbose=0)
    assert history.history["val_loss"][0] == pytest.approx(expected[0], rel=1e-5)


def _example_py_dataset_class():
    class ExamplePyDataset(keras.utils.PyDataset):
        def __init__(self, x, y, batch_size, **kwargs):
            super().__init__(**kwargs)
            self.x = x
            self.y = y
            self.batch_size = batch_size

        def __len__(self):
            return int(np.ceil(len(self.x) / float(self.batch_size)))

        def __getitem__(self, idx):
            batch_x = self.x[idx * self.batch_size : (idx + 1) * self.batch_size]
            batch_y = self.y[idx * self.batch_size : (idx + 1) * self.batch_size]
            return batch_x, batch_y

    return ExamplePyDataset


def test_py_dataset(small):
    (x_train, y_train), (x_val, y_val), _ = small
    ExamplePyDataset = _example_py_dataset_class()
    train_py_dataset = ExamplePyDataset(x_train, y_train, batch_size=32)
    val_py_dataset = ExamplePyDataset(x_val, y_val, batch_size=32)
    assert len(train_py_dataset) == 25

    model = get_compiled_model()
    history = model.fit(train_py_dataset, batch_size=64, validation_data=val_py_dataset, epochs=1, verbose=0)
    assert "val_loss" in history.history
    result = model.evaluate(val_py_dataset, verbose=0)
    np.testing.assert_allclose(result, model.evaluate(x_val, y_val, batch_size=32, verbose=0), rtol=1e-5)


def test_py_dataset_with_workers(small):
    (x_train, y_train), (x_val, y_val), _ = small
    ExamplePyDataset = _example_py_dataset_class()
    train_py_dataset = ExamplePyDataset(x_train, y_train, batch_size=32, workers=4)
    val_py_dataset = ExamplePyDataset(x_val, y_val, batch_size=32, workers=4)
    model = get_compiled_model()
    history = model.fit(train_py_dataset, batch_size=64, validation_data=val_py_dataset, epochs=1, verbose=0)
    assert len(history.history["loss"]) == 1


CLASS_WEIGHT = {0: 1.0, 1: 1.0, 2: 1.0, 3: 1.0, 4: 1.0, 5: 2.0, 6: 1.0, 7: 1.0, 8: 1.0, 9: 1.0}


def test_class_weights(small):
    (x_train, y_train), _, _ = small
    keras.utils.set_random_seed(1)
    model = get_compiled_model()
    initial = model.get_weights()
    # shuffle=False so that the batches are the guide's batches in a known order, for the comparison.
    history = model.fit(
        x_train, y_train, class_weight=CLASS_WEIGHT, batch_size=64, epochs=1, shuffle=False, verbose=0
    )

    reference = real_keras.models.clone_model(get_uncompiled_model(real_keras))
    reference.set_weights(initial)
    reference.compile(
        optimizer="rmsprop", loss="sparse_categorical_crossentropy", metrics=["sparse_categorical_accuracy"]
    )
    expected = reference.fit(
        x_train, y_train, class_weight=CLASS_WEIGHT, batch_size=64, epochs=1, shuffle=False, verbose=0
    )
    assert history.history["loss"][0] == pytest.approx(expected.history["loss"][0], rel=1e-4)
    for ours, theirs in zip(model.get_weights(), reference.get_weights()):
        np.testing.assert_allclose(ours, np.asarray(theirs), atol=2e-5)


def test_sample_weights(small):
    (x_train, y_train), _, _ = small
    sample_weight = np.ones(shape=(len(y_train),))
    sample_weight[y_train == 5] = 2.0

    keras.utils.set_random_seed(1)
    model = get_compiled_model()
    initial = model.get_weights()
    model.fit(
        x_train, y_train, sample_weight=sample_weight, batch_size=64, epochs=1, shuffle=False, verbose=0
    )

    # Weighting class 5 twice is the same training as class_weight={5: 2.0, others: 1.0}.
    twin = get_compiled_model()
    twin.set_weights(initial)
    twin.fit(x_train, y_train, class_weight=CLASS_WEIGHT, batch_size=64, epochs=1, shuffle=False, verbose=0)
    for ours, theirs in zip(model.get_weights(), twin.get_weights()):
        np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-6)


def test_sample_weights_in_a_dataset(small):
    (x_train, y_train), _, _ = small
    sample_weight = np.ones(shape=(len(y_train),))
    sample_weight[y_train == 5] = 2.0
    train_dataset = tf.data.Dataset.from_tensor_slices((x_train, y_train, sample_weight))
    train_dataset = train_dataset.shuffle(buffer_size=1024).batch(64)
    model = get_compiled_model()
    history = model.fit(train_dataset, epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"][0])


def multi_io_model():
    image_input = keras.Input(shape=(32, 32, 3), name="img_input")
    timeseries_input = keras.Input(shape=(None, 10), name="ts_input")

    x1 = layers.Conv2D(3, 3)(image_input)
    x1 = layers.GlobalMaxPooling2D()(x1)

    x2 = layers.Conv1D(3, 3)(timeseries_input)
    x2 = layers.GlobalMaxPooling1D()(x2)

    x = layers.concatenate([x1, x2])

    score_output = layers.Dense(1, name="score_output")(x)
    class_output = layers.Dense(5, name="class_output")(x)

    return keras.Model(inputs=[image_input, timeseries_input], outputs=[score_output, class_output])


def multi_io_data(n=100):
    rng = np.random.default_rng(8)
    img_data = rng.random(size=(n, 32, 32, 3))
    ts_data = rng.random(size=(n, 20, 10))
    score_targets = rng.random(size=(n, 1))
    class_targets = rng.random(size=(n, 5))
    return img_data, ts_data, score_targets, class_targets


def test_multi_io_plot_model(tmp_path):
    from tests.utils.test_model_visualization import require_graphviz

    require_graphviz()
    path = tmp_path / "multi_input_and_output_model.png"
    keras.utils.plot_model(multi_io_model(), str(path), show_shapes=True)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_multi_io_compile_variants():
    model = multi_io_model()
    img_data, ts_data, score_targets, class_targets = multi_io_data(32)
    metrics_per_output = {
        "score_output": [keras.metrics.MeanAbsolutePercentageError(), keras.metrics.MeanAbsoluteError()],
        "class_output": [keras.metrics.CategoricalAccuracy()],
    }
    variants = [
        {"loss": [keras.losses.MeanSquaredError(), keras.losses.CategoricalCrossentropy()]},
        {
            "loss": [keras.losses.MeanSquaredError(), keras.losses.CategoricalCrossentropy()],
            "metrics": [
                [keras.metrics.MeanAbsolutePercentageError(), keras.metrics.MeanAbsoluteError()],
                [keras.metrics.CategoricalAccuracy()],
            ],
        },
        {
            "loss": {
                "score_output": keras.losses.MeanSquaredError(),
                "class_output": keras.losses.CategoricalCrossentropy(),
            },
            "metrics": metrics_per_output,
        },
        {
            "loss": {
                "score_output": keras.losses.MeanSquaredError(),
                "class_output": keras.losses.CategoricalCrossentropy(),
            },
            "metrics": metrics_per_output,
            "loss_weights": {"score_output": 2.0, "class_output": 1.0},
        },
        {"loss": [None, keras.losses.CategoricalCrossentropy()]},
    ]
    totals = []
    for arguments in variants:
        model.compile(optimizer=keras.optimizers.RMSprop(1e-3), **arguments)
        result = model.evaluate(
            [img_data, ts_data], [score_targets, class_targets], batch_size=32, verbose=0, return_dict=True
        )
        totals.append(result)
    # The guide's last form, a dict naming only the output to train. It only compiles it: real Keras
    # then asks for every output's key when it computes the loss.
    model.compile(
        optimizer=keras.optimizers.RMSprop(1e-3),
        loss={"class_output": keras.losses.CategoricalCrossentropy()},
    )

    mse, cce = totals[0]["score_output_loss"], totals[0]["class_output_loss"]
    assert totals[0]["loss"] == pytest.approx(mse + cce, rel=1e-5)
    assert totals[3]["loss"] == pytest.approx(2.0 * mse + cce, rel=1e-5)
    # An output without a loss adds nothing to the total.
    assert totals[4]["loss"] == pytest.approx(cce, rel=1e-5)
    assert set(totals[2]) >= {
        "score_output_mean_absolute_percentage_error",
        "score_output_mean_absolute_error",
        "class_output_categorical_accuracy",
    }


def test_multi_io_fit_on_lists_and_dicts():
    model = multi_io_model()
    model.compile(
        optimizer=keras.optimizers.RMSprop(1e-3),
        loss=[keras.losses.MeanSquaredError(), keras.losses.CategoricalCrossentropy()],
    )
    img_data, ts_data, score_targets, class_targets = multi_io_data()

    on_lists = model.fit(
        [img_data, ts_data], [score_targets, class_targets], batch_size=32, epochs=1, verbose=0
    )
    on_dicts = model.fit(
        {"img_input": img_data, "ts_input": ts_data},
        {"score_output": score_targets, "class_output": class_targets},
        batch_size=32,
        epochs=1,
        verbose=0,
    )
    for history in (on_lists, on_dicts):
        assert {"loss", "score_output_loss", "class_output_loss"} <= set(history.history)
        assert np.isfinite(history.history["loss"][0])


def test_multi_io_fit_on_a_dataset_of_dicts():
    model = multi_io_model()
    model.compile(
        optimizer=keras.optimizers.RMSprop(1e-3),
        loss=[keras.losses.MeanSquaredError(), keras.losses.CategoricalCrossentropy()],
    )
    img_data, ts_data, score_targets, class_targets = multi_io_data()
    train_dataset = tf.data.Dataset.from_tensor_slices(
        (
            {"img_input": img_data, "ts_input": ts_data},
            {"score_output": score_targets, "class_output": class_targets},
        )
    )
    train_dataset = train_dataset.shuffle(buffer_size=1024).batch(64)
    history = model.fit(train_dataset, epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"][0])


def test_early_stopping_callback(small, capsys):
    (x_train, y_train), _, _ = small
    keras.utils.set_random_seed(2)
    model = get_compiled_model()
    callbacks = [
        keras.callbacks.EarlyStopping(
            # Stop when val_loss has not improved by at least 1e-2 for 2 epochs.
            monitor="val_loss",
            min_delta=1e-2,
            patience=2,
            verbose=1,
        )
    ]
    history = model.fit(
        x_train, y_train, epochs=20, batch_size=64, callbacks=callbacks, validation_split=0.2, verbose=0
    )
    stopped = len(history.history["loss"])
    assert stopped < 20  # 640 digits overfit within a few epochs
    # Keras's rule: an epoch improves when val_loss beats the best by more than min_delta;
    # training stops once `patience` epochs in a row have not.
    best, wait, expected = np.inf, 0, None
    for epoch, value in enumerate(history.history["val_loss"]):
        wait += 1
        if value < best - 1e-2:
            best, wait = value, 0
        elif wait >= 2:
            expected = epoch + 1
            break
    assert stopped == expected
    assert f"Epoch {stopped}: early stopping" in capsys.readouterr().out


def test_writing_your_own_callback(small):
    (x_train, y_train), _, _ = small

    class LossHistory(keras.callbacks.Callback):
        def on_train_begin(self, logs):
            self.per_batch_losses = []

        def on_batch_end(self, batch, logs):
            self.per_batch_losses.append(logs.get("loss"))

    model = get_compiled_model()
    loss_history = LossHistory()
    history = model.fit(x_train, y_train, batch_size=64, epochs=2, callbacks=[loss_history], verbose=0)
    # 13 batches a epoch (800 = 12 * 64 + 32); it restarts at on_train_begin, not each epoch.
    assert len(loss_history.per_batch_losses) == 26
    # The logged value is the running mean over the epoch, so its last value is the epoch's loss.
    assert loss_history.per_batch_losses[-1] == pytest.approx(history.history["loss"][-1], rel=1e-6)


def test_model_checkpoint_best_only(small, tmp_path, monkeypatch, capsys):
    (x_train, y_train), _, _ = small
    monkeypatch.chdir(tmp_path)
    model = get_compiled_model()
    callbacks = [
        keras.callbacks.ModelCheckpoint(
            # Overwrite only when val_loss improves; the file name carries the epoch.
            filepath="mymodel_{epoch}.keras",
            save_best_only=True,
            monitor="val_loss",
            verbose=1,
        )
    ]
    history = model.fit(
        x_train, y_train, epochs=2, batch_size=64, callbacks=callbacks, validation_split=0.2, verbose=0
    )
    saved = sorted(p.name for p in tmp_path.glob("mymodel_*.keras"))
    improved = history.history["val_loss"][1] < history.history["val_loss"][0]
    assert saved == (["mymodel_1.keras", "mymodel_2.keras"] if improved else ["mymodel_1.keras"])
    assert "saving model to mymodel_1.keras" in capsys.readouterr().out
    restored = keras.models.load_model(saved[-1])
    np.testing.assert_allclose(
        restored.predict(x_train[:4], verbose=0), model.predict(x_train[:4], verbose=0)
    )


def test_checkpoints_for_fault_tolerance(mnist, tmp_path, monkeypatch, capsys):
    x_train, y_train = mnist["train"]  # 3,200 digits: 100 steps of 32, so save_freq=100 saves once
    monkeypatch.chdir(tmp_path)
    checkpoint_dir = "./ckpt"
    if not os.path.exists(checkpoint_dir):
        os.makedirs(checkpoint_dir)

    def make_or_restore_model():
        # Restore the latest checkpoint, or start afresh when there is none.
        checkpoints = [checkpoint_dir + "/" + name for name in os.listdir(checkpoint_dir)]
        if checkpoints:
            latest_checkpoint = max(checkpoints, key=os.path.getctime)
            print("Restoring from", latest_checkpoint)
            return keras.models.load_model(latest_checkpoint)
        print("Creating a new model")
        return get_compiled_model()

    model = make_or_restore_model()
    callbacks = [
        # Save every 100 batches, with the training loss in the file name.
        keras.callbacks.ModelCheckpoint(
            filepath=checkpoint_dir + "/model-loss={loss:.2f}.keras", save_freq=100
        )
    ]
    model.fit(x_train, y_train, epochs=1, callbacks=callbacks, verbose=0)
    assert "Creating a new model" in capsys.readouterr().out
    saved = os.listdir(checkpoint_dir)
    assert len(saved) == 1 and saved[0].startswith("model-loss=") and saved[0].endswith(".keras")

    restored = make_or_restore_model()
    assert "Restoring from ./ckpt/model-loss=" in capsys.readouterr().out
    np.testing.assert_allclose(
        restored.predict(x_train[:4], verbose=0), model.predict(x_train[:4], verbose=0)
    )
    # The optimizer state came back too, so training resumes where it stopped.
    assert int(restored.optimizer.iterations) == int(model.optimizer.iterations) == 100


def test_learning_rate_schedule():
    initial_learning_rate = 0.1
    lr_schedule = keras.optimizers.schedules.ExponentialDecay(
        initial_learning_rate, decay_steps=100000, decay_rate=0.96, staircase=True
    )
    optimizer = keras.optimizers.RMSprop(learning_rate=lr_schedule)
    reference = real_keras.optimizers.schedules.ExponentialDecay(
        initial_learning_rate, decay_steps=100000, decay_rate=0.96, staircase=True
    )
    for step in (0, 99999, 100000, 250000):
        assert float(lr_schedule(step)) == pytest.approx(float(reference(step)), rel=1e-6)
    assert float(optimizer.learning_rate) == pytest.approx(0.1)


def test_tensorboard_callback(small, tmp_path):
    (x_train, y_train), _, _ = small
    callback = keras.callbacks.TensorBoard(
        log_dir=str(tmp_path / "logs"),
        histogram_freq=0,  # How often to log histogram visualizations
        embeddings_freq=0,  # How often to log embedding visualizations
        update_freq="epoch",
    )  # How often to write logs (default: once per epoch)
    model = get_compiled_model()
    model.fit(x_train, y_train, batch_size=64, epochs=1, callbacks=[callback], verbose=0)
    assert list((tmp_path / "logs" / "train").glob("events.out.tfevents.*"))
