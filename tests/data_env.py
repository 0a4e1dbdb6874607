"""Where the tests find the canonical MNIST files: $SCRATCHNN_DATA, else ../shared/data beside the repo."""

import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def data_dir() -> str:
    # Absolute: CI sets SCRATCHNN_DATA=../shared/data, and tests that chdir must still find it.
    return os.path.abspath(os.environ.get("SCRATCHNN_DATA") or str(REPO.parent / "shared" / "data"))
