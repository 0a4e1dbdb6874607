"""`serialize_keras_object` / `deserialize_keras_object` and the registry, against real Keras 3."""

import json

import keras
import numpy as np
import pytest

import scratchnn.keras as sk
from scratchnn.saving.serialization_lib import UnknownObjectError


def _objects(api):
    """The same built-in objects, made with scratchnn or with Keras."""
    return {
        "relu": lambda: api.activations.relu,
        "glorot_uniform": lambda: api.initializers.GlorotUniform(seed=3),
        "random_normal": lambda: api.initializers.RandomNormal(stddev=0.1),
        "constant": lambda: api.initializers.Constant(0.5),
        "l1l2": lambda: api.regularizers.L1L2(l1=0.1, l2=0.2),
        "max_norm": lambda: api.constraints.MaxNorm(2.0),
        "non_neg": lambda: api.constraints.NonNeg(),
        "mse_function": lambda: api.losses.mean_squared_error,
        "categorical_crossentropy": lambda: api.losses.CategoricalCrossentropy(from_logits=True),
        "accuracy_function": lambda: api.metrics.categorical_accuracy,
        "auc": lambda: api.metrics.AUC(),
        "precision": lambda: api.metrics.Precision(),
        "mae_metric": lambda: api.metrics.MeanAbsoluteError(),
        "sgd": lambda: api.optimizers.SGD(0.1, momentum=0.9, name="sgd"),
        "adam": lambda: api.optimizers.Adam(name="adam"),
        "exponential_decay": lambda: api.optimizers.schedules.ExponentialDecay(0.1, 10, 0.9),
        "cosine_decay": lambda: api.optimizers.schedules.CosineDecay(0.1, 100),
        "containers": lambda: [1, (2, 3.5), {"a": None, "b": "x"}],
        "numpy": lambda: np.arange(4, dtype="int64").reshape(2, 2),
    }


NAMES = list(_objects(sk))


@pytest.mark.parametrize("name", NAMES)
def test_built_in_config_is_keras_format_and_round_trips(name):
    ours = sk.saving.serialize_keras_object(_objects(sk)[name]())
    theirs = keras.saving.serialize_keras_object(_objects(keras)[name]())
    assert ours == theirs
    json.dumps(ours)
    again = sk.saving.deserialize_keras_object(json.loads(json.dumps(ours)))
    assert json.loads(json.dumps(sk.saving.serialize_keras_object(again))) == json.loads(json.dumps(ours))
    # And Keras rebuilds the same kind of object from scratchnn's config.
    keras_obj = keras.saving.deserialize_keras_object(json.loads(json.dumps(ours)))
    if callable(keras_obj) and hasattr(keras_obj, "__name__"):
        assert keras_obj.__name__ == again.__name__
    elif hasattr(keras_obj, "get_config"):
        assert type(keras_obj).__name__ == type(again).__name__


def test_layer_config_format_matches_keras():
    ours = sk.saving.serialize_keras_object(sk.layers.Dense(3, activation="relu", name="d"))
    theirs = keras.saving.serialize_keras_object(keras.layers.Dense(3, activation="relu", name="d"))
    assert {k: ours[k] for k in ("module", "class_name", "registered_name")} == {
        k: theirs[k] for k in ("module", "class_name", "registered_name")
    }
    assert set(ours["config"]) <= set(theirs["config"])
    layer = sk.layers.Dense(2, name="d2")
    assert (
        sk.layers.serialize(layer)
        == sk.saving.serialize_keras_object(layer)
        == ours | {"config": {**layer.get_config()}}
    )


def test_functions_serialize_as_keras_writes_them(clean_registry):
    def plain(x):
        return x

    @sk.saving.register_keras_serializable(package="pkg")
    def registered(x):
        return x

    @keras.saving.register_keras_serializable(package="pkg")
    def registered_in_keras(x):
        return x

    assert sk.saving.serialize_keras_object(plain) == keras.saving.serialize_keras_object(plain)
    ours = sk.saving.serialize_keras_object(registered)
    theirs = keras.saving.serialize_keras_object(registered_in_keras)
    assert ours == {**theirs, "config": "pkg>registered"}
    assert ours == {
        "module": "builtins",
        "class_name": "function",
        "config": "pkg>registered",
        "registered_name": "function",
    }
    assert sk.saving.deserialize_keras_object(ours) is registered
    # activations.serialize writes built-ins by name and custom functions as the dict (as Keras does).
    assert sk.activations.serialize(sk.activations.relu) == "relu"
    assert sk.activations.serialize(registered) == ours
    assert sk.layers.Dense(2, activation=registered).get_config()["activation"] == ours
    assert (
        keras.layers.Dense(2, activation=registered_in_keras).get_config()["activation"]["config"]
        == "pkg>registered_in_keras"
    )


