"""keras-io guides/functional_api.py ("The Functional API"), one test per section.

A test marked xfail (strict) names what is missing; the mark breaks once it lands.

The guide's tf.keras edition imports `numpy`, `tensorflow as tf`, `from tensorflow import keras` and
`from tensorflow.keras import layers`; here `tensorflow` becomes `scratchnn` and nothing else
changes. (Its Keras 3 edition writes `keras.ops.matmul`/`ops.zeros`/`ops.stack` where the tf.keras
one writes `tf.matmul`/`tf.zeros`/`tf.stack`; the custom-layer tests use both spellings.) Data are
shrunk: a slice of MNIST, random images in place of CIFAR-10, a small functional model in place of
the pretrained VGG19. Parameter counts, and a saved file's predictions, are checked against real
Keras 3 (JAX backend).

| section                                        | test(s)                                           |
|------------------------------------------------|---------------------------------------------------|
| Setup                                          | the imports of this file                          |
| Introduction                                   | test_introduction                                 |
|   (keras.utils.plot_model to PNG)              | test_introduction_plot_model (pydot + Graphviz)   |
| Training, evaluation, and inference            | test_training_evaluation_and_inference            |
| Save and serialize                             | test_save_and_serialize (a `.keras` file: Keras 3 |
|                                                | refuses the tf.keras edition's extension-less     |
|                                                | SavedModel path)                                  |
| Use the same graph of layers to define         | test_same_graph_of_layers_encoder,                |
|   multiple models                              | test_same_graph_of_layers_autoencoder             |
| All models are callable, just like layers      | test_models_are_callable_autoencoder,             |
|                                                | test_models_are_callable_ensembling               |
| Models with multiple inputs and outputs        | skipped: its model is built on LSTM layers        |
|                                                | (recurrent layers are a later issue)              |
| A toy ResNet model                             | test_toy_resnet_model (random 32x32x3 images in   |
|                                                | place of the CIFAR-10 download)                   |
| Shared layers                                  | test_shared_layers                                |
| Extract and reuse nodes in the graph of layers | test_extract_and_reuse_nodes (a small functional  |
|                                                | CNN in place of VGG19's ImageNet weights)         |
| Extend the API using custom layers             | test_custom_layer_in_a_functional_model,          |
|                                                | test_custom_layer_get_config_and_from_config      |
| When to use the functional API                 | test_functional_and_subclassed_mlp_are_alike      |
| Mix-and-match API styles                       | test_functional_model_inside_a_custom_layer,      |
|                                                | test_custom_layer_inside_a_functional_model       |
"""

import keras as real_keras
import numpy as np
import pytest

import scratchnn as tf
from scratchnn import keras
from scratchnn.keras import layers
from tests.data_env import data_dir


