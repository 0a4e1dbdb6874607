"""keras-io guide "Customizing what happens in `fit()` with TensorFlow", section by section.

The guide imports `tensorflow as tf`, `keras` and `from keras import layers`; here they are
`import scratchnn as tf`, `import scratchnn.keras as keras`, `from scratchnn.keras import layers`,
on tiny random data. Real Keras 3 on JAX cannot run a `tf.GradientTape` step, but the guide's
first steps reimplement Keras's default one: those are compared against real Keras's built-in
`fit` / `evaluate` on the same data from the same weights (same loss and metric per epoch).

| section                                     | test / why not                                        |
|---------------------------------------------|-------------------------------------------------------|
| Introduction                                | skipped: prose only                                   |
| Setup                                       | skipped: imports only                                 |
| A first simple example                      | test_a_first_simple_example                           |
| Going lower-level                           | test_going_lower_level                                |
| Supporting `sample_weight` & `class_weight` | test_supporting_sample_weight                         |
| Providing your own evaluation step          | test_providing_your_own_evaluation_step               |
| Wrapping up: an end-to-end GAN example      | test_end_to_end_gan                                   |
"""

import numpy as np

import scratchnn as tf
import scratchnn.keras as keras
from scratchnn.keras import layers


def _real_keras():
    import keras as real_keras

    return real_keras


def _data(n=64, with_weights=False):
    rng = np.random.default_rng(0)
    x, y = rng.random((n, 32)), rng.random((n, 1))
    return (x, y, rng.random((n, 1))) if with_weights else (x, y)


def _dense_pair(model_class):
    """`model_class(inputs, outputs)` on scratchnn and a plain real-Keras twin with its weights."""
    inputs = keras.Input(shape=(32,))
    outputs = keras.layers.Dense(1)(inputs)
    model = model_class(inputs, outputs)
    real_keras = _real_keras()
    real_inputs = real_keras.Input(shape=(32,))
    reference = real_keras.Model(real_inputs, real_keras.layers.Dense(1)(real_inputs))
    reference.set_weights(model.get_weights())
    return model, reference


class CustomModel(keras.Model):
    def train_step(self, data):
        x, y = data
        with tf.GradientTape() as tape:
            y_pred = self(x, training=True)
            loss = self.compute_loss(y=y, y_pred=y_pred)  # the loss given to compile()
        trainable_vars = self.trainable_variables
        gradients = tape.gradient(loss, trainable_vars)
        self.optimizer.apply(gradients, trainable_vars)
        # The loss tracker gets the loss; the compiled metrics get (y, y_pred).
        for metric in self.metrics:
            if metric.name == "loss":
                metric.update_state(loss)
            else:
                metric.update_state(y, y_pred)
        return {m.name: m.result() for m in self.metrics}


def test_a_first_simple_example():
    model, reference = _dense_pair(CustomModel)
    model.compile(optimizer="adam", loss="mse", metrics=["mae"])
    x, y = _data()
    history = model.fit(x, y, epochs=3, batch_size=16, shuffle=False, verbose=0).history
    assert sorted(history) == ["loss", "mae"]

    # The same as real Keras's own train step.
    reference.compile(optimizer="adam", loss="mse", metrics=["mae"])
    expected = reference.fit(x, y, epochs=3, batch_size=16, shuffle=False, verbose=0).history
    for key in ("loss", "mae"):
        np.testing.assert_allclose(history[key], expected[key], rtol=1e-5)
    for ours, theirs in zip(model.get_weights(), reference.get_weights()):
        np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-6)


class LowLevelModel(keras.Model):
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
        trainable_vars = self.trainable_variables
        gradients = tape.gradient(loss, trainable_vars)
        self.optimizer.apply(gradients, trainable_vars)
        self.loss_tracker.update_state(loss)
        self.mae_metric.update_state(y, y_pred)
        return {"loss": self.loss_tracker.result(), "mae": self.mae_metric.result()}

    @property
    def metrics(self):
        # Listed here, fit() resets them at each epoch's start (and evaluate() at its start).
        return [self.loss_tracker, self.mae_metric]


def test_going_lower_level():
    model, reference = _dense_pair(LowLevelModel)
    model.compile(optimizer="adam")  # no loss, no metrics: train_step has its own
    x, y = _data()
    history = model.fit(x, y, epochs=5, batch_size=16, shuffle=False, verbose=0).history
    assert sorted(history) == ["loss", "mae"]

    # Per-epoch averages (the metrics are reset each epoch), as real Keras's fit reports them.
    reference.compile(optimizer="adam", loss="mse", metrics=["mae"])
    expected = reference.fit(x, y, epochs=5, batch_size=16, shuffle=False, verbose=0).history
    for key in ("loss", "mae"):
        np.testing.assert_allclose(history[key], expected[key], rtol=1e-5)


