"""Parity helper: stream the same batches through a scratchnn metric and a Keras one."""

import numpy as np
import pytest

TOL = 1e-6


def _result(metric):
    return np.asarray(metric.result(), dtype=np.float64)


def run_parity(ours, theirs, batches):
    """Updates both metrics batch by batch, comparing `result()` after each.

    `batches` holds `(y_true, y_pred)` or `(y_true, y_pred, sample_weight)`
    tuples (or 1/2-tuples of values for Mean/Sum). Then checks that
    `reset_state` empties both and that `__call__` gives the same value.
    """
    for batch in batches:
        ours.update_state(*batch)
        theirs.update_state(*batch)
        np.testing.assert_allclose(_result(ours), _result(theirs), rtol=TOL, atol=TOL)
    ours.reset_state()
    theirs.reset_state()
    np.testing.assert_allclose(_result(ours), _result(theirs), rtol=TOL, atol=TOL)
    np.testing.assert_allclose(
        np.asarray(ours(*batches[0]), dtype=np.float64),
        np.asarray(theirs(*batches[0]), dtype=np.float64),
        rtol=TOL,
        atol=TOL,
    )


@pytest.fixture
def parity():
    """The `run_parity(ours, theirs, batches)` helper."""
    return run_parity


@pytest.fixture(scope="session")
def keras():
    """The reference Keras 3 (JAX backend, set by tests/conftest.py)."""
    import keras

    return keras
