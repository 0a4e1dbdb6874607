"""keras-io guide "Save, serialize, and export models" (guides/serialization_and_saving.py), by section.

The guide imports `keras` and `from keras import ops`; here `import scratchnn.keras as keras` and
`from scratchnn.keras import ops`, on tiny data. Configs are compared against real Keras 3 (JAX):
the same objects serialize to the same structure.

| section                                                   | test / why not                               |
|-----------------------------------------------------------|----------------------------------------------|
| Introduction                                              | skipped: prose only                          |
| How to save and load a model                              | skipped: prose (the calls are tested below)  |
| Setup                                                     | skipped: imports only                        |
| Saving (APIs, example)                                    | test_saving                                  |
| Custom objects (the sublayer get_config/from_config form) | test_custom_objects_with_a_sublayer          |
| Registering custom objects (preferred)                    | test_registering_custom_objects              |
| Passing custom objects to `load_model()`                  | test_passing_custom_objects_to_load_model    |
| Using a custom object scope                               | test_using_a_custom_object_scope             |
| Model serialization: in-memory model cloning              | test_in_memory_model_cloning                 |
| `get_config()` and `from_config()`                        | test_get_config_and_from_config              |
| `to_json()` and `keras.models.model_from_json()`          | test_to_json_and_model_from_json             |
| Arbitrary object serialization and deserialization        | test_arbitrary_object_serialization          |
| APIs for in-memory weight transfer (3 examples)           | test_weight_transfer_* (3 tests)             |
| Saving weights to disk & loading them back                | test_saving_weights_to_disk, *_weight_order  |
| Transfer learning example                                 | test_transfer_learning_example               |
| Appendix: defining the config methods                     | test_defining_the_config_methods, *_override |
| How custom objects are serialized                         | test_how_custom_objects_are_serialized       |
"""

import json

import numpy as np
import pytest

import scratchnn.keras as keras
from scratchnn.saving import registry


def _real_keras():
    import keras as real_keras

    return real_keras


@pytest.fixture
def own_registry():
    """The guide clears and fills the global custom-object registry; give it back afterwards
    (scratchnn's and real Keras's), so other tests keep their registrations."""
    saved = dict(registry.GLOBAL_CUSTOM_OBJECTS), dict(registry.GLOBAL_CUSTOM_NAMES)
    real_objects = _real_keras().saving.get_custom_objects()
    real_saved = dict(real_objects)
    yield
    registry.GLOBAL_CUSTOM_OBJECTS.clear()
    registry.GLOBAL_CUSTOM_OBJECTS.update(saved[0])
    registry.GLOBAL_CUSTOM_NAMES.clear()
    registry.GLOBAL_CUSTOM_NAMES.update(saved[1])
    real_objects.clear()
    real_objects.update(real_saved)


def get_model():
    inputs = keras.Input(shape=(32,))
    outputs = keras.layers.Dense(1)(inputs)
    model = keras.Model(inputs, outputs)
    model.compile(optimizer=keras.optimizers.Adam(), loss="mean_squared_error")
    return model


def test_saving(tmp_path):
    model = get_model()
    rng = np.random.default_rng(0)
    test_input, test_target = rng.random((16, 32)), rng.random((16, 1))
    model.fit(test_input, test_target, verbose=0)
    model.save(tmp_path / "my_model.keras")
    reconstructed_model = keras.models.load_model(tmp_path / "my_model.keras")
    np.testing.assert_allclose(
        model.predict(test_input, verbose=0), reconstructed_model.predict(test_input, verbose=0)
    )
    # The archive holds the optimizer state and the compile config: training resumes.
    assert reconstructed_model.optimizer.iterations.numpy() == model.optimizer.iterations.numpy()
    reconstructed_model.fit(test_input, test_target, verbose=0)


def test_custom_objects_with_a_sublayer():
    class CustomLayer(keras.layers.Layer):
        def __init__(self, sublayer, **kwargs):
            super().__init__(**kwargs)
            self.sublayer = sublayer

        def call(self, x):
            return self.sublayer(x)

        def get_config(self):
            base_config = super().get_config()
            config = {"sublayer": keras.saving.serialize_keras_object(self.sublayer)}
            return {**base_config, **config}

        @classmethod
        def from_config(cls, config):
            sublayer_config = config.pop("sublayer")
            sublayer = keras.saving.deserialize_keras_object(sublayer_config)
            return cls(sublayer, **config)

    layer = CustomLayer(keras.layers.Dense(3, activation="relu", name="inner"), name="outer")
    config = layer.get_config()
    json.dumps(config)  # JSON-safe
    assert config["sublayer"]["class_name"] == "Dense"
    rebuilt = CustomLayer.from_config(config)
    assert rebuilt.name == "outer"
    assert rebuilt.sublayer.get_config() == layer.sublayer.get_config()