class WeightedModel(keras.Model):
    def train_step(self, data):
        if len(data) == 3:
            x, y, sample_weight = data
        else:
            sample_weight = None
            x, y = data
        with tf.GradientTape() as tape:
            y_pred = self(x, training=True)
            loss = self.compute_loss(y=y, y_pred=y_pred, sample_weight=sample_weight)
        trainable_vars = self.trainable_variables
        gradients = tape.gradient(loss, trainable_vars)
        self.optimizer.apply(gradients, trainable_vars)
        for metric in self.metrics:
            if metric.name == "loss":
                metric.update_state(loss)
            else:
                metric.update_state(y, y_pred, sample_weight=sample_weight)
        return {m.name: m.result() for m in self.metrics}


def test_supporting_sample_weight():
    model, reference = _dense_pair(WeightedModel)
    model.compile(optimizer="adam", loss="mse", metrics=["mae"])
    x, y, sw = _data(with_weights=True)
    history = model.fit(x, y, sample_weight=sw, epochs=3, batch_size=16, shuffle=False, verbose=0).history

    reference.compile(optimizer="adam", loss="mse", metrics=["mae"])
    expected = reference.fit(x, y, sample_weight=sw, epochs=3, batch_size=16, shuffle=False, verbose=0)
    for key in ("loss", "mae"):
        np.testing.assert_allclose(history[key], expected.history[key], rtol=1e-5)

    # Without sample weights the same step takes the two-element branch.
    unweighted = model.fit(x, y, epochs=1, batch_size=16, verbose=0).history
    assert np.isfinite(unweighted["loss"][0])


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


def test_providing_your_own_evaluation_step():
    model, reference = _dense_pair(EvalModel)
    model.compile(loss="mse", metrics=["mae"])  # evaluate needs no optimizer
    x, y = _data()
    results = model.evaluate(x, y, batch_size=16, verbose=0, return_dict=True)
    assert sorted(results) == ["loss", "mae"]

    reference.compile(loss="mse", metrics=["mae"])
    expected = reference.evaluate(x, y, batch_size=16, verbose=0, return_dict=True)
    for key in ("loss", "mae"):
        np.testing.assert_allclose(results[key], expected[key], rtol=1e-5)


class GAN(keras.Model):
    def __init__(self, discriminator, generator, latent_dim):
        super().__init__()
        self.discriminator = discriminator
        self.generator = generator
        self.latent_dim = latent_dim
        self.d_loss_tracker = keras.metrics.Mean(name="d_loss")
        self.g_loss_tracker = keras.metrics.Mean(name="g_loss")
        self.seed_generator = keras.random.SeedGenerator(1337)

    @property
    def metrics(self):
        return [self.d_loss_tracker, self.g_loss_tracker]

    def compile(self, d_optimizer, g_optimizer, loss_fn):
        super().compile()
        self.d_optimizer = d_optimizer
        self.g_optimizer = g_optimizer
        self.loss_fn = loss_fn

    def train_step(self, real_images):
        if isinstance(real_images, tuple):
            real_images = real_images[0]
        batch_size = tf.shape(real_images)[0]
        random_latent_vectors = keras.random.normal(
            shape=(batch_size, self.latent_dim), seed=self.seed_generator
        )
        generated_images = self.generator(random_latent_vectors)
        combined_images = tf.concat([generated_images, real_images], axis=0)
        labels = tf.concat([tf.ones((batch_size, 1)), tf.zeros((batch_size, 1))], axis=0)
        labels += 0.05 * keras.random.uniform(tf.shape(labels), seed=self.seed_generator)  # label noise

        with tf.GradientTape() as tape:
            predictions = self.discriminator(combined_images)
            d_loss = self.loss_fn(labels, predictions)
        grads = tape.gradient(d_loss, self.discriminator.trainable_weights)
        self.d_optimizer.apply(grads, self.discriminator.trainable_weights)

        random_latent_vectors = keras.random.normal(
            shape=(batch_size, self.latent_dim), seed=self.seed_generator
        )
        misleading_labels = tf.zeros((batch_size, 1))
        # The generator learns to make the discriminator say "real"; only its weights move.
        with tf.GradientTape() as tape:
            predictions = self.discriminator(self.generator(random_latent_vectors))
            g_loss = self.loss_fn(misleading_labels, predictions)
        grads = tape.gradient(g_loss, self.generator.trainable_weights)
        self.g_optimizer.apply(grads, self.generator.trainable_weights)

        self.d_loss_tracker.update_state(d_loss)
        self.g_loss_tracker.update_state(g_loss)
        return {"d_loss": self.d_loss_tracker.result(), "g_loss": self.g_loss_tracker.result()}


