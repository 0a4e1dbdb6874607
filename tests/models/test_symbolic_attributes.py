"""model.inputs/outputs/input/output, layer.input/output and the shapes: Keras's symbolic tensors.

Feature extraction, `keras.Model(inputs=model.inputs, outputs=[l.output for l in model.layers])`,
must give every layer's activations of a Sequential CNN, as in Keras.
"""

import keras
import numpy as np
import pytest

import scratchnn.keras as sk


def _cnn(api):
    L = api.layers
    return api.Sequential(
        [
            L.Input((12, 12, 1)),
            L.Conv2D(4, 3, activation="relu"),
            L.MaxPooling2D(),
            L.Conv2D(6, 3, padding="same", activation="relu"),
            L.Flatten(),
            L.Dense(5, activation="softmax"),
        ]
    )


def test_sequential_graph_attributes_match_keras():
    ours, theirs = _cnn(sk), _cnn(keras)
    assert [t.shape for t in ours.inputs] == [t.shape for t in theirs.inputs] == [(None, 12, 12, 1)]
    assert [t.shape for t in ours.outputs] == [t.shape for t in theirs.outputs] == [(None, 5)]
    assert ours.input_shape == theirs.input_shape and ours.output_shape == theirs.output_shape
    assert ours.input is ours.inputs[0] and ours.output is ours.outputs[0]
    for a, b in zip(ours.layers, theirs.layers):
        assert a.input.shape == b.input.shape and a.output.shape == b.output.shape, a.name
        assert a.input_shape == b.input.shape and a.output_shape == b.output.shape
    # Each layer's input is the previous layer's output: one connected graph.
    for before, after in zip(ours.layers, ours.layers[1:]):
        assert after.input is before.output
    assert ours.layers[0].input is ours.inputs[0] and ours.layers[-1].output is ours.outputs[0]