def _registered_objects():
    """The guide's registered CustomLayer and custom_fn, and its get_model / train_model."""
    keras.saving.get_custom_objects().clear()

    @keras.saving.register_keras_serializable(package="MyLayers")
    class CustomLayer(keras.layers.Layer):
        def __init__(self, factor):
            super().__init__()
            self.factor = factor

        def call(self, x):
            return x * self.factor

        def get_config(self):
            return {"factor": self.factor}

    @keras.saving.register_keras_serializable(package="my_package", name="custom_fn")
    def custom_fn(x):
        return x**2

    def get_model():
        inputs = keras.Input(shape=(4,))
        mid = CustomLayer(0.5)(inputs)
        outputs = keras.layers.Dense(1, activation=custom_fn)(mid)
        model = keras.Model(inputs, outputs)
        model.compile(optimizer="rmsprop", loss="mean_squared_error")
        return model

    def train_model(model):
        rng = np.random.default_rng(1)
        model.fit(rng.random((4, 4)), rng.random((4, 1)), verbose=0)
        return model

    return CustomLayer, custom_fn, get_model, train_model


TEST_INPUT = np.random.default_rng(2).random((4, 4))


def test_registering_custom_objects(tmp_path, own_registry):
    CustomLayer, custom_fn, get_model, train_model = _registered_objects()
    assert keras.saving.get_registered_name(CustomLayer) == "MyLayers>CustomLayer"
    assert keras.saving.get_registered_name(custom_fn) == "my_package>custom_fn"
    model = train_model(get_model())
    model.save(tmp_path / "custom_model.keras")
    reconstructed_model = keras.models.load_model(tmp_path / "custom_model.keras")
    assert isinstance(reconstructed_model.layers[1], CustomLayer)
    np.testing.assert_allclose(
        model.predict(TEST_INPUT, verbose=0), reconstructed_model.predict(TEST_INPUT, verbose=0)
    )


def test_passing_custom_objects_to_load_model(tmp_path, own_registry):
    CustomLayer, custom_fn, get_model, train_model = _registered_objects()
    model = train_model(get_model())
    model.save(tmp_path / "custom_model.keras")
    reconstructed_model = keras.models.load_model(
        tmp_path / "custom_model.keras", custom_objects={"CustomLayer": CustomLayer, "custom_fn": custom_fn}
    )
    np.testing.assert_allclose(
        model.predict(TEST_INPUT, verbose=0), reconstructed_model.predict(TEST_INPUT, verbose=0)
    )


def test_using_a_custom_object_scope(tmp_path, own_registry):
    CustomLayer, custom_fn, get_model, train_model = _registered_objects()
    model = train_model(get_model())
    model.save(tmp_path / "custom_model.keras")
    custom_objects = {"CustomLayer": CustomLayer, "custom_fn": custom_fn}
    with keras.saving.custom_object_scope(custom_objects):
        reconstructed_model = keras.models.load_model(tmp_path / "custom_model.keras")
    np.testing.assert_allclose(
        model.predict(TEST_INPUT, verbose=0), reconstructed_model.predict(TEST_INPUT, verbose=0)
    )


def test_in_memory_model_cloning():
    model = get_model()
    new_model = keras.models.clone_model(model)
    # The same architecture with freshly initialized weights, and no compile information.
    assert [type(layer) for layer in new_model.layers] == [type(layer) for layer in model.layers]
    assert [w.shape for w in new_model.get_weights()] == [w.shape for w in model.get_weights()]
    assert not np.array_equal(new_model.get_weights()[0], model.get_weights()[0])
    # The guide says the clone is not compiled; Keras 3.15 compiles it like the original (with its
    # own optimizer), and so does scratchnn.
    assert new_model.optimizer is not model.optimizer
    assert type(new_model.optimizer) is type(model.optimizer)


