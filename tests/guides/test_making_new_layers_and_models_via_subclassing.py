"""keras-io guide "Making new layers and models via subclassing" (Keras 3 edition), section by section.

Each test does what its section does -- the same Keras calls with the same arguments and the same
class structure -- with scratchnn imported in place of Keras (`import scratchnn.keras as keras`,
`from scratchnn.keras import layers, ops`) and tiny data. Where the section's result is
deterministic, the same class is also built on real Keras 3 (JAX) and compared.

| section                                                | test / why not                            |
|--------------------------------------------------------|-------------------------------------------|
| Introduction                                           | skipped: prose only                       |
| Setup                                                  | skipped: imports only (done above)        |
| The `Layer` class: state (weights) and computation     | test_the_layer_class                      |
| Layers can have non-trainable weights                  | test_non_trainable_weights                |
| Best practice: deferring weight creation until ...     | test_deferring_weight_creation            |
| Layers are recursively composable                      | test_layers_are_recursively_composable    |
| Backend-agnostic layers and backend-specific layers    | test_backend_specific_layer (the TF form) |
| The `add_loss()` method                                | test_add_loss_* (3 tests)                 |
| You can optionally enable serialization on your layers | test_enable_serialization                 |
| Privileged `training` argument in the `call()` method  | test_privileged_training_argument         |
| Privileged `mask` argument in the `call()` method      | skipped: prose only                       |
| The `Model` class                                      | test_the_model_class (+ _on_a_dataset)    |
| Putting it all together: an end-to-end example (VAE)   | test_end_to_end_vae                       |

The guide's JAX and PyTorch layers (in the backend section) are for those backends only; the
TensorFlow one runs here as `import scratchnn as tf`.
"""

import numpy as np
import pytest

import scratchnn as tf
import scratchnn.keras as keras
from scratchnn.keras import layers, ops


def _linear_classes(lib):
    """The guide's successive `Linear` layers, written against `lib` (scratchnn.keras or real Keras)."""

    class EagerLinear(lib.layers.Layer):
        # Weights made in __init__, from a known input_dim.
        def __init__(self, units=32, input_dim=32):
            super().__init__()
            self.w = self.add_weight(shape=(input_dim, units), initializer="random_normal", trainable=True)
            self.b = self.add_weight(shape=(units,), initializer="zeros", trainable=True)

        def call(self, inputs):
            return lib.ops.matmul(inputs, self.w) + self.b

    class LazyLinear(lib.layers.Layer):
        # Weights made in build(), once the input shape is known.
        def __init__(self, units=32):
            super().__init__()
            self.units = units

        def build(self, input_shape):
            self.w = self.add_weight(
                shape=(input_shape[-1], self.units), initializer="random_normal", trainable=True
            )
            self.b = self.add_weight(shape=(self.units,), initializer="random_normal", trainable=True)

        def call(self, inputs):
            return lib.ops.matmul(inputs, self.w) + self.b

    return EagerLinear, LazyLinear


def _mlp_block(lib):
    _, LazyLinear = _linear_classes(lib)

    class MLPBlock(lib.layers.Layer):
        def __init__(self):
            super().__init__()
            self.linear_1 = LazyLinear(32)
            self.linear_2 = LazyLinear(32)
            self.linear_3 = LazyLinear(1)

        def call(self, inputs):
            h = lib.activations.relu(self.linear_1(inputs))
            h = lib.activations.relu(self.linear_2(h))
            return self.linear_3(h)

    return MLPBlock


def _real_keras():
    import keras as real_keras

    return real_keras


def test_the_layer_class():
    EagerLinear, _ = _linear_classes(keras)
    x = ops.ones((2, 2))
    linear_layer = EagerLinear(4, 2)
    y = linear_layer(x)
    assert tuple(y.shape) == (2, 4)
    # The weights assigned as attributes are tracked, in assignment order.
    assert linear_layer.weights == [linear_layer.w, linear_layer.b]
    # ones @ w + 0 is the column sums of w, on every row.
    w = linear_layer.w.numpy()
    np.testing.assert_allclose(y.numpy(), np.tile(w.sum(axis=0), (2, 1)), rtol=1e-6)


