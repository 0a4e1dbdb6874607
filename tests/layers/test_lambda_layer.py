"""Lambda (and Identity): calls, shapes, masks, configs, lambda bytecode under safe mode, Keras both ways."""

import json

import keras
import numpy as np
import pytest

from scratchnn import layers, ops
from scratchnn.saving import custom_object_scope, register_keras_serializable
from scratchnn.testing import run_layer_test
from scratchnn.utils import safe_mode


@register_keras_serializable(package="scratchnn_tests")
def cube_plus(x, offset=0.0):
    return ops.add(ops.multiply(ops.square(x), x), offset)


def test_lambda_harness_with_a_registered_function():
    run_layer_test(
        layers.Lambda,
        {"function": cube_plus, "arguments": {"offset": 0.5}},
        input_shape=(3, 5),
        expected_output_shape=(3, 5),
    )


def test_lambda_config_names_the_function_as_keras_does():
    ours = layers.Lambda(cube_plus).get_config()["function"]
    theirs = keras.layers.Lambda(cube_plus).get_config()["function"]
    assert ours == {**theirs, "config": "scratchnn_tests>cube_plus"}
    assert (
        theirs["config"] == "cube_plus"
    )  # Keras names it without the package, since Keras's registry is its own


def test_lambda_with_an_unregistered_function_loads_through_custom_objects():
    def halve(x):
        return x * 0.5

    config = layers.Lambda(halve).get_config()
    with pytest.raises(ValueError, match="Could not find the function 'halve'"):
        layers.Lambda.from_config(config)
    assert layers.Lambda.from_config(config, custom_objects={"halve": halve}).function is halve
    with custom_object_scope({"halve": halve}):
        assert layers.Lambda.from_config(config).function is halve


def test_lambda_builtin_activation_by_name():
    config = layers.Lambda(keras.activations.relu).get_config()
    assert config["function"]["config"] == "relu"
    x = np.array([[-1.0, 2.0]], dtype="float32")
    np.testing.assert_array_equal(layers.Lambda.from_config(config)(x).numpy(), [[0.0, 2.0]])


def test_lambda_arguments_output_shape_and_training():
    def scale(x, factor, training=None):
        return x * (factor if training else 1.0)

    layer = layers.Lambda(scale, output_shape=(3,), arguments={"factor": 2.0})
    x = np.ones((2, 3), dtype="float32")
    np.testing.assert_array_equal(layer(x).numpy(), x)
    np.testing.assert_array_equal(layer(x, training=True).numpy(), 2 * x)
    assert layer.compute_output_shape((None, 3)) == (None, 3)
    assert layers.Lambda(ops.sum, output_shape=lambda s: (s[0],)).compute_output_shape((7, 3)) == (7,)
    assert layers.Lambda(lambda t: ops.concatenate([t, t], axis=1)).compute_output_shape((None, 3)) == (
        None,
        6,
    )


def test_lambda_in_a_functional_model_and_numpy_function():
    inputs = layers.Input((4,))
    outputs = layers.Lambda(lambda t: t[:, :2] * 3.0)(inputs)
    assert outputs.shape == (None, 2)
    out = layers.Lambda(np.sin)(np.zeros((2, 2), dtype="float32"))
    assert isinstance(out, ops.Tensor) and out.shape == (2, 2)


def test_lambda_mask_callable_and_fixed():
    x = ops.convert_to_tensor(np.ones((2, 3, 1), dtype="float32"))
    x._keras_mask = np.array([[True, True, False], [True, False, False]])
    keep_all = layers.Lambda(lambda t: t * 1.0, mask=lambda inputs, mask: mask | True)
    assert keep_all(x)._keras_mask.all()
    fixed = np.array([[False, True, True], [True, True, False]])
    np.testing.assert_array_equal(layers.Lambda(lambda t: t * 1.0, mask=fixed)(x)._keras_mask, fixed)
    seen = {}

    def record(t, mask=None):
        seen["mask"] = mask
        return t

    layers.Lambda(record, mask=lambda inputs, mask: mask)(x)
    np.testing.assert_array_equal(seen["mask"], x._keras_mask)


