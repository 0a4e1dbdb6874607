"""Normalization.adapt: arrays, datasets, PyDatasets, generators and lists of batches give the
statistics of all the data (Keras parity on the same data), and the errors."""

import keras
import numpy as np
import pytest

from scratchnn import layers


class FakeDataset:
    """The tf.data surface that adapt() reads: as_numpy_iterator()."""

    def __init__(self, elements):
        self.elements = elements

    def as_numpy_iterator(self):
        return iter(self.elements)


class FakePyDataset:
    """keras.utils.PyDataset's surface: batch i is self[i], len() batches."""

    def __init__(self, batches):
        self.batches = batches

    def __len__(self):
        return len(self.batches)

    def __getitem__(self, i):
        return self.batches[i], np.zeros(len(self.batches[i]))


@pytest.fixture
def data(rng):
    return rng.normal(2.0, 3.0, (70, 3)).astype("float32")


def _keras_stats(array, **kwargs):
    layer = keras.layers.Normalization(**kwargs)
    layer.adapt(array)
    return [np.asarray(w) for w in layer.get_weights()[:2]]


@pytest.mark.parametrize(
    "make",
    [
        lambda d: d,
        lambda d: [d[:20], d[20:50], d[50:]],
        lambda d: (b for b in [d[:33], d[33:]]),
        lambda d: FakeDataset([d[i : i + 16] for i in range(0, 70, 16)]),
        lambda d: FakeDataset(list(d)),
        lambda d: FakeDataset([(d[:35], np.zeros(35)), (d[35:], np.zeros(35))]),
        lambda d: FakePyDataset([d[:40], d[40:]]),
        lambda d: [row for row in d],
        lambda d: d.tolist(),
    ],
    ids=[
        "array",
        "list",
        "generator",
        "dataset",
        "unbatched_dataset",
        "xy_dataset",
        "pydataset",
        "rows",
        "nested_list",
    ],
)
def test_every_source_gives_the_statistics_of_all_the_data(make, data):
    layer = layers.Normalization()
    layer.adapt(make(data))
    mean, var = _keras_stats(data)
    np.testing.assert_allclose(layer.adapt_mean.numpy(), mean, rtol=1e-5)
    np.testing.assert_allclose(layer.adapt_variance.numpy(), var, rtol=1e-5)
    assert int(layer.count.numpy()) == 70
    out = layer(data).numpy()
    np.testing.assert_allclose(out.mean(axis=0), 0, atol=1e-5)
    np.testing.assert_allclose(out.std(axis=0), 1, atol=1e-4)


@pytest.mark.parametrize("axis", [None, -1, (1, 2), 1])
def test_batched_adapt_matches_keras_on_every_axis(axis, rng):
    x = rng.normal(1.0, 2.0, (40, 3, 4)).astype("float32")
    layer = layers.Normalization(axis=axis)
    layer.adapt(FakeDataset([x[:13], x[13:29], x[29:]]))
    theirs = keras.layers.Normalization(axis=axis)
    theirs.adapt(x)
    np.testing.assert_allclose(layer(x).numpy(), np.asarray(theirs(x)), atol=1e-4)


def test_adapt_steps_reads_that_many_batches(data):
    layer = layers.Normalization()
    layer.adapt(FakeDataset([data[:10], data[10:20], data[20:]]), steps=2)
    np.testing.assert_allclose(layer.adapt_mean.numpy(), data[:20].mean(axis=0), rtol=1e-5)


def test_adapt_errors(data):
    with pytest.raises(ValueError, match="no data"):
        layers.Normalization().adapt(FakeDataset([]))
    with pytest.raises(ValueError, match="incompatible shape"):
        layers.Normalization().adapt([data, data[:, :2]])
    with pytest.raises(ValueError, match="fixed `mean` and `variance`"):
        layers.Normalization(mean=0.0, variance=1.0).adapt(data)
    with pytest.raises(TypeError, match="Unsupported data type"):
        layers.Normalization().adapt(3)
    with pytest.raises(TypeError, match="dicts"):
        layers.Normalization().adapt([{"a": data}])
