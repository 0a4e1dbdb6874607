"""Embedding: scatter-add gradient in float64, Keras parity, masks, configs, errors."""

import keras
import numpy as np
import pytest

import scratchnn.keras as sk
from scratchnn import backend, layers, ops
from scratchnn.testing import check_gradients


@pytest.mark.parametrize("index_shape", [(1, 1), (3, 5), (2, 3, 4)])
def test_embedding_gradient_scatters_back_with_repeats(index_shape, rng, float64):
    layer = layers.Embedding(6, 3)
    # Few rows for many positions: most rows are read several times, and row 5 never.
    idx = rng.integers(0, 5, index_shape)
    layer(idx)
    assert layer.embeddings.dtype == "float64"
    check_gradients(lambda w: layer(idx), [layer.embeddings])


def test_embedding_gradient_accumulates_over_two_calls(rng, float64):
    layer = layers.Embedding(4, 2)
    a, b = rng.integers(0, 4, (3, 2)), rng.integers(0, 4, (2, 2))
    layer(a)
    check_gradients(lambda w: ops.concatenate([layer(a), layer(b)], axis=0), [layer.embeddings])


def test_embedding_gradient_is_the_row_sums():
    # d embeddings[v] = sum of the upstream gradient over the positions holding v.
    layer = layers.Embedding(5, 2)
    idx = np.array([[1, 3, 1], [0, 1, 4]])
    with ops.GradientTape() as tape:
        out = layer(idx)
        loss = ops.sum(ops.multiply(out, np.arange(12, dtype="float32").reshape(2, 3, 2)))
    (grad,) = tape.gradient(loss, [layer.embeddings])
    expected = np.zeros((5, 2), "float32")
    for pos, v in enumerate(idx.reshape(-1)):
        expected[v] += np.arange(12).reshape(6, 2)[pos]
    np.testing.assert_array_equal(grad.numpy(), expected)


@pytest.mark.parametrize("dtype", ["int32", "int64", "float32"])
def test_embedding_matches_keras(dtype, rng):
    idx = rng.integers(0, 7, (4, 6)).astype(dtype)
    ours, theirs = layers.Embedding(7, 5), keras.layers.Embedding(7, 5)
    ours.build(None)
    theirs.build(None)
    weights = [rng.standard_normal((7, 5)).astype("float32")]
    ours.set_weights(weights)
    theirs.set_weights(weights)
    out = ours(idx)
    assert out.dtype == "float32" and out.shape == (4, 6, 5)
    np.testing.assert_allclose(out.numpy(), np.asarray(theirs(idx)), atol=1e-6)
    assert [w.name for w in ours.weights] == [w.name for w in theirs.weights] == ["embeddings"]
    assert ours.compute_output_shape((None, 6)) == tuple(theirs.compute_output_shape((None, 6)))


def test_embedding_config_round_trip_and_keras_keys():
    kwargs = {"input_dim": 10, "output_dim": 4, "mask_zero": True, "embeddings_regularizer": "l2"}
    layer = layers.Embedding(**kwargs)
    config = layer.get_config()
    clone = layers.Embedding.from_config(config)
    assert clone.get_config() == config
    theirs = keras.layers.Embedding(**kwargs).get_config()
    assert set(config) == set(theirs) - {"quantization_config"}
    assert config["embeddings_initializer"] == theirs["embeddings_initializer"]
    # A Keras-written config (with its quantization_config key) loads here.
    assert layers.Embedding.from_config(theirs).mask_zero is True


def test_default_initializer_is_keras_uniform():
    layer = layers.Embedding(200, 50)
    layer.build(None)
    w = layer.get_weights()[0]
    assert np.abs(w).max() <= 0.05 and np.abs(w).max() > 0.049 and abs(w.mean()) < 0.005