def test_non_trainable_weights():
    class ComputeSum(keras.layers.Layer):
        def __init__(self, input_dim):
            super().__init__()
            self.total = self.add_weight(initializer="zeros", shape=(input_dim,), trainable=False)

        def call(self, inputs):
            self.total.assign_add(ops.sum(inputs, axis=0))
            return self.total

    x = ops.ones((2, 2))
    my_sum = ComputeSum(2)
    np.testing.assert_array_equal(my_sum(x).numpy(), [2.0, 2.0])
    np.testing.assert_array_equal(my_sum(x).numpy(), [4.0, 4.0])
    assert len(my_sum.weights) == 1
    assert len(my_sum.non_trainable_weights) == 1
    assert my_sum.trainable_weights == []


def test_deferring_weight_creation():
    _, LazyLinear = _linear_classes(keras)
    linear_layer = LazyLinear(32)
    assert linear_layer.weights == []  # nothing is known about the input yet
    y = linear_layer(ops.ones((2, 2)))
    assert tuple(y.shape) == (2, 32)
    assert [tuple(v.shape) for v in linear_layer.weights] == [(2, 32), (32,)]
    # A second call reuses the same weights.
    weights = linear_layer.weights
    linear_layer(ops.ones((3, 2)))
    assert linear_layer.weights == weights


def test_layers_are_recursively_composable():
    mlp = _mlp_block(keras)()
    x = np.ones((3, 64), dtype="float32")
    y = mlp(ops.ones(shape=(3, 64)))
    assert len(mlp.weights) == 6
    assert len(mlp.trainable_weights) == 6

    # Same class on real Keras with the same weights: same outputs.
    reference = _mlp_block(_real_keras())()
    reference(x)
    assert [tuple(v.shape) for v in reference.weights] == [tuple(v.shape) for v in mlp.weights]
    reference.set_weights(mlp.get_weights())
    np.testing.assert_allclose(y.numpy(), np.asarray(reference(x)), rtol=1e-5, atol=1e-5)


def test_backend_specific_layer():
    # The guide's TensorFlow-specific Linear, with `import scratchnn as tf` standing in for TensorFlow.
    _, LazyLinear = _linear_classes(keras)

    class TFLinear(LazyLinear):
        def call(self, inputs):
            return tf.matmul(inputs, self.w) + self.b

    layer = TFLinear(3)
    x = np.arange(8, dtype="float32").reshape(4, 2)
    y = layer(x)
    np.testing.assert_allclose(y.numpy(), x @ layer.w.numpy() + layer.b.numpy(), rtol=1e-6)


class ActivityRegularizationLayer(keras.layers.Layer):
    def __init__(self, rate=1e-2):
        super().__init__()
        self.rate = rate

    def call(self, inputs):
        self.add_loss(self.rate * ops.mean(inputs))
        return inputs


def test_add_loss_is_reset_on_each_top_level_call():
    class OuterLayer(keras.layers.Layer):
        def __init__(self):
            super().__init__()
            self.activity_reg = ActivityRegularizationLayer(1e-2)

        def call(self, inputs):
            return self.activity_reg(inputs)

    layer = OuterLayer()
    assert len(layer.losses) == 0  # never called yet
    _ = layer(ops.zeros((1, 1)))
    assert len(layer.losses) == 1
    _ = layer(ops.ones((1, 1)))
    assert len(layer.losses) == 1  # the first call's term was dropped
    np.testing.assert_allclose(float(layer.losses[0]), 1e-2, rtol=1e-6)


def test_add_loss_includes_inner_weight_regularizers():
    class OuterLayerWithKernelRegularizer(keras.layers.Layer):
        def __init__(self):
            super().__init__()
            self.dense = keras.layers.Dense(32, kernel_regularizer=keras.regularizers.l2(1e-3))

        def call(self, inputs):
            return self.dense(inputs)

    layer = OuterLayerWithKernelRegularizer()
    _ = layer(ops.zeros((1, 1)))
    assert len(layer.losses) == 1
    kernel = layer.dense.kernel.numpy()
    np.testing.assert_allclose(float(layer.losses[0]), 1e-3 * np.sum(kernel**2), rtol=1e-5)


