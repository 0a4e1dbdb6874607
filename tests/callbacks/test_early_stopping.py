"""EarlyStopping and the monitor logic, against Keras 3 on the same sequences of logs."""

import keras
import numpy as np
import pytest
from callback_fakes import FakeMetric, FakeModel, redirect_stdout

from scratchnn import callbacks


def train(module, values, key="val_loss", **kwargs):
    """A fit loop: one 'epoch' perturbs the weights, then logs `values[epoch]`."""
    rng = np.random.default_rng(0)
    model = FakeModel()
    callback = module.EarlyStopping(monitor=key, **kwargs)
    cbs = module.CallbackList([callback], model=model, verbose=0, epochs=len(values), steps=1)
    weights_per_epoch = []
    cbs.on_train_begin()
    for epoch, value in enumerate(values):
        cbs.on_epoch_begin(epoch)
        model.perturb(rng)
        weights_per_epoch.append(model.get_weights())
        cbs.on_epoch_end(epoch, {"loss": 1.0, key: value})
        if model.stop_training:
            break
    cbs.on_train_end()
    state = {
        "epochs_run": epoch + 1,
        "stopped_epoch": callback.stopped_epoch,
        "best": callback.best,
        "best_epoch": callback.best_epoch,
        "wait": callback.wait,
    }
    return state, model.get_weights(), weights_per_epoch


SEQUENCES = [
    [1.0, 0.9, 0.95, 0.96, 0.97, 0.5, 0.6, 0.7, 0.8, 0.9],
    [0.5, 0.5, 0.5, 0.5, 0.5, 0.5],
    [3.0, 2.0, 1.0, 0.99995, 0.5, 0.4, 0.41, 0.42, 0.43, 0.44, 0.45],
]


@pytest.mark.parametrize("values", SEQUENCES)
@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"patience": 2},
        {"patience": 2, "restore_best_weights": True},
        {"patience": 3, "min_delta": 0.05, "restore_best_weights": True},
        {"patience": 2, "baseline": 0.45, "restore_best_weights": True},
        {"patience": 1, "start_from_epoch": 3},
        {"patience": 20, "restore_best_weights": True},
        {"patience": 2, "mode": "max"},
    ],
)
def test_matches_keras(values, kwargs):
    ours, our_weights, _ = train(callbacks, values, **kwargs)
    theirs, their_weights, _ = train(keras.callbacks, values, **kwargs)
    assert ours == theirs
    for a, b in zip(our_weights, their_weights, strict=True):
        np.testing.assert_array_equal(a, b)


def test_restores_best_weights_even_without_stopping():
    # Runs to the last epoch (patience never reached); Keras 3 still restores epoch 1's weights.
    state, final, per_epoch = train(callbacks, [1.0, 0.2, 0.3, 0.4], patience=10, restore_best_weights=True)
    assert state["epochs_run"] == 4 and state["stopped_epoch"] == 0
    for a, b in zip(final, per_epoch[1], strict=True):
        np.testing.assert_array_equal(a, b)


def test_flat_accuracy_stops_at_epoch_3_and_restores_epoch_1(monkeypatch):
    out = redirect_stdout(monkeypatch, tty=False)
    state, final, per_epoch = train(
        callbacks, [0.5] * 6, key="val_accuracy", mode="max", patience=2, restore_best_weights=True, verbose=1
    )
    assert state["epochs_run"] == 3 and state["best_epoch"] == 0
    for a, b in zip(final, per_epoch[0], strict=True):
        np.testing.assert_array_equal(a, b)
    assert (
        out.getvalue()
        == "Epoch 3: early stopping\nRestoring model weights from the end of the best epoch: 1.\n"
    )


def test_missing_key_warns_with_available_keys():
    callback = callbacks.EarlyStopping(monitor="val_loss")
    callback.set_model(FakeModel())
    callback.on_train_begin()
    with pytest.warns(UserWarning, match="Available metrics are: accuracy,loss"):
        callback.on_epoch_end(0, {"accuracy": 0.1, "loss": 2.0})
    assert callback.best is None


def test_auto_mode_uses_metric_direction():
    model = FakeModel(metrics=[FakeMetric("accuracy", "up"), FakeMetric("mae", "down")])
    for monitor, higher_is_better in [("val_accuracy", True), ("mae", False), ("loss", False)]:
        callback = callbacks.EarlyStopping(monitor=monitor)
        callback.set_model(model)
        callback.on_train_begin()
        callback.on_epoch_end(0, {monitor: 0.5})
        callback.on_epoch_end(1, {monitor: 0.6})
        assert (callback.best == 0.6) is higher_is_better


def test_auto_mode_opens_metric_containers():
    class Container:
        name = "compile_metrics"
        metrics = [FakeMetric("auc", "up")]

    callback = callbacks.EarlyStopping(monitor="val_auc")
    callback.set_model(FakeModel(metrics=[Container()]))
    callback.on_train_begin()
    callback.on_epoch_end(0, {"val_auc": 0.5})
    callback.on_epoch_end(1, {"val_auc": 0.7})
    assert callback.best == 0.7


def test_auto_mode_unknown_metric_raises_like_keras():
    for module in (callbacks, keras.callbacks):
        callback = module.EarlyStopping(monitor="val_accuracy")
        callback.set_model(FakeModel())
        with pytest.raises(ValueError, match="mode='max'"):
            callback.on_epoch_end(0, {"val_accuracy": 0.5})


def test_unknown_mode_warns_and_uses_auto():
    with pytest.warns(UserWarning, match="unknown mode 'upward'"):
        callback = callbacks.EarlyStopping(mode="upward")
    assert callback.mode == "auto"


def test_negative_patience_raises():
    with pytest.raises(ValueError, match="Received: patience=-1"):
        callbacks.EarlyStopping(patience=-1)


def test_state_is_reset_on_train_begin():
    callback = callbacks.EarlyStopping(monitor="loss", patience=0)
    model = FakeModel()
    callback.set_model(model)
    callback.on_train_begin()
    callback.on_epoch_end(0, {"loss": 1.0})
    callback.on_epoch_end(1, {"loss": 2.0})
    assert model.stop_training and callback.stopped_epoch == 1
    callback.on_train_begin()
    assert (callback.best, callback.wait, callback.stopped_epoch) == (None, 0, 0)


@pytest.mark.parametrize("monitor, metric", [("val_accuracy", "accuracy"), ("val_auc", "auc")])
def test_auto_mode_reads_the_direction_of_a_compiled_metric(monitor, metric):
    """mode='auto' finds the compiled metric behind the key (up for accuracy and AUC)."""
    import scratchnn.keras as keras

    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="sgd", loss="binary_crossentropy", metrics=[metric])
    x, y = np.ones((8, 2), "float32"), np.ones((8, 1), "float32")
    stopper = keras.callbacks.EarlyStopping(monitor=monitor, patience=5)
    model.fit(x, y, validation_data=(x, y), epochs=2, verbose=0, callbacks=[stopper])
    assert stopper.monitor_op(1.0, 0.0)  # greater is better
