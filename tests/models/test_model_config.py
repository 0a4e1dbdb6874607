"""Model configs: `get_config` / `from_config` and `to_json` / `model_from_json`, against real Keras 3.

As the guides "Save, serialize, and export models" and "The Functional API" use them: layers,
Sequential and functional models (nested models, shared layers, several inputs and outputs), and a
custom layer passed with `custom_objects=`.
"""

import json

import keras
import numpy as np
import pytest

import scratchnn.keras as sk


def _graph(api):
    """Two inputs through one shared layer, a nested functional encoder called twice, a nested Sequential."""
    L = api.layers
    enc_in = api.Input((6,), name="enc_in")
    encoder = api.Model(enc_in, L.Dense(3, activation="relu", name="enc_dense")(enc_in), name="encoder")
    head = api.Sequential([api.Input((3,), name="head_in"), L.Dense(2, name="head_dense")], name="head")
    a, b = api.Input((6,), name="a"), api.Input((6,), name="b")
    shared = L.Dense(6, name="shared")
    ea, eb = encoder(shared(a)), encoder(shared(b))
    out = head(L.Add(name="add")([ea, eb]))
    return api.Model([a, b], [out, ea], name="top")


def _normalize(config):
    """Drops what differs by design: DTypePolicy dicts (scratchnn writes names), Keras-only keys."""
    if isinstance(config, dict):
        if config.get("class_name") == "DTypePolicy":
            return config["config"]["name"]
        skip = {"quantization_config", "optional", "ragged", "sparse", "build_config", "compile_config"}
        out = {k: _normalize(v) for k, v in config.items() if k not in skip}
        if out.get("kwargs") == {"mask": None}:  # Keras passes mask=None to nested models
            out["kwargs"] = {}
        return out
    if isinstance(config, (list, tuple)):
        return [_normalize(v) for v in config]
    return config


def _inputs(rng):
    return [rng.random((3, 6)).astype("float32"), rng.random((3, 6)).astype("float32")]


def test_nested_and_shared_functional_config_matches_keras():
    ours = _normalize(json.loads(json.dumps(_graph(sk).get_config())))
    theirs = _normalize(json.loads(json.dumps(_graph(keras).get_config())))
    assert ours == theirs


@pytest.mark.parametrize("writer", ["scratchnn", "keras"])
def test_functional_from_config_rebuilds_the_same_graph(writer, rng):
    reference = _graph(sk)
    config = json.loads(json.dumps(_graph(sk if writer == "scratchnn" else keras).get_config()))
    rebuilt = sk.Model.from_config(config)
    assert [layer.name for layer in rebuilt.layers] == [layer.name for layer in reference.layers]
    rebuilt.set_weights(reference.get_weights())
    x = _inputs(rng)
    for got, want in zip(rebuilt.predict(x, verbose=0), reference.predict(x, verbose=0)):
        np.testing.assert_allclose(got, want, rtol=1e-6)
    # The shared layer is one layer with two calls; the encoder one model called twice.
    assert len(rebuilt.get_layer("shared")._inbound_nodes) == 2
    assert len(rebuilt.get_layer("encoder")._inbound_nodes) == 2


def test_keras_rebuilds_scratchnn_functional_config(rng):
    model = _graph(sk)
    rebuilt = keras.Model.from_config(json.loads(json.dumps(model.get_config())))
    rebuilt.set_weights(model.get_weights())
    x = _inputs(rng)
    for got, want in zip(rebuilt.predict(x, verbose=0), model.predict(x, verbose=0)):
        np.testing.assert_allclose(np.asarray(got), want, rtol=1e-5, atol=1e-6)


def test_guide_layer_sequential_and_functional_from_config():
    layer = sk.layers.Dense(3, activation="relu")
    assert sk.layers.Dense.from_config(layer.get_config()).get_config() == layer.get_config()
    model = sk.Sequential([sk.Input((32,)), sk.layers.Dense(1)])
    again = sk.Sequential.from_config(model.get_config())
    assert again.get_config() == model.get_config()
    inputs = sk.Input((32,))
    model = sk.Model(inputs, sk.layers.Dense(1)(inputs))
    again = sk.Model.from_config(model.get_config())
    assert type(again).__name__ == "Functional" and again.get_config() == model.get_config()
    assert sk.models.Functional.from_config(model.get_config()).get_config() == model.get_config()


