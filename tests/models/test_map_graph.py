"""One walk of a functional graph (`map_graph`) gives the order the calls run in and Keras's layer order."""

import keras as real
import numpy as np
import pytest

import scratchnn.keras as keras
from scratchnn.models.functional import map_graph


def _branchy(lib):
    """Two inputs, a layer shared by both branches, a merge, and a skip connection."""
    a, b = lib.Input((4,), name="a"), lib.Input((4,), name="b")
    shared = lib.layers.Dense(4, name="shared")
    left = lib.layers.Dense(3, name="left")(shared(a))
    right = lib.layers.Dense(3, name="right")(lib.layers.Dense(4, name="pre")(shared(b)))
    merged = lib.layers.Concatenate(name="merge")([left, right, lib.layers.Dense(3, name="skip")(a)])
    return lib.Model([a, b], lib.layers.Dense(2, name="head")(merged))


def test_layer_order_is_keras_order():
    ours, theirs = _branchy(keras), _branchy(real)
    assert [layer.name for layer in ours.layers] == [layer.name for layer in theirs.layers]


def test_nodes_run_after_the_nodes_they_need():
    model = _branchy(keras)
    seen = set()
    for node in model._nodes:
        for t in node.input_tensors:
            layer, index, _ = t._keras_history
            assert id(layer._inbound_nodes[index]) in seen
        seen.add(id(node))
    nodes, layers = map_graph(model._flat_inputs, model._flat_outputs)
    assert nodes == model._nodes and layers == model.layers


def test_the_replayed_graph_computes_what_keras_computes():
    ours, theirs = _branchy(keras), _branchy(real)
    theirs.set_weights(ours.get_weights())
    x = [np.random.default_rng(0).standard_normal((5, 4)).astype("float32") for _ in range(2)]
    np.testing.assert_allclose(ours.predict(x, verbose=0), theirs.predict(x, verbose=0), rtol=1e-5, atol=1e-6)


def test_an_input_not_given_to_the_model_is_refused():
    a, b = keras.Input((2,)), keras.Input((2,))
    out = keras.layers.Add()([a, keras.layers.Dense(2)(b)])
    with pytest.raises(ValueError, match="Graph disconnected"):
        keras.Model(a, out)


def test_inputs_must_be_keras_inputs():
    a = keras.Input((2,))
    hidden = keras.layers.Dense(2)(a)
    with pytest.raises(ValueError, match="must come from keras.Input"):
        keras.Model([a, hidden], keras.layers.Dense(1)(hidden))
