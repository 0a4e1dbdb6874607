"""keras-io guide "Writing a training loop from scratch in TensorFlow", section by section.

The guide imports `tensorflow as tf` and `keras`; here they are `import scratchnn as tf` and
`import scratchnn.keras as keras`, on tiny data (random "digits" in place of MNIST).

The guide feeds its loops from `tf.data.Dataset`s. Each loop test is parametrized by where the
batches come from: "dataset" is the guide's code as written, and "arrays" is the same loop
over the same batches as NumPy tuples. Real Keras 3 on JAX cannot run a `tf.GradientTape`
loop, so the first loop is compared against what real Keras's `fit` does on the same batches
from the same weights: the loop is meant to reimplement it.

| section                                              | test / why not                                           |
|------------------------------------------------------|----------------------------------------------------------|
| Setup                                                | skipped: imports only                                    |
| Introduction                                         | skipped: prose only                                      |
| A first end-to-end example                           | test_first_end_to_end_example (+ _matches_keras_fit)     |
| Low-level handling of metrics                        | test_low_level_handling_of_metrics                       |
| Speeding-up your training step with `tf.function`    | test_speeding_up_with_tf_function                        |
| Low-level handling of losses tracked by the model    | test_low_level_handling_of_losses                        |
| Summary                                              | skipped: prose only                                      |
| End-to-end example: a GAN training loop from scratch | test_gan_training_loop                                   |
"""

import numpy as np
import pytest

import scratchnn as tf
import scratchnn.keras as keras

SOURCES = ["dataset", "arrays"]
BATCH_SIZE = 16


def get_model(lib=keras):
    inputs = lib.Input(shape=(784,), name="digits")
    x1 = lib.layers.Dense(64, activation="relu")(inputs)
    x2 = lib.layers.Dense(64, activation="relu")(x1)
    outputs = lib.layers.Dense(10, name="predictions")(x2)
    return lib.Model(inputs=inputs, outputs=outputs)


def _digits(n=96, seed=0):
    # uint8 pixels, as keras.datasets.mnist.load_data() gives them (the guide does not rescale).
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, size=(n, 784), dtype=np.uint8), rng.integers(0, 10, size=(n,), dtype=np.uint8)


def _batches(source, arrays, batch_size=BATCH_SIZE, shuffle=False):
    """The guide's `from_tensor_slices(...).shuffle(1024).batch(n)`, or the same batches as tuples."""
    if source == "dataset":
        dataset = tf.data.Dataset.from_tensor_slices(arrays)
        if shuffle:
            dataset = dataset.shuffle(buffer_size=1024)
        return dataset.batch(batch_size)
    n = len(arrays[0])
    order = np.random.default_rng(1).permutation(n) if shuffle else np.arange(n)
    return [tuple(a[order[i : i + batch_size]] for a in arrays) for i in range(0, n, batch_size)]


def _split(x, y, n_val=32):
    return (x[:-n_val], y[:-n_val]), (x[-n_val:], y[-n_val:])


def _weights_l2(model):
    return float(sum(np.sum(w**2) for w in model.get_weights()))


@pytest.mark.parametrize("source", SOURCES)
def test_first_end_to_end_example(source):
    keras.utils.set_random_seed(1)
    model = get_model()
    optimizer = keras.optimizers.Adam(learning_rate=1e-3)
    loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    (x_train, y_train), _ = _split(*_digits())
    train_dataset = _batches(source, (x_train, y_train), shuffle=True)

    before = model.get_weights()
    epoch_losses = []
    for _epoch in range(3):
        seen = 0
        for step, (x_batch_train, y_batch_train) in enumerate(train_dataset):
            with tf.GradientTape() as tape:
                logits = model(x_batch_train, training=True)
                loss_value = loss_fn(y_batch_train, logits)
            grads = tape.gradient(loss_value, model.trainable_weights)
            optimizer.apply(grads, model.trainable_weights)
            seen = (step + 1) * BATCH_SIZE
        epoch_losses.append(float(loss_value))
        assert seen == len(x_train)
    assert all(np.isfinite(epoch_losses))
    assert optimizer.iterations.numpy() == 3 * len(x_train) // BATCH_SIZE
    assert all(np.any(a != b) for a, b in zip(before, model.get_weights()))


def test_first_end_to_end_example_matches_keras_fit():
    """The loop (unshuffled) is the same training as real Keras's `fit(shuffle=False)`."""
    import keras as real_keras

    (x_train, y_train), _ = _split(*_digits())
    model, reference = get_model(), get_model(real_keras)
    reference.set_weights(model.get_weights())
    optimizer = keras.optimizers.Adam(learning_rate=1e-3)
    loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    for x_batch_train, y_batch_train in _batches("arrays", (x_train, y_train)):
        with tf.GradientTape() as tape:
            loss_value = loss_fn(y_batch_train, model(x_batch_train, training=True))
        optimizer.apply(tape.gradient(loss_value, model.trainable_weights), model.trainable_weights)

    reference.compile(
        optimizer=real_keras.optimizers.Adam(learning_rate=1e-3),
        loss=real_keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    )
    reference.fit(x_train, y_train, batch_size=BATCH_SIZE, epochs=1, shuffle=False, verbose=0)
    for ours, theirs in zip(model.get_weights(), reference.get_weights()):
        np.testing.assert_allclose(ours, theirs, rtol=1e-4, atol=1e-5)


