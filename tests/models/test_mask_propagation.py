"""Masks flowing between layers, in eager calls, Sequential and functional models, and into the loss.

Layer.__call__ reads `_keras_mask` from its inputs (passing it as `mask=` when `call` accepts
one) and sets the outputs' `_keras_mask` from `compute_mask`; the loss weights by the mask on
y_pred. Each test compares with real Keras.
"""

import keras
import numpy as np
import pytest
from keras.src.backend import get_keras_mask

import scratchnn.keras as sk

# Two padded sequences: zeros are padding (pre and post).
TOKENS = np.array([[3, 5, 0, 0], [0, 1, 2, 7], [4, 0, 6, 0]])


def _mask_of(tensor):
    return getattr(tensor, "_keras_mask", None)


def _embedding_dense_pool(api, functional=False):
    L = api.layers
    if functional:
        inputs = api.Input((4,), dtype="int32")
        x = L.Embedding(8, 3, mask_zero=True)(inputs)
        x = L.Dense(2, activation="tanh")(x)
        return api.Model(inputs, L.GlobalAveragePooling1D()(x))
    return api.Sequential(
        [
            L.Input((4,), dtype="int32"),
            L.Embedding(8, 3, mask_zero=True),
            L.Dense(2, activation="tanh"),
            L.GlobalAveragePooling1D(),
        ]
    )


def _same_weights(ours, theirs, rng):
    weights = [rng.standard_normal(w.shape).astype("float32") for w in ours.get_weights()]
    ours.set_weights(weights)
    theirs.set_weights(weights)


def test_eager_calls_attach_and_pass_on_the_mask(rng):
    emb, dense, pool = (
        sk.layers.Embedding(8, 3, mask_zero=True),
        sk.layers.Dense(2),
        sk.layers.GlobalAveragePooling1D(),
    )
    e = emb(TOKENS)
    np.testing.assert_array_equal(np.asarray(_mask_of(e)), TOKENS != 0)
    d = dense(e)  # Dense supports masking: the mask passes to its output
    np.testing.assert_array_equal(np.asarray(_mask_of(d)), TOKENS != 0)
    pooled = pool(d)  # the pooling reads the mask and consumes it
    assert _mask_of(pooled) is None
    kept = (TOKENS != 0)[:, :, None]
    np.testing.assert_allclose(pooled.numpy(), (d.numpy() * kept).sum(1) / kept.sum(1), rtol=1e-6)
    with pytest.warns(UserWarning, match="does not support masking"):  # Keras warns the same
        flat = sk.layers.Flatten()(e)
    assert _mask_of(flat) is None  # no masking support: the mask stops


@pytest.mark.parametrize("functional", [False, True])
def test_embedding_dense_pooling_model_matches_keras(functional, rng):
    ours, theirs = _embedding_dense_pool(sk, functional), _embedding_dense_pool(keras, functional)
    _same_weights(ours, theirs, rng)
    want = np.asarray(theirs(TOKENS))
    np.testing.assert_allclose(ours(TOKENS).numpy(), want, atol=1e-6)
    np.testing.assert_allclose(ours.predict(TOKENS, verbose=0), want, atol=1e-6)


def test_sequential_built_on_first_call_propagates_too(rng):
    L = sk.layers
    ours = sk.Sequential([L.Embedding(8, 3, mask_zero=True), L.Dense(2), L.GlobalAveragePooling1D()])
    theirs = keras.Sequential(
        [
            keras.layers.Embedding(8, 3, mask_zero=True),
            keras.layers.Dense(2),
            keras.layers.GlobalAveragePooling1D(),
        ]
    )
    ours(TOKENS)
    theirs(TOKENS)
    _same_weights(ours, theirs, rng)
    np.testing.assert_allclose(ours(TOKENS).numpy(), np.asarray(theirs(TOKENS)), atol=1e-6)


def test_masking_layer_propagates_through_dense_to_pooling(rng):
    x = rng.standard_normal((3, 5, 4)).astype("float32")
    x[0, 3:] = 0.0
    x[2, :2] = 0.0

    def build(api):
        L = api.layers
        return api.Sequential([L.Input((5, 4)), L.Masking(), L.Dense(3), L.GlobalAveragePooling1D()])

    ours, theirs = build(sk), build(keras)
    _same_weights(ours, theirs, rng)
    np.testing.assert_allclose(ours(x).numpy(), np.asarray(theirs(x)), atol=1e-6)
    masked = sk.layers.Masking()(x)
    np.testing.assert_array_equal(
        np.asarray(_mask_of(masked)), np.asarray(get_keras_mask(keras.layers.Masking()(x)))
    )


def test_functional_merge_of_masked_branches_matches_keras(rng):
    def build(api):
        L = api.layers
        inputs = api.Input((4,), dtype="int32")
        e = L.Embedding(8, 3, mask_zero=True)(inputs)
        merged = L.Maximum()([L.Dense(3)(e), L.Dense(3)(e)])
        return api.Model(inputs, L.GlobalAveragePooling1D()(L.Concatenate()([merged, e])))

    ours, theirs = build(sk), build(keras)
    _same_weights(ours, theirs, rng)
    np.testing.assert_allclose(ours(TOKENS).numpy(), np.asarray(theirs(TOKENS)), atol=1e-6)


def test_mask_weights_the_loss_as_keras(rng):
    # A per-timestep output: the padded steps do not count in the loss (a mean over kept steps).
    def build(api):
        L = api.layers
        return api.Sequential([L.Input((4,), dtype="int32"), L.Embedding(8, 3, mask_zero=True), L.Dense(1)])

    ours, theirs = build(sk), build(keras)
    _same_weights(ours, theirs, rng)
    y = rng.standard_normal((3, 4, 1)).astype("float32")
    for m in (ours, theirs):
        m.compile(optimizer="sgd", loss="mse")
    np.testing.assert_allclose(
        ours.evaluate(TOKENS, y, verbose=0), theirs.evaluate(TOKENS, y, verbose=0), rtol=1e-5
    )
    np.testing.assert_allclose(ours.train_on_batch(TOKENS, y), theirs.train_on_batch(TOKENS, y), rtol=1e-5)
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(a, b, atol=1e-6)
