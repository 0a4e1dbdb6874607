"""Progbar: byte-for-byte parity with keras.utils.Progbar, plain output off-terminal, cost."""

import io
import re
import sys

import numpy as np
import pytest
from keras.src.utils import progbar as keras_progbar

from scratchnn.utils import progbar
from scratchnn.utils.progbar import Progbar

ANSI = re.compile(r"\x1b\[[0-9;]*m")


class Clock:
    def __init__(self):
        self.t = 1000.0

    def time(self):
        return self.t

    def monotonic(self):
        return self.t


class Stream(io.StringIO):
    def __init__(self, tty):
        super().__init__()
        self.tty = tty

    def isatty(self):
        return self.tty


@pytest.fixture
def clock(monkeypatch):
    fake = Clock()
    monkeypatch.setattr(progbar, "time", fake)
    monkeypatch.setattr(keras_progbar, "time", fake)
    return fake


def drive(module, clock, monkeypatch, steps, *, tty=True, final=None, use_add=False, **kwargs):
    """Runs one bar through `steps` ((seconds, values) per step); returns what it printed."""
    stream = Stream(tty)
    with monkeypatch.context() as patch:
        patch.setattr(sys, "stdout", stream)
        clock.t = 1000.0
        bar = module.Progbar(**kwargs)
        for i, (seconds, values) in enumerate(steps, 1):
            clock.t += seconds
            if use_add:
                bar.add(1, values)
            else:
                bar.update(i, values)
        if final is not None:
            clock.t += 0.5
            bar.update(len(steps), final, finalize=True)
    return stream.getvalue()


def random_steps(n, durations, seed=0):
    rng = np.random.default_rng(seed)
    return [
        (
            float(rng.choice(durations)),
            [("loss", float(rng.uniform(0, 3))), ("tiny", float(rng.uniform(-1e-3, 1e-3)))],
        )
        for _ in range(n)
    ]


@pytest.mark.parametrize("target", [1, 9, 37, 100, None])
@pytest.mark.parametrize("verbose", [1, 2])
@pytest.mark.parametrize("stateful", [None, ["tiny"]])
def test_matches_keras_byte_for_byte_on_a_terminal(clock, monkeypatch, target, verbose, stateful):
    steps = random_steps(target or 23, [0.0004, 0.01, 0.03, 0.3, 1.7, 70.0])
    kwargs = {"target": target, "verbose": verbose, "stateful_metrics": stateful}
    final = [("val_loss", 0.25)] if target is None else None
    # Keras turns on in-place redraw whenever `posix` is imported, so it always redraws here.
    expected = drive(keras_progbar, clock, monkeypatch, steps, final=final, **kwargs)
    got = drive(progbar, clock, monkeypatch, steps, final=final, **kwargs)
    assert got == expected
    if verbose == 1 and target:
        assert "━" in got and "\x1b[32m" in got


@pytest.mark.parametrize(
    "kwargs",
    [
        {"width": 7, "unit_name": "sample"},
        {"interval": 0.0},
        {"interval": 2.0, "stateless_metrics": ["loss"]},
        {"width": 30, "verbose": 2, "unit_name": "batch"},
    ],
)
def test_matches_keras_with_options(clock, monkeypatch, kwargs):
    steps = random_steps(50, [0.001, 0.02, 0.5], seed=1)
    expected = drive(keras_progbar, clock, monkeypatch, steps, use_add=True, target=50, **kwargs)
    got = drive(progbar, clock, monkeypatch, steps, use_add=True, target=50, **kwargs)
    assert got == expected


@pytest.mark.parametrize("seconds", [3000.0, 5000.0])
def test_eta_minutes_and_hours_match_keras(clock, monkeypatch, seconds):
    steps = [(seconds, [("loss", 1.0)])] * 5
    expected = drive(keras_progbar, clock, monkeypatch, steps, target=10)
    got = drive(progbar, clock, monkeypatch, steps, target=10)
    assert got == expected
    assert re.search(r"\x1b\[1m\d+:\d\d(:\d\d)?\x1b\[0m", got)


@pytest.mark.parametrize(
    ("seconds", "text"), [(0.000878, "878us/step"), (0.544, "544ms/step"), (2.2, "2s/step")]
)
def test_time_per_step_units(clock, monkeypatch, seconds, text):
    steps = [(seconds, [("loss", 0.5)])] * 4
    assert f" {text} - loss: 0.5000\n" in drive(progbar, clock, monkeypatch, steps, target=4, verbose=2)


def test_plain_line_when_not_a_terminal(clock, monkeypatch):
    steps = random_steps(1875, [0.001, 0.002], seed=2)
    got = drive(progbar, clock, monkeypatch, steps, tty=False, target=1875)
    keras_text = drive(keras_progbar, clock, monkeypatch, steps, target=1875)
    # One line, no escape codes, no backspaces, no carriage returns.
    assert got.count("\n") == 1 and got.endswith("\n")
    assert not re.search(r"[\x1b\b\r]", got)
    # Same text as Keras's final frame once its colours and padding are removed.
    keras_final = ANSI.sub("", keras_text.rsplit("\r", 1)[1]).rstrip(" \n")
    assert got.rstrip("\n") == keras_final
    assert got.startswith("1875/1875 " + "━" * 20 + " ")


