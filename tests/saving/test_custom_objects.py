"""Custom objects in `.keras` files, as the guide "Save, serialize, and export models" uses them.

Registered, passed in `custom_objects`, or opened in a `custom_object_scope`; custom layers,
activations, losses, metrics and models; and files that real Keras 3 reads (and writes) when the
same classes are registered on both sides.
"""

import json
import zipfile

import keras
import numpy as np
import pytest

import scratchnn.keras as sk


def _register_guide_objects(api):
    """The guide's registered custom layer and custom activation, for scratchnn or Keras."""

    @api.saving.register_keras_serializable(package="MyLayers")
    class CustomLayer(api.layers.Layer):
        def __init__(self, factor):
            super().__init__()
            self.factor = factor

        def call(self, x):
            return x * self.factor

        def get_config(self):
            return {"factor": self.factor}

    @api.saving.register_keras_serializable(package="my_package", name="custom_fn")
    def custom_fn(x):
        return x**2

    return CustomLayer, custom_fn


def _guide_model(api, CustomLayer, custom_fn):
    inputs = api.Input(shape=(4,))
    mid = CustomLayer(0.5)(inputs)
    outputs = api.layers.Dense(1, activation=custom_fn)(mid)
    model = api.Model(inputs, outputs)
    model.compile(optimizer="rmsprop", loss="mean_squared_error")
    return model


def _trained_guide_model(rng, tmp_path):
    CustomLayer, custom_fn = _register_guide_objects(sk)
    model = _guide_model(sk, CustomLayer, custom_fn)
    model.fit(rng.random((4, 4)), rng.random((4, 1)), verbose=0)
    path = tmp_path / "custom_model.keras"
    model.save(path)
    return model, path, CustomLayer, custom_fn


def test_registered_objects_load_without_custom_objects(rng, tmp_path, clean_registry):
    model, path, CustomLayer, custom_fn = _trained_guide_model(rng, tmp_path)
    x = rng.random((4, 4))
    reconstructed = sk.models.load_model(path)
    np.testing.assert_allclose(model.predict(x, verbose=0), reconstructed.predict(x, verbose=0), rtol=1e-6)
    assert isinstance(reconstructed.layers[1], CustomLayer)
    assert reconstructed.layers[2].activation is custom_fn
    layers = json.loads(zipfile.ZipFile(path).read("config.json"))["config"]["layers"]
    assert layers[1]["registered_name"] == "MyLayers>CustomLayer"
    assert layers[2]["config"]["activation"] == {
        "module": "builtins",
        "class_name": "function",
        "config": "my_package>custom_fn",
        "registered_name": "function",
    }


def test_custom_objects_argument_and_scope_load_unregistered_objects(rng, tmp_path, clean_registry):
    model, path, CustomLayer, custom_fn = _trained_guide_model(rng, tmp_path)
    sk.saving.get_custom_objects().clear()  # the file still names "MyLayers>CustomLayer"
    x = rng.random((4, 4))
    expected = model.predict(x, verbose=0)
    custom_objects = {"CustomLayer": CustomLayer, "custom_fn": custom_fn}
    loaded = sk.models.load_model(path, custom_objects=custom_objects)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), expected, rtol=1e-6)
    with sk.saving.custom_object_scope(custom_objects):
        loaded = sk.models.load_model(path)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), expected, rtol=1e-6)


def test_missing_custom_objects_name_the_class_and_how_to_pass_it(rng, tmp_path, clean_registry):
    _, path, CustomLayer, custom_fn = _trained_guide_model(rng, tmp_path)
    sk.saving.get_custom_objects().clear()
    with pytest.raises(
        ValueError, match=r"Unknown layer class 'CustomLayer' \(registered name 'MyLayers>CustomLayer'\)"
    ) as info:
        sk.models.load_model(path)
    assert "custom_objects={'CustomLayer': CustomLayer}" in str(info.value)
    assert "register_keras_serializable" in str(info.value)
    with pytest.raises(
        ValueError, match=r"Unknown activation 'my_package>custom_fn'\. If it.*\{'custom_fn': custom_fn\}"
    ):
        sk.models.load_model(path, custom_objects={"CustomLayer": CustomLayer})