@pytest.mark.parametrize("mask_zero", [True, False])
def test_compute_mask_matches_keras(mask_zero):
    idx = np.array([[3, 0, 2, 0], [0, 0, 1, 5]])
    ours = layers.Embedding(6, 2, mask_zero=mask_zero)
    theirs = keras.layers.Embedding(6, 2, mask_zero=mask_zero)
    assert ours.supports_masking == theirs.supports_masking == mask_zero
    mask, expected = ours.compute_mask(idx), theirs.compute_mask(idx)
    if mask_zero:
        np.testing.assert_array_equal(np.asarray(mask), np.asarray(expected))
        assert np.asarray(mask).dtype == bool
    else:
        assert mask is None and expected is None


def test_initial_weights_and_frozen_embeddings(rng):
    matrix = rng.standard_normal((8, 3)).astype("float32")
    for weights in (matrix, [matrix]):
        layer = layers.Embedding(8, 3, weights=weights, trainable=False)
        assert layer.built
        np.testing.assert_array_equal(layer.embeddings.numpy(), matrix)
        assert layer.trainable_weights == [] and len(layer.non_trainable_weights) == 1
    with pytest.raises(ValueError, match="shape"):
        layers.Embedding(8, 4, weights=matrix)


def test_input_length_fixes_the_sequential_input_shape():
    # Keras 2 code passes input_length; the Sequential then knows its input and is built.
    model = sk.Sequential([sk.layers.Embedding(50, 8, input_length=10), sk.layers.GlobalAveragePooling1D()])
    assert model.built and model.input_shape == (None, 10) and model.output_shape == (None, 8)
    assert "input_length" not in model.layers[0].get_config()


def test_text_classifier_trains_on_padded_sequences(rng):
    # Sequences holding token 1 are class 1; padded with pad_sequences, fed as ints.
    sk.utils.set_random_seed(0)
    seqs = [list(rng.integers(2, 20, rng.integers(2, 9))) for _ in range(120)]
    y = rng.integers(0, 2, 120)
    for s, label in zip(seqs, y):
        if label:
            s[rng.integers(0, len(s))] = 1
    x = sk.utils.pad_sequences(seqs, maxlen=8)
    model = sk.Sequential(
        [
            sk.layers.Input((8,), dtype="int32"),
            sk.layers.Embedding(20, 8),
            sk.layers.GlobalMaxPooling1D(),
            sk.layers.Dense(1, activation="sigmoid"),
        ]
    )
    model.compile(optimizer=sk.optimizers.Adam(0.05), loss="binary_crossentropy", metrics=["accuracy"])
    history = model.fit(x, y, epochs=20, batch_size=16, verbose=0)
    assert history.history["accuracy"][-1] > 0.95


@pytest.mark.parametrize(
    "kwargs,match",
    [
        ({"input_dim": 0, "output_dim": 3}, "input_dim"),
        ({"input_dim": 5, "output_dim": 2.5}, "output_dim"),
        ({"input_dim": True, "output_dim": 3}, "input_dim"),
    ],
)
def test_embedding_rejects_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        layers.Embedding(**kwargs)


@pytest.mark.parametrize(
    "option, value", [("lora_rank", 2), ("lora_alpha", 4.0), ("quantization_config", "int8")]
)
def test_embedding_refuses_lora_and_quantization(option, value):
    with pytest.raises(NotImplementedError, match=f"`{option}`.*Received: {option}={value!r}"):
        layers.Embedding(5, 3, **{option: value})


@pytest.mark.parametrize("bad", [[[0, 5]], [[-1, 2]]])
def test_embedding_rejects_out_of_range_indices(bad):
    layer = layers.Embedding(5, 2)
    with pytest.raises(ValueError, match=r"\[0, input_dim=5\)"):
        layer(np.array(bad))


def test_float64_floatx_gives_float64_embeddings(float64):
    layer = layers.Embedding(3, 2)
    assert layer(np.array([[0, 2]])).dtype == backend.floatx() == "float64"