def test_end_to_end_gan():
    # The guide's networks with fewer filters (64/128 there) and a smaller latent space (128).
    discriminator = keras.Sequential(
        [
            keras.Input(shape=(28, 28, 1)),
            layers.Conv2D(4, (3, 3), strides=(2, 2), padding="same"),
            layers.LeakyReLU(negative_slope=0.2),
            layers.Conv2D(8, (3, 3), strides=(2, 2), padding="same"),
            layers.LeakyReLU(negative_slope=0.2),
            layers.GlobalMaxPooling2D(),
            layers.Dense(1),
        ],
        name="discriminator",
    )
    latent_dim = 8
    generator = keras.Sequential(
        [
            keras.Input(shape=(latent_dim,)),
            layers.Dense(7 * 7 * 8),
            layers.LeakyReLU(negative_slope=0.2),
            layers.Reshape((7, 7, 8)),
            layers.Conv2DTranspose(8, (4, 4), strides=(2, 2), padding="same"),
            layers.LeakyReLU(negative_slope=0.2),
            layers.Conv2DTranspose(8, (4, 4), strides=(2, 2), padding="same"),
            layers.LeakyReLU(negative_slope=0.2),
            layers.Conv2D(1, (7, 7), padding="same", activation="sigmoid"),
        ],
        name="generator",
    )
    all_digits = np.random.default_rng(7).random((12, 28, 28, 1)).astype("float32")
    dataset = tf.data.Dataset.from_tensor_slices(all_digits).shuffle(buffer_size=1024).batch(4)
    gan = GAN(discriminator=discriminator, generator=generator, latent_dim=latent_dim)
    gan.compile(
        d_optimizer=keras.optimizers.Adam(learning_rate=0.0003),
        g_optimizer=keras.optimizers.Adam(learning_rate=0.0003),
        loss_fn=keras.losses.BinaryCrossentropy(from_logits=True),
    )
    history = gan.fit(dataset.take(2), epochs=1, verbose=0).history
    assert sorted(history) == ["d_loss", "g_loss"]
    assert gan.d_optimizer.iterations.numpy() == gan.g_optimizer.iterations.numpy() == 2


def test_end_to_end_gan_class_with_a_dense_generator():
    """The guide's GAN class (own compile(), metrics, seeded noise) today, on NumPy images and a
    generator without Conv2DTranspose; the test above is the guide's code as written."""
    discriminator = keras.Sequential(
        [
            keras.Input(shape=(8, 8, 1)),
            layers.Conv2D(4, (3, 3), strides=(2, 2), padding="same"),
            layers.LeakyReLU(negative_slope=0.2),
            layers.GlobalMaxPooling2D(),
            layers.Dense(1),
        ]
    )
    latent_dim = 4
    generator = keras.Sequential(
        [
            keras.Input(shape=(latent_dim,)),
            layers.Dense(8 * 8, activation="sigmoid"),
            layers.Reshape((8, 8, 1)),
        ]
    )
    gan = GAN(discriminator=discriminator, generator=generator, latent_dim=latent_dim)
    gan.compile(
        d_optimizer=keras.optimizers.Adam(learning_rate=0.0003),
        g_optimizer=keras.optimizers.Adam(learning_rate=0.0003),
        loss_fn=keras.losses.BinaryCrossentropy(from_logits=True),
    )
    d_before, g_before = discriminator.get_weights(), generator.get_weights()
    images = np.random.default_rng(7).random((12, 8, 8, 1)).astype("float32")
    history = gan.fit(images, epochs=2, batch_size=4, verbose=0).history
    assert sorted(history) == ["d_loss", "g_loss"] and len(history["d_loss"]) == 2
    assert all(np.isfinite(history["d_loss"] + history["g_loss"]))
    # One update of each network per batch: 3 batches x 2 epochs.
    assert gan.d_optimizer.iterations.numpy() == gan.g_optimizer.iterations.numpy() == 6
    assert all(np.any(a != b) for a, b in zip(d_before, discriminator.get_weights()))
    assert all(np.any(a != b) for a, b in zip(g_before, generator.get_weights()))
