"""fit / evaluate / predict on Datasets, PyDatasets and generators.

Where the batches are the same, each gives the weights and history of the
equivalent arrays under the same seed; the Keras-specific rules (steps_per_epoch,
validation datasets, refused arguments) are checked against Keras's messages.
"""

import warnings

import numpy as np
import pytest

import scratchnn.keras as keras
from scratchnn.backend import random
from scratchnn.data import Dataset

N, FEATURES, CLASSES, BATCH = 100, 5, 3, 16


@pytest.fixture
def data():
    rng = np.random.default_rng(7)
    centres = rng.standard_normal((CLASSES, FEATURES)) * 3
    y = rng.integers(0, CLASSES, N)
    x = (centres[y] + rng.standard_normal((N, FEATURES))).astype("float32")
    return x, y


def make_model(seed=0, metrics=("accuracy",)):
    random.set_seed(seed)
    model = keras.Sequential(
        [keras.Input((FEATURES,)), keras.layers.Dense(8, activation="relu"), keras.layers.Dense(CLASSES)]
    )
    model.compile(
        optimizer=keras.optimizers.SGD(learning_rate=0.05, momentum=0.5),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=list(metrics),
    )
    return model


class Batches(keras.utils.PyDataset):
    def __init__(self, x, y, batch_size, **kwargs):
        super().__init__(**kwargs)
        self.x, self.y, self.batch_size = x, y, batch_size

    def __len__(self):
        return -(-len(self.x) // self.batch_size)

    def __getitem__(self, idx):
        low = idx * self.batch_size
        return self.x[low : low + self.batch_size], self.y[low : low + self.batch_size]


def generator(x, y, batch_size):
    for low in range(0, len(x), batch_size):
        yield x[low : low + batch_size], y[low : low + batch_size]


def assert_same_training(a, b):
    (model_a, history_a), (model_b, history_b) = a, b
    for wa, wb in zip(model_a.get_weights(), model_b.get_weights()):
        np.testing.assert_array_equal(wa, wb)
    assert history_a.history == history_b.history


def fit_arrays(x, y, epochs=2, **kwargs):
    model = make_model()
    return model, model.fit(x, y, batch_size=BATCH, epochs=epochs, shuffle=False, verbose=0, **kwargs)


@pytest.mark.parametrize(
    "make",
    [
        lambda x, y: Dataset.from_tensor_slices((x, y)).batch(BATCH),
        lambda x, y: Dataset.from_tensor_slices((x, y)).map(lambda a, b: (a, b)).batch(BATCH).prefetch(2),
        lambda x, y: Batches(x, y, BATCH),
        lambda x, y: Batches(x, y, BATCH, workers=3),
    ],
    ids=["dataset", "mapped-dataset", "py_dataset", "py_dataset-workers"],
)
def test_fit_on_a_stream_equals_fit_on_arrays(data, make):
    x, y = data
    model = make_model()
    history = model.fit(make(x, y), epochs=2, shuffle=False, verbose=0)
    assert_same_training((model, history), fit_arrays(x, y))


def test_fit_on_a_generator_equals_one_epoch_on_arrays(data):
    x, y = data
    model = make_model()
    history = model.fit(generator(x, y, BATCH), epochs=1, verbose=0)
    assert_same_training((model, history), fit_arrays(x, y, epochs=1))


def test_a_generator_read_out_stops_training_with_keras_warning(data):
    x, y = data
    model = make_model()
    with pytest.warns(UserWarning, match="Your input ran out of data; interrupting training"):
        history = model.fit(generator(x, y, BATCH), epochs=3, verbose=0)
    assert history.epoch == [0]


def test_shuffle_is_ignored_for_datasets(data):
    x, y = data
    ds = Dataset.from_tensor_slices((x, y)).batch(BATCH)
    model = make_model()
    history = model.fit(ds, epochs=2, shuffle=True, verbose=0)
    assert_same_training((model, history), fit_arrays(x, y))


def test_a_shuffled_dataset_is_reproducible_under_the_global_seed(data):
    x, y = data
    runs = []
    for _ in range(2):
        model = make_model(seed=3)
        ds = Dataset.from_tensor_slices((x, y)).shuffle(N).batch(BATCH)
        runs.append((model, model.fit(ds, epochs=3, verbose=0)))
    assert_same_training(*runs)


def test_py_dataset_batch_order_is_shuffled_reproducibly_by_default(data):
    x, y = data
    runs = [(m := make_model(seed=4), m.fit(Batches(x, y, BATCH), epochs=2, verbose=0)) for _ in range(2)]
    assert_same_training(*runs)


def test_class_weight_on_a_dataset_equals_class_weight_on_arrays(data):
    x, y = data
    weights = {0: 0.2, 1: 1.0, 2: 3.0}
    model = make_model()
    history = model.fit(
        Dataset.from_tensor_slices((x, y)).batch(BATCH), epochs=2, class_weight=weights, verbose=0
    )
    assert_same_training((model, history), fit_arrays(x, y, class_weight=weights))


def test_sample_weights_inside_the_dataset(data):
    x, y = data
    sw = np.linspace(0.1, 2.0, N).astype("float32")
    model = make_model()
    history = model.fit(Dataset.from_tensor_slices((x, y, sw)).batch(BATCH), epochs=2, verbose=0)
    assert_same_training((model, history), fit_arrays(x, y, sample_weight=sw))


def test_steps_per_epoch_over_a_repeated_dataset_continues_across_epochs(data):
    x, y = data[0][:96], data[1][:96]
    ds = Dataset.from_tensor_slices((x, y)).batch(BATCH).repeat()  # 6 batches per pass
    seen = []
    counter = keras.callbacks.LambdaCallback(on_train_batch_end=lambda batch, logs: seen.append(batch))
    model = make_model()
    history = model.fit(ds, epochs=3, steps_per_epoch=5, callbacks=[counter], verbose=0)
    assert history.epoch == [0, 1, 2] and seen == [0, 1, 2, 3, 4] * 3
    # 15 batches in a row: the data twice, then its first half.
    reference, _ = fit_arrays(np.concatenate([x, x, x[:48]]), np.concatenate([y, y, y[:48]]), epochs=1)
    for a, b in zip(model.get_weights(), reference.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_a_dataset_shorter_than_steps_per_epoch_warns_and_ends_the_epoch(data):
    x, y = data
    seen = []
    counter = keras.callbacks.LambdaCallback(on_train_batch_end=lambda batch, logs: seen.append(batch))
    model = make_model()
    with pytest.warns(UserWarning, match="ran out of data"):
        history = model.fit(
            Dataset.from_tensor_slices((x, y)).batch(BATCH),
            epochs=2,
            steps_per_epoch=10,
            callbacks=[counter],
            verbose=0,
        )
    assert history.epoch == [0, 1] and seen == list(range(7)) * 2


class StepsProbe(keras.callbacks.Callback):
    def on_train_begin(self, logs=None):
        self.steps = self.params["steps"]


def test_progress_steps_come_from_the_dataset(data):
    x, y = data
    probe = StepsProbe()
    make_model().fit(Dataset.from_tensor_slices((x, y)).batch(BATCH), epochs=1, callbacks=[probe], verbose=0)
    assert probe.steps == 7


def test_validation_data_as_a_dataset_with_validation_steps(data):
    x, y = data
    x_val, y_val = x[:48], y[:48]
    model = make_model()
    val = Dataset.from_tensor_slices((x_val, y_val)).batch(BATCH)
    history = model.fit(
        x, y, batch_size=BATCH, shuffle=False, validation_data=val, validation_steps=2, verbose=0
    )
    reference = model.evaluate(
        x_val[: 2 * BATCH], y_val[: 2 * BATCH], batch_size=BATCH, return_dict=True, verbose=0
    )
    assert history.history["val_loss"] == [reference["loss"]]
    assert history.history["val_accuracy"] == [reference["accuracy"]]


@pytest.mark.parametrize(
    "make_val",
    [
        lambda x, y: Dataset.from_tensor_slices((x, y)).batch(BATCH),
        lambda x, y: Batches(x, y, BATCH),
    ],
    ids=["dataset", "py_dataset"],
)
def test_validation_stream_equals_validation_arrays(data, make_val):
    x, y = data
    model = make_model()
    history = model.fit(
        x, y, batch_size=BATCH, shuffle=False, epochs=2, validation_data=make_val(x, y), verbose=0
    )
    assert_same_training((model, history), fit_arrays(x, y, validation_data=(x, y)))


def test_evaluate_and_predict_on_streams_equal_arrays(data):
    x, y = data
    model = make_model()
    model.fit(x, y, batch_size=BATCH, epochs=1, verbose=0)
    expected = model.evaluate(x, y, batch_size=BATCH, verbose=0)
    ds = Dataset.from_tensor_slices((x, y)).batch(BATCH)
    assert model.evaluate(ds, verbose=0) == expected
    assert model.evaluate(Batches(x, y, BATCH), verbose=0) == expected
    assert model.evaluate(generator(x, y, BATCH), verbose=0) == expected
    predicted = model.predict(x, batch_size=BATCH, verbose=0)
    np.testing.assert_array_equal(model.predict(ds, verbose=0), predicted)  # (x, y) elements: x is used
    np.testing.assert_array_equal(
        model.predict(Dataset.from_tensor_slices(x).batch(BATCH), verbose=0), predicted
    )
    np.testing.assert_array_equal(model.predict(Batches(x, y, BATCH), verbose=0), predicted)


def test_evaluate_with_steps_on_a_repeated_dataset(data):
    x, y = data
    model = make_model()
    ds = Dataset.from_tensor_slices((x, y)).batch(BATCH).repeat()
    got = model.evaluate(ds, steps=3, return_dict=True, verbose=0)
    assert got == model.evaluate(
        x[: 3 * BATCH], y[: 3 * BATCH], batch_size=BATCH, return_dict=True, verbose=0
    )


def test_fit_on_a_dict_input_dataset_for_a_functional_model(data):
    x, y = data
    random.set_seed(0)
    a, b = keras.Input((2,), name="a"), keras.Input((3,), name="b")
    out = keras.layers.Dense(CLASSES)(keras.layers.Concatenate()([a, b]))
    model = keras.Model({"a": a, "b": b}, out)
    model.compile("sgd", keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    inputs = {"a": x[:, :2], "b": x[:, 2:]}
    history = model.fit(Dataset.from_tensor_slices((inputs, y)).batch(BATCH), epochs=2, verbose=0)
    assert len(history.history["loss"]) == 2 and history.history["loss"][1] < history.history["loss"][0]


def test_custom_train_step_receives_the_dataset_batches(data):
    x, y = data
    seen = []

    class Recording(keras.Sequential):
        def train_step(self, data):
            x_batch, y_batch = data
            seen.append((np.asarray(x_batch).shape, np.asarray(y_batch).shape))
            return super().train_step(data)

    random.set_seed(0)
    model = Recording([keras.Input((FEATURES,)), keras.layers.Dense(CLASSES)])
    model.compile("sgd", keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    model.fit(Dataset.from_tensor_slices((x, y)).batch(40), epochs=1, verbose=0)
    assert seen == [((40, FEATURES), (40,)), ((40, FEATURES), (40,)), ((20, FEATURES), (20,))]


# -- refused arguments ------------------------------------------------------------------------
def test_y_with_a_dataset_is_refused(data):
    x, y = data
    with pytest.raises(ValueError, match="When providing `x` as a Dataset, `y` should not be passed"):
        make_model().fit(Dataset.from_tensor_slices(x).batch(BATCH), y, verbose=0)


def test_validation_split_with_a_dataset_is_refused(data):
    x, y = data
    with pytest.raises(ValueError, match="`validation_split` is only supported for tensors or NumPy arrays"):
        make_model().fit(Dataset.from_tensor_slices((x, y)).batch(BATCH), validation_split=0.2, verbose=0)


@pytest.mark.parametrize(
    "make",
    [lambda x, y: Dataset.from_tensor_slices((x, y)).batch(BATCH), lambda x, y: Batches(x, y, BATCH)],
    ids=["dataset", "py_dataset"],
)
def test_batch_size_with_a_stream_is_ignored_silently_like_keras(data, make):
    # Keras's own guide passes batch_size=64 next to a PyDataset: no error, no warning.
    x, y = data
    model = make_model()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        history = model.fit(make(x, y), batch_size=64, epochs=2, shuffle=False, verbose=0)
    assert_same_training((model, history), fit_arrays(x, y))


def test_class_weight_with_a_generator_is_refused(data):
    x, y = data
    with pytest.raises(ValueError, match="`class_weight` is not supported for Python generator"):
        make_model().fit(generator(x, y, BATCH), class_weight={0: 1.0}, verbose=0)


def test_no_warning_on_the_ordinary_dataset_path(data):
    x, y = data
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        make_model().fit(Dataset.from_tensor_slices((x, y)).shuffle(N).batch(BATCH), epochs=2, verbose=0)


def test_a_used_up_validation_generator_gives_no_val_logs_rather_than_zeros(data):
    x, y = data
    model = make_model()
    with pytest.warns(UserWarning, match="ran out of data"):
        history = model.fit(
            x, y, batch_size=BATCH, epochs=2, validation_data=generator(x, y, BATCH), verbose=0
        )
    assert len(history.history["loss"]) == 2 and len(history.history["val_loss"]) == 1


@pytest.mark.parametrize("method", ["evaluate", "predict"])
def test_evaluate_and_predict_on_an_empty_dataset_are_errors(data, method):
    x, y = data
    model = make_model()
    empty = Dataset.from_tensor_slices((x, y)).batch(BATCH).take(0)
    with pytest.warns(UserWarning, match="ran out of data"), pytest.raises(ValueError, match="no data"):
        getattr(model, method)(empty, verbose=0)


def test_test_and_predict_hooks_fire_for_streams(data):
    x, y = data
    events = []
    probe = keras.callbacks.LambdaCallback(
        on_test_batch_end=lambda batch, logs: events.append(("test", batch)),
        on_predict_batch_end=lambda batch, logs: events.append(("predict", batch)),
    )
    model = make_model()
    ds = Dataset.from_tensor_slices((x, y)).batch(40)
    model.evaluate(ds, callbacks=[probe], verbose=0)
    model.predict(ds, callbacks=[probe], verbose=0)
    assert events == [("test", 0), ("test", 1), ("test", 2), ("predict", 0), ("predict", 1), ("predict", 2)]


def test_predict_on_a_generator_of_input_tuples(data):
    x, _ = data
    model = make_model()
    out = model.predict(((x[i : i + 30],) for i in range(0, N, 30)), verbose=0)
    np.testing.assert_array_equal(out, model.predict(x, batch_size=30, verbose=0))


class TwoRanks:
    """Rank 0 of a communicator of 2 (no collective is reached before the refusal)."""

    rank, size = 0, 2


@pytest.mark.parametrize("method", ["fit", "evaluate"])
def test_data_parallel_needs_array_data(data, method, monkeypatch):
    from scratchnn.distribution import data_parallel

    x, y = data
    model = make_model()
    monkeypatch.setattr(model, "_data_parallel_replicas", lambda: data_parallel.ReplicaSync(TwoRanks()))
    with pytest.raises(ValueError, match="DataParallel .* needs array data"):
        getattr(model, method)(Dataset.from_tensor_slices((x, y)).batch(BATCH), verbose=0)
