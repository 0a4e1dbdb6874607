"""keras.random (also tf.random): dtypes and shapes as real Keras 3 gives them, the distributions,
Keras 3's seed semantics (int, SeedGenerator, None + global seed), dropout and shuffle."""

import keras as real_keras
import numpy as np
import pytest

import scratchnn as tf
import scratchnn.keras as keras
from scratchnn.testing import check_gradients

DRAWS = [
    ("normal", lambda r, **k: r.normal((3, 4), **k)),
    ("uniform", lambda r, **k: r.uniform((3, 4), **k)),
    ("truncated_normal", lambda r, **k: r.truncated_normal((3, 4), **k)),
    ("randint", lambda r, **k: r.randint((3, 4), 0, 10, **k)),
    ("categorical", lambda r, **k: r.categorical(np.zeros((3, 5), dtype="float32"), 4, **k)),
    ("gamma", lambda r, **k: r.gamma((3, 4), alpha=2.0, **k)),
    ("binomial", lambda r, **k: r.binomial((3, 4), counts=5, probabilities=0.3, **k)),
    ("beta", lambda r, **k: r.beta((3, 4), alpha=2.0, beta=3.0, **k)),
    ("shuffle", lambda r, **k: r.shuffle(np.arange(12.0, dtype="float32").reshape(3, 4), **k)),
    ("dropout", lambda r, **k: r.dropout(np.ones((3, 4), dtype="float32"), 0.5, **k)),
]


# JAX compiles its gamma, binomial and beta samplers for seconds each; their dtype (floatx, as
# Keras documents) is checked in test_gamma_binomial_beta_are_floatx instead.
SLOW_IN_JAX = ("gamma", "binomial", "beta")


@pytest.mark.parametrize("name,draw", [d for d in DRAWS if d[0] not in SLOW_IN_JAX])
def test_shape_and_dtype_match_real_keras(name, draw):
    ours = draw(keras.random, seed=1)
    theirs = np.asarray(draw(real_keras.random, seed=1))
    assert isinstance(ours, keras.ops.Tensor)
    assert ours.shape == theirs.shape and ours.dtype == str(theirs.dtype)


@pytest.mark.parametrize("name,draw", [d for d in DRAWS if d[0] in SLOW_IN_JAX])
def test_gamma_binomial_beta_are_floatx(name, draw):
    out = draw(keras.random, seed=1)
    assert out.shape == (3, 4) and out.dtype == keras.backend.floatx() == "float32"
    assert draw(keras.random, seed=1, dtype="float64").dtype == "float64"


@pytest.mark.parametrize("name,draw", DRAWS)
def test_seed_semantics_match_keras(name, draw):
    # An int seed repeats; a SeedGenerator advances and repeats from the same seed; seed=None
    # draws anew each call and repeats after set_random_seed.
    np.testing.assert_array_equal(draw(keras.random, seed=7).numpy(), draw(keras.random, seed=7).numpy())
    gen_a, gen_b = keras.random.SeedGenerator(42), keras.random.SeedGenerator(42)
    first, second = draw(keras.random, seed=gen_a).numpy(), draw(keras.random, seed=gen_a).numpy()
    np.testing.assert_array_equal(draw(keras.random, seed=gen_b).numpy(), first)
    np.testing.assert_array_equal(draw(keras.random, seed=gen_b).numpy(), second)
    # An int seed is the first draw of a SeedGenerator with that seed, as in Keras.
    np.testing.assert_array_equal(draw(keras.random, seed=42).numpy(), first)
    keras.utils.set_random_seed(3)
    run = [draw(keras.random).numpy() for _ in range(2)]
    tf.random.set_seed(3)
    np.testing.assert_array_equal(draw(keras.random).numpy(), run[0])
    np.testing.assert_array_equal(draw(keras.random).numpy(), run[1])


def test_draws_differ_between_calls_and_seeds():
    gen = keras.random.SeedGenerator(0)
    a, b = keras.random.normal((50,), seed=gen).numpy(), keras.random.normal((50,), seed=gen).numpy()
    assert not np.array_equal(a, b)
    assert not np.array_equal(
        keras.random.normal((50,), seed=1).numpy(), keras.random.normal((50,), seed=2).numpy()
    )
    keras.utils.set_random_seed(0)
    assert not np.array_equal(keras.random.uniform((50,)).numpy(), keras.random.uniform((50,)).numpy())


def test_an_int_seed_is_a_seed_generators_first_draw_in_real_keras_too():
    first = real_keras.random.normal((3,), seed=real_keras.random.SeedGenerator(42))
    np.testing.assert_array_equal(np.asarray(real_keras.random.normal((3,), seed=42)), np.asarray(first))


def test_seed_generator_without_a_seed_repeats_after_set_random_seed():
    keras.utils.set_random_seed(11)
    a = keras.random.normal((4,), seed=keras.random.SeedGenerator()).numpy()
    keras.utils.set_random_seed(11)
    np.testing.assert_array_equal(keras.random.normal((4,), seed=keras.random.SeedGenerator()).numpy(), a)