# Keras (TensorFlow backend) warns the same: the model has no weights to train.
@pytest.mark.filterwarnings("ignore:The model does not have any trainable weights")
@pytest.mark.parametrize("loss", ["mse", None])
def test_add_loss_in_fit(loss):
    # With a compiled loss the add_loss term is added to it; without one it is the whole loss.
    inputs = keras.Input(shape=(3,))
    outputs = ActivityRegularizationLayer()(inputs)
    model = keras.Model(inputs, outputs)
    model.compile(optimizer="adam", loss=loss)
    rng = np.random.default_rng(0)
    x, y = rng.random((2, 3)), rng.random((2, 3))
    history = model.fit(x, y, verbose=0)
    expected = 1e-2 * x.mean()
    if loss == "mse":
        expected += np.mean((x - y) ** 2)
    # The model has no weights, so the one epoch's loss is exactly the first forward pass's.
    np.testing.assert_allclose(history.history["loss"][0], expected, rtol=1e-5)


def test_enable_serialization():
    _, LazyLinear = _linear_classes(keras)

    class ConfigLinear(LazyLinear):
        def get_config(self):
            return {"units": self.units}

    layer = ConfigLinear(64)
    config = layer.get_config()
    assert config == {"units": 64}
    assert ConfigLinear.from_config(config).units == 64

    # Passing **kwargs to the base class, and merging its config.
    KwargsLinear = _kwargs_linear(keras)
    layer = KwargsLinear(64, name="projection")
    config = layer.get_config()
    new_layer = KwargsLinear.from_config(config)
    assert (new_layer.units, new_layer.name) == (64, "projection")
    # Real Keras's config of the same class has the same keys and values (dtype aside: Keras 3
    # writes a DTypePolicy there).
    reference = _kwargs_linear(_real_keras())(64, name="projection").get_config()
    assert sorted(config) == sorted(reference)
    assert {k: v for k, v in config.items() if k != "dtype"} == {
        k: v for k, v in reference.items() if k != "dtype"
    }


def _kwargs_linear(lib):
    class KwargsLinear(lib.layers.Layer):
        def __init__(self, units=32, **kwargs):
            super().__init__(**kwargs)
            self.units = units

        def build(self, input_shape):
            self.w = self.add_weight(
                shape=(input_shape[-1], self.units), initializer="random_normal", trainable=True
            )
            self.b = self.add_weight(shape=(self.units,), initializer="random_normal", trainable=True)

        def call(self, inputs):
            return lib.ops.matmul(inputs, self.w) + self.b

        def get_config(self):
            config = super().get_config()
            config.update({"units": self.units})
            return config

    return KwargsLinear


def test_privileged_training_argument():
    class CustomDropout(keras.layers.Layer):
        def __init__(self, rate, **kwargs):
            super().__init__(**kwargs)
            self.rate = rate

        def call(self, inputs, training=None):
            if training:
                return keras.random.dropout(inputs, rate=self.rate)
            return inputs

    x = np.ones((64, 8), dtype="float32")
    layer = CustomDropout(0.5)
    np.testing.assert_array_equal(layer(x).numpy(), x)
    dropped = layer(x, training=True).numpy()
    assert set(np.unique(dropped)) <= {0.0, 2.0}  # kept units are scaled by 1 / (1 - rate)
    assert 0.3 < (dropped == 0).mean() < 0.7

    # Inside a model, fit() sets training=True for it; predict() leaves it off.
    inputs = keras.Input((8,))
    model = keras.Model(inputs, CustomDropout(0.5)(inputs))
    np.testing.assert_array_equal(model.predict(x, verbose=0), x)


class _ResidualBlock(keras.layers.Layer):
    # A small stand-in for the guide's ResNetBlock (which the guide leaves undefined).
    def __init__(self, filters=4, **kwargs):
        super().__init__(**kwargs)
        self.conv = layers.Conv2D(filters, 3, padding="same", activation="relu")

    def call(self, inputs):
        return inputs + self.conv(inputs)


class ResNet(keras.Model):
    def __init__(self, num_classes=1000):
        super().__init__()
        self.block_1 = _ResidualBlock()
        self.block_2 = _ResidualBlock()
        self.global_pool = layers.GlobalAveragePooling2D()
        self.classifier = layers.Dense(num_classes)

    def call(self, inputs):
        x = self.block_1(inputs)
        x = self.block_2(x)
        x = self.global_pool(x)
        return self.classifier(x)


def _images(n=16):
    rng = np.random.default_rng(3)
    return rng.random((n, 6, 6, 4)).astype("float32"), rng.integers(0, 3, size=(n,))


