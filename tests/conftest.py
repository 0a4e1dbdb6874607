"""Shared test set-up: strict numerics, the reference Keras on JAX, seeded RNGs."""

import os

# Real Keras 3 is the reference implementation in parity tests; it runs on JAX (CPU).
os.environ.setdefault("KERAS_BACKEND", "jax")
os.environ.setdefault("JAX_PLATFORMS", "cpu")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402
import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def strict_numerics():
    """Overflow, division by zero and invalid values raise instead of producing inf/NaN."""
    with np.errstate(over="raise", divide="raise", invalid="raise"):
        yield


@pytest.fixture
def rng():
    """A seeded NumPy generator, so every test draws the same numbers."""
    return np.random.default_rng(1234)


@pytest.fixture
def float64():
    """Runs a test with floatx() == "float64" (for finite-difference gradient checks)."""
    from scratchnn import backend

    previous = backend.floatx()
    backend.set_floatx("float64")
    yield
    backend.set_floatx(previous)
