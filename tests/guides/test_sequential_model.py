"""keras-io guides/sequential_model.py ("The Sequential model"), one test per section.

A test marked xfail (strict) names what is missing; the mark breaks once it lands.

Each test makes the Keras calls its section makes, with the same arguments and structure, on tiny
inputs; only the imports differ from the guide (`import scratchnn as tf`, `import scratchnn.keras
as keras`). Shapes, parameter counts and outputs on shared weights are compared against real
Keras 3 (JAX backend), which runs every section below.

| section                                       | test(s)                                             |
|-----------------------------------------------|-----------------------------------------------------|
| Setup                                         | the imports of this file                            |
| When to use a Sequential model                | test_when_to_use_a_sequential_model                 |
| Creating a Sequential model                   | test_creating_a_sequential_model                    |
| Specifying the input shape in advance         | test_specifying_the_input_shape_in_advance          |
| A common debugging workflow: add() + summary()| test_debugging_workflow_add_and_summary             |
| What to do once you have a model              | skipped: prose and links, no code                   |
| Feature extraction with a Sequential model    | test_feature_extraction_all_layers,                 |
|                                               | test_feature_extraction_one_layer                   |
| Transfer learning with a Sequential model     | test_transfer_learning_freeze_all_but_last,         |
|                                               | test_transfer_learning_frozen_base_model (a small   |
|                                               | base trained here stands in for Xception's ImageNet |
|                                               | weights, which would need a download)               |
"""

import keras as real_keras
import numpy as np

import scratchnn as tf
import scratchnn.keras as keras
from scratchnn.keras import layers


def as_array(value):
    return np.asarray(keras.ops.convert_to_numpy(value))


def summary_text(model, capsys):
    capsys.readouterr()
    model.summary()
    return capsys.readouterr().out


def copy_to_real_keras(model, build_reference):
    """A real Keras model built by `build_reference`, holding `model`'s weights."""
    reference = build_reference()
    reference.set_weights(model.get_weights())
    return reference


def test_when_to_use_a_sequential_model():
    model = keras.Sequential(
        [
            layers.Dense(2, activation="relu", name="layer1"),
            layers.Dense(3, activation="relu", name="layer2"),
            layers.Dense(4, name="layer3"),
        ]
    )
    x = tf.ones((3, 3))
    y = model(x)
    assert tuple(y.shape) == (3, 4)

    # The same stack written as three layer calls.
    layer1 = layers.Dense(2, activation="relu", name="layer1")
    layer2 = layers.Dense(3, activation="relu", name="layer2")
    layer3 = layers.Dense(4, name="layer3")
    y_chained = layer3(layer2(layer1(x)))
    assert tuple(y_chained.shape) == (3, 4)

    # With the model's weights the chain computes exactly what the model does.
    for standalone, inside in zip((layer1, layer2, layer3), model.layers):
        standalone.set_weights(inside.get_weights())
    np.testing.assert_allclose(as_array(layer3(layer2(layer1(x)))), as_array(y), rtol=0, atol=0)

    def reference():
        ref = real_keras.Sequential(
            [
                real_keras.layers.Dense(2, activation="relu"),
                real_keras.layers.Dense(3, activation="relu"),
                real_keras.layers.Dense(4),
            ]
        )
        ref(np.ones((3, 3), "float32"))
        return ref

    expected = copy_to_real_keras(model, reference)(np.ones((3, 3), "float32"))
    np.testing.assert_allclose(as_array(y), np.asarray(expected), atol=1e-6)


def test_creating_a_sequential_model():
    model = keras.Sequential(
        [
            layers.Dense(2, activation="relu"),
            layers.Dense(3, activation="relu"),
            layers.Dense(4),
        ]
    )
    assert [type(layer).__name__ for layer in model.layers] == ["Dense"] * 3

    model = keras.Sequential()
    model.add(layers.Dense(2, activation="relu"))
    model.add(layers.Dense(3, activation="relu"))
    model.add(layers.Dense(4))
    popped = model.pop()
    assert len(model.layers) == 2
    assert popped.units == 4

    model = keras.Sequential(name="my_sequential")
    model.add(layers.Dense(2, activation="relu", name="layer1"))
    model.add(layers.Dense(3, activation="relu", name="layer2"))
    model.add(layers.Dense(4, name="layer3"))
    assert model.name == "my_sequential"
    assert [layer.name for layer in model.layers] == ["layer1", "layer2", "layer3"]


def test_specifying_the_input_shape_in_advance(capsys):
    layer = layers.Dense(3)
    assert layer.weights == []
    x = tf.ones((1, 4))
    layer(x)
    assert [tuple(w.shape) for w in layer.weights] == [(4, 3), (3,)]

    model = keras.Sequential(
        [
            layers.Dense(2, activation="relu"),
            layers.Dense(3, activation="relu"),
            layers.Dense(4),
        ]
    )
    # Unbuilt: no weights yet (Keras 3 returns an empty list rather than raising).
    assert model.weights == []
    model(tf.ones((1, 4)))
    assert len(model.weights) == 6
    assert "Total params: 35" in summary_text(model, capsys)
    assert [layer.count_params() for layer in model.layers] == [10, 9, 16]

    model = keras.Sequential()
    model.add(keras.Input(shape=(4,)))
    model.add(layers.Dense(2, activation="relu"))
    text = summary_text(model, capsys)
    assert "(None, 2)" in text and "Total params: 10" in text
    # The Input is not a layer of the model.
    assert len(model.layers) == 1

    model = keras.Sequential()
    model.add(layers.Dense(2, activation="relu", input_shape=(4,)))
    text = summary_text(model, capsys)
    assert "(None, 2)" in text and "Total params: 10" in text
    # An input shape given in advance builds the weights before any data is seen.
    assert len(model.weights) == 2