def test_get_config_and_from_config():
    real_keras = _real_keras()
    layer = keras.layers.Dense(3, activation="relu")
    layer_config = layer.get_config()
    new_layer = keras.layers.Dense.from_config(layer_config)
    assert new_layer.get_config() == layer_config
    reference = real_keras.layers.Dense(3, activation="relu", name=layer.name).get_config()
    # Keras's keys, less Keras 3.15's "quantization_config" (scratchnn has no quantized Dense;
    # it accepts the key at load).
    assert set(reference) - set(layer_config) == {"quantization_config"}
    assert set(layer_config) <= set(reference)

    model = keras.Sequential([keras.Input((32,)), keras.layers.Dense(1)])
    config = model.get_config()
    new_model = keras.Sequential.from_config(config)
    assert [type(x) for x in new_model.layers] == [type(x) for x in model.layers]
    assert new_model.get_weights()[0].shape == (32, 1)

    inputs = keras.Input((32,))
    outputs = keras.layers.Dense(1)(inputs)
    model = keras.Model(inputs, outputs)
    config = model.get_config()
    new_model = keras.Model.from_config(config)
    assert new_model.get_weights()[0].shape == (32, 1)
    # Real Keras reads the functional config scratchnn writes.
    assert real_keras.Model.from_config(config).get_weights()[0].shape == (32, 1)


def test_to_json_and_model_from_json():
    model = keras.Sequential([keras.Input((32,)), keras.layers.Dense(1)])
    json_config = model.to_json()
    new_model = keras.models.model_from_json(json_config)
    assert isinstance(new_model, keras.Sequential)
    assert new_model.get_weights()[0].shape == (32, 1)
    # The JSON is Keras's: real Keras reads it back too.
    assert _real_keras().models.model_from_json(json_config).get_weights()[0].shape == (32, 1)


def test_arbitrary_object_serialization():
    my_reg = keras.regularizers.L1(0.005)
    config = keras.saving.serialize_keras_object(my_reg)
    # Keras's format: module, class_name, config, registered_name; the same dict as real Keras
    # (which rounds l1 through float32 on the way: 0.004999999888241291).
    reference = _real_keras().saving.serialize_keras_object(_real_keras().regularizers.L1(0.005))
    assert {k: v for k, v in config.items() if k != "config"} == {
        k: v for k, v in reference.items() if k != "config"
    }
    assert sorted(config["config"]) == ["l1"]
    np.testing.assert_allclose(config["config"]["l1"], reference["config"]["l1"], rtol=1e-7)
    new_reg = keras.saving.deserialize_keras_object(config)
    assert isinstance(new_reg, keras.regularizers.L1)
    np.testing.assert_allclose(new_reg.l1, 0.005)


def create_layer():
    layer = keras.layers.Dense(64, activation="relu", name="dense_2")
    layer.build((None, 784))
    return layer


def test_weight_transfer_between_layers():
    layer_1 = create_layer()
    layer_2 = create_layer()
    layer_2.set_weights(layer_1.get_weights())
    for a, b in zip(layer_1.get_weights(), layer_2.get_weights()):
        np.testing.assert_array_equal(a, b)


def _functional_mlp():
    inputs = keras.Input(shape=(784,), name="digits")
    x = keras.layers.Dense(64, activation="relu", name="dense_1")(inputs)
    x = keras.layers.Dense(64, activation="relu", name="dense_2")(x)
    outputs = keras.layers.Dense(10, name="predictions")(x)
    return keras.Model(inputs=inputs, outputs=outputs, name="3_layer_mlp")


def test_weight_transfer_from_functional_to_subclassed():
    functional_model = _functional_mlp()

    class SubclassedModel(keras.Model):
        def __init__(self, output_dim, name=None):
            super().__init__(name=name)
            self.output_dim = output_dim
            self.dense_1 = keras.layers.Dense(64, activation="relu", name="dense_1")
            self.dense_2 = keras.layers.Dense(64, activation="relu", name="dense_2")
            self.dense_3 = keras.layers.Dense(output_dim, name="predictions")

        def call(self, inputs):
            return self.dense_3(self.dense_2(self.dense_1(inputs)))

        def get_config(self):
            return {"output_dim": self.output_dim, "name": self.name}

    subclassed_model = SubclassedModel(10)
    subclassed_model(np.ones((1, 784)))  # creates the weights
    subclassed_model.set_weights(functional_model.get_weights())
    assert len(functional_model.weights) == len(subclassed_model.weights)
    for a, b in zip(functional_model.weights, subclassed_model.weights):
        np.testing.assert_allclose(a.numpy(), b.numpy())
    x = np.random.default_rng(3).random((2, 784))
    np.testing.assert_allclose(subclassed_model(x).numpy(), functional_model(x).numpy(), rtol=1e-6)