def test_seed_generator_state_and_config_as_in_keras():
    gen = keras.random.SeedGenerator(5, name="gen")
    assert gen.state.dtype == "uint32" and gen.state.numpy().tolist() == [5, 0] and not gen.state.trainable
    assert gen.next().numpy().tolist() == [5, 0] and gen.state.numpy().tolist() == [5, 1]
    assert set(gen.get_config()) == set(real_keras.random.SeedGenerator(5).get_config())
    assert keras.random.SeedGenerator.from_config(gen.get_config()).get_config() == {"seed": 5, "name": "gen"}


@pytest.mark.parametrize("seed", ["42", 1.5, [1, 2]])
def test_bad_seed(seed):
    with pytest.raises(ValueError, match="`seed` must be"):
        keras.random.normal((2,), seed=seed)
    if not isinstance(seed, list):
        with pytest.raises(ValueError, match="`seed` must be an integer"):
            keras.random.SeedGenerator(seed)


def test_distributions():
    n = 40_000
    normal = keras.random.normal((n,), mean=2.0, stddev=3.0, seed=0).numpy()
    assert abs(normal.mean() - 2.0) < 0.05 and abs(normal.std() - 3.0) < 0.05
    uniform = keras.random.uniform((n,), minval=-1.0, maxval=3.0, seed=0).numpy()
    assert uniform.min() >= -1.0 and uniform.max() < 3.0 and abs(uniform.mean() - 1.0) < 0.03
    trunc = keras.random.truncated_normal((n,), mean=1.0, stddev=2.0, seed=0).numpy()
    # A normal cut at 2 standard deviations keeps 0.8796 of its standard deviation.
    assert trunc.min() >= -3.0 and trunc.max() <= 5.0 and abs(trunc.std() - 2.0 * 0.8796) < 0.03
    ints = keras.random.randint((n,), 3, 8, seed=0).numpy()
    assert set(np.unique(ints)) == {3, 4, 5, 6, 7}
    logits = np.log(np.array([[0.1, 0.6, 0.3], [0.5, 0.0, 0.5]]) + 1e-30).astype("float32")
    samples = keras.random.categorical(logits, n, seed=0).numpy()
    np.testing.assert_allclose(np.bincount(samples[0], minlength=3) / n, [0.1, 0.6, 0.3], atol=0.01)
    assert 1 not in samples[1]


def test_tf_random_uniform_accepts_integer_dtypes_and_maxval_none():
    ints = tf.random.uniform((1000,), minval=2, maxval=5, dtype=tf.int32, seed=1)
    assert ints.dtype == "int32" and set(np.unique(ints.numpy())) == {2, 3, 4}
    floats = tf.random.uniform((1000,), maxval=None, seed=1).numpy()
    assert floats.dtype == np.float32 and 0 <= floats.min() and floats.max() < 1
    with pytest.raises(ValueError, match="`maxval` must be given"):
        tf.random.uniform((2,), dtype=tf.int32)
    with pytest.raises(ValueError, match="requires a floating point"):
        keras.random.normal((2,), dtype="int32")
    with pytest.raises(ValueError, match="requires an integer"):
        keras.random.randint((2,), 0, 3, dtype="float32")


def test_shuffle_keeps_slices_whole():
    x = np.arange(20.0, dtype="float32").reshape(5, 4)
    rows = keras.random.shuffle(x, seed=3).numpy()
    assert sorted(map(tuple, rows)) == sorted(map(tuple, x)) and not np.array_equal(rows, x)
    cols = keras.random.shuffle(x, axis=1, seed=3).numpy()
    assert sorted(map(tuple, cols.T)) == sorted(map(tuple, x.T))


def test_dropout_matches_keras_rule(rng):
    x = rng.uniform(1, 2, (100, 40)).astype("float32")
    ours = keras.random.dropout(x, 0.25, seed=4).numpy()
    theirs = np.asarray(real_keras.random.dropout(x, 0.25, seed=4))
    for out in (ours, theirs):  # each keeps x / (1 - rate) on about 75% of the entries
        kept = out != 0
        assert abs(kept.mean() - 0.75) < 0.02
        np.testing.assert_allclose(out[kept], (x / np.float32(0.75))[kept], rtol=1e-7)
    np.testing.assert_array_equal(keras.random.dropout(x, 0.0).numpy(), x)
    np.testing.assert_array_equal(keras.random.dropout(x, 1.0).numpy(), np.zeros_like(x))
    channels = keras.random.dropout(
        np.ones((8, 3, 3, 6), "float32"), 0.5, noise_shape=(None, 1, 1, 6), seed=2
    )
    per_channel = channels.numpy().reshape(8, 9, 6)
    assert np.all(per_channel == per_channel[:, :1, :])  # whole channels kept or dropped
    with pytest.raises(ValueError, match=r"`rate` must be in \[0, 1\]"):
        keras.random.dropout(x, 1.5)


def test_dropout_and_shuffle_gradients(rng, float64):
    x = rng.standard_normal((4, 5))
    check_gradients(lambda t: keras.random.dropout(t, 0.3, seed=9), [x])
    check_gradients(lambda t: keras.random.shuffle(t, axis=1, seed=9), [x])


def test_module_error_lists_what_there_is():
    with pytest.raises(AttributeError, match=r"has no attribute 'stateless_normal'.*normal, randint"):
        keras.random.stateless_normal  # noqa: B018
