"""Core layers: the layer harness (shapes, weights, config, float32, gradients) and Keras parity."""

import keras
import numpy as np
import pytest

from scratchnn import layers
from scratchnn.testing import run_layer_test

ACTIVATIONS = [
    "relu",
    "sigmoid",
    "softmax",
    "tanh",
    "elu",
    "selu",
    "leaky_relu",
    "gelu",
    "swish",
    "silu",
    "softplus",
    "softsign",
    "hard_sigmoid",
    "exponential",
    "linear",
    "relu6",
    "log_softmax",
    "mish",
]


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_dense_harness_for_every_activation(activation):
    run_layer_test(
        layers.Dense,
        {"units": 4, "activation": activation},
        input_shape=(3, 5),
        expected_output_shape=(3, 4),
        expected_num_trainable_weights=2,
    )


def test_dense_without_bias_and_batch_of_one():
    run_layer_test(
        layers.Dense, {"units": 3, "use_bias": False}, input_shape=(1, 5), expected_num_trainable_weights=1
    )


def test_dense_on_3d_input():
    run_layer_test(
        layers.Dense,
        {"units": 2},
        input_shape=(2, 3, 4),
        expected_output_shape=(2, 3, 2),
        expected_num_trainable_weights=2,
    )


@pytest.mark.parametrize(
    "cls,kwargs,shape,out_shape",
    [
        (layers.Flatten, {}, (2, 3, 4), (2, 12)),
        (layers.Reshape, {"target_shape": (4, 3)}, (2, 3, 4), (2, 4, 3)),
        (layers.Reshape, {"target_shape": (-1, 2)}, (2, 3, 4), (2, 6, 2)),
        (layers.Activation, {"activation": "tanh"}, (3, 5), (3, 5)),
        (layers.Softmax, {}, (3, 5), (3, 5)),
        (layers.Softmax, {"axis": 1}, (2, 3, 4), (2, 3, 4)),
        (layers.ReLU, {}, (3, 5), (3, 5)),
        (layers.ReLU, {"max_value": 1.0, "negative_slope": 0.1, "threshold": 0.5}, (3, 5), (3, 5)),
        (layers.LeakyReLU, {}, (3, 5), (3, 5)),
        (layers.ELU, {"alpha": 0.5}, (3, 5), (3, 5)),
        (layers.Rescaling, {"scale": 1 / 255, "offset": 0.5}, (3, 5), (3, 5)),
        (layers.Dropout, {"rate": 0.5}, (3, 5), (3, 5)),
    ],
)
def test_weightless_layers_harness(cls, kwargs, shape, out_shape):
    run_layer_test(cls, kwargs, input_shape=shape, expected_output_shape=out_shape)


def test_normalization_harness_with_adapt():
    x = np.random.default_rng(0).normal(3.0, 2.0, (100, 4))
    layer = layers.Normalization()
    layer.adapt(x)
    out = layer(x).numpy()
    np.testing.assert_allclose(out.mean(axis=0), 0, atol=1e-5)
    np.testing.assert_allclose(out.std(axis=0), 1, atol=1e-4)
    assert len(layer.non_trainable_weights) == 3 and layer.count_params() == 9
    run_layer_test(layers.Normalization, {"mean": 1.0, "variance": 4.0}, input_shape=(3, 5))


def test_dropout_is_identity_at_inference_and_scales_in_training():
    x = np.ones((200, 50), dtype="float32")
    layer = layers.Dropout(0.3, seed=1)
    np.testing.assert_array_equal(layer(x).numpy(), x)
    out = layer(x, training=True).numpy()
    kept = out != 0
    assert abs(kept.mean() - 0.7) < 0.02
    np.testing.assert_allclose(out[kept], 1 / 0.7, rtol=1e-6)


# -- parity with real Keras 3 on the same weights --------------------------------------


