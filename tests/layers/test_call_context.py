"""The call context: `training` reaches layers nested inside subclassed models and custom layers.

The bug these tests pin down: a Dropout or BatchNormalization called inside a custom layer's or a
subclassed model's `call` without `training=` ran in inference mode during `fit` and under
`model(x, training=True)`. Keras carries the flag in a call context; so does scratchnn.
"""

import os

import numpy as np
import pytest

import scratchnn.keras as keras
from scratchnn import ops

os.environ.setdefault("KERAS_BACKEND", "jax")


def _blocks(lib, threaded=False):
    """Dropout and BatchNormalization two levels deep: Model -> Block -> Inner -> (BN, Dropout).

    With `threaded`, every `call` passes `training=` on by hand (the reference form); without it,
    no nested call mentions `training`, so it can only come from the call context.
    """

    class Inner(lib.layers.Layer):
        def __init__(self, rate, **kwargs):
            super().__init__(**kwargs)
            self.norm = lib.layers.BatchNormalization(momentum=0.5)
            self.drop = lib.layers.Dropout(rate)

        def call(self, x, training=None):
            if threaded:
                return self.drop(self.norm(x, training=training), training=training)
            return self.drop(self.norm(x))

    class Block(lib.layers.Layer):
        def __init__(self, rate, **kwargs):
            super().__init__(**kwargs)
            self.inner = Inner(rate)

        def call(self, x, training=None):
            return self.inner(x, training=training) if threaded else self.inner(x)

    class Net(lib.Model):
        def __init__(self, rate=0.0):
            super().__init__()
            self.dense = lib.layers.Dense(4)
            self.block = Block(rate)

        def call(self, x, training=None):
            return self.block(self.dense(x), training=training) if threaded else self.block(self.dense(x))

    return Net


def _pair(rate=0.0):
    """A scratchnn Net relying on the context and a real-Keras Net that threads `training` by
    hand, with the same weights. (Keras 3.15 on JAX loses the context inside `fit` — its nested
    BatchNormalization then never updates — so the reference threads the flag explicitly.)"""
    import keras as real

    x = np.random.default_rng(0).standard_normal((16, 3)).astype("float32")
    ours, theirs = _blocks(keras)(rate), _blocks(real, threaded=True)(rate)
    ours(x[:2])
    theirs(x[:2])
    theirs.set_weights(ours.get_weights())
    return ours, theirs, x


def _moving_stats(model):
    norm = model.block.inner.norm
    return norm.moving_mean.numpy(), norm.moving_variance.numpy()


def test_batch_norm_two_levels_deep_uses_batch_statistics_under_training_true():
    ours, theirs, x = _pair()
    np.testing.assert_allclose(
        ours(x, training=True).numpy(), np.asarray(theirs(x, training=True)), rtol=1e-5, atol=1e-5
    )
    for a, b in zip(_moving_stats(ours), _moving_stats(theirs)):
        np.testing.assert_allclose(a, np.asarray(b), rtol=1e-5, atol=1e-6)
    assert not np.allclose(_moving_stats(ours)[0], 0)  # the moving mean moved
    np.testing.assert_allclose(
        ours(x, training=False).numpy(), np.asarray(theirs(x, training=False)), rtol=1e-5, atol=1e-5
    )
    np.testing.assert_allclose(ours(x).numpy(), np.asarray(theirs(x)), rtol=1e-5, atol=1e-5)


def test_fit_updates_nested_batch_norm_as_keras_does():
    ours, theirs, x = _pair()
    import keras as real

    y = np.zeros((16, 4), "float32")
    ours.compile(optimizer=keras.optimizers.SGD(0.0), loss="mse")

    theirs.compile(optimizer=real.optimizers.SGD(0.0), loss="mse")
    ours.fit(x, y, batch_size=8, epochs=1, shuffle=False, verbose=0)
    theirs.fit(x, y, batch_size=8, epochs=1, shuffle=False, verbose=0)
    for a, b in zip(_moving_stats(ours), _moving_stats(theirs)):
        np.testing.assert_allclose(a, np.asarray(b), rtol=1e-5, atol=1e-6)
    assert not np.allclose(_moving_stats(ours)[1], 1)
    # evaluate and predict run in inference mode: they leave the moving statistics alone.
    before = _moving_stats(ours)
    ours.evaluate(x, y, verbose=0)
    ours.predict(x, verbose=0)
    for a, b in zip(before, _moving_stats(ours)):
        np.testing.assert_array_equal(a, b)


