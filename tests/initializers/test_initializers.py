"""scratchnn.initializers against real Keras 3: fans, statistics, seeding, dtypes and configs."""

import math

import keras
import numpy as np
import pytest
from keras.src.initializers.random_initializers import compute_fans as keras_compute_fans

from scratchnn import backend, initializers
from scratchnn.backend import random as snn_random

TRUNC = 0.87962566103423978  # std of a standard normal truncated to [-2, 2]

# (class name, Keras VarianceScaling arguments) for the six presets.
PRESETS = {
    "GlorotUniform": (1.0, "fan_avg", "uniform"),
    "GlorotNormal": (1.0, "fan_avg", "truncated_normal"),
    "HeUniform": (2.0, "fan_in", "uniform"),
    "HeNormal": (2.0, "fan_in", "truncated_normal"),
    "LecunUniform": (1.0, "fan_in", "uniform"),
    "LecunNormal": (1.0, "fan_in", "truncated_normal"),
}


def _values(init, shape):
    """Draws `shape` from `init` and returns it as a float64 host array for statistics."""
    return backend.to_numpy(init(shape)).astype(np.float64)


def _fan(shape, mode):
    fan_in, fan_out = keras_compute_fans(shape)
    return {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}[mode]


@pytest.mark.parametrize(
    "shape", [(), (7,), (3, 5), (5, 2, 6), (3, 3, 16, 32), (2, 3, 3, 4, 5), (1, 1, 0, 4)]
)
def test_compute_fans_matches_keras(shape):
    assert initializers.compute_fans(shape) == keras_compute_fans(shape)


def test_compute_fans_with_axes_matches_keras():
    shape = (4, 5, 6, 7)
    axes = {"input_axes": [0, 2], "output_axes": [3]}
    assert initializers.compute_fans(shape, **axes) == keras_compute_fans(shape, **axes)


@pytest.mark.parametrize("name", sorted(PRESETS))
@pytest.mark.parametrize("shape", [(300, 200), (3, 3, 32, 64)])
def test_variance_scaling_presets_statistics(name, shape):
    scale, mode, distribution = PRESETS[name]
    w = _values(getattr(initializers, name)(seed=1234), shape)
    target_std = math.sqrt(scale / max(1.0, _fan(shape, mode)))
    assert w.shape == shape
    assert abs(w.mean()) < 5 * target_std / math.sqrt(w.size)
    assert w.std() == pytest.approx(target_std, rel=0.02)
    bound = math.sqrt(3) * target_std if distribution == "uniform" else 2 * target_std / TRUNC
    assert np.abs(w).max() <= bound * (1 + 1e-6)
    assert np.abs(w).max() > 0.98 * bound  # the support is filled up to the bound


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_presets_match_keras_distribution(name):
    """Same shape through Keras's own initializer: same spread and the same bound."""
    shape = (3, 3, 16, 32)
    ours = _values(getattr(initializers, name)(seed=7), shape)
    theirs = np.asarray(getattr(keras.initializers, name)(seed=7)(shape), dtype=np.float64)
    assert ours.std() == pytest.approx(theirs.std(), rel=0.03)
    assert np.abs(ours).max() == pytest.approx(np.abs(theirs).max(), rel=0.02)


def test_glorot_uniform_limit_on_dense_and_conv_shapes():
    for shape in [(784, 128), (5, 5, 3, 16)]:
        fan_in, fan_out = keras_compute_fans(shape)
        limit = math.sqrt(6 / (fan_in + fan_out))
        w = backend.to_numpy(initializers.GlorotUniform(seed=0)(shape))
        k = np.asarray(keras.initializers.GlorotUniform(seed=0)(shape))
        assert np.abs(w).max() <= limit and np.abs(k).max() <= limit
        assert np.abs(w).max() > 0.99 * limit


@pytest.mark.parametrize(
    "mode,distribution",
    [(m, d) for m in ("fan_in", "fan_out", "fan_avg") for d in ("uniform", "untruncated_normal")],
)
def test_variance_scaling_modes(mode, distribution):
    shape = (200, 500)
    w = _values(initializers.VarianceScaling(3.0, mode, distribution, seed=3), shape)
    assert w.std() == pytest.approx(math.sqrt(3.0 / _fan(shape, mode)), rel=0.02)