def _keras_dense(units, activation, x, weights):
    layer = keras.layers.Dense(units, activation=activation)
    layer.build(x.shape)
    layer.set_weights(weights)
    return np.asarray(layer(x))


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_dense_matches_keras(activation, rng):
    x = rng.standard_normal((6, 7)).astype("float32")
    ours = layers.Dense(5, activation=activation)
    ours(x)
    weights = [rng.standard_normal((7, 5)).astype("float32") * 0.5, rng.standard_normal(5).astype("float32")]
    ours.set_weights(weights)
    np.testing.assert_allclose(ours(x).numpy(), _keras_dense(5, activation, x, weights), atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize(
    "name,kwargs",
    [
        ("Flatten", {}),
        ("Reshape", {"target_shape": (6, 2)}),
        ("Softmax", {}),
        ("ReLU", {"max_value": 0.8, "negative_slope": 0.1, "threshold": 0.2}),
        ("LeakyReLU", {}),
        ("LeakyReLU", {"negative_slope": 0.05}),
        ("ELU", {"alpha": 0.7}),
        ("Rescaling", {"scale": 0.5, "offset": -1.0}),
        ("Normalization", {"mean": 0.5, "variance": 2.0}),
        ("Activation", {"activation": "gelu"}),
        ("Dropout", {"rate": 0.4}),
    ],
)
def test_weightless_layers_match_keras(name, kwargs, rng):
    x = rng.standard_normal((4, 3, 4)).astype("float32")
    ours = getattr(layers, name)(**kwargs)(x).numpy()
    theirs = np.asarray(getattr(keras.layers, name)(**kwargs)(x))
    np.testing.assert_allclose(ours, theirs, atol=1e-5, rtol=1e-5)


def test_normalization_adapt_matches_keras(rng):
    data = rng.normal(2.0, 3.0, (50, 3)).astype("float32")
    ours = layers.Normalization()
    ours.adapt(data)
    theirs = keras.layers.Normalization()
    theirs.adapt(data)
    np.testing.assert_allclose(ours(data).numpy(), np.asarray(theirs(data)), atol=1e-5)
    assert [w.shape for w in ours.get_weights()] == [w.shape for w in theirs.get_weights()]


def test_activation_functions_match_keras(rng):
    from scratchnn import activations

    x = rng.standard_normal((5, 6)).astype("float32") * 3
    for name in ACTIVATIONS:
        ours = activations.get(name)(x)
        ours = ours.numpy() if hasattr(ours, "numpy") else np.asarray(ours)
        theirs = np.asarray(keras.activations.get(name)(x))
        np.testing.assert_allclose(ours, theirs, atol=1e-5, rtol=1e-5, err_msg=name)


# -- errors -----------------------------------------------------------------------------


@pytest.mark.parametrize("units", [0, -3, 2.5, "8"])
def test_dense_rejects_bad_units(units):
    with pytest.raises(ValueError, match="units"):
        layers.Dense(units)


def test_dense_rejects_incompatible_input():
    layer = layers.Dense(3)
    layer(np.zeros((2, 4)))
    with pytest.raises(ValueError, match="expected axis -1 of the input shape to have value 4"):
        layer(np.zeros((2, 5)))


@pytest.mark.parametrize(
    "option, value",
    [("lora_rank", 4), ("lora_alpha", 8.0), ("quantization_config", {"mode": "int8"}), ("lora_rank", 0)],
)
def test_dense_refuses_lora_and_quantization(option, value):
    with pytest.raises(NotImplementedError, match=f"Layer 'head': `{option}`.*Received: {option}={value!r}"):
        layers.Dense(3, name="head", **{option: value})


def test_dense_loads_real_keras_config_with_its_none_options():
    config = keras.layers.Dense(3, activation="relu").get_config()
    assert "quantization_config" in config  # Keras 3 writes it, as None, for every Dense
    assert layers.Dense.from_config(config).units == 3


def test_unknown_activation_lists_valid_names():
    with pytest.raises(ValueError, match="Expected one of .*relu"):
        layers.Dense(3, activation="relux")


def test_unknown_keyword_argument_is_rejected():
    with pytest.raises(TypeError, match="Unrecognized keyword arguments passed to Dense"):
        layers.Dense(3, unitz=4)


def test_set_weights_checks_shapes():
    layer = layers.Dense(3)
    layer(np.zeros((1, 2)))
    with pytest.raises(ValueError, match="has shape \\(2, 3\\)"):
        layer.set_weights([np.zeros((3, 3)), np.zeros(3)])
    with pytest.raises(ValueError, match="expects 2 weights"):
        layer.set_weights([np.zeros((2, 3))])


def test_automatic_names_count_per_class():
    from scratchnn.keras import backend

    backend.clear_session()
    names = [layers.Dense(1).name, layers.Dense(1).name, layers.Flatten().name, layers.Dense(1).name]
    assert names == ["dense", "dense_1", "flatten", "dense_2"]


def test_count_params_before_build_is_an_error():
    with pytest.raises(ValueError, match="isn't built"):
        layers.Dense(3).count_params()
