"""Keras's training seams: `train_step(data)`, `test_step`, `predict_step`, `compute_loss`,
`compute_metrics`, `self.metrics`, written as the "Customizing what happens in fit()" guide writes
them, with only the imports changed."""

import numpy as np
import pytest

import scratchnn as tf
import scratchnn.keras as keras
from scratchnn import ops


def _data(n=64, features=6, seed=0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, features)).astype("float32"), rng.standard_normal((n, 1)).astype("float32")


def _real_keras_reference(x, y, weights, epochs=2, batch_size=16):
    """Weights and loss history of real Keras's default fit (SGD, mse), from the same weights."""
    import keras as real

    model = real.Sequential(
        [real.Input((x.shape[1],)), real.layers.Dense(4, activation="relu"), real.layers.Dense(1)]
    )
    model.set_weights(weights)
    model.compile(optimizer=real.optimizers.SGD(0.05), loss="mse", metrics=["mae"])
    history = model.fit(x, y, batch_size=batch_size, epochs=epochs, shuffle=False, verbose=0)
    return [np.asarray(w) for w in model.get_weights()], history.history


class GuideModel(keras.Model):
    """The guide's first example: compute_loss, the optimizer, then every metric in self.metrics."""

    def train_step(self, data):
        x, y = data
        with tf.GradientTape() as tape:
            y_pred = self(x, training=True)
            loss = self.compute_loss(y=y, y_pred=y_pred)
        trainable_vars = self.trainable_variables
        gradients = tape.gradient(loss, trainable_vars)
        self.optimizer.apply(gradients, trainable_vars)
        for metric in self.metrics:
            if metric.name == "loss":
                metric.update_state(loss)
            else:
                metric.update_state(y, y_pred)
        return {m.name: m.result() for m in self.metrics}


def _functional(cls, features=6):
    inputs = keras.Input(shape=(features,))
    hidden = keras.layers.Dense(4, activation="relu")(inputs)
    return cls(inputs, keras.layers.Dense(1)(hidden))


def test_subclass_built_functional_style_keeps_its_train_step_and_matches_keras():
    x, y = _data()
    model = _functional(GuideModel)
    assert isinstance(model, GuideModel) and type(model).__name__ == "GuideModel"
    model.compile(optimizer=keras.optimizers.SGD(0.05), loss="mse", metrics=["mae"])
    weights = model.get_weights()
    history = model.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=0)
    ref_weights, ref_history = _real_keras_reference(x, y, weights)
    for a, b in zip(model.get_weights(), ref_weights):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    assert sorted(history.history) == ["loss", "mae"]
    np.testing.assert_allclose(history.history["loss"], ref_history["loss"], rtol=1e-5)
    np.testing.assert_allclose(history.history["mae"], ref_history["mae"], rtol=1e-5)


def test_the_default_train_step_matches_keras():
    x, y = _data()
    model = _functional(keras.Model)
    model.compile(optimizer=keras.optimizers.SGD(0.05), loss="mse", metrics=["mae"])
    weights = model.get_weights()
    history = model.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=0)
    ref_weights, ref_history = _real_keras_reference(x, y, weights)
    for a, b in zip(model.get_weights(), ref_weights):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    for key in ("loss", "mae"):
        np.testing.assert_allclose(history.history[key], ref_history[key], rtol=1e-5)


