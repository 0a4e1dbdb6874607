"""`Layer.add_loss` / `model.losses`, layers called on several tensors, activity penalties, the
test hooks of fit's validation, and predict's output structure, each against real Keras 3."""

import numpy as np
import pytest

import scratchnn as tf
import scratchnn.keras as keras
from scratchnn import ops


def _activity_layer(lib, rate):
    class ActivityRegularization(lib.layers.Layer):
        def call(self, inputs):
            self.add_loss(rate * lib.ops.mean(inputs))
            return inputs

    return ActivityRegularization


def _stack(lib, rate=1e-2):
    inputs = lib.Input(shape=(6,))
    x = lib.layers.Dense(5, activation="relu")(inputs)
    x = _activity_layer(lib, rate)()(x)
    return lib.Model(inputs, lib.layers.Dense(1)(x))


def test_add_loss_in_a_layer_joins_the_training_loss_as_in_keras():
    import keras as real

    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((32, 6)).astype("float32"), rng.standard_normal((32, 1)).astype("float32")
    ours, theirs = _stack(keras), _stack(real)
    theirs.set_weights(ours.get_weights())
    ours.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
    theirs.compile(optimizer=real.optimizers.SGD(0.1), loss="mse")
    h_ours = ours.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
    h_theirs = theirs.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
    np.testing.assert_allclose(h_ours.history["loss"], h_theirs.history["loss"], rtol=1e-5)
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(a, np.asarray(b), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(ours.evaluate(x, y, verbose=0), theirs.evaluate(x, y, verbose=0), rtol=1e-5)


def test_losses_belong_to_the_latest_forward_pass():
    model = _stack(keras, rate=1.0)
    x = np.ones((4, 6), "float32")
    model(x)
    model(x)
    assert len(model.losses) == 1  # not accumulated over calls
    hidden = model.layers[1](x)
    np.testing.assert_allclose(float(model.losses[0].numpy()), float(ops.mean(hidden).numpy()), rtol=1e-6)
    model(np.zeros((4, 6), "float32"))
    assert len(model.losses) == 1


def test_custom_loop_adds_model_losses():
    model = _stack(keras, rate=1.0)
    x, y = np.ones((4, 6), "float32"), np.zeros((4, 1), "float32")
    loss_fn = keras.losses.MeanSquaredError()
    with tf.GradientTape() as tape:
        logits = model(x, training=True)
        loss = loss_fn(y, logits) + ops.sum(model.losses)
    grads = tape.gradient(loss, model.trainable_weights)
    with tf.GradientTape() as tape:
        plain = loss_fn(y, model(x, training=True))
    plain_grads = tape.gradient(plain, model.trainable_weights)
    assert not np.allclose(grads[0].numpy(), plain_grads[0].numpy())


def _endpoint(lib):
    class LogisticEndpoint(lib.layers.Layer):
        def __init__(self, name=None):
            super().__init__(name=name)
            self.loss_fn = lib.losses.BinaryCrossentropy(from_logits=True)

        def call(self, targets, logits, sample_weights=None):
            self.add_loss(self.loss_fn(targets, logits, sample_weights))
            return lib.ops.softmax(logits)

    inputs = lib.Input(shape=(3,), name="inputs")
    targets = lib.Input(shape=(10,), name="targets")
    logits = lib.layers.Dense(10)(inputs)
    predictions = LogisticEndpoint(name="predictions")(targets, logits)
    return lib.Model(inputs=[inputs, targets], outputs=predictions)


def test_a_layer_called_on_two_tensors_supplies_the_only_loss():
    import keras as real

    ours, theirs = _endpoint(keras), _endpoint(real)
    theirs.set_weights(ours.get_weights())
    ours.compile(optimizer=keras.optimizers.SGD(0.1))
    theirs.compile(optimizer=real.optimizers.SGD(0.1))
    rng = np.random.default_rng(0)
    data = {
        "inputs": rng.random((12, 3)).astype("float32"),
        "targets": rng.random((12, 10)).astype("float32"),
    }
    h_ours = ours.fit(data, batch_size=4, epochs=2, shuffle=False, verbose=0)
    h_theirs = theirs.fit(data, batch_size=4, epochs=2, shuffle=False, verbose=0)
    np.testing.assert_allclose(h_ours.history["loss"], h_theirs.history["loss"], rtol=1e-5)
    np.testing.assert_allclose(
        ours.predict(data, verbose=0), np.asarray(theirs.predict(data, verbose=0)), rtol=1e-5, atol=1e-6
    )


@pytest.mark.parametrize("regularizer", ["l2", "l1"])
def test_activity_regularizer_penalty_matches_keras(regularizer):
    import keras as real

    def build(lib):
        return lib.Sequential(
            [lib.Input((5,)), lib.layers.Dense(4, activity_regularizer=regularizer), lib.layers.Dense(1)]
        )

    ours, theirs = build(keras), build(real)
    theirs.set_weights(ours.get_weights())
    rng = np.random.default_rng(2)
    x, y = rng.standard_normal((24, 5)).astype("float32"), rng.standard_normal((24, 1)).astype("float32")
    ours(x)
    theirs(x)
    np.testing.assert_allclose(
        [float(v.numpy()) for v in ours.losses], [float(v) for v in theirs.losses], rtol=1e-5
    )
    ours.compile(optimizer=keras.optimizers.SGD(0.05), loss="mse")
    theirs.compile(optimizer=real.optimizers.SGD(0.05), loss="mse")
    h_ours = ours.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
    h_theirs = theirs.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
    np.testing.assert_allclose(h_ours.history["loss"], h_theirs.history["loss"], rtol=1e-5)


def _hook_log(lib):
    class Log(lib.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.calls = []

        def _record(name):
            def hook(self, *args, **kwargs):
                self.calls.append(name)

            return hook

        on_test_begin = _record("test_begin")
        on_test_end = _record("test_end")
        on_test_batch_begin = _record("test_batch_begin")
        on_test_batch_end = _record("test_batch_end")
        on_epoch_end = _record("epoch_end")

    return Log()


def test_fit_validation_fires_the_test_hooks_as_keras_does():
    import keras as real

    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((20, 3)).astype("float32"), rng.standard_normal((20, 1)).astype("float32")
    logs = []
    for lib in (keras, real):
        model = lib.Sequential([lib.Input((3,)), lib.layers.Dense(1)])
        model.compile(optimizer="sgd", loss="mse")
        log = _hook_log(lib)
        model.fit(x, y, validation_data=(x[:10], y[:10]), batch_size=4, epochs=2, verbose=0, callbacks=[log])
        logs.append(log.calls)
    assert logs[0] == logs[1]
    assert logs[0].count("test_begin") == 2 and logs[0].count("test_batch_end") == 6


@pytest.mark.parametrize("wrap_inputs", [False, True])
@pytest.mark.parametrize("wrap_outputs", [False, True])
def test_one_output_models_return_the_array_as_keras_does(wrap_inputs, wrap_outputs):
    """`keras.Model([inputs], [outputs])` still returns one array (Keras's `unpack_singleton`)."""
    inputs = keras.Input((3,))
    outputs = keras.layers.Dense(2)(inputs)
    model = keras.Model([inputs] if wrap_inputs else inputs, [outputs] if wrap_outputs else outputs)
    x = np.ones((5, 3), "float32")
    for out in (model.predict(x, verbose=0), model.predict([x], batch_size=2, verbose=0), model(x).numpy()):
        assert isinstance(out, np.ndarray) and out.shape == (5, 2)
    model.compile(optimizer="sgd", loss="mse", metrics=["mae"])
    history = model.fit(x, np.zeros((5, 2), "float32"), verbose=0)
    assert sorted(history.history) == ["loss", "mae"]
