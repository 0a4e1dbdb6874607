"""Stand-ins shared by the callback tests: a fake clock, fake streams, a tiny fake model.

The real Model class is written elsewhere; callbacks only touch `stop_training`,
`get_weights`/`set_weights`, `optimizer.learning_rate`, `optimizer.iterations`,
`metrics` and `history`, so a small stand-in exercises them. Reference Keras
callbacks are driven with their own instance of the same stand-in.
"""

import io
import sys

import numpy as np


class FakeClock:
    """Replaces the `time` module in both progress-bar modules; advanced by hand."""

    def __init__(self):
        self.t = 1000.0

    def time(self):
        return self.t

    def monotonic(self):
        return self.t

    perf_counter = monotonic


class TerminalStream(io.StringIO):
    """A captured stdout that claims to be a terminal (turns on in-place redraw)."""

    def isatty(self):
        return True


class PipeStream(io.StringIO):
    def isatty(self):
        return False


class FakeOptimizer:
    def __init__(self, learning_rate=0.01):
        # Stored as float32, like a Keras optimizer variable.
        self._learning_rate = float(np.float32(learning_rate))
        self.iterations = 0

    @property
    def learning_rate(self):
        return self._learning_rate

    @learning_rate.setter
    def learning_rate(self, value):
        self._learning_rate = float(np.float32(value))


class FakeMetric:
    def __init__(self, name, direction):
        self.name = name
        self._direction = direction


class FakeModel:
    def __init__(self, seed=0, learning_rate=0.01, metrics=()):
        rng = np.random.default_rng(seed)
        self._weights = [rng.normal(size=(3, 2)), rng.normal(size=(2,))]
        self.stop_training = False
        self.optimizer = FakeOptimizer(learning_rate)
        self.metrics = list(metrics)
        self.history = None

    def get_weights(self):
        return [w.copy() for w in self._weights]

    def set_weights(self, weights):
        self._weights = [np.array(w, copy=True) for w in weights]

    def perturb(self, rng):
        """Stands in for one epoch of training."""
        for w in self._weights:
            w += rng.normal(size=w.shape)


def redirect_stdout(monkeypatch, tty):
    """Points sys.stdout at a fresh terminal-like (`tty=True`) or pipe-like stream.

    Called inside the test body: pytest re-installs its own capture after
    fixtures run, which would undo a redirection made in a fixture.
    """
    stream = TerminalStream() if tty else PipeStream()
    monkeypatch.setattr(sys, "stdout", stream)
    return stream