def test_custom_loss_metric_and_model_round_trip(rng, tmp_path, clean_registry):
    @sk.saving.register_keras_serializable(package="t")
    def scaled_mse(y_true, y_pred):
        return 2.0 * sk.ops.mean(sk.ops.square(y_true - y_pred), axis=-1)

    @sk.saving.register_keras_serializable(package="t")
    class MeanPrediction(sk.metrics.Metric):
        def __init__(self, name="mean_prediction", **kwargs):
            super().__init__(name=name, **kwargs)
            self.total = self.add_weight(name="total", initializer="zeros")
            self.count = self.add_weight(name="count", initializer="zeros")

        def update_state(self, y_true, y_pred, sample_weight=None):
            self.total.assign(self.total + sk.ops.sum(y_pred))
            self.count.assign(self.count + float(np.prod(y_pred.shape)))

        def result(self):
            return self.total / self.count

    @sk.saving.register_keras_serializable(package="t")
    class TwoDense(sk.Model):
        def __init__(self, hidden_units, **kwargs):
            super().__init__(**kwargs)
            self.hidden_units = hidden_units
            self.dense_layers = [sk.layers.Dense(u) for u in hidden_units]

        def call(self, inputs):
            for layer in self.dense_layers:
                inputs = layer(inputs)
            return inputs

        def get_config(self):
            return {**super().get_config(), "hidden_units": self.hidden_units}

    model = TwoDense([5, 1])
    model.compile(optimizer="adam", loss=scaled_mse, metrics=[MeanPrediction()])
    x, y = rng.random((8, 3)), rng.random((8, 1))
    model.fit(x, y, epochs=2, verbose=0)
    model.save(tmp_path / "sub.keras")
    loaded = sk.models.load_model(tmp_path / "sub.keras")
    assert isinstance(loaded, TwoDense) and loaded.hidden_units == [5, 1]
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-6)
    np.testing.assert_allclose(loaded.evaluate(x, y, verbose=0), model.evaluate(x, y, verbose=0), rtol=1e-5)
    compile_config = json.loads(zipfile.ZipFile(tmp_path / "sub.keras").read("config.json"))["compile_config"]
    assert compile_config["loss"]["config"] == "t>scaled_mse"
    assert compile_config["metrics"][0]["registered_name"] == "t>MeanPrediction"
    loaded.fit(x, y, verbose=0)  # the restored loss and metric train


def _keras_twins(api):
    """A custom layer with a weight and a custom activation, the same in scratchnn and Keras."""

    @api.saving.register_keras_serializable(package="interop")
    class Linear(api.layers.Layer):
        def __init__(self, units=3, **kwargs):
            super().__init__(**kwargs)
            self.units = units

        def build(self, input_shape):
            self.w = self.add_weight(
                shape=(input_shape[-1], self.units), initializer="random_normal", name="w"
            )

        def call(self, inputs):
            return api.ops.matmul(inputs, self.w)

        def get_config(self):
            return {**super().get_config(), "units": self.units}

    @api.saving.register_keras_serializable(package="interop")
    def cube(x):
        return x * x * x

    return Linear, cube


def _interop_model(api, Linear, cube):
    inputs = api.Input((4,))
    x = Linear(3, name="linear")(inputs)
    outputs = api.layers.Activation(cube, name="cube")(x)
    return api.Model(inputs, outputs)


@pytest.mark.parametrize("direction", ["scratchnn_to_keras", "keras_to_scratchnn"])
def test_registered_custom_layer_files_load_in_the_other_library(direction, rng, tmp_path, clean_registry):
    writer, reader = (sk, keras) if direction == "scratchnn_to_keras" else (keras, sk)
    written = _interop_model(writer, *_keras_twins(writer))
    weights = [rng.normal(size=w.shape).astype("float32") for w in written.get_weights()]
    written.set_weights(weights)
    written.save(tmp_path / "m.keras")
    Linear, _ = _keras_twins(reader)
    loaded = reader.models.load_model(tmp_path / "m.keras")
    assert isinstance(loaded.layers[1], Linear)
    x = rng.random((5, 4)).astype("float32")
    np.testing.assert_allclose(
        np.asarray(loaded.predict(x, verbose=0)),
        np.asarray(written.predict(x, verbose=0)),
        rtol=1e-5,
        atol=1e-6,
    )


def test_custom_layer_with_a_nested_layer_and_initializer_objects(rng, clean_registry):
    """The guide's sublayer pattern: get_config serializes the objects, from_config deserializes them."""

    @sk.saving.register_keras_serializable(package="ComplexModels")
    class Wrapper(sk.layers.Layer):
        def __init__(self, sublayer, scale_initializer=None, **kwargs):
            super().__init__(**kwargs)
            self.sublayer = sublayer
            self.scale_initializer = sk.initializers.get(scale_initializer or "ones")

        def build(self, input_shape):
            self.scale = self.add_weight(shape=(), initializer=self.scale_initializer, name="scale")

        def call(self, x):
            return self.sublayer(x) * self.scale

        def get_config(self):
            return {
                **super().get_config(),
                "sublayer": sk.saving.serialize_keras_object(self.sublayer),
                "scale_initializer": sk.saving.serialize_keras_object(self.scale_initializer),
            }

        @classmethod
        def from_config(cls, config):
            config["sublayer"] = sk.saving.deserialize_keras_object(config.pop("sublayer"))
            config["scale_initializer"] = sk.saving.deserialize_keras_object(config["scale_initializer"])
            return cls(**config)

    layer = Wrapper(sk.layers.Dense(2, activation="tanh"), sk.initializers.Constant(3.0), name="wrapper")
    inputs = sk.Input((4,))
    model = sk.Model(inputs, layer(inputs))
    config = sk.layers.serialize(layer)
    assert config["config"]["sublayer"]["class_name"] == "Dense"
    assert config["config"]["scale_initializer"]["config"] == {"value": 3.0}
    again = sk.layers.deserialize(json.loads(json.dumps(config)))
    assert isinstance(again.sublayer, sk.layers.Dense) and again.sublayer.activation is sk.activations.tanh
    rebuilt = sk.Model.from_config(model.get_config())
    assert float(rebuilt.layers[1].scale.numpy()) == 3.0  # built from its build_config with the initializer
    rebuilt.set_weights(model.get_weights())
    x = rng.random((3, 4)).astype("float32")
    np.testing.assert_allclose(rebuilt.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-6)