def test_random_normal_uniform_truncated_statistics():
    shape = (400, 300)
    w = _values(initializers.RandomNormal(mean=1.0, stddev=2.0, seed=1), shape)
    assert w.mean() == pytest.approx(1.0, abs=5 * 2.0 / math.sqrt(w.size))
    assert w.std() == pytest.approx(2.0, rel=0.01)
    w = _values(initializers.RandomUniform(minval=-1.0, maxval=3.0, seed=1), shape)
    assert w.min() >= -1.0 and w.max() <= 3.0
    assert w.mean() == pytest.approx(1.0, abs=0.02) and w.std() == pytest.approx(4 / math.sqrt(12), rel=0.01)
    w = _values(initializers.TruncatedNormal(mean=0.5, stddev=2.0, seed=1), shape)
    assert np.abs(w - 0.5).max() <= 4.0
    assert w.std() == pytest.approx(2.0 * TRUNC, rel=0.01)
    k = np.asarray(keras.initializers.TruncatedNormal(mean=0.5, stddev=2.0, seed=1)(shape), dtype=np.float64)
    assert w.std() == pytest.approx(k.std(), rel=0.02)


def test_defaults_match_keras():
    for name in (
        "RandomNormal",
        "RandomUniform",
        "TruncatedNormal",
        "VarianceScaling",
        "Orthogonal",
        "Constant",
    ):
        assert getattr(initializers, name)().get_config() == getattr(keras.initializers, name)().get_config()


@pytest.mark.parametrize("shape", [(), (1,), (6,), (1, 1)])
def test_small_shapes(shape):
    for name in sorted(PRESETS) + ["RandomNormal", "TruncatedNormal", "RandomUniform"]:
        w = getattr(initializers, name)(seed=0)(shape)
        assert tuple(w.shape) == shape


def test_same_global_seed_gives_same_weights():
    snn_random.set_seed(42)
    a = [initializers.get(n)((20, 30)) for n in ("glorot_uniform", "he_normal", "orthogonal")]
    snn_random.set_seed(42)
    b = [initializers.get(n)((20, 30)) for n in ("glorot_uniform", "he_normal", "orthogonal")]
    for x, y in zip(a, b, strict=True):
        np.testing.assert_array_equal(x, y)
    assert not np.array_equal(a[0], initializers.get("glorot_uniform")((20, 30)))
    snn_random.set_seed(43)
    assert not np.array_equal(a[0], initializers.get("glorot_uniform")((20, 30)))


def test_seeding_when_set_after_construction():
    init = initializers.GlorotUniform()
    snn_random.set_seed(5)
    a = init((4, 4))
    snn_random.set_seed(5)
    np.testing.assert_array_equal(a, initializers.GlorotUniform()((4, 4)))


@pytest.mark.parametrize("seed", [None, 3])
def test_repeated_calls_follow_keras(seed):
    """Keras 3: an initializer seeded with an int, or unseeded, repeats its values."""
    k = keras.initializers.RandomNormal(seed=seed)
    keras_repeats = np.array_equal(np.asarray(k((3, 4))), np.asarray(k((3, 4))))
    ours = initializers.RandomNormal(seed=seed)
    assert np.array_equal(ours((3, 4)), ours((3, 4))) == keras_repeats


def test_int_seed_is_independent_of_global_state_and_generator_seed_advances():
    snn_random.set_seed(1)
    a = initializers.HeUniform(seed=9)((5, 5))
    snn_random.set_seed(2)
    np.testing.assert_array_equal(a, initializers.HeUniform(seed=9)((5, 5)))
    assert not np.array_equal(a, initializers.HeUniform(seed=10)((5, 5)))
    init = initializers.HeUniform(seed=np.random.default_rng(0))
    assert not np.array_equal(init((5, 5)), init((5, 5)))


@pytest.mark.parametrize("seed", [-1, 1.5, "a", True])
def test_bad_seed(seed):
    with pytest.raises(ValueError, match="seed="):
        initializers.RandomNormal(seed=seed)