class LowLevelModel(keras.Model):
    """The guide's lower-level form: no compiled loss or metrics, its own trackers."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.loss_tracker = keras.metrics.Mean(name="loss")
        self.mae_metric = keras.metrics.MeanAbsoluteError(name="mae")
        self.loss_fn = keras.losses.MeanSquaredError()

    def train_step(self, data):
        x, y = data
        with tf.GradientTape() as tape:
            y_pred = self(x, training=True)
            loss = self.loss_fn(y, y_pred)
        gradients = tape.gradient(loss, self.trainable_variables)
        self.optimizer.apply(gradients, self.trainable_variables)
        self.loss_tracker.update_state(loss)
        self.mae_metric.update_state(y, y_pred)
        return {"loss": self.loss_tracker.result(), "mae": self.mae_metric.result()}

    @property
    def metrics(self):
        # Listed here so fit resets them at the start of every epoch.
        return [self.loss_tracker, self.mae_metric]


def test_lower_level_step_with_own_trackers_resets_them_every_epoch():
    x, y = _data()
    model = _functional(LowLevelModel)
    model.compile(optimizer=keras.optimizers.SGD(0.05))
    weights = model.get_weights()
    history = model.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=0)
    ref_weights, ref_history = _real_keras_reference(x, y, weights)
    for a, b in zip(model.get_weights(), ref_weights):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    # Per-epoch means, not running means over both epochs: the trackers were reset.
    np.testing.assert_allclose(history.history["loss"], ref_history["loss"], rtol=1e-5)


class WeightedModel(keras.Model):
    """The guide's sample_weight form: data may carry a third element."""

    def train_step(self, data):
        if len(data) == 3:
            x, y, sample_weight = data
        else:
            sample_weight = None
            x, y = data
        with tf.GradientTape() as tape:
            y_pred = self(x, training=True)
            loss = self.compute_loss(y=y, y_pred=y_pred, sample_weight=sample_weight)
        gradients = tape.gradient(loss, self.trainable_variables)
        self.optimizer.apply(gradients, self.trainable_variables)
        for metric in self.metrics:
            if metric.name == "loss":
                metric.update_state(loss)
            else:
                metric.update_state(y, y_pred, sample_weight=sample_weight)
        return {m.name: m.result() for m in self.metrics}


def test_sample_weight_reaches_a_custom_train_step():
    x, y = _data()
    sw = np.random.default_rng(5).uniform(0.1, 2.0, len(x)).astype("float32")
    custom = _functional(WeightedModel)
    default = _functional(keras.Model)
    default.set_weights(custom.get_weights())
    for model in (custom, default):
        model.compile(optimizer=keras.optimizers.SGD(0.05), loss="mse", metrics=["mae"])
    custom.fit(x, y, sample_weight=sw, batch_size=16, epochs=2, shuffle=False, verbose=0)
    default.fit(x, y, sample_weight=sw, batch_size=16, epochs=2, shuffle=False, verbose=0)
    for a, b in zip(custom.get_weights(), default.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)


def test_fit_packs_batches_as_keras_does():
    seen = []

    class Recorder(keras.Model):
        def train_step(self, data):
            seen.append(type(data).__name__ if not isinstance(data, tuple) else len(data))
            return {}

    model = _functional(Recorder)
    model.compile(optimizer="sgd", loss="mse")
    x, y = _data(8)
    model.fit(x, verbose=0)
    model.fit(x, y, verbose=0)
    model.fit(x, y, sample_weight=np.ones(8, "float32"), verbose=0)
    assert seen == ["ndarray", 2, 3]


class EvalModel(keras.Model):
    def test_step(self, data):
        x, y = data
        y_pred = self(x, training=False)
        loss = self.compute_loss(y=y, y_pred=y_pred)
        for metric in self.metrics:
            if metric.name == "loss":
                metric.update_state(loss)
            else:
                metric.update_state(y, y_pred)
        return {m.name: m.result() for m in self.metrics}


def test_own_test_step_runs_in_evaluate_and_in_fit_validation():
    x, y = _data()
    custom = _functional(EvalModel)
    default = _functional(keras.Model)
    default.set_weights(custom.get_weights())
    for model in (custom, default):
        model.compile(optimizer="sgd", loss="mse", metrics=["mae"])
    np.testing.assert_allclose(custom.evaluate(x, y, verbose=0), default.evaluate(x, y, verbose=0), rtol=1e-6)
    assert sorted(custom.evaluate(x, y, verbose=0, return_dict=True)) == ["loss", "mae"]
    history = custom.fit(x, y, validation_data=(x, y), epochs=1, verbose=0)
    assert "val_mae" in history.history


def test_own_predict_step_runs_in_predict():
    class Doubled(keras.Model):
        def predict_step(self, data):
            return 2 * self(data, training=False)

    model = _functional(Doubled)
    x, _ = _data(40)
    np.testing.assert_allclose(model.predict(x, batch_size=16, verbose=0), 2 * model(x).numpy(), rtol=1e-6)
    np.testing.assert_allclose(model.predict(x[:3], verbose=0), 2 * model(x[:3]).numpy(), rtol=1e-6)


