"""Data adapters and the epoch iterator, checked against Keras 3's own (keras/src/trainers)."""

import threading
import time
import warnings

import keras
import numpy as np
import pytest
from keras.src.trainers.epoch_iterator import EpochIterator as KerasEpochIterator

from scratchnn import utils
from scratchnn.backend import random
from scratchnn.data import Dataset
from scratchnn.trainers import data_adapters
from scratchnn.trainers.data_adapters import (
    ArrayDataAdapter,
    DatasetAdapter,
    EpochIterator,
    GeneratorDataAdapter,
    PyDatasetAdapter,
    get_data_adapter,
)

X = np.arange(10, dtype=np.float32)[:, None]
Y = np.arange(10) % 3


# -- packing ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "data",
    [X, (X,), (X, Y), (X, Y, Y), [X, Y], {"a": X}, ((X, X),), ((X, X), Y)],
    ids=["x", "(x,)", "(x,y)", "(x,y,sw)", "[x,y]", "dict", "((x,x),)", "((x,x),y)"],
)
def test_unpack_matches_keras(data):
    ours = utils.unpack_x_y_sample_weight(data)
    theirs = keras.utils.unpack_x_y_sample_weight(data)
    assert len(ours) == 3
    for a, b in zip(ours, theirs):
        assert a is b or (isinstance(a, tuple) and a == b)


def test_unpack_rejects_long_tuples():
    with pytest.raises(ValueError, match=r"\(x, y, sample_weight\)"):
        utils.unpack_x_y_sample_weight((X, Y, Y, Y))


@pytest.mark.parametrize("args", [(X,), (X, Y), (X, Y, Y), ((X, X),), ([X, X], Y), (X, None, Y)])
def test_pack_matches_keras(args):
    ours, theirs = utils.pack_x_y_sample_weight(*args), keras.utils.pack_x_y_sample_weight(*args)
    assert type(ours) is type(theirs)
    if isinstance(ours, tuple):
        assert len(ours) == len(theirs) and all(a is b for a, b in zip(ours, theirs))
    else:
        assert ours is theirs


# -- choosing the adapter ------------------------------------------------------------------
class Batches(utils.PyDataset):
    """Four batches of two rows of X, Y."""

    def __init__(self, n=4, delay=0.0, **kwargs):
        super().__init__(**kwargs)
        self.n, self.delay, self.log = n, delay, []

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        if self.delay:
            time.sleep(self.delay * ((7 * i) % 3))  # later batches may finish first
        self.log.append(i)
        return X[2 * i : 2 * i + 2], Y[2 * i : 2 * i + 2]

    def on_epoch_begin(self):
        self.log.append("begin")

    def on_epoch_end(self):
        self.log.append("end")


def batches():
    for i in range(4):
        yield X[2 * i : 2 * i + 2], Y[2 * i : 2 * i + 2]


@pytest.mark.parametrize(
    "make, kind",
    [
        (lambda: X, ArrayDataAdapter),
        (lambda: [[1.0], [2.0]], ArrayDataAdapter),
        (lambda: {"a": X}, ArrayDataAdapter),
        (lambda: Dataset.from_tensor_slices((X, Y)).batch(3), DatasetAdapter),
        (lambda: Batches(), PyDatasetAdapter),
        (batches, GeneratorDataAdapter),
        (lambda: iter([(X, Y)]), GeneratorDataAdapter),
    ],
)
def test_get_data_adapter_picks_by_type(make, kind):
    assert isinstance(get_data_adapter(make()), kind)


@pytest.mark.parametrize(
    "x, kind", [(Dataset.range(3).batch(2), "Dataset"), (Batches(), "PyDataset"), (batches(), "generator")]
)
def test_targets_and_weights_belong_inside_the_dataset(x, kind):
    with pytest.raises(ValueError, match=f"When providing `x` as a {kind}, `y` should not be passed"):
        get_data_adapter(x, y=Y)
    with pytest.raises(ValueError, match="`sample_weights` should not be passed"):
        get_data_adapter(x, sample_weight=Y)


def test_batch_size_with_a_dataset_is_ignored_like_keras():
    adapter = get_data_adapter(Dataset.from_tensor_slices((X, Y)).batch(3), batch_size=8)
    assert adapter.num_batches == 4 and [len(x) for x, _ in adapter.get_iterator()] == [3, 3, 3, 1]