@pytest.mark.parametrize(
    "name", sorted(PRESETS) + ["RandomNormal", "Orthogonal", "Zeros", "Ones", "Identity"]
)
def test_dtypes(name, float64):
    init = getattr(initializers, name)()
    assert init((4, 4)).dtype == np.float64  # floatx() is float64 under the fixture
    backend.set_floatx("float32")
    assert init((4, 4)).dtype == np.float32
    assert init((4, 4), dtype="float64").dtype == np.float64


def test_random_initializer_rejects_integer_dtype():
    with pytest.raises(ValueError, match="dtype='int32'"):
        initializers.GlorotUniform()((2, 2), dtype="int32")
    assert initializers.Zeros()((2,), dtype="int32").dtype == np.int32


@pytest.mark.parametrize("shape", [(6, 4), (4, 6), (5, 5), (3, 3, 4, 8)])
def test_orthogonal(shape):
    w = backend.to_numpy(initializers.Orthogonal(gain=1.0, seed=2)(shape, dtype="float64"))
    assert w.shape == shape
    m = w.reshape(-1, shape[-1])
    small = m.T @ m if m.shape[0] >= m.shape[1] else m @ m.T
    np.testing.assert_allclose(small, np.eye(small.shape[0]), atol=1e-10)
    g = backend.to_numpy(initializers.Orthogonal(gain=2.5, seed=2)(shape, dtype="float64"))
    np.testing.assert_allclose(g, 2.5 * w, rtol=1e-12)
    # Keras makes the same side orthonormal (columns if tall, rows if wide).
    k = np.asarray(keras.initializers.Orthogonal(seed=2)(shape), dtype=np.float64).reshape(m.shape)
    k_small = k.T @ k if k.shape[0] >= k.shape[1] else k @ k.T
    np.testing.assert_allclose(k_small, np.eye(small.shape[0]), atol=1e-5)


def test_orthogonal_rank_error():
    with pytest.raises(ValueError, match="shape=\\(5,\\)"):
        initializers.Orthogonal()((5,))


@pytest.mark.parametrize(
    "name,args,shape",
    [
        ("Zeros", {}, (2, 3)),
        ("Ones", {}, (4,)),
        ("Constant", {"value": 2.5}, (3, 2)),
        ("Identity", {"gain": 3.0}, (3, 5)),
    ],
)
def test_deterministic_initializers_match_keras(name, args, shape):
    ours = backend.to_numpy(getattr(initializers, name)(**args)(shape))
    theirs = np.asarray(getattr(keras.initializers, name)(**args)(shape))
    np.testing.assert_array_equal(ours, theirs)
    assert ours.dtype == theirs.dtype


def test_identity_rank_error():
    with pytest.raises(ValueError, match="2-D"):
        initializers.Identity()((2, 2, 2))


ALL_CASES = [
    ("Zeros", {}),
    ("Ones", {}),
    ("Constant", {"value": 0.3}),
    ("Identity", {"gain": 2.0}),
    ("RandomNormal", {"mean": 1.0, "stddev": 0.2, "seed": 5}),
    ("RandomUniform", {"minval": -1.0, "maxval": 2.0, "seed": 5}),
    ("TruncatedNormal", {"mean": 0.1, "stddev": 0.3, "seed": 5}),
    ("VarianceScaling", {"scale": 2.0, "mode": "fan_out", "distribution": "uniform", "seed": 5}),
    ("VarianceScaling", {"scale": 0.5, "mode": "fan_avg", "distribution": "normal"}),
    ("Orthogonal", {"gain": 1.5, "seed": 5}),
] + [(name, {"seed": 11}) for name in sorted(PRESETS)]


