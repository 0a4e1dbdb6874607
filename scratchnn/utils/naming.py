"""Keras-style automatic names: dense, dense_1, dense_2, ... per class."""

from __future__ import annotations

import re
from collections import defaultdict

_counts: defaultdict[str, int] = defaultdict(int)


def to_snake_case(name: str) -> str:
    """CamelCase class name to snake_case: "MaxPooling2D" -> "max_pooling2d"."""
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()


def uniquify(prefix: str) -> str:
    """Returns `prefix` the first time, then `prefix_1`, `prefix_2`, ..."""
    n = _counts[prefix]
    _counts[prefix] += 1
    return prefix if n == 0 else f"{prefix}_{n}"


def reset() -> None:
    """Restarts every counter (keras.backend.clear_session)."""
    _counts.clear()