def test_registry_names_and_lookups(clean_registry):
    @sk.saving.register_keras_serializable(package="my_package", name="Renamed")
    class Layer1(sk.layers.Layer):
        pass

    @sk.utils.register_keras_serializable()
    class Layer2(sk.layers.Layer):
        pass

    assert sk.saving.get_registered_name(Layer1) == "my_package>Renamed"
    assert sk.saving.get_registered_name(Layer2) == "Custom>Layer2"
    assert sk.saving.get_registered_name(sk.layers.Dense) == "Dense"
    assert sk.saving.get_registered_object("my_package>Renamed") is Layer1
    assert sk.utils.get_registered_object("Custom>Layer2") is Layer2
    assert sk.saving.get_registered_object("nothing") is None
    assert sk.saving.get_registered_object("X", custom_objects={"X": Layer2}) is Layer2
    assert sk.saving.get_registered_object("X", module_objects={"X": Layer1}) is Layer1
    live = sk.saving.get_custom_objects()
    assert live is sk.utils.get_custom_objects() and live["my_package>Renamed"] is Layer1
    config = sk.layers.serialize(Layer1(name="l1"))
    assert (config["class_name"], config["registered_name"]) == ("Layer1", "my_package>Renamed")
    assert config["module"] == __name__
    assert isinstance(sk.layers.deserialize(config), Layer1)


def test_register_refuses_bad_arguments():
    with pytest.raises(ValueError, match="must not contain '>'"):
        sk.saving.register_keras_serializable(package="a>b")
    with pytest.raises(ValueError, match="get_config"):
        sk.saving.register_keras_serializable()(type("NoConfig", (), {}))


@pytest.mark.parametrize(
    "scope",
    [
        sk.saving.custom_object_scope,
        sk.saving.CustomObjectScope,
        sk.utils.custom_object_scope,
        sk.utils.CustomObjectScope,
    ],
)
def test_custom_object_scope(scope, clean_registry):
    def cube(x):
        return x**3

    config = sk.saving.serialize_keras_object(cube)
    with pytest.raises(UnknownObjectError, match="Could not locate function 'cube'"):
        sk.saving.deserialize_keras_object(config)
    with scope({"cube": cube}):
        assert sk.saving.deserialize_keras_object(config) is cube
        assert sk.saving.get_registered_object("cube") is cube
        with scope({"other": len}):  # nested scopes see the outer objects too
            assert sk.saving.deserialize_keras_object(config) is cube
        assert "cube" not in sk.saving.get_custom_objects()
    with pytest.raises(UnknownObjectError):
        sk.saving.deserialize_keras_object(config)


def test_custom_objects_argument_and_legacy_bare_names(clean_registry):
    class Halves(sk.initializers.Initializer):
        def __call__(self, shape, dtype=None):
            return sk.initializers.Constant(0.5)(shape, dtype)

    config = sk.saving.serialize_keras_object(Halves())
    assert config == {"module": __name__, "class_name": "Halves", "config": {}, "registered_name": "Halves"}
    assert isinstance(sk.saving.deserialize_keras_object(config, custom_objects={"Halves": Halves}), Halves)
    assert isinstance(sk.initializers.deserialize(config, custom_objects={"Halves": Halves}), Halves)

    @sk.saving.register_keras_serializable(package="old")
    def swap(x):
        return -x

    # Keras <= 3.6 saved registered functions by bare name; the "package>name" key still matches.
    legacy = {"module": "builtins", "class_name": "function", "config": "swap", "registered_name": "function"}
    assert sk.saving.deserialize_keras_object(legacy) is swap
    # A plain string naming a custom object (legacy configs store functions as names).
    assert sk.saving.deserialize_keras_object("swap", custom_objects={"swap": swap}) is swap
    assert sk.saving.deserialize_keras_object("same") == "same"