@pytest.fixture(scope="module")
def mnist_vectors():
    """600 training and 200 test digits, flattened to 784-vectors in [0, 1]."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SCRATCHNN_DATA", data_dir())
        (x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
    x_train = x_train[:600].reshape(600, 784).astype("float32") / 255
    x_test = x_test[:200].reshape(200, 784).astype("float32") / 255
    return (x_train, y_train[:600]), (x_test, y_test[:200])


def as_array(value):
    return np.asarray(keras.ops.convert_to_numpy(value))


def summary_text(model, capsys):
    capsys.readouterr()
    model.summary()
    return capsys.readouterr().out


def mnist_model(api):
    inputs = api.Input(shape=(784,))
    dense = api.layers.Dense(64, activation="relu")
    x = dense(inputs)
    x = api.layers.Dense(64, activation="relu")(x)
    outputs = api.layers.Dense(10)(x)
    return api.Model(inputs=inputs, outputs=outputs, name="mnist_model")


def test_introduction(capsys):
    inputs = keras.Input(shape=(784,))
    img_inputs = keras.Input(shape=(32, 32, 3))
    assert tuple(inputs.shape) == (None, 784)
    assert tuple(img_inputs.shape) == (None, 32, 32, 3)
    assert inputs.dtype == "float32"

    dense = layers.Dense(64, activation="relu")
    x = dense(inputs)
    x = layers.Dense(64, activation="relu")(x)
    outputs = layers.Dense(10)(x)
    model = keras.Model(inputs=inputs, outputs=outputs, name="mnist_model")
    assert tuple(x.shape) == (None, 64) and tuple(outputs.shape) == (None, 10)

    text = summary_text(model, capsys)
    assert 'Model: "mnist_model"' in text
    assert "(None, 784)" in text and "(None, 10)" in text
    assert model.count_params() == mnist_model(real_keras).count_params() == 55050
    assert f"Total params: {55050:,}" in text


def test_introduction_plot_model(tmp_path):
    from tests.utils.test_model_visualization import require_graphviz

    require_graphviz()
    inputs = keras.Input(shape=(784,))
    x = layers.Dense(64, activation="relu")(inputs)
    model = keras.Model(inputs=inputs, outputs=layers.Dense(10)(layers.Dense(64, activation="relu")(x)))
    keras.utils.plot_model(model, str(tmp_path / "my_first_model.png"))
    keras.utils.plot_model(model, str(tmp_path / "with_shapes.png"), show_shapes=True)
    for name in ("my_first_model.png", "with_shapes.png"):
        assert (tmp_path / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_training_evaluation_and_inference(mnist_vectors):
    (x_train, y_train), (x_test, y_test) = mnist_vectors
    keras.utils.set_random_seed(0)
    model = mnist_model(keras)
    model.compile(
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        optimizer=keras.optimizers.RMSprop(),
        metrics=["accuracy"],
    )
    history = model.fit(x_train, y_train, batch_size=64, epochs=2, validation_split=0.2, verbose=0)
    assert sorted(history.history) == ["accuracy", "loss", "val_accuracy", "val_loss"]
    assert history.history["loss"][1] < history.history["loss"][0]

    test_scores = model.evaluate(x_test, y_test, verbose=2)
    assert len(test_scores) == 2
    assert test_scores[1] > 0.4  # two epochs on 480 digits (0.63 here); chance is 0.1


def test_save_and_serialize(mnist_vectors, tmp_path):
    (x_train, y_train), (x_test, _) = mnist_vectors
    model = mnist_model(keras)
    model.compile(
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        optimizer=keras.optimizers.RMSprop(),
        metrics=["accuracy"],
    )
    model.fit(x_train[:128], y_train[:128], batch_size=64, epochs=1, verbose=0)
    expected = model.predict(x_test[:8], verbose=0)

    path = str(tmp_path / "path_to_my_model.keras")
    model.save(path)
    del model
    model = keras.models.load_model(path)
    np.testing.assert_allclose(model.predict(x_test[:8], verbose=0), expected, rtol=0, atol=0)

    # Real Keras reads the same file and predicts the same.
    reference = real_keras.models.load_model(path)
    np.testing.assert_allclose(np.asarray(reference.predict(x_test[:8], verbose=0)), expected, atol=1e-5)


def encoder_layers(encoder_input):
    x = layers.Conv2D(16, 3, activation="relu")(encoder_input)
    x = layers.Conv2D(32, 3, activation="relu")(x)
    x = layers.MaxPooling2D(3)(x)
    x = layers.Conv2D(32, 3, activation="relu")(x)
    x = layers.Conv2D(16, 3, activation="relu")(x)
    return layers.GlobalMaxPooling2D()(x)


def decoder_layers(code):
    x = layers.Reshape((4, 4, 1))(code)
    x = layers.Conv2DTranspose(16, 3, activation="relu")(x)
    x = layers.Conv2DTranspose(32, 3, activation="relu")(x)
    x = layers.UpSampling2D(3)(x)
    x = layers.Conv2DTranspose(16, 3, activation="relu")(x)
    return layers.Conv2DTranspose(1, 3, activation="relu")(x)


def test_same_graph_of_layers_encoder(capsys):
    encoder_input = keras.Input(shape=(28, 28, 1), name="img")
    encoder_output = encoder_layers(encoder_input)
    encoder = keras.Model(encoder_input, encoder_output, name="encoder")
    text = summary_text(encoder, capsys)
    assert 'Model: "encoder"' in text and "(None, 16)" in text and "(None, 8, 8, 32)" in text
    assert tuple(encoder(np.zeros((2, 28, 28, 1), "float32")).shape) == (2, 16)


def test_same_graph_of_layers_autoencoder(capsys):
    encoder_input = keras.Input(shape=(28, 28, 1), name="img")
    encoder_output = encoder_layers(encoder_input)
    encoder = keras.Model(encoder_input, encoder_output, name="encoder")
    decoder_output = decoder_layers(encoder_output)
    autoencoder = keras.Model(encoder_input, decoder_output, name="autoencoder")
    assert "(None, 28, 28, 1)" in summary_text(autoencoder, capsys)
    # The two models share the encoder's layers, so they share its weights.
    assert all(any(w is v for v in autoencoder.weights) for w in encoder.weights)


def test_models_are_callable_autoencoder(capsys):
    encoder_input = keras.Input(shape=(28, 28, 1), name="original_img")
    encoder = keras.Model(encoder_input, encoder_layers(encoder_input), name="encoder")
    decoder_input = keras.Input(shape=(16,), name="encoded_img")
    decoder = keras.Model(decoder_input, decoder_layers(decoder_input), name="decoder")
    assert "(None, 28, 28, 1)" in summary_text(decoder, capsys)

    autoencoder_input = keras.Input(shape=(28, 28, 1), name="img")
    encoded_img = encoder(autoencoder_input)
    decoded_img = decoder(encoded_img)
    autoencoder = keras.Model(autoencoder_input, decoded_img, name="autoencoder")
    text = summary_text(autoencoder, capsys)
    assert "encoder (Functional)" in text and "decoder (Functional)" in text

    images = np.random.default_rng(0).random((2, 28, 28, 1), dtype=np.float32)
    np.testing.assert_allclose(
        as_array(autoencoder(images)), as_array(decoder(encoder(images))), rtol=1e-6, atol=1e-6
    )


def test_models_are_callable_ensembling():
    def get_model():
        inputs = keras.Input(shape=(128,))
        outputs = layers.Dense(1)(inputs)
        return keras.Model(inputs, outputs)

    model1 = get_model()
    model2 = get_model()
    model3 = get_model()

    inputs = keras.Input(shape=(128,))
    y1 = model1(inputs)
    y2 = model2(inputs)
    y3 = model3(inputs)
    outputs = layers.average([y1, y2, y3])
    ensemble_model = keras.Model(inputs=inputs, outputs=outputs)

    x = np.random.default_rng(3).random((5, 128), dtype=np.float32)
    mean_of_three = (as_array(model1(x)) + as_array(model2(x)) + as_array(model3(x))) / 3
    np.testing.assert_allclose(as_array(ensemble_model(x)), mean_of_three, rtol=1e-6, atol=1e-6)
    assert len(ensemble_model.weights) == 6


def test_toy_resnet_model(capsys):
    inputs = keras.Input(shape=(32, 32, 3), name="img")
    x = layers.Conv2D(32, 3, activation="relu")(inputs)
    x = layers.Conv2D(64, 3, activation="relu")(x)
    block_1_output = layers.MaxPooling2D(3)(x)

    x = layers.Conv2D(64, 3, activation="relu", padding="same")(block_1_output)
    x = layers.Conv2D(64, 3, activation="relu", padding="same")(x)
    block_2_output = layers.add([x, block_1_output])

    x = layers.Conv2D(64, 3, activation="relu", padding="same")(block_2_output)
    x = layers.Conv2D(64, 3, activation="relu", padding="same")(x)
    block_3_output = layers.add([x, block_2_output])

    x = layers.Conv2D(64, 3, activation="relu")(block_3_output)
    x = layers.GlobalAveragePooling2D()(x)
    x = layers.Dense(256, activation="relu")(x)
    x = layers.Dropout(0.5)(x)
    outputs = layers.Dense(10)(x)
    model = keras.Model(inputs, outputs, name="toy_resnet")
    text = summary_text(model, capsys)
    assert 'Model: "toy_resnet"' in text and "(None, 9, 9, 64)" in text
    # Keras prints 223,242 for this model; building it in real Keras here takes longer than the test.
    assert model.count_params() == 223242

    rng = np.random.default_rng(4)
    x_train = rng.integers(0, 256, (80, 32, 32, 3)).astype("float32") / 255.0
    y_train = keras.utils.to_categorical(rng.integers(0, 10, (80, 1)), 10)
    model.compile(
        optimizer=keras.optimizers.RMSprop(1e-3),
        loss=keras.losses.CategoricalCrossentropy(from_logits=True),
        metrics=["acc"],
    )
    history = model.fit(x_train[:80], y_train[:80], batch_size=64, epochs=1, validation_split=0.2, verbose=0)
    assert sorted(history.history) == ["acc", "loss", "val_acc", "val_loss"]
    assert np.isfinite(history.history["loss"][0])


def test_shared_layers():
    shared_embedding = layers.Embedding(1000, 128)
    text_input_a = keras.Input(shape=(None,), dtype="int32")
    text_input_b = keras.Input(shape=(None,), dtype="int32")
    encoded_input_a = shared_embedding(text_input_a)
    encoded_input_b = shared_embedding(text_input_b)
    assert tuple(encoded_input_a.shape) == tuple(encoded_input_b.shape) == (None, None, 128)
    assert len(shared_embedding.weights) == 1


def test_extract_and_reuse_nodes():
    # A small functional CNN stands in for keras.applications.VGG19().
    image = keras.Input(shape=(24, 24, 3))
    x = layers.Conv2D(8, 3, activation="relu")(image)
    x = layers.MaxPooling2D(2)(x)
    x = layers.Flatten()(x)
    small_cnn = keras.Model(image, layers.Dense(4, activation="softmax")(x))

    features_list = [layer.output for layer in small_cnn.layers]
    feat_extraction_model = keras.Model(inputs=small_cnn.input, outputs=features_list)
    img = np.random.random((1, 24, 24, 3)).astype("float32")
    extracted_features = feat_extraction_model(img)
    assert [tuple(f.shape) for f in extracted_features] == [
        (1, 24, 24, 3),
        (1, 22, 22, 8),
        (1, 11, 11, 8),
        (1, 968),
        (1, 4),
    ]


def test_custom_layer_in_a_functional_model():
    class CustomDense(layers.Layer):
        def __init__(self, units=32):
            super().__init__()
            self.units = units

        def build(self, input_shape):
            self.w = self.add_weight(
                shape=(input_shape[-1], self.units), initializer="random_normal", trainable=True
            )
            self.b = self.add_weight(shape=(self.units,), initializer="random_normal", trainable=True)

        def call(self, inputs):
            return tf.matmul(inputs, self.w) + self.b

    inputs = keras.Input((4,))
    outputs = CustomDense(10)(inputs)
    model = keras.Model(inputs, outputs)

    x = np.random.default_rng(5).random((3, 4), dtype=np.float32)
    w, b = model.layers[-1].get_weights()
    assert w.shape == (4, 10) and b.shape == (10,)
    np.testing.assert_allclose(as_array(model(x)), x @ w + b, rtol=1e-6, atol=1e-6)


def test_custom_layer_get_config_and_from_config():
    # The guide's second CustomDense adds get_config (its Keras 3 edition calls ops.matmul).
    class CustomDense(layers.Layer):
        def __init__(self, units=32):
            super().__init__()
            self.units = units

        def build(self, input_shape):
            self.w = self.add_weight(
                shape=(input_shape[-1], self.units), initializer="random_normal", trainable=True
            )
            self.b = self.add_weight(shape=(self.units,), initializer="random_normal", trainable=True)

        def call(self, inputs):
            return keras.ops.matmul(inputs, self.w) + self.b

        def get_config(self):
            return {"units": self.units}

    inputs = keras.Input((4,))
    outputs = CustomDense(10)(inputs)
    model = keras.Model(inputs, outputs)
    config = model.get_config()

    new_model = keras.Model.from_config(config, custom_objects={"CustomDense": CustomDense})
    assert isinstance(new_model.layers[-1], CustomDense)
    assert new_model.layers[-1].units == 10
    assert tuple(new_model(np.ones((2, 4), "float32")).shape) == (2, 10)


class MLP(keras.Model):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.dense_1 = layers.Dense(64, activation="relu")
        self.dense_2 = layers.Dense(10)

    def call(self, inputs):
        x = self.dense_1(inputs)
        return self.dense_2(x)


def test_functional_and_subclassed_mlp_are_alike():
    inputs = keras.Input(shape=(32,))
    x = layers.Dense(64, activation="relu")(inputs)
    outputs = layers.Dense(10)(x)
    mlp = keras.Model(inputs, outputs)

    subclassed = MLP()
    # The subclassed model has no state until it is called once.
    assert subclassed.weights == []
    _ = subclassed(tf.zeros((1, 32)))
    assert subclassed.count_params() == mlp.count_params() == 32 * 64 + 64 + 64 * 10 + 10


UNITS, TIMESTEPS, INPUT_DIM, BATCH_SIZE = 32, 10, 5, 16


def test_functional_model_inside_a_custom_layer(capsys):
    inputs = keras.Input((None, UNITS))
    x = layers.GlobalAveragePooling1D()(inputs)
    outputs = layers.Dense(1)(x)
    model = keras.Model(inputs, outputs)

    class CustomRNN(layers.Layer):
        def __init__(self):
            super().__init__()
            self.units = UNITS
            self.projection_1 = layers.Dense(units=UNITS, activation="tanh")
            self.projection_2 = layers.Dense(units=UNITS, activation="tanh")
            # The functional model defined above.
            self.classifier = model

        def call(self, inputs):
            outputs = []
            state = tf.zeros(shape=(inputs.shape[0], self.units))
            for t in range(inputs.shape[1]):
                x = inputs[:, t, :]
                h = self.projection_1(x)
                y = h + self.projection_2(state)
                state = y
                outputs.append(y)
            features = tf.stack(outputs, axis=1)
            print(features.shape)
            return self.classifier(features)

    rnn_model = CustomRNN()
    out = rnn_model(tf.zeros((1, TIMESTEPS, INPUT_DIM)))
    assert tuple(out.shape) == (1, 1)
    assert "(1, 10, 32)" in capsys.readouterr().out
    # The nested model's weights are the layer's weights too.
    assert len(rnn_model.weights) == 6


class StaticBatchRNN(layers.Layer):
    """The guide's second CustomRNN (its own Dense classifier), written with keras.ops."""

    def __init__(self):
        super().__init__()
        self.units = UNITS
        self.projection_1 = layers.Dense(units=UNITS, activation="tanh")
        self.projection_2 = layers.Dense(units=UNITS, activation="tanh")
        self.classifier = layers.Dense(1)

    def call(self, inputs):
        outputs = []
        state = keras.ops.zeros(shape=(inputs.shape[0], self.units))
        for t in range(inputs.shape[1]):
            x = inputs[:, t, :]
            h = self.projection_1(x)
            y = h + self.projection_2(state)
            state = y
            outputs.append(y)
        features = keras.ops.stack(outputs, axis=1)
        return self.classifier(features)


def test_custom_layer_inside_a_functional_model():
    # A static batch size: the layer's call makes a zeros state of shape (batch, units).
    inputs = keras.Input(batch_shape=(BATCH_SIZE, TIMESTEPS, INPUT_DIM))
    x = layers.Conv1D(32, 3)(inputs)
    outputs = StaticBatchRNN()(x)
    model = keras.Model(inputs, outputs)
    assert tuple(outputs.shape) == (BATCH_SIZE, TIMESTEPS - 2, 1)

    batch = np.random.default_rng(6).random((BATCH_SIZE, TIMESTEPS, INPUT_DIM), dtype=np.float32)
    assert tuple(model(batch).shape) == (BATCH_SIZE, TIMESTEPS - 2, 1)

    rnn_model = StaticBatchRNN()
    assert tuple(rnn_model(tf.zeros((1, 10, 5))).shape) == (1, 10, 1)