def test_compute_loss_and_compute_metrics_overrides_are_called_by_the_default_step():
    class Custom(keras.Model):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.extra = keras.metrics.Mean(name="extra")

        def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
            return ops.mean(ops.abs(y - y_pred))  # mae instead of the compiled mse

        def compute_metrics(self, x, y, y_pred, sample_weight):
            results = super().compute_metrics(x, y, y_pred, sample_weight)
            self.extra.update_state(ops.max(y_pred))
            results["extra"] = self.extra.result()
            return results

    x, y = _data()
    model = _functional(Custom)
    model.compile(optimizer=keras.optimizers.SGD(0.05), loss="mse")
    reference = _functional(keras.Model)
    reference.set_weights(model.get_weights())
    reference.compile(optimizer=keras.optimizers.SGD(0.05), loss="mae")
    history = model.fit(x, y, batch_size=16, epochs=1, shuffle=False, verbose=0)
    reference.fit(x, y, batch_size=16, epochs=1, shuffle=False, verbose=0)
    for a, b in zip(model.get_weights(), reference.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)
    assert "extra" in history.history


def test_a_two_optimizer_gan_step():
    """The guide's GAN, shrunk to vectors: compile() overridden, two optimizers, one train_step."""

    class GAN(keras.Model):
        def __init__(self, discriminator, generator, latent_dim):
            super().__init__()
            self.discriminator = discriminator
            self.generator = generator
            self.latent_dim = latent_dim
            self.d_loss_tracker = keras.metrics.Mean(name="d_loss")
            self.g_loss_tracker = keras.metrics.Mean(name="g_loss")

        @property
        def metrics(self):
            return [self.d_loss_tracker, self.g_loss_tracker]

        def compile(self, d_optimizer, g_optimizer, loss_fn):
            super().compile()
            self.d_optimizer = d_optimizer
            self.g_optimizer = g_optimizer
            self.loss_fn = loss_fn

        def train_step(self, real):
            batch = ops.shape(real)[0]
            noise = keras.ops.convert_to_tensor(
                np.random.default_rng(0).standard_normal((batch, self.latent_dim))
            )
            fake = self.generator(noise)
            combined = ops.concatenate([fake, real], axis=0)
            labels = ops.concatenate([ops.ones((batch, 1)), ops.zeros((batch, 1))], axis=0)
            with tf.GradientTape() as tape:
                d_loss = self.loss_fn(labels, self.discriminator(combined))
            grads = tape.gradient(d_loss, self.discriminator.trainable_weights)
            self.d_optimizer.apply_gradients(zip(grads, self.discriminator.trainable_weights))
            with tf.GradientTape() as tape:
                g_loss = self.loss_fn(ops.zeros((batch, 1)), self.discriminator(self.generator(noise)))
            grads = tape.gradient(g_loss, self.generator.trainable_weights)
            self.g_optimizer.apply_gradients(zip(grads, self.generator.trainable_weights))
            self.d_loss_tracker.update_state(d_loss)
            self.g_loss_tracker.update_state(g_loss)
            return {"d_loss": self.d_loss_tracker.result(), "g_loss": self.g_loss_tracker.result()}

    discriminator = keras.Sequential(
        [keras.Input((4,)), keras.layers.Dense(8, activation="relu"), keras.layers.Dense(1)]
    )
    generator = keras.Sequential(
        [keras.Input((2,)), keras.layers.Dense(8, activation="relu"), keras.layers.Dense(4)]
    )
    gan = GAN(discriminator, generator, latent_dim=2)
    gan.compile(
        d_optimizer=keras.optimizers.Adam(1e-3),
        g_optimizer=keras.optimizers.Adam(1e-3),
        loss_fn=keras.losses.BinaryCrossentropy(from_logits=True),
    )
    d_before = [w.copy() for w in discriminator.get_weights()]
    g_before = [w.copy() for w in generator.get_weights()]
    history = gan.fit(
        np.random.default_rng(1).standard_normal((32, 4)).astype("float32"), epochs=2, verbose=0
    )
    assert sorted(history.history) == ["d_loss", "g_loss"]
    assert all(np.isfinite(history.history["d_loss"]))
    assert any(not np.array_equal(a, b) for a, b in zip(d_before, discriminator.get_weights()))
    assert any(not np.array_equal(a, b) for a, b in zip(g_before, generator.get_weights()))


def test_train_step_without_trainable_weights_warns():
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1, trainable=False)])
    model.compile(optimizer="sgd", loss="mse")
    with pytest.warns(UserWarning, match="does not have any trainable weights"):
        model.fit(np.ones((4, 2), "float32"), np.ones((4, 1), "float32"), verbose=0)