def test_the_model_class(tmp_path):
    resnet = ResNet(num_classes=3)
    x, y = _images()
    resnet.compile(optimizer="adam", loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    history = resnet.fit(x, y, epochs=2, batch_size=8, verbose=0)
    assert len(history.history["loss"]) == 2
    assert len(resnet.layers) == 4
    # A Model exposes saving: the weights round-trip through save_weights / load_weights.
    resnet.save_weights(tmp_path / "resnet.weights.h5")
    twin = ResNet(num_classes=3)
    twin(x[:1])
    twin.load_weights(tmp_path / "resnet.weights.h5")
    np.testing.assert_allclose(twin.predict(x, verbose=0), resnet.predict(x, verbose=0), rtol=1e-6)


def test_the_model_class_on_a_dataset(tmp_path):
    x, y = _images()
    dataset = tf.data.Dataset.from_tensor_slices((x, y)).batch(8)
    resnet = ResNet(num_classes=3)
    resnet.compile(optimizer="adam", loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    resnet.fit(dataset, epochs=2, verbose=0)
    resnet.save(tmp_path / "resnet.keras")


class Sampling(layers.Layer):
    """Draws z from N(z_mean, exp(z_log_var)) by the reparameterization trick."""

    def call(self, inputs):
        z_mean, z_log_var = inputs
        batch = ops.shape(z_mean)[0]
        dim = ops.shape(z_mean)[1]
        epsilon = keras.random.normal(shape=(batch, dim))
        return z_mean + ops.exp(0.5 * z_log_var) * epsilon


class Encoder(layers.Layer):
    def __init__(self, latent_dim=32, intermediate_dim=64, name="encoder", **kwargs):
        super().__init__(name=name, **kwargs)
        self.dense_proj = layers.Dense(intermediate_dim, activation="relu")
        self.dense_mean = layers.Dense(latent_dim)
        self.dense_log_var = layers.Dense(latent_dim)
        self.sampling = Sampling()

    def call(self, inputs):
        h = self.dense_proj(inputs)
        z_mean = self.dense_mean(h)
        z_log_var = self.dense_log_var(h)
        z = self.sampling((z_mean, z_log_var))
        return z_mean, z_log_var, z


class Decoder(layers.Layer):
    def __init__(self, original_dim, intermediate_dim=64, name="decoder", **kwargs):
        super().__init__(name=name, **kwargs)
        self.dense_proj = layers.Dense(intermediate_dim, activation="relu")
        self.dense_output = layers.Dense(original_dim, activation="sigmoid")

    def call(self, inputs):
        return self.dense_output(self.dense_proj(inputs))


class VariationalAutoEncoder(keras.Model):
    def __init__(self, original_dim, intermediate_dim=64, latent_dim=32, name="autoencoder", **kwargs):
        super().__init__(name=name, **kwargs)
        self.original_dim = original_dim
        self.encoder = Encoder(latent_dim=latent_dim, intermediate_dim=intermediate_dim)
        self.decoder = Decoder(original_dim, intermediate_dim=intermediate_dim)

    def call(self, inputs):
        z_mean, z_log_var, z = self.encoder(inputs)
        reconstructed = self.decoder(z)
        # KL(q(z|x) || N(0, I)), averaged over the latent entries.
        kl_loss = -0.5 * ops.mean(z_log_var - ops.square(z_mean) - ops.exp(z_log_var) + 1)
        self.add_loss(kl_loss)
        return reconstructed


def test_end_to_end_vae():
    keras.utils.set_random_seed(0)
    # A few "digits": 64 flattened 8x8 images in [0, 1] (the guide uses MNIST's 28x28).
    x_train = np.random.default_rng(0).random((64, 64)).astype("float32")
    vae = VariationalAutoEncoder(64, 16, 4)
    optimizer = keras.optimizers.Adam(learning_rate=1e-3)
    vae.compile(optimizer, loss=keras.losses.MeanSquaredError())
    history = vae.fit(x_train, x_train, epochs=3, batch_size=16, verbose=0)
    losses = history.history["loss"]
    assert len(losses) == 3 and losses[-1] < losses[0]

    # The KL term is in vae.losses after a forward pass, and matches its formula.
    vae(x_train[:8])
    assert len(vae.losses) == 1
    h = vae.encoder.dense_proj(x_train[:8])
    mean, log_var = vae.encoder.dense_mean(h).numpy(), vae.encoder.dense_log_var(h).numpy()
    kl = -0.5 * np.mean(log_var - mean**2 - np.exp(log_var) + 1)
    np.testing.assert_allclose(float(vae.losses[0]), kl, rtol=1e-5)