@pytest.mark.parametrize("name,args", ALL_CASES)
def test_config_round_trip_and_keras_parity(name, args):
    ours = getattr(initializers, name)(**args)
    theirs = getattr(keras.initializers, name)(**args)
    # Keras's Identity.get_config() drops `gain` (it returns {}); scratchnn keeps it.
    extra = {"gain": args["gain"]} if name == "Identity" else {}
    assert ours.get_config() == {**theirs.get_config(), **extra}
    clone = type(ours).from_config(ours.get_config())
    assert clone.get_config() == ours.get_config()
    if name not in ("VarianceScaling",) or "seed" in args:  # an unseeded clone draws its own seed
        np.testing.assert_array_equal(clone((4, 3)), ours((4, 3)))
    # Our Keras 3 dict equals Keras's, and each side reads the other's.
    expected = keras.initializers.serialize(theirs)
    expected["config"].update(extra)
    assert initializers.serialize(ours) == expected
    from_keras = initializers.deserialize(keras.initializers.serialize(theirs))
    assert type(from_keras) is type(ours)
    assert from_keras.get_config() == type(ours).from_config(theirs.get_config()).get_config()
    back_in_keras = keras.initializers.deserialize(initializers.serialize(ours))
    assert {**back_in_keras.get_config(), **extra} == expected["config"]


def test_keras_saved_dict_and_legacy_dict_accepted():
    saved = {
        "module": "keras.initializers",
        "class_name": "GlorotUniform",
        "config": {"seed": 3, "input_axes": None, "output_axes": None},
        "registered_name": None,
    }
    init = initializers.get(saved)
    assert isinstance(init, initializers.GlorotUniform) and init.seed == 3
    legacy = initializers.get({"class_name": "VarianceScaling", "config": {"scale": 2.0, "mode": "fan_in"}})
    assert legacy.scale == 2.0 and legacy.distribution == "truncated_normal"
    seeded = keras.initializers.serialize(keras.initializers.HeNormal(seed=keras.random.SeedGenerator(4)))
    assert initializers.deserialize(seeded)((3, 3)).shape == (3, 3)


@pytest.mark.parametrize(
    "name",
    [
        "glorot_uniform",
        "glorot_normal",
        "he_uniform",
        "he_normal",
        "lecun_uniform",
        "lecun_normal",
        "zeros",
        "ones",
        "uniform",
        "normal",
        "random_normal",
        "random_uniform",
        "truncated_normal",
        "orthogonal",
        "identity",
        "variance_scaling",
        "Zeros",
        "GlorotUniform",
        "zero",
        "one",
    ],
)
def test_get_by_name_matches_keras(name):
    assert type(initializers.get(name)).__name__ == type(keras.initializers.get(name)).__name__


def test_get_constant_by_name():
    # Keras's get("constant") fails (its from_config needs "value"); scratchnn uses the default 0.0.
    np.testing.assert_array_equal(initializers.get("constant")((2,)), np.zeros(2, np.float32))


def test_unknown_name_lists_valid_names():
    with pytest.raises(ValueError, match="Unknown initializer 'glorot_unifrom'") as info:
        initializers.get("glorot_unifrom")
    for valid in ("glorot_uniform", "he_normal", "zeros", "orthogonal"):
        assert repr(valid) in str(info.value)
    with pytest.raises(ValueError, match="Could not interpret"):
        initializers.get(3.5)


def test_get_other_identifiers():
    assert initializers.get(None) is None
    inst = initializers.HeNormal()
    assert initializers.get(inst) is inst
    assert isinstance(initializers.get(initializers.Ones), initializers.Ones)

    def fn(shape, dtype=None):
        return np.full(shape, 7.0)

    assert initializers.get(fn) is fn
    value = np.arange(6.0).reshape(2, 3)
    from_array = initializers.get(value)
    np.testing.assert_array_equal(from_array((2, 3)), value)
    assert from_array((2, 3)).dtype == np.float32
    with pytest.raises(ValueError, match="shape"):
        from_array((3, 2))


@pytest.mark.parametrize(
    "kwargs,match",
    [
        ({"scale": 0.0}, "scale=0.0"),
        ({"mode": "fan"}, "mode='fan'"),
        ({"distribution": "gamma"}, "distribution='gamma'"),
    ],
)
def test_variance_scaling_validation(kwargs, match):
    with pytest.raises(ValueError, match=match):
        initializers.VarianceScaling(**kwargs)


def test_bad_shape():
    with pytest.raises(ValueError, match="shape="):
        initializers.Zeros()((2, -1))
    with pytest.raises(ValueError, match="shape="):
        initializers.GlorotUniform()((2, None))
