"""`keras.models.clone_model`: same architecture, new layers and weights, checked against real Keras 3."""

import json

import keras
import numpy as np
import pytest

import scratchnn.keras as sk


def _sequential(api):
    return api.Sequential(
        [
            api.Input((5,), name="x"),
            api.layers.Dense(4, activation="relu", name="d1"),
            api.layers.Dense(2, name="d2"),
        ],
        name="seq",
    )


def _functional(api):
    """Shared layer and a nested functional model, as in the functional API guide."""
    inner_in = api.Input((4,), name="inner_in")
    inner = api.Model(inner_in, api.layers.Dense(3, name="inner_dense")(inner_in), name="inner")
    a, b = api.Input((5,), name="a"), api.Input((5,), name="b")
    shared = api.layers.Dense(4, name="shared")
    merged = api.layers.Concatenate(name="concat")([inner(shared(a)), inner(shared(b))])
    return api.Model([a, b], api.layers.Dense(1, name="out")(merged), name="fun")


def _data(rng, model):
    if isinstance(model, sk.Sequential):
        return rng.random((3, *model.input_shape[1:])).astype("float32")
    return [rng.random((3, *t.shape[1:])).astype("float32") for t in model.inputs]


def _structure(model):
    return [(type(layer).__name__, layer.name) for layer in model.layers]


@pytest.mark.parametrize("build", [_sequential, _functional], ids=["sequential", "functional"])
def test_clone_has_the_same_architecture_and_new_weights(build, rng):
    model = build(sk)
    clone = sk.models.clone_model(model)
    assert type(clone) is type(model)
    assert _structure(clone) == _structure(model)
    # Keras's clone of the same model has the same layers and names.
    assert _structure(clone) == _structure(keras.models.clone_model(build(keras)))
    assert json.dumps(clone.get_config()) == json.dumps(model.get_config())
    ours, theirs = clone.weights, model.weights
    assert len(ours) == len(theirs)
    assert not {id(v) for v in ours} & {id(v) for v in theirs}
    assert not {id(layer) for layer in clone.layers} & {id(layer) for layer in model.layers}
    kernels = [(a, b) for a, b in zip(clone.get_weights(), model.get_weights()) if a.ndim == 2]
    assert kernels and all(not np.allclose(a, b) for a, b in kernels)
    clone.set_weights(model.get_weights())
    x = _data(rng, model)
    np.testing.assert_allclose(clone.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-6)


def test_shared_layers_stay_shared_in_the_clone():
    clone = sk.models.clone_model(_functional(sk))
    assert len(clone.get_layer("shared")._inbound_nodes) == 2
    assert len(clone.get_layer("inner")._inbound_nodes) == 2


def test_compiled_model_clone_is_compiled(rng):
    model = _sequential(sk)
    model.compile(optimizer=sk.optimizers.SGD(0.05), loss="mse", metrics=["mae"])
    clone = sk.models.clone_model(model)
    assert clone.compiled and clone.optimizer is not model.optimizer
    assert float(clone.optimizer.learning_rate) == pytest.approx(0.05)
    clone.fit(rng.random((8, 5)), rng.random((8, 2)), verbose=0)


def test_subclassed_model_is_cloned_through_its_config(rng):
    class Mlp(sk.Model):
        def __init__(self, units, **kwargs):
            super().__init__(**kwargs)
            self.units = units
            self.hidden = sk.layers.Dense(units, activation="relu")
            self.out = sk.layers.Dense(1)

        def call(self, inputs):
            return self.out(self.hidden(inputs))

        def get_config(self):
            return {**super().get_config(), "units": self.units}

    model = Mlp(6)
    x = rng.random((4, 3)).astype("float32")
    model(x)
    clone = sk.models.clone_model(model)
    assert isinstance(clone, Mlp) and clone.units == 6
    assert clone.built and [w.shape for w in clone.weights] == [w.shape for w in model.weights]
    assert not {id(v) for v in clone.weights} & {id(v) for v in model.weights}
    clone.set_weights(model.get_weights())
    np.testing.assert_allclose(clone.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-6)
    with pytest.raises(ValueError, match="only supported for Sequential and functional"):
        sk.models.clone_model(model, clone_function=lambda layer: layer)


def test_clone_function_call_function_and_input_tensors(rng):
    model = _sequential(sk)

    def seeded(layer):
        config = layer.get_config()
        if "kernel_initializer" in config:
            config["kernel_initializer"] = sk.initializers.serialize(sk.initializers.GlorotUniform(seed=1337))
        return type(layer).from_config(config)

    a, b = (
        sk.models.clone_model(model, clone_function=seeded),
        sk.models.clone_model(model, clone_function=seeded),
    )
    for wa, wb in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_array_equal(wa, wb)
    # Sharing the layers themselves: the clone computes with the very same weights.
    same = sk.models.clone_model(model, clone_function=lambda layer: layer)
    assert same.layers[0] is model.layers[0]
    new_input = sk.Input((5,), name="new_input")
    on_input = sk.models.clone_model(model, input_tensors=new_input)
    assert on_input._input_layer.name == "new_input"

    fun = _functional(sk)

    def add_dropout(layer, *args, **kwargs):
        out = layer(*args, **kwargs)
        return sk.layers.Dropout(0.5)(out) if isinstance(layer, sk.layers.Dense) else out

    with_dropout = sk.models.clone_model(fun, clone_function=lambda layer: layer, call_function=add_dropout)
    assert (
        sum(isinstance(layer, sk.layers.Dropout) for layer in with_dropout.layers) == 3
    )  # shared (x2) and out
    x = _data(rng, fun)
    np.testing.assert_allclose(with_dropout.predict(x, verbose=0), fun.predict(x, verbose=0), rtol=1e-6)
    inputs = [sk.Input((5,), name="p"), sk.Input((5,), name="q")]
    on_inputs = sk.models.clone_model(fun, input_tensors=inputs)
    assert on_inputs.input_names == ["p", "q"]


def test_recursive_clone_of_nested_models():
    fun = _functional(sk)
    shallow = sk.models.clone_model(fun)
    deep = sk.models.clone_model(
        fun, recursive=True, clone_function=lambda layer: type(layer).from_config(layer.get_config())
    )
    for clone in (shallow, deep):
        inner = clone.get_layer("inner")
        assert inner is not fun.get_layer("inner")
        assert inner.layers[1] is not fun.get_layer("inner").layers[1]
        assert _structure(inner) == _structure(fun.get_layer("inner"))


def test_bad_clone_arguments():
    model = _sequential(sk)
    with pytest.raises(ValueError, match="Unexpected keyword argument"):
        sk.models.clone_model(model, nope=1)
    with pytest.raises(ValueError, match="`call_function` is not supported with Sequential"):
        sk.models.clone_model(model, call_function=lambda layer, *a, **k: layer(*a, **k))
    with pytest.raises(ValueError, match="must hold a single tensor"):
        sk.models.clone_model(model, input_tensors=[sk.Input((5,)), sk.Input((5,))])
    with pytest.raises(ValueError, match="from `keras.Input`"):
        sk.models.clone_model(model, input_tensors=np.zeros((1, 5)))
    with pytest.raises(ValueError, match="must hold 2 KerasTensor"):
        sk.models.clone_model(_functional(sk), input_tensors=[sk.Input((5,))])
    with pytest.raises(ValueError, match="Expected `clone_function` to be a callable"):
        sk.models.clone_model(model, clone_function=3)
    with pytest.raises(ValueError, match="Expected a keras Model"):
        sk.models.clone_model(sk.layers.Dense(2))