def test_class_weight_with_a_generator_is_refused():
    with pytest.raises(ValueError, match="`class_weight` is not supported for Python generator"):
        get_data_adapter(batches(), class_weight={0: 1.0})


def test_a_generator_function_is_refused_with_a_hint():
    with pytest.raises(ValueError, match=r"pass the generator itself"):
        get_data_adapter(batches)


@pytest.mark.parametrize("x", [Dataset.range(3), Batches(), batches()])
def test_validation_split_needs_arrays(x):
    with pytest.raises(ValueError, match="`validation_split` is only supported for tensors or NumPy arrays"):
        data_adapters.train_validation_split(x, None, None, 0.2)


# -- array adapter ---------------------------------------------------------------------------
def first_values(adapter):
    return [int(np.asarray(utils.unpack_x_y_sample_weight(d)[0])[0, 0]) for d in adapter.get_iterator()]


def test_array_adapter_batches_in_order():
    adapter = ArrayDataAdapter(X, Y, batch_size=3)
    assert adapter.num_batches == 4 and first_values(adapter) == [0, 3, 6, 9]
    x, y = next(adapter.get_iterator())  # no sample weights: packed as (x, y)
    assert x.shape == (3, 1) and y.tolist() == [0, 1, 2]


def test_array_adapter_batch_size_from_steps_like_keras():
    assert ArrayDataAdapter(X, Y, steps=3).batch_size == 4
    assert ArrayDataAdapter(X, Y).batch_size == 32


def test_array_adapter_shuffle_follows_the_seed():
    random.set_seed(5)
    first = first_values(ArrayDataAdapter(X, Y, batch_size=1, shuffle=True))
    random.set_seed(5)
    assert first_values(ArrayDataAdapter(X, Y, batch_size=1, shuffle=True)) == first
    assert sorted(first) == list(range(10)) and first != list(range(10))


def test_array_adapter_class_weight():
    x, y, sw = next(ArrayDataAdapter(X, Y, batch_size=10, class_weight={0: 0.5, 2: 3.0}).get_iterator())
    np.testing.assert_array_equal(sw, np.where(Y == 0, 0.5, np.where(Y == 2, 3.0, 1.0)))
    with pytest.raises(ValueError, match="You cannot `class_weight` and `sample_weight` at the same time"):
        ArrayDataAdapter(X, Y, Y, class_weight={0: 1.0})
    with pytest.raises(ValueError, match="only supported for Models with a single output"):
        ArrayDataAdapter(X, (Y, Y), class_weight={0: 1.0})


def test_prepare_runs_once_for_arrays_and_per_batch_for_streams():
    calls = []

    def prepare(x, y, sw):
        calls.append(len(x))
        return x, y, sw

    list(ArrayDataAdapter(X, Y, batch_size=3, prepare=prepare).get_iterator())
    assert calls == [10]
    calls.clear()
    list(DatasetAdapter(Dataset.from_tensor_slices((X, Y)).batch(3), prepare=prepare).get_iterator())
    assert calls == [3, 3, 3, 1]


# -- dataset, PyDataset and generator adapters -----------------------------------------------------
@pytest.mark.parametrize(
    "ds, expected",
    [
        (Dataset.from_tensor_slices((X, Y)).batch(3), 4),
        (Dataset.from_tensor_slices((X, Y)).batch(3).repeat(), None),
        (Dataset.from_tensor_slices((X, Y)).filter(lambda x, y: y < 2).batch(3), None),
    ],
)
def test_dataset_adapter_num_batches(ds, expected):
    assert DatasetAdapter(ds).num_batches == expected


def test_dataset_adapter_class_weight_per_batch():
    ds = Dataset.from_tensor_slices((X, Y)).batch(4)
    got = [sw.tolist() for _, _, sw in DatasetAdapter(ds, class_weight={1: 2.0}).get_iterator()]
    assert got == [[1.0, 2.0, 1.0, 1.0], [2.0, 1.0, 1.0, 2.0], [1.0, 1.0]]
    with_weights = Dataset.from_tensor_slices((X, Y, Y)).batch(4)
    with pytest.raises(ValueError, match="You cannot `class_weight` and `sample_weight`"):
        next(DatasetAdapter(with_weights, class_weight={1: 2.0}).get_iterator())
    two_outputs = Dataset.from_tensor_slices((X, (Y, Y))).batch(4)
    with pytest.raises(ValueError, match="single output"):
        next(DatasetAdapter(two_outputs, class_weight={1: 2.0}).get_iterator())