def test_lambda_bytecode_is_refused_in_safe_mode_and_loads_without_it():
    offset = 1.5
    layer = layers.Lambda(lambda x, p=2.0: x * p + offset, output_shape=(3,))
    config = json.loads(json.dumps(layer.get_config()))  # through JSON, as from a file
    assert config["function"]["class_name"] == "__lambda__"
    with pytest.raises(ValueError, match="safe_mode=False"):
        layers.Lambda.from_config(config)
    with safe_mode.SafeModeScope(True), pytest.raises(ValueError, match="arbitrary code execution"):
        layers.Lambda.from_config(config, safe_mode=None)
    x = np.ones((2, 3), dtype="float32")
    expected = layer(x).numpy()
    np.testing.assert_array_equal(layers.Lambda.from_config(config, safe_mode=False)(x).numpy(), expected)
    with safe_mode.SafeModeScope(False):
        np.testing.assert_array_equal(layers.Lambda.from_config(config)(x).numpy(), expected)


def test_enable_unsafe_deserialization_turns_safe_mode_off(monkeypatch):
    from scratchnn.keras import config as keras_config

    monkeypatch.setitem(safe_mode._global, "safe_mode", None)  # restored after the test
    config = layers.Lambda(lambda x: x + 1.0).get_config()
    with pytest.raises(ValueError):
        layers.Lambda.from_config(config)
    keras_config.enable_unsafe_deserialization()
    assert safe_mode.in_safe_mode() is False
    assert layers.Lambda.from_config(config)(np.zeros((1, 1), dtype="float32")).numpy()[0, 0] == 1.0


def test_lambda_written_by_keras_loads_here_and_ours_loads_in_keras():
    x = np.arange(6, dtype="float32").reshape(2, 3)
    theirs = keras.layers.Lambda(lambda t: t * 2.0 + 1.0)
    config = json.loads(json.dumps(theirs.get_config()))
    ours = layers.Lambda.from_config(config, safe_mode=False)
    np.testing.assert_allclose(ours(x).numpy(), np.asarray(theirs(x)))
    back = keras.layers.Lambda.from_config(json.loads(json.dumps(ours.get_config())), safe_mode=False)
    np.testing.assert_allclose(np.asarray(back(x)), ours(x).numpy())


def test_lambda_rejects_bad_arguments():
    with pytest.raises(TypeError, match="`function` must be callable"):
        layers.Lambda(3)
    with pytest.raises(TypeError, match="`arguments` must be a dict"):
        layers.Lambda(cube_plus, arguments=[1])
    with pytest.raises(TypeError, match="output_shape"):
        layers.Lambda(cube_plus, output_shape="3")


def test_lambda_array_arguments_round_trip_through_json():
    layer = layers.Lambda(cube_plus, arguments={"offset": np.array([1.0, 2.0], dtype="float32")})
    config = json.loads(json.dumps(layer.get_config()))
    clone = layers.Lambda.from_config(config)
    x = np.ones((2, 2), dtype="float32")
    np.testing.assert_array_equal(clone(x).numpy(), layer(x).numpy())


def test_identity_harness_structure_and_keras(rng):
    run_layer_test(layers.Identity, {}, input_shape=(3, 5), expected_output_shape=(3, 5))
    x = rng.standard_normal((2, 4)).astype("float32")
    np.testing.assert_array_equal(layers.Identity()(x).numpy(), np.asarray(keras.layers.Identity()(x)))
    pair = layers.Identity()([x, x])
    assert isinstance(pair, list) and len(pair) == 2


def test_model_with_a_lambda_saved_here_loads_in_keras_and_here_only_unsafely(tmp_path):
    from scratchnn import models, saving

    model = models.Sequential([layers.Input((3,)), layers.Lambda(lambda t: t * 3.0 - 1.0), layers.Dense(2)])
    x = np.arange(6, dtype="float32").reshape(2, 3)
    expected = model.predict(x, verbose=0)
    path = str(tmp_path / "lambda.keras")
    model.save(path)
    np.testing.assert_allclose(
        np.asarray(keras.models.load_model(path, safe_mode=False).predict(x, verbose=0)), expected, atol=1e-6
    )
    with pytest.raises(ValueError, match="safe_mode=False"):
        saving.load_model(path)
    with safe_mode.SafeModeScope(False):
        np.testing.assert_allclose(saving.load_model(path).predict(x, verbose=0), expected, atol=1e-6)
    # Keras's spelling of the same opt-in.
    loaded = saving.load_model(path, safe_mode=False)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), expected, atol=1e-6)
    with pytest.raises(ValueError, match="safe_mode=False"):
        saving.load_model(path)  # the scope ended with the call