def test_feature_extraction_gives_every_layers_activations(rng):
    model = _cnn(sk)
    extractor = sk.Model(inputs=model.inputs, outputs=[layer.output for layer in model.layers])
    x = rng.random((3, 12, 12, 1)).astype("float32")
    features = extractor(x)
    assert len(features) == len(model.layers)
    h = sk.ops.convert_to_tensor(x)
    for layer, feature in zip(model.layers, features):
        h = layer(h)
        np.testing.assert_allclose(feature.numpy(), h.numpy(), rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(features[-1].numpy(), model.predict(x, verbose=0), rtol=1e-6)
    # tf.keras code writes model.input and a single layer's output.
    second = sk.Model(inputs=model.input, outputs=model.layers[2].output)
    np.testing.assert_allclose(second.predict(x, verbose=0), features[2].numpy(), rtol=1e-6)


def test_feature_extraction_matches_keras(rng):
    ours, theirs = _cnn(sk), _cnn(keras)
    theirs.set_weights(ours.get_weights())
    x = rng.random((2, 12, 12, 1)).astype("float32")
    got = sk.Model(inputs=ours.inputs, outputs=[layer.output for layer in ours.layers]).predict(x, verbose=0)
    want = keras.Model(inputs=theirs.inputs, outputs=[layer.output for layer in theirs.layers]).predict(
        x, verbose=0
    )
    assert len(got) == len(want)
    for a, b in zip(got, want):
        np.testing.assert_allclose(a, b, atol=1e-5)


@pytest.mark.parametrize(
    "make,config_classes",
    [
        (
            lambda: sk.Sequential([sk.layers.Dense(3, input_shape=(5,)), sk.layers.Dense(2)]),
            ["InputLayer", "Dense", "Dense"],
        ),
        (lambda: _built(sk.Sequential([sk.layers.Dense(3), sk.layers.Dense(2)])), ["Dense", "Dense"]),
    ],
)
def test_sequential_without_input_layer_gets_a_graph_once_its_shape_is_known(make, config_classes):
    ours = make()
    assert ours.input_shape == (None, 5) and ours.output_shape == (None, 2)
    assert ours.layers[0].input is ours.inputs[0] and ours.layers[1].output is ours.outputs[0]
    assert not any(isinstance(layer, sk.layers.InputLayer) for layer in ours.layers)
    # The graph's own input layer is not added to the saved config.
    assert [c["class_name"] for c in ours.get_config()["layers"]] == config_classes


def _built(model):
    model.build((None, 5))
    return model


def test_sequential_built_by_calling_on_data(rng):
    model = sk.Sequential([sk.layers.Dense(3), sk.layers.Dense(2)])
    model(rng.random((4, 7)).astype("float32"))
    assert model.input_shape == (None, 7) and model.layers[1].output.shape == (None, 2)


def test_add_and_pop_keep_one_node_per_layer(rng):
    model = sk.Sequential([sk.layers.Input((6,))])
    dense = [sk.layers.Dense(n, activation="relu") for n in (5, 4, 3)]
    for layer in dense:
        model.add(layer)
    # The graph grows with each add; earlier layers are not called again.
    assert [len(layer._inbound_nodes) for layer in dense] == [1, 1, 1]
    assert model.output is dense[-1].output and model.output_shape == (None, 3)
    model.pop()
    assert model.output is dense[1].output and model.output_shape == (None, 4)
    model.add(sk.layers.Dense(2))
    assert model.output_shape == (None, 2) and model.layers[-1].input is dense[1].output
    x = rng.random((3, 6)).astype("float32")
    features = sk.Model(model.inputs, [layer.output for layer in model.layers]).predict(x, verbose=0)
    np.testing.assert_allclose(features[-1], model.predict(x, verbose=0), rtol=1e-6)
    # A model built from a shape alone keeps it through pop and add.
    shaped = sk.Sequential([sk.layers.Dense(3), sk.layers.Dense(2)])
    shaped.build((None, 5))
    shaped.pop()
    assert shaped.built and shaped.output_shape == (None, 3)


@pytest.mark.parametrize("attr", ["inputs", "outputs", "input", "output", "input_shape", "output_shape"])
def test_unbuilt_sequential_raises_attribute_error_as_keras(attr):
    ours = sk.Sequential([sk.layers.Dense(3)], name="unbuilt")
    theirs = keras.Sequential([keras.layers.Dense(3)])
    with pytest.raises(AttributeError):
        getattr(theirs, attr)
    with pytest.raises(AttributeError, match="Sequential model 'unbuilt' has no defined"):
        getattr(ours, attr)
    assert not hasattr(ours, attr)  # hasattr/getattr(..., default) code paths see "absent", as in Keras


@pytest.mark.parametrize("attr", ["input", "output", "input_shape", "output_shape"])
def test_never_called_layer_raises_attribute_error(attr):
    with pytest.raises(AttributeError, match="has never been called"):
        getattr(sk.layers.Dense(3, name="lonely"), attr)
    with pytest.raises(AttributeError):
        getattr(keras.layers.Dense(3), "input" if attr.startswith("input") else "output")


def test_layer_called_several_times():
    ours, theirs = sk.layers.Dense(3), keras.layers.Dense(3)
    a, b = sk.Input((4,)), sk.Input((4,))
    ya, _ = ours(a), ours(b)
    ka, kb = keras.Input((4,)), keras.Input((4,))
    kya, _ = theirs(ka), theirs(kb)
    # Keras 3: input/output are those of the first call.
    assert ours.input is a and ours.output is ya
    assert theirs.input is ka and theirs.output is kya
    assert ours.input_shape == (None, 4) and ours.output_shape == (None, 3)
    ours(sk.Input((5, 4)))
    # Shapes that differ between calls have no single answer (tf.keras's error).
    with pytest.raises(AttributeError, match="multiple inbound nodes, with different input shapes"):
        _ = ours.input_shape
    with pytest.raises(AttributeError, match="different output shapes"):
        _ = ours.output_shape
    assert ours.input is a


def test_input_layer_attributes_match_keras():
    ours, theirs = sk.Input((4,), name="x"), keras.Input((4,), name="x")
    ours_layer, theirs_layer = ours._keras_history[0], theirs._keras_history[0]
    assert ours_layer.output is ours and theirs_layer.output is theirs
    assert ours_layer.input == [] == theirs_layer.input
    assert ours_layer.input_shape == (None, 4)


def test_functional_model_attributes_match_keras():
    def build(api):
        a, b = api.Input((4,)), api.Input((3,))
        single = api.Model(a, api.layers.Dense(2)(a))
        double = api.Model([a, b], [api.layers.Dense(2)(a), api.layers.Dense(5)(b)])
        return single, double

    (s1, d1), (s2, d2) = build(sk), build(keras)
    assert s1.input is s1.inputs[0] and s1.output is s1.outputs[0]
    assert s1.input_shape == s2.input_shape == (None, 4) and s1.output_shape == s2.output_shape == (None, 2)
    assert [t.shape for t in d1.input] == [t.shape for t in d2.input]
    assert d1.input_shape == d2.input_shape and d1.output_shape == d2.output_shape


def test_sequential_nested_in_a_functional_model(rng):
    inner = sk.Sequential([sk.Input((4,)), sk.layers.Dense(3, activation="relu")])
    outer_in = sk.Input((4,))
    outer = sk.Model(outer_in, sk.layers.Dense(2)(inner(outer_in)))
    x = rng.random((2, 4)).astype("float32")
    expected = outer.layers[-1](inner(x)).numpy()
    np.testing.assert_allclose(outer.predict(x, verbose=0), expected, rtol=1e-6)
    assert inner.input_shape == (None, 4) and inner.output_shape == (None, 3)