def test_unknown_class_and_function_messages_name_the_object_and_the_fix():
    config = {"module": None, "class_name": "Nope", "config": {}, "registered_name": "Nope"}
    with pytest.raises(TypeError, match="Could not locate class 'Nope'") as info:
        sk.saving.deserialize_keras_object(config)
    assert isinstance(info.value, ValueError)  # UnknownObjectError is both
    message = str(info.value)
    assert "register_keras_serializable" in message and "custom_objects={'Nope': Nope}" in message
    # Keras says the same thing in its own words.
    with pytest.raises(TypeError, match="Could not locate class 'Nope'"):
        keras.saving.deserialize_keras_object(config)
    missing = {"module": "keras.layers", "class_name": "LSTM", "config": {}, "registered_name": None}
    with pytest.raises(ValueError, match=r"scratchnn does not provide `keras.layers.LSTM`"):
        sk.layers.deserialize(missing)
    with pytest.raises(ValueError, match="Unknown initializer 'glorot_unifrom'.*'glorot_uniform'"):
        sk.initializers.deserialize({"class_name": "glorot_unifrom", "config": {}})
    with pytest.raises(ValueError, match="Unknown activation 'relux'. Expected one of .*'relu'"):
        sk.activations.get("relux")
    with pytest.raises(ValueError, match="Unknown loss 'msee'. Expected one of .*'mse'"):
        sk.losses.deserialize("msee")


def test_lambdas_are_never_serialized_or_executed():
    with pytest.raises(ValueError, match="Cannot serialize a lambda"):
        sk.saving.serialize_keras_object(lambda x: x)
    config = {"class_name": "__lambda__", "config": {"value": "ZmFrZQ=="}}
    for safe_mode in (True, False):
        with pytest.raises(ValueError, match="never executes code"):
            sk.saving.deserialize_keras_object(config, safe_mode=safe_mode)


def test_special_values_round_trip():
    for value in (b"bytes", slice(1, None, 2), Ellipsis):
        assert sk.saving.serialize_keras_object(value) == keras.saving.serialize_keras_object(value)
        assert sk.saving.deserialize_keras_object(sk.saving.serialize_keras_object(value)) == value
    assert sk.saving.serialize_keras_object(np.float32(2.5)) == 2.5
    tensor = sk.saving.deserialize_keras_object(
        sk.saving.serialize_keras_object(sk.ops.convert_to_tensor([1.0, 2.0]))
    )
    np.testing.assert_array_equal(tensor.numpy(), [1.0, 2.0])
    with pytest.raises(TypeError, match="get_config"):
        sk.saving.serialize_keras_object(object())


def test_family_serializers_use_the_library(clean_registry):
    """Each family's serialize gives the library's dict, and its deserialize finds registered objects."""

    @sk.saving.register_keras_serializable(package="fam")
    def my_loss(y_true, y_pred):
        return sk.ops.mean(sk.ops.square(y_true - y_pred), axis=-1)

    @sk.saving.register_keras_serializable(package="fam")
    class MyRegularizer(sk.regularizers.Regularizer):
        def __init__(self, strength=0.1):
            self.strength = strength

        def __call__(self, x):
            return self.strength * sk.ops.sum(sk.ops.abs(x))

        def get_config(self):
            return {"strength": self.strength}

    @sk.saving.register_keras_serializable(package="fam")
    class WeightedMse(sk.losses.Loss):
        def __init__(self, weight=1.0, **kwargs):
            super().__init__(**kwargs)
            self.weight = weight

        def call(self, y_true, y_pred):
            return self.weight * sk.ops.mean(sk.ops.square(y_true - y_pred), axis=-1)

        def get_config(self):
            return {**super().get_config(), "weight": self.weight}

    loss_config = sk.losses.serialize(WeightedMse(3.0, name="wmse"))
    assert (loss_config["class_name"], loss_config["registered_name"]) == ("WeightedMse", "fam>WeightedMse")
    rebuilt = sk.losses.get(json.loads(json.dumps(loss_config)))
    assert isinstance(rebuilt, WeightedMse) and rebuilt.weight == 3.0 and rebuilt.name == "wmse"
    assert sk.losses.serialize(sk.losses.mean_squared_error) == keras.losses.serialize(
        keras.losses.mean_squared_error
    )
    assert sk.losses.deserialize(sk.losses.serialize(my_loss)) is my_loss
    assert sk.losses.get("fam>my_loss") is my_loss
    config = sk.regularizers.serialize(MyRegularizer(0.3))
    assert config["registered_name"] == "fam>MyRegularizer"
    assert sk.regularizers.get(config).strength == 0.3
    assert (
        sk.metrics.deserialize(sk.metrics.serialize(sk.metrics.mean_squared_error))
        is sk.metrics.mean_squared_error
    )
    assert (
        type(sk.optimizers.deserialize({"module": "keras.optimizers", "class_name": "ADAM", "config": {}}))
        is sk.optimizers.Adam
    )
