"""ProgbarLogger: the text fit/evaluate/predict print, compared with Keras 3's byte for byte."""

import re

import keras
import numpy as np
import pytest
from callback_fakes import FakeModel, redirect_stdout

from scratchnn import callbacks


def simulate(module, clock, *, verbose, epochs, steps, known_steps=True, validation=True, seed=0):
    """Drives a CallbackList the way the trainer does: fit, then evaluate, then predict."""
    rng = np.random.default_rng(seed)
    cbs = module.CallbackList(
        None,
        add_history=True,
        add_progbar=True,
        model=FakeModel(),
        verbose=verbose,
        epochs=epochs,
        steps=steps if known_steps else None,
    )
    clock.t = 1000.0
    cbs.on_train_begin()
    for epoch in range(epochs):
        cbs.on_epoch_begin(epoch)
        loss, accuracy = 2.0, 0.1
        for batch in range(steps):
            clock.t += float(rng.choice([0.0007, 0.004, 0.03, 0.6]))
            cbs.on_train_batch_begin(batch)
            loss, accuracy = loss * 0.97, min(1.0, accuracy + 0.01)
            cbs.on_train_batch_end(batch, {"loss": loss, "accuracy": accuracy})
        logs = {"loss": loss, "accuracy": accuracy}
        if validation:
            cbs.on_test_begin()
            for batch in range(2):
                cbs.on_test_batch_begin(batch)
                clock.t += 0.01
                cbs.on_test_batch_end(batch, {"loss": 9.0})
            cbs.on_test_end({"loss": loss * 1.1, "accuracy": 0.0004})
            logs.update(val_loss=loss * 1.1, val_accuracy=0.0004)
        cbs.on_epoch_end(epoch, logs)
    cbs.on_train_end(logs)

    evaluate = module.CallbackList(None, add_progbar=True, verbose=verbose, epochs=1, steps=4)
    evaluate.on_test_begin()
    for batch in range(4):
        clock.t += 0.02
        evaluate.on_test_batch_begin(batch)
        evaluate.on_test_batch_end(batch, {"loss": 1.0 / (batch + 1), "accuracy": 0.5})
    evaluate.on_test_end({"loss": 0.52, "accuracy": 0.5})

    predict = module.CallbackList(None, add_progbar=True, verbose=verbose, epochs=1, steps=3)
    predict.on_predict_begin()
    for batch in range(3):
        clock.t += 0.3
        predict.on_predict_batch_begin(batch)
        predict.on_predict_batch_end(batch, {"outputs": np.zeros((2, 2))})
    predict.on_predict_end()
    return cbs


@pytest.mark.parametrize("verbose", [1, 2, "auto"])
@pytest.mark.parametrize(("epochs", "steps"), [(1, 7), (3, 12), (2, 150)])
@pytest.mark.parametrize("known_steps", [True, False])
def test_terminal_output_matches_keras(clock, keras_sync, monkeypatch, verbose, epochs, steps, known_steps):
    terminal = redirect_stdout(monkeypatch, tty=True)
    simulate(keras.callbacks, clock, verbose=verbose, epochs=epochs, steps=steps, known_steps=known_steps)
    expected = terminal.getvalue()
    terminal.seek(0)
    terminal.truncate()
    simulate(callbacks, clock, verbose=verbose, epochs=epochs, steps=steps, known_steps=known_steps)
    assert terminal.getvalue() == expected
    assert ("Epoch 1/" in expected) == (epochs > 1)


def test_verbose_2_epoch_line(clock, monkeypatch):
    pipe = redirect_stdout(monkeypatch, tty=False)
    simulate(callbacks, clock, verbose=2, epochs=2, steps=3, seed=3)
    lines = pipe.getvalue().splitlines()
    assert lines[0] == "Epoch 1/2"
    loss = 2.0 * 0.97**3
    metrics = f"accuracy: 0.1300 - loss: {loss:.4f} - val_accuracy: 4.0000e-04 - val_loss: {loss * 1.1:.4f}"
    assert re.fullmatch(r"3/3 - \d+s - \d+(ms|us|s)/step - " + re.escape(metrics), lines[1])
    assert lines[2] == "Epoch 2/2"


def test_plain_output_when_stdout_is_not_a_terminal(clock, monkeypatch):
    pipe = redirect_stdout(monkeypatch, tty=False)
    simulate(callbacks, clock, verbose=1, epochs=3, steps=40)
    pipe_text = pipe.getvalue()
    terminal = redirect_stdout(monkeypatch, tty=True)
    simulate(callbacks, clock, verbose=1, epochs=3, steps=40)
    # One line per epoch (plus evaluate and predict), no escape codes, backspaces or \r.
    assert not re.search(r"[\x1b\b\r]", pipe_text)
    lines = pipe_text.splitlines()
    assert lines[0::2][:3] == ["Epoch 1/3", "Epoch 2/3", "Epoch 3/3"]
    assert len(lines) == 8
    # Each plain line is the terminal's final frame without colours and padding.
    frames = [
        re.sub(r"\x1b\[[0-9;]*m", "", chunk.rsplit("\r", 1)[-1]).rstrip(" ")
        for chunk in terminal.getvalue().split("\n")
        if "━" in chunk
    ]
    assert [line for line in lines if "━" in line] == frames
    assert lines[1].startswith("40/40 " + "━" * 20 + " ") and lines[1].endswith(
        f" - val_loss: {2.0 * 0.97**40 * 1.1:.4f}"
    )


def test_validation_inside_fit_is_silent(clock, monkeypatch):
    pipe = redirect_stdout(monkeypatch, tty=False)
    simulate(callbacks, clock, verbose=1, epochs=1, steps=5, validation=True)
    with_validation = pipe.getvalue().splitlines()
    assert len(with_validation) == 3  # fit epoch, evaluate, predict


def test_verbose_0_prints_nothing(clock, monkeypatch):
    terminal = redirect_stdout(monkeypatch, tty=True)
    cbs = callbacks.CallbackList([callbacks.ProgbarLogger()], verbose=0, epochs=2, steps=3)
    cbs.on_train_begin()
    for epoch in range(2):
        cbs.on_epoch_begin(epoch)
        for batch in range(3):
            cbs.on_train_batch_end(batch, {"loss": 1.0})
        cbs.on_epoch_end(epoch, {"loss": 1.0})
    cbs.on_train_end()
    assert terminal.getvalue() == ""