def test_dataset_adapter_yields_numpy_batches_in_keras_packing():
    data = next(DatasetAdapter(Dataset.from_tensor_slices(X).batch(4)).get_iterator())
    assert isinstance(data, np.ndarray) and data.shape == (4, 1)


@pytest.mark.parametrize(
    "returned, packed_len",
    [(lambda i: X[:2], 1), (lambda i: [X[:2], Y[:2]], 2), (lambda i: (X[:2], Y[:2], Y[:2]), 3)],
)
def test_py_dataset_batches_are_standardized(returned, packed_len):
    class One(utils.PyDataset):
        def __len__(self):
            return 1

        def __getitem__(self, i):
            return returned(i)

    data = next(PyDatasetAdapter(One()).get_iterator())
    assert len(data if isinstance(data, tuple) else (data,)) == packed_len


def test_py_dataset_bad_batch_is_an_error():
    class Bad(utils.PyDataset):
        def __len__(self):
            return 1

        def __getitem__(self, i):
            return (X, Y, Y, Y)

    with pytest.raises(ValueError, match=r"must return a tuple or a dict"):
        next(PyDatasetAdapter(Bad()).get_iterator())


def test_py_dataset_shuffle_visits_each_batch_once_in_a_seeded_order():
    random.set_seed(3)
    order = [v // 2 for v in first_values(PyDatasetAdapter(Batches(), shuffle=True))]
    random.set_seed(3)
    assert [v // 2 for v in first_values(PyDatasetAdapter(Batches(), shuffle=True))] == order
    assert sorted(order) == [0, 1, 2, 3]


@pytest.mark.parametrize("workers, multiprocessing", [(3, False), (1, True)])
def test_py_dataset_workers_keep_the_order(workers, multiprocessing):
    ds = Batches(n=5, delay=0.01, workers=workers, use_multiprocessing=multiprocessing, max_queue_size=2)
    threads_before = threading.active_count()
    assert first_values(PyDatasetAdapter(ds)) == [0, 2, 4, 6, 8]
    assert sorted(i for i in ds.log if isinstance(i, int)) == [0, 1, 2, 3, 4]
    assert threading.active_count() == threads_before  # the pool is shut down after the epoch


def test_py_dataset_worker_errors_reach_the_caller():
    class Failing(Batches):
        def __getitem__(self, i):
            if i == 2:
                raise RuntimeError("bad batch 2")
            return super().__getitem__(i)

    with pytest.raises(RuntimeError, match="bad batch 2"):
        list(PyDatasetAdapter(Failing(workers=2)).get_iterator())


def test_py_dataset_without_super_init_warns_like_keras():
    class NoSuper(utils.PyDataset):
        def __init__(self):
            pass

        def __len__(self):
            return 1

        def __getitem__(self, i):
            return X, Y

    with pytest.warns(UserWarning, match=r"should call `super\(\).__init__\(\*\*kwargs\)`"):
        PyDatasetAdapter(NoSuper())


def test_infinite_py_dataset():
    class Endless(utils.PyDataset):
        @property
        def num_batches(self):
            return None

        def __getitem__(self, i):
            return X[:1] + i, Y[:1]

    adapter = PyDatasetAdapter(Endless(), shuffle=True)
    it = EpochIterator(adapter, steps_per_epoch=3)
    got = [[int(d[0][0, 0]) for _, d in it.enumerate_epoch()] for _ in range(2)]
    assert adapter.num_batches is None and got == [[0, 1, 2], [3, 4, 5]]


def test_sequence_is_py_dataset():
    assert utils.Sequence is utils.PyDataset


def test_generator_must_yield_tuples_and_something():
    with pytest.raises(ValueError, match="the generator must return a tuple"):
        next(GeneratorDataAdapter(iter([X])).get_iterator())
    with pytest.raises(ValueError, match="must yield at least one batch"):
        next(GeneratorDataAdapter(iter([])).get_iterator())


# -- epochs and steps_per_epoch, against Keras's EpochIterator -------------------------------------------
class KerasBatches(keras.utils.PyDataset):
    def __init__(self, n=4):
        super().__init__()
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        return X[2 * i : 2 * i + 2], Y[2 * i : 2 * i + 2]


def keras_epochs(x, epochs, steps_per_epoch, **kwargs):
    it = KerasEpochIterator(x=x, steps_per_epoch=steps_per_epoch, shuffle=False, **kwargs)
    it.reset()
    out = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for _ in range(epochs):
            epoch = []
            with it.catch_stop_iteration():
                for _, _, buffer in it:
                    epoch += [int(np.asarray(d[0])[0, 0]) for d in buffer]
            out.append(epoch)
    return out, sum("ran out of data" in str(w.message) for w in caught)


def our_epochs(adapter, epochs, steps_per_epoch):
    it = EpochIterator(adapter, steps_per_epoch=steps_per_epoch)
    out = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for _ in range(epochs):
            out.append(
                [int(np.asarray(utils.unpack_x_y_sample_weight(d)[0])[0, 0]) for _, d in it.enumerate_epoch()]
            )
    return out, sum("ran out of data" in str(w.message) for w in caught), it


@pytest.mark.parametrize("steps_per_epoch", [None, 2, 4, 6])
def test_epochs_over_arrays_match_keras(steps_per_epoch):
    theirs, their_warnings = keras_epochs(X, 3, steps_per_epoch, y=Y, batch_size=3)
    ours, our_warnings, it = our_epochs(ArrayDataAdapter(X, Y, batch_size=3), 3, steps_per_epoch)
    assert ours == theirs and our_warnings == their_warnings
    assert it.num_batches == (steps_per_epoch or 4)


@pytest.mark.parametrize("steps_per_epoch", [None, 3, 4, 5])
def test_epochs_over_a_py_dataset_match_keras(steps_per_epoch):
    theirs, their_warnings = keras_epochs(KerasBatches(), 3, steps_per_epoch)
    ours, our_warnings, _ = our_epochs(PyDatasetAdapter(Batches()), 3, steps_per_epoch)
    assert ours == theirs and our_warnings == their_warnings


@pytest.mark.parametrize("steps_per_epoch", [3, 4, 5])
def test_epochs_over_a_dataset_follow_the_same_rules(steps_per_epoch):
    ds = Dataset.from_tensor_slices((X[:8], Y[:8])).batch(2)
    ours, our_warnings, _ = our_epochs(DatasetAdapter(ds), 3, steps_per_epoch)
    theirs, their_warnings = keras_epochs(KerasBatches(), 3, steps_per_epoch)
    assert ours == theirs and our_warnings == their_warnings


def test_steps_per_epoch_continues_through_a_repeated_dataset():
    ds = Dataset.from_tensor_slices((X[:8], Y[:8])).batch(2).repeat()
    ours, warned, it = our_epochs(DatasetAdapter(ds), 3, 3)
    assert ours == [[0, 2, 4], [6, 0, 2], [4, 6, 0]] and warned == 0 and it.num_batches == 3


def test_a_generator_is_read_once_then_training_is_told_to_stop():
    ours, warned, it = our_epochs(GeneratorDataAdapter(batches()), 2, None)
    assert ours == [[0, 2, 4, 6], []] and warned == 1 and it.exhausted
    assert it.num_batches == 4  # learned from the first pass


def test_a_generator_with_steps_per_epoch_stops_when_it_runs_out():
    ours, warned, it = our_epochs(GeneratorDataAdapter(batches()), 3, 3)
    assert ours == [[0, 2, 4], [6], []] and warned == 2 and it.exhausted


def test_epoch_hooks_are_called_once_per_epoch():
    ds = Batches()
    our_epochs(PyDatasetAdapter(ds), 2, None)
    assert ds.log == ["begin", 0, 1, 2, 3, "end", "begin", 0, 1, 2, 3, "end"]


@pytest.mark.parametrize("bad", [0, -1, 2.5, True])
def test_steps_per_epoch_must_be_a_positive_integer(bad):
    with pytest.raises(ValueError, match="steps_per_epoch"):
        EpochIterator(ArrayDataAdapter(X, Y), steps_per_epoch=bad)


def test_objects_shaped_like_tf_datasets_are_read_as_datasets():
    class TFLike:
        """What a real tf.data.Dataset offers the adapter."""

        def as_numpy_iterator(self):
            return iter([(X[:5], Y[:5]), (X[5:], Y[5:])])

        def cardinality(self):
            return np.int64(2)

    adapter = get_data_adapter(TFLike())
    assert isinstance(adapter, DatasetAdapter) and adapter.num_batches == 2
    assert first_values(adapter) == [0, 5]