def test_plain_mode_unknown_target_prints_once_at_the_end(clock, monkeypatch):
    steps = random_steps(12, [0.01])
    got = drive(progbar, clock, monkeypatch, steps, tty=False, target=None, final=[("loss", 0.5)])
    assert got.count("\n") == 1 and got.startswith("     12/Unknown ")
    assert got.endswith(" - loss: 0.5000 - tiny: " + got.rsplit("tiny: ", 1)[1].split("\n")[0] + "\n")


def test_redraws_are_throttled_by_interval(clock, monkeypatch):
    steps = [(0.01, [("loss", 1.0)])] * 100  # 1 s in total, interval 0.05 s
    got = drive(progbar, clock, monkeypatch, steps, target=100, interval=0.05)
    expected = drive(keras_progbar, clock, monkeypatch, steps, target=100, interval=0.05)
    assert got == expected
    assert 15 <= got.count("\r") <= 25


def test_metric_formats():
    bar = Progbar(target=2, verbose=0, stateful_metrics=["a", "b", "c"])
    bar.update(1, [("a", 0.123456), ("b", 1e-4), ("c", -2e-5)])
    assert bar._metrics_text() == " - a: 0.1235 - b: 1.0000e-04 - c: -2.0000e-05"


def test_stateless_metrics_are_averaged_by_steps():
    bar = Progbar(target=10, verbose=0)
    bar.update(2, [("loss", 1.0)])  # covers 2 steps
    bar.update(3, [("loss", 4.0)])  # covers 1 step
    assert bar._metrics_text() == f" - loss: {(2 * 1.0 + 4.0) / 3:.4f}"


def test_updates_between_redraws_only_store_values(clock, monkeypatch):
    """Why an update is cheap: nothing is formatted or written until `interval` has passed.

    (How cheap is the benchmarks' business, not a timed unit test's.)
    """
    monkeypatch.setattr(sys, "stdout", Stream(True))
    bar = Progbar(target=100_000, interval=2**-4, stateful_metrics=["loss", "accuracy"])
    drawn_at = []
    draw = bar._draw
    monkeypatch.setattr(
        bar, "_draw", lambda current, now, finalize: (drawn_at.append(current), draw(current, now, finalize))
    )
    for step in range(1, 20_001):
        clock.t += 2**-10  # exact in binary: a redraw is due every 64 steps
        bar.update(step, [("accuracy", 0.9), ("loss", 0.3)])
    assert drawn_at == list(range(1, 20_001, 64))
    written = sys.stdout.getvalue()
    monkeypatch.setattr(progbar, "_format_value", lambda value: pytest.fail("formatted between redraws"))
    for step in range(20_001, 20_033):  # the next redraw is due at step 20,033
        clock.t += 2**-10
        bar.update(step, [("accuracy", 0.9), ("loss", 0.3)])
    assert sys.stdout.getvalue() == written  # nothing drawn, nothing formatted


def test_off_terminal_updates_write_nothing_until_the_end(monkeypatch):
    monkeypatch.setattr(sys, "stdout", Stream(False))
    bar = Progbar(target=1000, stateful_metrics=["loss"])
    for step in range(1, 1000):
        bar.update(step, [("loss", 0.3)])
    assert sys.stdout.getvalue() == ""
    bar.update(1000, [("loss", 0.3)])
    assert "1000/1000" in sys.stdout.getvalue()


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"width": 0}, "width=0"),
        ({"verbose": 3}, "verbose=3"),
        ({"interval": -1}, "interval=-1"),
        ({"stateful_metrics": ["a"], "stateless_metrics": ["b"]}, "stateful_metrics="),
    ],
)
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        Progbar(target=10, **kwargs)


def test_verbose_zero_prints_nothing(monkeypatch):
    monkeypatch.setattr(sys, "stdout", Stream(True))
    bar = Progbar(target=3, verbose=0)
    for step in range(1, 4):
        bar.update(step, [("loss", 1.0)])
    assert sys.stdout.getvalue() == ""


@pytest.mark.parametrize("verbose", [1, 2])
def test_zero_elapsed_time_matches_keras(clock, monkeypatch, verbose):
    steps = [(0.0, [("loss", 0.5)])] * 3  # a frozen clock: Keras prints "0s/step"
    expected = drive(keras_progbar, clock, monkeypatch, steps, target=3, verbose=verbose)
    got = drive(progbar, clock, monkeypatch, steps, target=3, verbose=verbose)
    assert got == expected
    assert " 0s/step" in got


def test_negative_values_use_fixed_point_in_both_modes(clock, monkeypatch):
    # Deliberate fix: Keras's verbose=2 line prints -0.9 as -9.0000e-01 (it tests `value > 1e-3`).
    steps = [(0.1, [("loss", -0.9)])] * 2
    for verbose in (1, 2):
        text = drive(progbar, clock, monkeypatch, steps, tty=False, target=2, verbose=verbose)
        assert "loss: -0.9000" in text