def test_dropout_two_levels_deep_drops_under_training_true_and_in_fit():
    model = _blocks(keras)(rate=0.5)
    x = np.random.default_rng(3).standard_normal((64, 3)).astype("float32")
    out = model(x, training=True).numpy()
    reference = model(x, training=False).numpy()
    assert 0.3 < (out == 0).mean() < 0.7  # BatchNorm's output is never exactly 0: Dropout did it
    assert (reference != 0).all()
    np.testing.assert_array_equal(model(x).numpy(), reference)  # no flag anywhere: inference
    # With a zero learning rate the weights stay put, so the epoch's training loss differs from
    # the evaluated loss only if dropout was active during fit.
    model.compile(optimizer=keras.optimizers.SGD(0.0), loss="mse")
    y = np.ones((64, 4), "float32")
    history = model.fit(x, y, batch_size=64, epochs=1, verbose=0)
    assert history.history["loss"][0] != pytest.approx(model.evaluate(x, y, verbose=0), rel=1e-3)
    np.testing.assert_array_equal(model.predict(x, verbose=0), model(x, training=False).numpy())


def test_fit_trains_a_model_whose_call_declares_no_training_argument():
    """Keras 3.15 calls such a model as `self(x)` in fit, so its BatchNormalization never leaves
    inference mode (checked on JAX); scratchnn's fit always opens the context with training=True."""

    class Bare(keras.Model):
        def __init__(self):
            super().__init__()
            self.dense = keras.layers.Dense(4)
            self.norm = keras.layers.BatchNormalization(momentum=0.5)

        def call(self, x):
            return self.norm(self.dense(x))

    model = Bare()
    model.compile(optimizer="sgd", loss="mse")
    x = np.random.default_rng(0).standard_normal((16, 3)).astype("float32")
    model.fit(x, np.zeros((16, 4), "float32"), batch_size=8, verbose=0)
    assert not np.allclose(model.norm.moving_mean.numpy(), 0)


def test_a_call_training_default_applies_only_without_an_outer_value():
    class AlwaysTrain(keras.layers.Layer):
        def __init__(self):
            super().__init__()
            self.drop = keras.layers.Dropout(0.5)

        def call(self, x, training=True):
            return self.drop(x, training=training)

    layer = AlwaysTrain()
    x = np.ones((200, 4), "float32")
    assert (layer(x).numpy() == 0).any()  # outermost call, no argument: the declared default
    outer = keras.Sequential([keras.Input((4,)), layer])
    np.testing.assert_array_equal(outer(x, training=False).numpy(), x)  # the outer value wins


def test_an_explicit_nested_value_is_scoped_to_its_own_call():
    """`self.norm(x, training=False)` freezes that layer only; the Dropout after it still trains.

    Keras writes the nested value into the shared context, so there the Dropout called after it
    would silently stop dropping; scratchnn restores the outer value when the nested call returns.
    """

    class Frozen(keras.layers.Layer):
        def __init__(self):
            super().__init__()
            self.norm = keras.layers.BatchNormalization()
            self.drop = keras.layers.Dropout(0.5)

        def call(self, x):
            return self.drop(self.norm(x, training=False))

    layer = Frozen()
    x = np.ones((200, 4), "float32")
    out = layer(x, training=True).numpy()
    assert (out == 0).any()
    np.testing.assert_array_equal(layer.norm.moving_mean.numpy(), np.zeros(4, "float32"))


def test_the_context_is_cleared_after_a_call_even_when_it_raises():
    class Boom(keras.layers.Layer):
        def call(self, x):
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        Boom()(np.ones((2, 2), "float32"), training=True)
    drop = keras.layers.Dropout(0.5)
    np.testing.assert_array_equal(drop(np.ones((50, 2), "float32")).numpy(), np.ones((50, 2)))


def test_custom_training_loop_gets_training_from_the_outer_call():
    model = _blocks(keras)(rate=0.5)
    x = np.ones((64, 3), "float32")
    with ops.GradientTape() as tape:
        out = model(x, training=True)
        loss = ops.mean(out)
    grads = tape.gradient(loss, model.trainable_variables)
    assert (out.numpy() == 0).any()
    assert all(np.isfinite(g.numpy()).all() for g in grads)
