"""Seeded random-number generation for initializers, dropout and shuffling.

One global generator serves every draw made without an explicit seed, so
`set_seed(s)` (called by `keras.utils.set_random_seed`) makes weights, dropout
masks and batch order repeat exactly. A draw with an explicit integer seed uses
a private generator made from that seed, like Keras's seeded initializers.
"""

from __future__ import annotations

import contextlib
import random as _pyrandom
from collections.abc import Iterator
from typing import Any

import numpy as _np

_global: dict[str, Any] = {"generator": _np.random.default_rng(), "seed": None}


def set_seed(seed: int) -> None:
    """Seeds Python's `random`, NumPy's legacy global RNG and scratchnn's generator.

    Raises:
        ValueError: if `seed` is not a non-negative integer.
    """
    if not isinstance(seed, (int, _np.integer)) or isinstance(seed, bool) or seed < 0:
        raise ValueError(f"Expected a non-negative integer seed. Received: seed={seed!r}")
    _pyrandom.seed(int(seed))
    _np.random.seed(int(seed) % 2**32)
    _global["generator"] = _np.random.default_rng(int(seed))
    _global["seed"] = int(seed)


def set_generator(generator: _np.random.Generator) -> None:
    """Makes `generator` the global generator (a data-parallel rank's own stream)."""
    _global["generator"] = generator


@contextlib.contextmanager
def scoped_generator(seed: int) -> Iterator[None]:
    """Inside the block, unseeded draws come from a fresh generator seeded with `seed`.

    The global generator is put back afterwards, exactly where it was: a test harness
    gets the same weights whatever ran before it, and leaves no trace for what runs after.
    """
    previous = _global["generator"]
    _global["generator"] = _np.random.default_rng(int(seed))
    try:
        yield
    finally:
        _global["generator"] = previous


def generator(seed: Any = None) -> _np.random.Generator:
    """Returns the generator for a draw.

    Args:
        seed: None for the global generator; an int for a fresh generator made
            from that seed; a `numpy.random.Generator` is returned as is.
    """
    if seed is None:
        return _global["generator"]
    if isinstance(seed, _np.random.Generator):
        return seed
    return _np.random.default_rng(int(seed))