def test_functional_guide_custom_layer_with_custom_objects(rng):
    class CustomDense(sk.layers.Layer):
        def __init__(self, units=32):
            super().__init__()
            self.units = units

        def build(self, input_shape):
            self.w = self.add_weight(
                shape=(input_shape[-1], self.units), initializer="random_normal", trainable=True
            )
            self.b = self.add_weight(shape=(self.units,), initializer="random_normal", trainable=True)

        def call(self, inputs):
            return sk.ops.matmul(inputs, self.w) + self.b

        def get_config(self):
            return {"units": self.units}

    inputs = sk.Input((4,))
    model = sk.Model(inputs, CustomDense(10)(inputs))
    config = model.get_config()
    with pytest.raises(
        ValueError, match="Unknown layer class 'CustomDense'.*custom_objects=\\{'CustomDense': CustomDense\\}"
    ):
        sk.Model.from_config(config)
    new_model = sk.Model.from_config(config, custom_objects={"CustomDense": CustomDense})
    assert isinstance(new_model.layers[1], CustomDense) and new_model.layers[1].units == 10
    new_model.set_weights(model.get_weights())
    x = rng.random((2, 4)).astype("float32")
    np.testing.assert_allclose(new_model.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-6)


def test_to_json_and_model_from_json_match_keras():
    def compiled(api):
        model = api.Sequential([api.Input((3,)), api.layers.Dense(2, name="d")], name="s")
        model.compile(optimizer=api.optimizers.Adam(name="adam"), loss="mse", metrics=["mae"])
        return model

    ours, theirs = json.loads(compiled(sk).to_json()), json.loads(compiled(keras).to_json())
    # Keras also writes a Sequential's build_config; scratchnn leaves it out (its config already holds
    # the input, and files stay loadable by older Keras 3 releases, KERAS_NOTES 1.2).
    assert list(ours) == [key for key in theirs if key != "build_config"]
    assert list(ours)[-1] == "compile_config"
    for key in ("loss", "metrics", "loss_weights", "weighted_metrics"):
        assert ours["compile_config"][key] == theirs["compile_config"][key]
    assert ours["compile_config"]["optimizer"] == theirs["compile_config"]["optimizer"]
    model = sk.models.model_from_json(compiled(sk).to_json())
    assert model.compiled and type(model.optimizer).__name__ == "Adam"
    plain = sk.Sequential([sk.Input((32,)), sk.layers.Dense(1)])
    rebuilt = sk.models.model_from_json(plain.to_json(indent=2))
    assert rebuilt.get_config() == plain.get_config() and not rebuilt.compiled
    keras_model = keras.models.model_from_json(plain.to_json())
    assert keras_model.layers[0].units == 1
    assert (
        sk.models.model_from_json(keras.Sequential([keras.Input((3,)), keras.layers.Dense(4)]).to_json())
        .layers[0]
        .units
        == 4
    )
    with pytest.raises(ValueError, match="not JSON|JSON text"):
        sk.models.model_from_json("{not json")
    with pytest.raises(ValueError, match="does not describe a model"):
        sk.models.model_from_json("[1, 2]")


def test_subclassed_model_from_config(rng):
    class Mlp(sk.Model):
        def __init__(self, units, **kwargs):
            super().__init__(**kwargs)
            self.units = units
            self.dense = sk.layers.Dense(units)

        def call(self, inputs):
            return self.dense(inputs)

        def get_config(self):
            return {**super().get_config(), "units": self.units}

    model = Mlp(3, name="mlp")
    again = Mlp.from_config(model.get_config())
    assert isinstance(again, Mlp) and again.units == 3 and again.name == "mlp"

    class NoConfig(Mlp):
        def get_config(self):
            return sk.Model.get_config(self)

    with pytest.raises(TypeError, match="Unable to revive NoConfig.*units"):
        NoConfig.from_config(NoConfig(2).get_config())
