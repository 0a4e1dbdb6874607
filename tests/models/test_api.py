"""The Keras API around models: namespaces, custom layers/losses/models, memory, fit options."""

import tracemalloc

import numpy as np
import pytest

import scratchnn.keras as keras
from scratchnn import ops


def blobs(rng, n=200, features=4, classes=3):
    centres = rng.standard_normal((classes, features)) * 3
    y = rng.integers(0, classes, n)
    return (centres[y] + rng.standard_normal((n, features))).astype("float32"), y


def test_every_import_style_gives_the_keras_namespaces():
    import scratchnn
    import scratchnn as tf
    from scratchnn import keras as k1
    from scratchnn.keras.layers import Dense
    from scratchnn.keras.models import Sequential

    assert tf.keras is k1 is keras is scratchnn.keras
    for name in [
        "models",
        "layers",
        "optimizers",
        "losses",
        "metrics",
        "callbacks",
        "datasets",
        "utils",
        "initializers",
        "activations",
        "ops",
        "Sequential",
        "Model",
        "Input",
    ]:
        assert hasattr(keras, name), name
    assert Sequential is keras.Sequential and Dense is keras.layers.Dense
    assert keras.datasets.mnist.load_data is not None
    tf.random.set_seed(3)
    assert isinstance(tf.constant([1.0, 2.0]), tf.keras.ops.Tensor)


class Scale(keras.layers.Layer):
    """A user-defined layer: one weight per feature, written with keras.ops only."""

    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1],), initializer="ones", name="w")

    def call(self, inputs):
        return ops.multiply(inputs, self.w)


def custom_mse(y_true, y_pred):
    return ops.mean(ops.square(ops.subtract(y_pred, y_true)), axis=-1)


def test_custom_layer_and_custom_loss_train_without_a_backward_pass(rng):
    x = rng.standard_normal((256, 3)).astype("float32")
    y = x * np.array([2.0, -1.0, 0.5], dtype="float32")
    model = keras.Sequential([keras.Input((3,)), Scale()])
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss=custom_mse)
    model.fit(x, y, epochs=20, verbose=0)
    np.testing.assert_allclose(model.layers[0].w.numpy(), [2.0, -1.0, 0.5], atol=1e-3)


def test_custom_layer_gradient_matches_finite_differences():
    from scratchnn.testing import run_layer_test

    run_layer_test(Scale, {}, input_shape=(3, 4), expected_num_trainable_weights=1)


class TwoLayerNet(keras.Model):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.hidden = keras.layers.Dense(16, activation="relu")
        self.out = keras.layers.Dense(3, activation="softmax")

    def call(self, inputs, training=False):
        return self.out(self.hidden(inputs))


def test_subclassed_model_trains_evaluates_predicts(rng):
    x, y = blobs(rng)
    keras.utils.set_random_seed(0)
    model = TwoLayerNet()
    model.compile(
        optimizer=keras.optimizers.Adam(0.01), loss="sparse_categorical_crossentropy", metrics=["accuracy"]
    )
    history = model.fit(x, y, epochs=10, verbose=0)
    assert history.history["accuracy"][-1] > 0.9
    assert model.predict(x[:5], verbose=0).shape == (5, 3)
    assert len(model.trainable_weights) == 4 and model.count_params() == 4 * 16 + 16 + 16 * 3 + 3


def test_functional_model_trains(rng):
    x, y = blobs(rng)
    keras.utils.set_random_seed(0)
    inputs = keras.Input(shape=(4,))
    hidden = keras.layers.Dense(8, activation="relu")(inputs)
    outputs = keras.layers.Dense(3, activation="softmax")(hidden)
    model = keras.Model(inputs=inputs, outputs=outputs)
    model.compile(
        optimizer=keras.optimizers.Adam(0.01), loss="sparse_categorical_crossentropy", metrics=["accuracy"]
    )
    assert model.fit(x, y, epochs=15, verbose=0).history["accuracy"][-1] > 0.9


def test_training_step_memory_grows_with_the_batch_not_the_dataset(rng):
    """Peak memory inside a training step is the same for 1,000 and 8,000 samples."""

    class StepPeak(keras.callbacks.Callback):
        def on_train_batch_begin(self, batch, logs=None):
            tracemalloc.reset_peak()
            self.start = tracemalloc.get_traced_memory()[0]

        def on_train_batch_end(self, batch, logs=None):
            self.peaks.append(tracemalloc.get_traced_memory()[1] - self.start)

    def step_peak(n):
        x = rng.standard_normal((n, 64)).astype("float32")
        y = rng.integers(0, 10, n)
        model = keras.Sequential(
            [
                keras.Input((64,)),
                keras.layers.Dense(128, activation="relu"),
                keras.layers.Dense(10, activation="softmax"),
            ]
        )
        model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        probe = StepPeak()
        probe.peaks = []
        tracemalloc.start()
        try:
            model.fit(x, y, epochs=1, batch_size=32, verbose=0, callbacks=[probe], steps_per_epoch=20)
        finally:
            tracemalloc.stop()
        return max(probe.peaks[5:])

    small, large = step_peak(1000), step_peak(8000)
    assert large < 1.2 * small + 50_000