def test_weight_transfer_with_stateless_layers():
    functional_model = _functional_mlp()
    inputs = keras.Input(shape=(784,), name="digits")
    x = keras.layers.Dense(64, activation="relu", name="dense_1")(inputs)
    x = keras.layers.Dense(64, activation="relu", name="dense_2")(x)
    x = keras.layers.Dropout(0.5)(x)  # no weights: the weight lists still line up
    outputs = keras.layers.Dense(10, name="predictions")(x)
    functional_model_with_dropout = keras.Model(inputs=inputs, outputs=outputs, name="3_layer_mlp")
    functional_model_with_dropout.set_weights(functional_model.get_weights())
    x = np.random.default_rng(4).random((2, 784))
    np.testing.assert_allclose(
        functional_model_with_dropout.predict(x, verbose=0), functional_model.predict(x, verbose=0), rtol=1e-6
    )


def test_saving_weights_to_disk(tmp_path):
    sequential_model = keras.Sequential(
        [
            keras.Input(shape=(784,), name="digits"),
            keras.layers.Dense(64, activation="relu", name="dense_1"),
            keras.layers.Dense(64, activation="relu", name="dense_2"),
            keras.layers.Dense(10, name="predictions"),
        ]
    )
    saved = sequential_model.get_weights()
    sequential_model.save_weights(tmp_path / "my_model.weights.h5")
    sequential_model.set_weights([np.zeros_like(w) for w in saved])
    sequential_model.load_weights(tmp_path / "my_model.weights.h5")
    for a, b in zip(saved, sequential_model.get_weights()):
        np.testing.assert_array_equal(a, b)


def _nested_dense_names(lib):
    class NestedDenseLayer(lib.layers.Layer):
        def __init__(self, units, name=None):
            super().__init__(name=name)
            self.dense_1 = lib.layers.Dense(units, name="dense_1")
            self.dense_2 = lib.layers.Dense(units, name="dense_2")

        def call(self, inputs):
            return self.dense_2(self.dense_1(inputs))

    nested_model = lib.Sequential([lib.Input((784,)), NestedDenseLayer(10, "nested")])
    before = [(v.path.split("/")[-2], v.name) for v in nested_model.weights]
    nested_model.get_layer("nested").dense_1.trainable = False
    after = [(v.path.split("/")[-2], v.name) for v in nested_model.weights]
    return before, after


def test_nested_layer_weight_order():
    # The guide prints whether freezing a nested layer reorders `weights`; Keras 3 keeps the
    # order, and so does scratchnn. (Keras's paths also hold the parents, "sequential/nested/...";
    # the owning layer and the weight name are compared.)
    ours, theirs = _nested_dense_names(keras), _nested_dense_names(_real_keras())
    assert ours == theirs
    assert ours[0] == ours[1]


def test_transfer_learning_example(tmp_path):
    functional_model = _functional_mlp()
    functional_model.save_weights(tmp_path / "pretrained.weights.h5")
    pretrained_model = _functional_mlp()
    pretrained_model.load_weights(tmp_path / "pretrained.weights.h5")
    for a, b in zip(functional_model.get_weights(), pretrained_model.get_weights()):
        np.testing.assert_array_equal(a, b)

    extracted_layers = pretrained_model.layers[:-1]
    extracted_layers.append(keras.layers.Dense(5, name="dense_3"))
    model = keras.Sequential(extracted_layers)
    lines = []
    model.summary(print_fn=lines.append)
    assert any("dense_3" in line for line in lines)
    # 784*64+64 + 64*64+64 + 64*5+5, as real Keras counts the same stack.
    assert model.count_params() == 784 * 64 + 64 + 64 * 64 + 64 + 64 * 5 + 5
    x = np.random.default_rng(5).random((2, 784))
    hidden = pretrained_model.layers[2](pretrained_model.layers[1](x))
    np.testing.assert_allclose(model.layers[-2](model.layers[-3](x)).numpy(), hidden.numpy(), rtol=1e-6)