def _fit_with_metrics(train_step, test_step, train_dataset, val_dataset, train_acc_metric, val_acc_metric):
    """The guide's epoch loop around a train and a test step; returns the epochs' accuracies."""
    history = []
    for _epoch in range(2):
        for x_batch_train, y_batch_train in train_dataset:
            train_step(x_batch_train, y_batch_train)
        train_acc = float(train_acc_metric.result())
        train_acc_metric.reset_state()
        for x_batch_val, y_batch_val in val_dataset:
            test_step(x_batch_val, y_batch_val)
        val_acc = float(val_acc_metric.result())
        val_acc_metric.reset_state()
        history.append((train_acc, val_acc))
    return history


def _loop_parts(model):
    optimizer = keras.optimizers.Adam(learning_rate=1e-3)
    loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    return (
        optimizer,
        loss_fn,
        keras.metrics.SparseCategoricalAccuracy(),
        keras.metrics.SparseCategoricalAccuracy(),
    )


@pytest.mark.parametrize("source", SOURCES)
def test_low_level_handling_of_metrics(source):
    keras.utils.set_random_seed(2)
    model = get_model()
    optimizer, loss_fn, train_acc_metric, val_acc_metric = _loop_parts(model)
    (x_train, y_train), (x_val, y_val) = _split(*_digits())
    train_dataset = _batches(source, (x_train, y_train), shuffle=True)
    val_dataset = _batches(source, (x_val, y_val))

    def train_step(x, y):
        with tf.GradientTape() as tape:
            logits = model(x, training=True)
            loss_value = loss_fn(y, logits)
        grads = tape.gradient(loss_value, model.trainable_weights)
        optimizer.apply(grads, model.trainable_weights)
        train_acc_metric.update_state(y, logits)

    def test_step(x, y):
        val_acc_metric.update_state(y, model(x, training=False))

    history = _fit_with_metrics(
        train_step, test_step, train_dataset, val_dataset, train_acc_metric, val_acc_metric
    )
    assert len(history) == 2
    for train_acc, val_acc in history:
        assert 0.0 <= train_acc <= 1.0 and 0.0 <= val_acc <= 1.0
    # The last validation figure is the accuracy of the final weights on the validation set.
    predicted = np.argmax(model.predict(x_val, verbose=0), axis=-1)
    np.testing.assert_allclose(history[-1][1], np.mean(predicted == y_val), rtol=1e-6)
    # reset_state() left the metrics empty.
    assert float(train_acc_metric.result()) == 0.0


@pytest.mark.parametrize("source", SOURCES)
def test_speeding_up_with_tf_function(source):
    keras.utils.set_random_seed(3)
    model = get_model()
    optimizer, loss_fn, train_acc_metric, val_acc_metric = _loop_parts(model)
    (x_train, y_train), (x_val, y_val) = _split(*_digits())
    train_dataset = _batches(source, (x_train, y_train), shuffle=True)
    val_dataset = _batches(source, (x_val, y_val))

    @tf.function
    def train_step(x, y):
        with tf.GradientTape() as tape:
            logits = model(x, training=True)
            loss_value = loss_fn(y, logits)
        grads = tape.gradient(loss_value, model.trainable_weights)
        optimizer.apply(grads, model.trainable_weights)
        train_acc_metric.update_state(y, logits)
        return loss_value

    @tf.function
    def test_step(x, y):
        val_logits = model(x, training=False)
        val_acc_metric.update_state(y, val_logits)

    first_loss = float(train_step(*next(iter(train_dataset))))
    assert np.isfinite(first_loss)
    history = _fit_with_metrics(
        train_step, test_step, train_dataset, val_dataset, train_acc_metric, val_acc_metric
    )
    assert len(history) == 2
    assert optimizer.iterations.numpy() == 1 + 2 * len(x_train) // BATCH_SIZE


class ActivityRegularizationLayer(keras.layers.Layer):
    def call(self, inputs):
        self.add_loss(1e-2 * tf.reduce_sum(inputs))
        return inputs


