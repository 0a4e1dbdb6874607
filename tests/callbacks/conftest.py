"""Fixtures for the callback tests (the stand-ins live in callback_fakes.py)."""

import pytest
from callback_fakes import FakeClock


@pytest.fixture
def clock(monkeypatch):
    """One fake clock driving both scratchnn's and Keras's progress bars."""
    from keras.src.utils import progbar as keras_progbar

    from scratchnn.utils import progbar

    fake = FakeClock()
    monkeypatch.setattr(progbar, "time", fake)
    monkeypatch.setattr(keras_progbar, "time", fake)
    return fake


@pytest.fixture
def keras_sync(monkeypatch):
    """Keras 3 runs batch hooks on a thread pool when the backend is thread-safe (JAX is);
    the threads would read the fake clock late, so reference runs are made synchronous."""
    from keras.src import backend as keras_backend

    monkeypatch.setattr(keras_backend, "IS_THREAD_SAFE", False)