def _my_dense(lib):
    """The appendix's MyDense, registered as "MyLayers>KernelMult" on `lib`'s registry."""

    @lib.saving.register_keras_serializable(package="MyLayers", name="KernelMult")
    class MyDense(lib.layers.Layer):
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
            input_units = input_shape[-1]
            self.kernel = self.add_weight(
                name="kernel",
                shape=(input_units, self.hidden_units),
                regularizer=self.kernel_regularizer,
                initializer=self.kernel_initializer,
            )

        def call(self, inputs):
            return lib.ops.matmul(inputs, self.kernel)

    return MyDense


def test_defining_the_config_methods(own_registry):
    MyDense = _my_dense(keras)
    layer = MyDense(units=16, kernel_regularizer="l1", kernel_initializer="ones")
    layer3 = MyDense(units=64, nested_model=layer)
    config = keras.layers.serialize(layer3)
    json.dumps(config)
    new_layer = keras.layers.deserialize(config)
    assert isinstance(new_layer, MyDense) and new_layer.hidden_units == 64
    # The default from_config passes the nested layer's config on as it is (a dict), as real Keras
    # does: the next example shows the from_config that rebuilds it.
    assert new_layer.nested_model["registered_name"] == "MyLayers>KernelMult"
    assert new_layer.nested_model["config"]["units"] == 16
    inner = keras.layers.deserialize(new_layer.nested_model)
    inner(np.ones((2, 3)))
    np.testing.assert_array_equal(inner.kernel.numpy(), np.ones((3, 16)))
    assert len(inner.losses) == 1  # the "l1" regularizer


def test_from_config_override(own_registry):
    MyDense = _my_dense(keras)
    layer = MyDense(units=16, kernel_regularizer="l1", kernel_initializer="ones")

    @keras.saving.register_keras_serializable(package="ComplexModels")
    class CustomModel(keras.layers.Layer):
        def __init__(self, first_layer, second_layer=None, **kwargs):
            super().__init__(**kwargs)
            self.first_layer = first_layer
            if second_layer is not None:
                self.second_layer = second_layer
            else:
                self.second_layer = keras.layers.Dense(8)

        def get_config(self):
            config = super().get_config()
            config.update({"first_layer": self.first_layer, "second_layer": self.second_layer})
            return config

        @classmethod
        def from_config(cls, config):
            config["first_layer"] = keras.layers.deserialize(config["first_layer"])
            config["second_layer"] = keras.layers.deserialize(config["second_layer"])
            return cls(**config)

        def call(self, inputs):
            return self.first_layer(self.second_layer(inputs))

    inputs = keras.Input((32,))
    outputs = CustomModel(first_layer=layer)(inputs)
    model = keras.Model(inputs, outputs)
    config = model.get_config()
    new_model = keras.Model.from_config(config)
    rebuilt = new_model.layers[1]
    assert isinstance(rebuilt, CustomModel)
    assert isinstance(rebuilt.first_layer, MyDense) and isinstance(rebuilt.second_layer, keras.layers.Dense)
    assert tuple(new_model(np.ones((2, 32))).shape) == (2, 16)


def test_how_custom_objects_are_serialized(own_registry):
    real_keras = _real_keras()
    ours = keras.layers.serialize(
        _my_dense(keras)(
            units=16, kernel_regularizer=keras.regularizers.L1L2(l1=1e-5, l2=1e-4), kernel_initializer="ones"
        )
    )
    theirs = real_keras.layers.serialize(
        _my_dense(real_keras)(
            units=16,
            kernel_regularizer=real_keras.regularizers.L1L2(l1=1e-5, l2=1e-4),
            kernel_initializer="ones",
        )
    )
    assert ours["registered_name"] == "MyLayers>KernelMult"
    assert ours["class_name"] == "MyDense"
    # The guide says "module" is None for a custom object; Keras 3.15 writes the class's module.
    assert ours["module"] == __name__
    assert sorted(ours) == sorted(theirs)
    for key in ("module", "class_name", "registered_name"):
        assert ours[key] == theirs[key]
    # The regularizer inside is serialized as Keras serializes it.
    assert ours["config"]["kernel_regularizer"] == theirs["config"]["kernel_regularizer"]
    assert sorted(ours["config"]) == sorted(theirs["config"])