def _debugging_stack(api, first_half_only=False):
    model = api.Sequential()
    model.add(api.Input(shape=(250, 250, 3)))
    model.add(api.layers.Conv2D(32, 5, strides=2, activation="relu"))
    model.add(api.layers.Conv2D(32, 3, activation="relu"))
    model.add(api.layers.MaxPooling2D(3))
    if first_half_only:
        return model
    model.add(api.layers.Conv2D(32, 3, activation="relu"))
    model.add(api.layers.Conv2D(32, 3, activation="relu"))
    model.add(api.layers.MaxPooling2D(3))
    model.add(api.layers.Conv2D(32, 3, activation="relu"))
    model.add(api.layers.Conv2D(32, 3, activation="relu"))
    model.add(api.layers.MaxPooling2D(2))
    return model


def test_debugging_workflow_add_and_summary(capsys):
    model = _debugging_stack(keras, first_half_only=True)
    assert "(None, 40, 40, 32)" in summary_text(model, capsys)

    model = _debugging_stack(keras)
    text = summary_text(model, capsys)
    assert "(None, 4, 4, 32)" in text
    reference = _debugging_stack(real_keras)
    assert model.count_params() == reference.count_params()

    model.add(layers.GlobalMaxPooling2D())
    model.add(layers.Dense(10))
    reference.add(real_keras.layers.GlobalMaxPooling2D())
    reference.add(real_keras.layers.Dense(10))
    assert "(None, 10)" in summary_text(model, capsys)
    assert model.count_params() == reference.count_params()
    assert tuple(model(tf.ones((1, 250, 250, 3))).shape) == (1, 10)


def _three_conv_model(middle_name=None):
    return keras.Sequential(
        [
            keras.Input(shape=(250, 250, 3)),
            layers.Conv2D(32, 5, strides=2, activation="relu"),
            layers.Conv2D(32, 3, activation="relu", name=middle_name),
            layers.Conv2D(32, 3, activation="relu"),
        ]
    )


def test_feature_extraction_all_layers():
    initial_model = _three_conv_model()
    feature_extractor = keras.Model(
        inputs=initial_model.inputs,
        outputs=[layer.output for layer in initial_model.layers],
    )
    x = tf.ones((1, 250, 250, 3))
    features = feature_extractor(x)
    assert [tuple(f.shape) for f in features] == [(1, 123, 123, 32), (1, 121, 121, 32), (1, 119, 119, 32)]

    # The last feature map is the model's own output.
    np.testing.assert_allclose(as_array(features[-1]), as_array(initial_model(x)), atol=1e-6)


def test_feature_extraction_one_layer():
    initial_model = _three_conv_model(middle_name="my_intermediate_layer")
    feature_extractor = keras.Model(
        inputs=initial_model.inputs,
        outputs=initial_model.get_layer(name="my_intermediate_layer").output,
    )
    features = feature_extractor(tf.ones((1, 250, 250, 3)))
    assert tuple(features.shape) == (1, 121, 121, 32)


def _mlp(api):
    return api.Sequential(
        [
            # The guide's code block writes shape=(784), an int, which Keras 3 refuses.
            api.Input(shape=(784,)),
            api.layers.Dense(32, activation="relu"),
            api.layers.Dense(32, activation="relu"),
            api.layers.Dense(32, activation="relu"),
            api.layers.Dense(10),
        ]
    )


def test_transfer_learning_freeze_all_but_last(tmp_path):
    rng = np.random.default_rng(1)
    x = rng.random((64, 784), dtype=np.float32)
    y = rng.integers(0, 10, 64)

    # "Pre-trained" weights: a model of the same architecture, saved to a weights file.
    pretrained = _mlp(keras)
    pretrained.save_weights(str(tmp_path / "pretrained.weights.h5"))

    model = _mlp(keras)
    model.load_weights(str(tmp_path / "pretrained.weights.h5"))
    for layer in model.layers[:-1]:
        layer.trainable = False
    model.compile(optimizer="adam", loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    before = [w.copy() for w in model.get_weights()]
    model.fit(x, y, epochs=1, batch_size=16, verbose=0)
    after = model.get_weights()

    for old, new in zip(before[:-2], after[:-2]):
        np.testing.assert_array_equal(old, new)
    assert not np.array_equal(before[-2], after[-2])
    assert len(model.trainable_weights) == 2


def test_transfer_learning_frozen_base_model():
    rng = np.random.default_rng(2)
    images = rng.random((32, 12, 12, 3), dtype=np.float32)
    labels = rng.integers(0, 10, 32)

    # A small convolutional base (in the guide: Xception with ImageNet weights, pooling="avg").
    base_input = keras.Input(shape=(12, 12, 3))
    features = layers.Conv2D(8, 3, activation="relu")(base_input)
    features = layers.GlobalAveragePooling2D()(features)
    base_model = keras.Model(base_input, features)

    base_model.trainable = False
    model = keras.Sequential([base_model, layers.Dense(10)])
    model.compile(optimizer="adam", loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    base_before = [w.copy() for w in base_model.get_weights()]
    history = model.fit(images, labels, epochs=2, batch_size=8, verbose=0)

    for old, new in zip(base_before, base_model.get_weights()):
        np.testing.assert_array_equal(old, new)
    assert len(model.trainable_weights) == 2
    assert history.history["loss"][-1] < history.history["loss"][0]
