"""CallbackList: dispatch of every hook, default callbacks, logs conversion, History."""

import keras
import numpy as np
import pytest
from callback_fakes import FakeModel
from keras.src.utils.python_utils import pythonify_logs as keras_pythonify_logs

from scratchnn import callbacks
from scratchnn.callbacks.callback_list import pythonify_logs

HOOKS_WITH_INDEX = [
    "on_epoch_begin",
    "on_epoch_end",
    "on_batch_begin",
    "on_batch_end",
    "on_train_batch_begin",
    "on_train_batch_end",
    "on_test_batch_begin",
    "on_test_batch_end",
    "on_predict_batch_begin",
    "on_predict_batch_end",
]
HOOKS_WITHOUT_INDEX = [
    "on_train_begin",
    "on_train_end",
    "on_test_begin",
    "on_test_end",
    "on_predict_begin",
    "on_predict_end",
]


def make_recorder(base, record_batch_aliases=True):
    """A callback class (deriving from `base`) that records every hook it receives."""

    def recorder(hook, has_index):
        if has_index:

            def method(self, index, logs=None):
                self.calls.append((hook, index, dict(logs) if logs is not None else None))

        else:

            def method(self, logs=None):
                self.calls.append((hook, dict(logs) if logs is not None else None))

        return method

    namespace = {"calls": None}
    for hook in HOOKS_WITH_INDEX:
        if record_batch_aliases or hook not in ("on_batch_begin", "on_batch_end"):
            namespace[hook] = recorder(hook, True)
    for hook in HOOKS_WITHOUT_INDEX:
        namespace[hook] = recorder(hook, False)
    cls = type("Recorder", (base,), namespace)
    return cls


def run_fit_like(callback_list):
    logs = {"loss": np.float32(0.75), "accuracy": np.float64(0.5)}
    callback_list.on_train_begin()
    for epoch in range(2):
        callback_list.on_epoch_begin(epoch)
        for batch in range(3):
            callback_list.on_train_batch_begin(batch)
            callback_list.on_train_batch_end(batch, logs)
        callback_list.on_test_begin()
        callback_list.on_test_batch_begin(0)
        callback_list.on_test_batch_end(0, {"loss": 0.5})
        callback_list.on_test_end({"loss": 0.5})
        callback_list.on_epoch_end(epoch, {**logs, "val_loss": 0.5, "extra": {"nested": 2}})
    callback_list.on_train_end({"loss": 0.25})
    callback_list.on_predict_begin()
    callback_list.on_predict_batch_begin(0)
    callback_list.on_predict_batch_end(0, {"outputs": np.zeros((2, 3))})
    callback_list.on_predict_end()
    callback_list.on_batch_begin(7)
    callback_list.on_batch_end(7, {"loss": 1})


def comparable(calls):
    """Arrays (predict outputs) compared by value."""
    return [
        tuple(
            {k: v.tolist() if isinstance(v, np.ndarray) else v for k, v in part.items()}
            if isinstance(part, dict)
            else part
            for part in call
        )
        for call in calls
    ]


@pytest.mark.parametrize("record_batch_aliases", [True, False])
def test_dispatch_matches_keras(record_batch_aliases):
    ours = make_recorder(callbacks.Callback, record_batch_aliases)()
    ours.calls = []
    theirs = make_recorder(keras.callbacks.Callback, record_batch_aliases)()
    theirs.calls = []
    run_fit_like(callbacks.CallbackList([ours], model=FakeModel(), verbose=0, epochs=2, steps=3))
    run_fit_like(keras.callbacks.CallbackList([theirs], model=FakeModel(), verbose=0, epochs=2, steps=3))
    assert comparable(ours.calls) == comparable(theirs.calls)
    # Logs are sorted (a nested dict is flattened in its parent's place) and made Python floats.
    epoch_end = next(call for call in ours.calls if call[0] == "on_epoch_end")
    assert list(epoch_end[2]) == ["accuracy", "nested", "loss", "val_loss"]
    assert all(type(v) is float for v in epoch_end[2].values())


def test_pythonify_logs_matches_keras():
    logs = {"b": np.float32(1.5), "a": 2, "c": {"z": np.array(3.0)}, "d": np.ones(3), "e": "text"}
    ours, theirs = pythonify_logs(logs), keras_pythonify_logs(logs)
    assert list(ours) == list(theirs)
    for key in ours:
        assert type(ours[key]) is type(theirs[key])
        np.testing.assert_array_equal(ours[key], theirs[key])
    assert pythonify_logs(None) == {}


