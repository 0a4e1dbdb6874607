"""Fixtures of the command-line tests: a quick run folder, trained once per session."""

import os
from pathlib import Path

import pytest

from scratchnn.apps.cli.__main__ import main
from tests.data_env import data_dir

QUICK = ["--epochs", "1", "--subset", "200", "--max-steps", "3", "--verbose", "0"]


@pytest.fixture(scope="session")
def quick_run(tmp_path_factory) -> Path:
    """A run folder of `scratchnn train mnist-dense` on 200 images for 3 batches (seconds)."""
    out = tmp_path_factory.mktemp("quick") / "run"
    previous = os.environ.get("SCRATCHNN_DATA")
    os.environ["SCRATCHNN_DATA"] = data_dir()
    try:
        assert main(["train", "mnist-dense", *QUICK, "--output", str(out)]) == 0
    finally:
        if previous is None:
            del os.environ["SCRATCHNN_DATA"]
        else:
            os.environ["SCRATCHNN_DATA"] = previous
    return out
