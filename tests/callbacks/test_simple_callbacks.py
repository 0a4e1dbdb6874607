"""CSVLogger (byte-for-byte against Keras 3), TerminateOnNaN and LambdaCallback."""

import keras
import numpy as np
import pytest
from callback_fakes import FakeModel, redirect_stdout

from scratchnn import callbacks


def write_csv(module, path, epochs_logs, **kwargs):
    cbs = module.CallbackList([module.CSVLogger(path, **kwargs)], model=FakeModel(), verbose=0, epochs=3)
    cbs.on_train_begin()
    for epoch, logs in enumerate(epochs_logs):
        cbs.on_epoch_begin(epoch)
        cbs.on_epoch_end(epoch, logs)
    cbs.on_train_end()
    with open(path, newline="") as f:
        return f.read()


LOGS_WITH_VAL = [
    {"loss": 1.5, "accuracy": np.float32(0.25), "val_loss": 1.75},
    {"loss": 0.123456789, "accuracy": 0.5},  # val_loss missing: NA
]
LOGS_TRAIN_ONLY = [{"loss": 2.0, "mae": 0.1}, {"loss": 1.0, "mae": 0.05}]


@pytest.mark.parametrize("logs", [LOGS_WITH_VAL, LOGS_TRAIN_ONLY, [{}]])
@pytest.mark.parametrize("separator", [",", ";"])
def test_csv_logger_matches_keras(tmp_path, logs, separator):
    ours = write_csv(callbacks, tmp_path / "ours.csv", logs, separator=separator)
    theirs = write_csv(keras.callbacks, tmp_path / "theirs.csv", logs, separator=separator)
    assert ours == theirs
    assert ours.startswith("epoch" + separator) or logs == [{}]


def test_csv_logger_append_matches_keras(tmp_path):
    texts = []
    for module, name in ((callbacks, "ours.csv"), (keras.callbacks, "theirs.csv")):
        write_csv(module, tmp_path / name, LOGS_TRAIN_ONLY)
        texts.append(write_csv(module, tmp_path / name, LOGS_TRAIN_ONLY, append=True))
    assert texts[0] == texts[1]
    assert texts[0].count("epoch,") == 1


def test_csv_logger_bad_separator(tmp_path):
    with pytest.raises(ValueError, match="Received: separator=';;'"):
        callbacks.CSVLogger(tmp_path / "x.csv", separator=";;")


@pytest.mark.parametrize("loss", [float("nan"), float("inf"), -float("inf")])
def test_terminate_on_nan_stops_training(monkeypatch, loss):
    out = redirect_stdout(monkeypatch, tty=False)
    model = FakeModel()
    cbs = callbacks.CallbackList([callbacks.TerminateOnNaN()], model=model)
    cbs.on_train_batch_end(0, {"loss": 1.0})
    assert not model.stop_training
    cbs.on_train_batch_end(3, {"loss": loss})
    assert model.stop_training
    assert out.getvalue() == "Batch 3: Invalid loss, terminating training\n"


def test_terminate_on_nan_raise_error():
    cbs = callbacks.CallbackList([callbacks.TerminateOnNaN(raise_error=True)], model=FakeModel())
    with pytest.raises(RuntimeError, match="batch 2"):
        cbs.on_train_batch_end(2, {"loss": float("nan")})


def test_lambda_callback_hooks():
    calls = []
    callback = callbacks.LambdaCallback(
        on_epoch_begin=lambda epoch, logs: calls.append(("epoch_begin", epoch)),
        on_epoch_end=lambda epoch, logs: calls.append(("epoch_end", epoch, logs)),
        on_train_begin=lambda logs: calls.append("train_begin"),
        on_train_end=lambda logs: calls.append("train_end"),
        on_train_batch_begin=lambda batch, logs: calls.append(("batch_begin", batch)),
        on_train_batch_end=lambda batch, logs: calls.append(("batch_end", batch, logs)),
        on_test_end=lambda logs: calls.append(("test_end", logs)),
    )
    cbs = callbacks.CallbackList([callback])
    cbs.on_train_begin()
    cbs.on_epoch_begin(0)
    cbs.on_train_batch_begin(0)
    cbs.on_train_batch_end(0, {"loss": 1})
    cbs.on_test_begin()
    cbs.on_test_end({"loss": 2})
    cbs.on_epoch_end(0, {"loss": 1})
    cbs.on_train_end()
    assert calls == [
        "train_begin",
        ("epoch_begin", 0),
        ("batch_begin", 0),
        ("batch_end", 0, {"loss": 1.0}),
        ("test_end", {"loss": 2.0}),
        ("epoch_end", 0, {"loss": 1.0}),
        "train_end",
    ]


def test_lambda_callback_rejects_non_callables():
    with pytest.raises(TypeError, match="Received: on_epoch_end=3"):
        callbacks.LambdaCallback(on_epoch_end=3)