def test_history_and_progbar_are_appended_after_user_callbacks():
    user = callbacks.Callback()
    model = FakeModel()
    cbs = callbacks.CallbackList(
        [user], add_history=True, add_progbar=True, model=model, verbose=1, epochs=3, steps=5
    )
    assert cbs.callbacks[0] is user
    assert isinstance(cbs.callbacks[1], callbacks.History)
    assert isinstance(cbs.callbacks[2], callbacks.ProgbarLogger)
    assert cbs.history is cbs.callbacks[1] and model.history is cbs.history
    for cb in cbs.callbacks:
        assert cb.model is model
        assert cb.params == {"verbose": 1, "epochs": 3, "steps": 5}


def test_existing_history_and_progbar_are_reused():
    history, progbar = callbacks.History(), callbacks.ProgbarLogger()
    cbs = callbacks.CallbackList([[progbar], (history,)], add_history=True, add_progbar=True, verbose=0)
    assert cbs.callbacks == [progbar, history]
    assert cbs.history is history


def test_history_matches_keras():
    ours = callbacks.CallbackList(None, add_history=True, model=FakeModel(), verbose=2, epochs=3, steps=4)
    theirs = keras.callbacks.CallbackList(
        None, add_history=True, model=FakeModel(), verbose=2, epochs=3, steps=4
    )
    for cbs in (ours, theirs):
        cbs.on_train_begin()
        for epoch in range(3):
            cbs.on_epoch_begin(epoch)
            cbs.on_epoch_end(
                epoch,
                {
                    "val_loss": np.float32(1 / (epoch + 2)),
                    "loss": 1 / (epoch + 1),
                    "accuracy": np.float64(epoch / 3),
                },
            )
        cbs.on_train_end()
    keras_history = theirs.callbacks[-1]
    assert ours.history.history == keras_history.history
    assert list(ours.history.history) == ["accuracy", "loss", "val_loss"]
    assert all(type(v) is float for values in ours.history.history.values() for v in values)
    assert ours.history.epoch == keras_history.epoch == [0, 1, 2]
    assert ours.history.params == keras_history.params == {"verbose": 2, "epochs": 3, "steps": 4}
    assert ours.model.history is ours.history


def test_callback_added_keys_reach_history():
    model = FakeModel(learning_rate=0.5)
    cbs = callbacks.CallbackList(
        [callbacks.ReduceLROnPlateau(monitor="loss")],
        add_history=True,
        model=model,
        verbose=0,
        epochs=1,
        steps=1,
    )
    cbs.on_train_begin()
    cbs.on_epoch_begin(0)
    cbs.on_epoch_end(0, {"loss": 1.0})
    cbs.on_train_end()
    assert cbs.history.history == {"loss": [1.0], "learning_rate": [0.5]}


def test_alias_hooks_reach_callbacks_that_only_override_on_batch_end():
    seen = []

    class OldStyle(callbacks.Callback):
        def on_batch_end(self, batch, logs=None):
            seen.append((batch, logs))

    cbs = callbacks.CallbackList(
        [OldStyle(), callbacks.LambdaCallback(on_train_batch_begin=lambda b, logs: seen.append(b))]
    )
    cbs.on_train_begin()
    cbs.on_train_batch_begin(4)
    cbs.on_train_batch_end(4, {"loss": 2})
    cbs.on_test_batch_end(4, {"loss": 2})  # not an alias of on_batch_end
    assert seen == [4, (4, {"loss": 2.0})]


def test_callbacks_appended_later_are_called():
    cbs = callbacks.CallbackList([])
    seen = []
    cbs.append(callbacks.LambdaCallback(on_train_batch_end=lambda b, logs: seen.append(b)))
    cbs.on_train_batch_end(1)
    cbs.callbacks.append(callbacks.LambdaCallback(on_train_batch_end=lambda b, logs: seen.append(-b)))
    cbs.on_train_begin()
    cbs.on_train_batch_end(2)
    assert seen == [1, 2, -2]


def test_non_callback_raises():
    with pytest.raises(TypeError, match="Received: callbacks="):
        callbacks.CallbackList([object()])


def test_model_property_and_setter():
    cb = callbacks.Callback()
    model = FakeModel()
    cb.model = model
    assert cb.model is model
    cb.set_params({"epochs": 1})
    assert cb.params == {"epochs": 1}