def test_inputs_are_converted_to_float32_once(rng):
    seen = []

    class Spy(keras.layers.Layer):
        def call(self, inputs):
            seen.append(inputs.dtype)
            return inputs

    x = rng.integers(0, 255, (64, 4)).astype("uint8")
    model = keras.Sequential([keras.Input((4,)), Spy(), keras.layers.Dense(3, activation="softmax")])
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    model.fit(x, rng.integers(0, 3, 64), epochs=1, verbose=0)
    model.fit(x.astype("float64"), rng.integers(0, 3, 64), epochs=1, verbose=0)
    assert set(seen) == {"float32"}


def test_set_floatx_float64_makes_float64_models(rng):
    previous = keras.backend.floatx()
    keras.backend.set_floatx("float64")
    try:
        layer = keras.layers.Dense(2)
        out = layer(rng.standard_normal((3, 4)))
        assert layer.kernel.dtype == "float64" and out.dtype == "float64"
    finally:
        keras.backend.set_floatx(previous)
    assert keras.layers.Dense(2)(np.zeros((1, 4))).dtype == "float32"


def test_initial_epoch_and_steps_per_epoch(rng):
    x, y = blobs(rng, n=320)
    model = keras.Sequential([keras.layers.Dense(3, activation="softmax")])
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    seen = []
    cb = keras.callbacks.LambdaCallback(on_train_batch_end=lambda batch, logs: seen.append(batch))
    history = model.fit(x, y, epochs=5, initial_epoch=3, steps_per_epoch=4, callbacks=[cb], verbose=0)
    assert history.epoch == [3, 4]
    assert seen == [0, 1, 2, 3, 0, 1, 2, 3]


def test_learning_rate_is_readable_and_settable_during_training(rng):
    x, y = blobs(rng, n=64)
    model = keras.Sequential([keras.layers.Dense(3, activation="softmax")])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.1), loss="sparse_categorical_crossentropy")
    schedule = keras.callbacks.LearningRateScheduler(lambda epoch, lr: 0.1 * 0.5**epoch)
    history = model.fit(x, y, epochs=3, callbacks=[schedule], verbose=0)
    assert float(model.optimizer.learning_rate) == pytest.approx(0.025)
    np.testing.assert_allclose(history.history["learning_rate"], [0.1, 0.05, 0.025], rtol=1e-6)


def test_layers_get_layer_and_weights():
    model = keras.Sequential(
        [keras.Input((4,)), keras.layers.Dense(3, name="hidden"), keras.layers.Dense(2, name="out")]
    )
    assert [layer.name for layer in model.layers] == ["hidden", "out"]
    assert model.get_layer("out") is model.layers[1] and model.get_layer(index=0).name == "hidden"
    with pytest.raises(ValueError, match="No such layer: nope"):
        model.get_layer("nope")
    weights = model.get_weights()
    assert [w.shape for w in weights] == [(4, 3), (3,), (3, 2), (2,)]
    model.layers[0].trainable = False
    assert len(model.trainable_weights) == 2 and len(model.non_trainable_weights) == 2
    model.set_weights([w + 1 for w in weights])
    np.testing.assert_array_equal(model.get_weights()[0], weights[0] + 1)


def test_evaluate_returns_a_float_without_metrics_and_a_list_with(rng):
    x, y = blobs(rng, n=64)
    model = keras.Sequential([keras.layers.Dense(3, activation="softmax")])
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    assert isinstance(model.evaluate(x, y, verbose=0), float)
    model.compile(
        optimizer="sgd",
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy", "sparse_top_k_categorical_accuracy"],
    )
    result = model.evaluate(x, y, verbose=0)
    assert isinstance(result, list) and len(result) == 3


def test_clear_session_restarts_layer_and_metric_names():
    keras.backend.clear_session()
    first = (keras.layers.Dense(1).name, keras.metrics.Precision().name)
    keras.layers.Dense(1), keras.metrics.Precision()
    keras.backend.clear_session()
    assert (keras.layers.Dense(1).name, keras.metrics.Precision().name) == first == ("dense", "precision")
