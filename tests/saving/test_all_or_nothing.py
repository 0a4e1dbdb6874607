"""load_weights and set_weights change the model completely or not at all (issue 12, items 9 and 10)."""

import h5py
import numpy as np
import pytest

import scratchnn.keras as sk


def stack(units, seed=0):
    model = sk.Sequential([sk.Input((3,)), *[sk.layers.Dense(u) for u in units]])
    rng = np.random.default_rng(seed)
    model.set_weights([rng.standard_normal(w.shape).astype("float32") for w in model.get_weights()])
    return model


def snapshot(model):
    return [w.copy() for w in model.get_weights()]


def assert_same(model, before):
    after = model.get_weights()
    assert len(after) == len(before)
    for a, b in zip(after, before):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("suffix", [".weights.h5", ".keras"])
def test_weights_of_a_bigger_model_are_refused(suffix, tmp_path):
    path = tmp_path / f"big{suffix}"
    big = stack([4, 4, 4], seed=1)
    big.save_weights(path) if suffix == ".weights.h5" else big.save(path)
    model = stack([4, 4])
    before = snapshot(model)
    with pytest.raises(ValueError, match=r"big.*3 entries at 'layers'.*has 2.*\['dense_2'\].*bigger model"):
        model.load_weights(path)
    assert_same(model, before)


def test_bigger_model_with_skip_mismatch_loads_the_matching_layers(tmp_path):
    big = stack([4, 4, 4], seed=1)
    big.save_weights(tmp_path / "big.weights.h5")
    model = stack([4, 4])
    with pytest.warns(UserWarning, match="bigger model"):
        model.load_weights(tmp_path / "big.weights.h5", skip_mismatch=True)
    assert_same(model, big.get_weights()[:4])


def test_extra_layers_without_weights_are_not_a_mismatch(tmp_path):
    """A Dropout more in the file than in the model loses no weight."""
    source = sk.Sequential([sk.Input((3,)), sk.layers.Dense(4), sk.layers.Dropout(0.5), sk.layers.Dense(4)])
    source.save_weights(tmp_path / "w.weights.h5")
    model = sk.Sequential([sk.Input((3,)), sk.layers.Dense(4), sk.layers.Dense(4)])
    model.load_weights(tmp_path / "w.weights.h5")
    assert_same(model, source.get_weights())


def test_failure_on_a_later_layer_leaves_the_first_unchanged(tmp_path):
    stack([4, 5], seed=1).save_weights(tmp_path / "w.weights.h5")
    model = stack([4, 6])  # the first layer fits, the second does not
    before = snapshot(model)
    with pytest.raises(ValueError, match=r"w.weights.h5.*\(4, 5\)"):
        model.load_weights(tmp_path / "w.weights.h5")
    assert_same(model, before)

    stack([4, 5], seed=1).save(tmp_path / "legacy.h5")
    with pytest.raises(ValueError, match=r"legacy.h5.*\(4, 5\)"):
        model.load_weights(tmp_path / "legacy.h5")
    assert_same(model, before)


def test_bad_optimizer_state_leaves_the_weights_unchanged(tmp_path):
    source = stack([4, 2], seed=1)
    source.compile(optimizer="adam", loss="mse")
    x = np.ones((4, 3), "float32")
    source.fit(x, np.ones((4, 2), "float32"), verbose=0)
    source.save_weights(tmp_path / "w.weights.h5")
    with h5py.File(tmp_path / "w.weights.h5", "a") as f:
        last = str(len(f["optimizer/vars"]) - 1)
        del f[f"optimizer/vars/{last}"]
        f[f"optimizer/vars/{last}"] = np.zeros((7,), "float32")
    model = stack([4, 2])
    model.compile(optimizer="adam", loss="mse")
    before = snapshot(model)
    with pytest.raises(ValueError, match=r"w.weights.h5.*\(7,\).*optimizer/vars"):
        model.load_weights(tmp_path / "w.weights.h5")
    assert_same(model, before)


def test_set_weights_checks_everything_before_changing_anything():
    layer = sk.layers.Dense(2)
    layer.build((None, 3))
    before = [w.copy() for w in layer.get_weights()]
    with pytest.raises(ValueError, match=r"'bias' has shape \(2,\).*\(5,\)"):
        layer.set_weights([np.ones((3, 2)), np.ones((5,))])
    assert_same(layer, before)
    model = stack([4, 2])
    before = snapshot(model)
    bad = [w + 1 for w in before]
    bad[-1] = np.zeros((3,), "float32")
    with pytest.raises(ValueError, match="shape"):
        model.set_weights(bad)
    assert_same(model, before)


@pytest.mark.parametrize(
    "value", [np.array([["1", "2"]] * 3), np.array([[b"a", b"b"]] * 3), np.array([[None] * 2] * 3)]
)
def test_set_weights_refuses_non_numeric_arrays(value):
    layer = sk.layers.Dense(2)
    layer.build((None, 3))
    before = [w.copy() for w in layer.get_weights()]
    with pytest.raises(ValueError, match=r"'kernel' expects numbers.*dtype"):
        layer.set_weights([value, np.zeros((2,))])
    assert_same(layer, before)
