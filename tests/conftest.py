"""Shared test set-up: strict numerics, the reference Keras on JAX, seeded RNGs."""

import os

# Real Keras 3 is the reference implementation in parity tests; it runs on JAX (CPU).
os.environ.setdefault("KERAS_BACKEND", "jax")
os.environ.setdefault("JAX_PLATFORMS", "cpu")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

# SCRATCHNN_BACKEND=numpy_strict runs the session on the strict NumPy namespace
# (scratchnn/backend/strict_numpy.py), whose arrays refuse any array not made through backend.xp:
# CI runs tests/ops and tests/layers so, proving the array seam without a GPU.
BACKEND = os.environ.get("SCRATCHNN_BACKEND", "numpy")


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "numpy_backend_only(reason): needs the plain NumPy backend (skipped under SCRATCHNN_BACKEND)",
    )
    from scratchnn import backend

    backend.set_backend(BACKEND)


def pytest_report_header(config):
    return f"scratchnn backend: {BACKEND}"  # says which namespace a CI log's run used


def pytest_collection_modifyitems(config, items):
    if BACKEND == "numpy":
        return
    for item in items:
        marker = item.get_closest_marker("numpy_backend_only")
        if marker is not None:
            reason = marker.kwargs.get("reason") or (marker.args[0] if marker.args else "")
            item.add_marker(pytest.mark.skip(reason=f"needs the numpy backend: {reason}"))


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