def test_guide_config_methods_examples(rng, clean_registry):
    """The guide's appendix: MyDense (objects in get_config) and a layer rebuilding nested layers."""

    @sk.saving.register_keras_serializable(package="MyLayers", name="KernelMult")
    class MyDense(sk.layers.Layer):
        def __init__(
            self, units, *, kernel_regularizer=None, kernel_initializer=None, nested_model=None, **kwargs
        ):
            super().__init__(**kwargs)
            self.hidden_units = units
            self.kernel_regularizer = kernel_regularizer
            self.kernel_initializer = kernel_initializer
            self.nested_model = nested_model

        def get_config(self):
            config = super().get_config()
            config.update(
                {
                    "units": self.hidden_units,
                    "kernel_regularizer": self.kernel_regularizer,
                    "kernel_initializer": self.kernel_initializer,
                    "nested_model": self.nested_model,
                }
            )
            return config

        def build(self, input_shape):
            self.kernel = self.add_weight(
                name="kernel",
                shape=(input_shape[-1], self.hidden_units),
                regularizer=self.kernel_regularizer,
                initializer=self.kernel_initializer,
            )

        def call(self, inputs):
            return sk.ops.matmul(inputs, self.kernel)

    @sk.saving.register_keras_serializable(package="ComplexModels")
    class CustomModel(sk.layers.Layer):
        def __init__(self, first_layer, second_layer=None, **kwargs):
            super().__init__(**kwargs)
            self.first_layer = first_layer
            self.second_layer = second_layer if second_layer is not None else sk.layers.Dense(8)

        def get_config(self):
            return {
                **super().get_config(),
                "first_layer": self.first_layer,
                "second_layer": self.second_layer,
            }

        @classmethod
        def from_config(cls, config):
            config["first_layer"] = sk.layers.deserialize(config["first_layer"])
            config["second_layer"] = sk.layers.deserialize(config["second_layer"])
            return cls(**config)

        def call(self, inputs):
            return self.first_layer(self.second_layer(inputs))

    layer = MyDense(units=16, kernel_regularizer="l1", kernel_initializer="ones")
    config = sk.layers.serialize(MyDense(units=64, nested_model=layer))
    assert config["config"]["nested_model"]["registered_name"] == "MyLayers>KernelMult"
    assert config["module"] == __name__ and config["class_name"] == "MyDense"
    assert isinstance(sk.layers.deserialize(config), MyDense)
    inputs = sk.Input((32,))
    model = sk.Model(inputs, CustomModel(first_layer=layer)(inputs))
    new_model = sk.Model.from_config(model.get_config())
    new_model.set_weights(model.get_weights())
    x = rng.random((2, 32)).astype("float32")
    np.testing.assert_allclose(new_model.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-5)
    regularized = MyDense(
        units=16, kernel_regularizer=sk.regularizers.L1L2(l1=1e-5, l2=1e-4), kernel_initializer="ones"
    )
    assert sk.layers.serialize(regularized)["config"]["kernel_regularizer"] == keras.regularizers.serialize(
        keras.regularizers.L1L2(l1=1e-5, l2=1e-4)
    )


def test_layers_serialize_with_custom_objects_and_from_config():
    class Scaled(sk.layers.Layer):
        def __init__(self, a=1.0, **kwargs):
            super().__init__(**kwargs)
            self.a = a

        def call(self, inputs):
            return inputs * self.a

        def get_config(self):
            return {**super().get_config(), "a": self.a}

    layer = Scaled(5.0)
    again = sk.layers.deserialize(sk.layers.serialize(layer), custom_objects={"Scaled": Scaled})
    assert isinstance(again, Scaled) and again.a == 5.0
    assert Scaled.from_config(layer.get_config()).get_config() == layer.get_config()
    with pytest.raises(ValueError, match="does not describe a layer"):
        sk.layers.deserialize(sk.regularizers.serialize(sk.regularizers.L2()))
