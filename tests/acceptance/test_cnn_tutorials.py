"""The CNN tutorials end to end on the real MNIST (about 8 and 6 minutes on two cores).

They are marked `manual`: the default test run (and CI) deselects them to stay within CI's time
budget. Run them with

    SCRATCHNN_DATA=../shared/data .venv/bin/python -m pytest -m manual tests/acceptance
"""

import pytest

from tests.acceptance.test_tutorials import accuracy, run_example

pytestmark = pytest.mark.manual


def test_cnn_tutorial_beats_98_1_percent():
    assert accuracy(run_example("mnist_cnn.py"), "test") > 0.981


def test_cnn_with_adam_reaches_99_percent():
    assert accuracy(run_example("mnist_cnn_adam.py"), "test") >= 0.99