@pytest.mark.parametrize("source", SOURCES)
def test_low_level_handling_of_losses(source):
    keras.utils.set_random_seed(4)
    inputs = keras.Input(shape=(784,), name="digits")
    x = keras.layers.Dense(64, activation="relu")(inputs)
    x = ActivityRegularizationLayer()(x)
    x = keras.layers.Dense(64, activation="relu")(x)
    outputs = keras.layers.Dense(10, name="predictions")(x)
    model = keras.Model(inputs=inputs, outputs=outputs)
    optimizer, loss_fn, train_acc_metric, _ = _loop_parts(model)
    (x_train, y_train), _ = _split(*_digits())

    @tf.function
    def train_step(x, y):
        with tf.GradientTape() as tape:
            logits = model(x, training=True)
            loss_value = loss_fn(y, logits)
            loss_value += sum(model.losses)
        grads = tape.gradient(loss_value, model.trainable_weights)
        optimizer.apply(grads, model.trainable_weights)
        train_acc_metric.update_state(y, logits)
        return loss_value

    x_batch, y_batch = next(iter(_batches(source, (x_train, y_train))))
    # The regularizer's term is in model.losses after a forward pass: 1e-2 * sum of the first
    # Dense layer's activations.
    logits = model(x_batch)
    assert len(model.losses) == 1
    dense_1 = model.layers[1]
    activations = np.maximum(
        np.asarray(x_batch, dtype="float32") @ dense_1.kernel.numpy() + dense_1.bias.numpy(), 0
    )
    np.testing.assert_allclose(float(model.losses[0]), 1e-2 * activations.sum(), rtol=1e-5)
    # train_step's forward pass runs on the same weights (it updates them after): its loss is
    # the main loss plus that term.
    main = float(loss_fn(y_batch, logits))
    total = float(train_step(x_batch, y_batch))
    np.testing.assert_allclose(total - main, 1e-2 * activations.sum(), rtol=1e-4)
    before = _weights_l2(model)
    for x_batch, y_batch in _batches(source, (x_train, y_train)):
        train_step(x_batch, y_batch)
    assert _weights_l2(model) != before


def test_gan_training_loop(tmp_path):
    keras.utils.set_random_seed(5)
    # The guide's networks with fewer filters (64/128 there).
    discriminator = keras.Sequential(
        [
            keras.Input(shape=(28, 28, 1)),
            keras.layers.Conv2D(4, (3, 3), strides=(2, 2), padding="same"),
            keras.layers.LeakyReLU(negative_slope=0.2),
            keras.layers.Conv2D(8, (3, 3), strides=(2, 2), padding="same"),
            keras.layers.LeakyReLU(negative_slope=0.2),
            keras.layers.GlobalMaxPooling2D(),
            keras.layers.Dense(1),
        ],
        name="discriminator",
    )
    latent_dim = 8
    generator = keras.Sequential(
        [
            keras.Input(shape=(latent_dim,)),
            keras.layers.Dense(7 * 7 * 8),
            keras.layers.LeakyReLU(negative_slope=0.2),
            keras.layers.Reshape((7, 7, 8)),
            keras.layers.Conv2DTranspose(8, (4, 4), strides=(2, 2), padding="same"),
            keras.layers.LeakyReLU(negative_slope=0.2),
            keras.layers.Conv2DTranspose(8, (4, 4), strides=(2, 2), padding="same"),
            keras.layers.LeakyReLU(negative_slope=0.2),
            keras.layers.Conv2D(1, (7, 7), padding="same", activation="sigmoid"),
        ],
        name="generator",
    )
    d_optimizer = keras.optimizers.Adam(learning_rate=0.0003)
    g_optimizer = keras.optimizers.Adam(learning_rate=0.0004)
    loss_fn = keras.losses.BinaryCrossentropy(from_logits=True)
    batch_size = 4

    @tf.function
    def train_step(real_images):
        random_latent_vectors = tf.random.normal(shape=(batch_size, latent_dim))
        generated_images = generator(random_latent_vectors)
        combined_images = tf.concat([generated_images, real_images], axis=0)
        labels = tf.concat([tf.ones((batch_size, 1)), tf.zeros((real_images.shape[0], 1))], axis=0)
        labels += 0.05 * tf.random.uniform(labels.shape)  # label noise
        with tf.GradientTape() as tape:
            predictions = discriminator(combined_images)
            d_loss = loss_fn(labels, predictions)
        grads = tape.gradient(d_loss, discriminator.trainable_weights)
        d_optimizer.apply(grads, discriminator.trainable_weights)

        random_latent_vectors = tf.random.normal(shape=(batch_size, latent_dim))
        misleading_labels = tf.zeros((batch_size, 1))
        # Only the generator's weights move in this step.
        with tf.GradientTape() as tape:
            predictions = discriminator(generator(random_latent_vectors))
            g_loss = loss_fn(misleading_labels, predictions)
        grads = tape.gradient(g_loss, generator.trainable_weights)
        g_optimizer.apply(grads, generator.trainable_weights)
        return d_loss, g_loss, generated_images

    all_digits = np.random.default_rng(5).random((8, 28, 28, 1)).astype("float32")
    dataset = tf.data.Dataset.from_tensor_slices(all_digits).shuffle(buffer_size=1024).batch(batch_size)
    for step, real_images in enumerate(dataset):
        d_loss, g_loss, generated_images = train_step(real_images)
        # The guide logs the losses with format specs on the tensors themselves.
        log = f"discriminator loss at step {step}: {d_loss:.2f}, adversarial loss: {g_loss:.2f}"
        assert log.endswith(f"{float(g_loss):.2f}")
        img = keras.utils.array_to_img(generated_images[0] * 255.0, scale=False)
        img.save(tmp_path / f"generated_img_{step}.png")
    assert d_optimizer.iterations.numpy() == g_optimizer.iterations.numpy() == 2
    assert len(list(tmp_path.glob("*.png"))) == 2
