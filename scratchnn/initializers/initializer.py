"""The `Initializer` base class, seeding, fan computation and the samplers.

Seeding follows Keras 3 (`keras/src/initializers/random_initializers.py`):

- `seed=<int>`: every call starts a fresh generator from that seed, so an
  initializer called twice returns the same numbers twice.
- `seed=None`: Keras picks a random int seed once per instance, so an unseeded
  instance also repeats its numbers. scratchnn draws that int from the global
  generator (`scratchnn.backend.random`) on the instance's *first call* and
  keeps it. Hence `keras.utils.set_random_seed(s)` before building a model
  makes its weights repeat, whether the initializer objects were made before or
  after the seeding (Keras draws at construction, so there only "before" works).
- `seed=numpy.random.Generator` (the analogue of `keras.random.SeedGenerator`):
  the generator advances, so each call returns new numbers.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from scratchnn import backend
from scratchnn.backend import random, xp

# Standard deviation of a standard normal truncated to [-2, 2]. Dividing the
# requested stddev by it makes truncated samples have the requested variance
# (the constant of Keras's VarianceScaling).
TRUNCATION_STDDEV = 0.87962566103423978


class Initializer:
    """Base class of all initializers: a callable `(shape, dtype) -> array`.

    Subclasses implement `__call__(shape, dtype=None)` and, when they take
    arguments, `get_config()`; the default `from_config` passes the config
    back to the constructor.

    Example:
        >>> class Halves(Initializer):
        ...     def __call__(self, shape, dtype=None):
        ...         return Constant(0.5)(shape, dtype)
    """

    def __call__(self, shape: Sequence[int], dtype: Any = None) -> Any:
        """Returns a backend array of `shape` in `dtype` (default `floatx()`)."""
        raise NotImplementedError(f"{type(self).__name__} must implement __call__(shape, dtype=None).")

    def get_config(self) -> dict[str, Any]:
        """Returns the constructor arguments as a JSON-serializable dict."""
        return {}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Initializer:
        """Rebuilds an initializer from `get_config()` output."""
        return cls(**config)

    def clone(self) -> Initializer:
        """Returns a new instance with the same config (an unseeded clone draws its own seed)."""
        return self.__class__.from_config(self.get_config())

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


class RandomInitializer(Initializer):
    """Base class of the random initializers: stores and resolves `seed`.

    Args:
        seed: None (a seed drawn from the global generator on first call), a
            non-negative int (the same values on every call), a
            `numpy.random.Generator` (new values on every call), or a
            Keras-saved `SeedGenerator` config dict.

    Raises:
        ValueError: for any other `seed`.
    """

    def __init__(self, seed: Any = None) -> None:
        self._init_seed = seed
        self._drawn_seed: int | None = None
        if isinstance(seed, dict):
            # A Keras-saved SeedGenerator: {"class_name": "SeedGenerator", "config": {"seed": 3, ...}}.
            seed = random.generator(seed.get("config", {}).get("seed"))
        elif seed is not None and not _is_generator(seed):
            if isinstance(seed, bool) or not isinstance(seed, int) and not hasattr(seed, "__index__"):
                raise ValueError(
                    "Expected `seed` to be None, an integer or a numpy.random.Generator. "
                    f"Received: seed={seed!r}"
                )
            if int(seed) < 0:
                raise ValueError(f"Expected a non-negative `seed`. Received: seed={seed!r}")
            seed = int(seed)
        self.seed = seed

    def _generator(self) -> Any:
        """The generator for one call (see the module docstring for the semantics)."""
        if self.seed is None:
            if self._drawn_seed is None:
                self._drawn_seed = int(random.generator(None).integers(1, 10**9))
            return random.generator(self._drawn_seed)
        return random.generator(self.seed)

    def get_config(self) -> dict[str, Any]:
        # A live Generator has no JSON form; an int, None or a saved dict is kept as given.
        seed = None if _is_generator(self._init_seed) else self._init_seed
        return {"seed": seed}


def _is_generator(seed: Any) -> bool:
    return hasattr(seed, "bit_generator")


def standardize_shape(shape: Any) -> tuple[int, ...]:
    """Returns `shape` as a tuple of non-negative ints (an int `n` means `(n,)`).

    Raises:
        ValueError: for None or negative dimensions, or a non-integer entry.
    """
    if isinstance(shape, int) or hasattr(shape, "__index__"):
        shape = (shape,)
    try:
        dims = tuple(int(d.__index__()) for d in shape)
    except (TypeError, AttributeError):
        raise ValueError(
            f"Expected `shape` to be a tuple of non-negative integers. Received: shape={shape!r}"
        ) from None
    if any(d < 0 for d in dims):
        raise ValueError(f"Expected `shape` to have non-negative dimensions. Received: shape={shape!r}")
    return dims


def float_dtype(dtype: Any, owner: str) -> str:
    """Returns the dtype name (default `floatx()`), checking that it is a float type.

    Raises:
        ValueError: naming `owner`, for integer or boolean dtypes.
    """
    name = backend.standardize_dtype(dtype)
    if not backend.is_float_dtype(name):
        raise ValueError(f"{owner} only produces floating-point values. Received: dtype={name!r}")
    return name


def compute_fans(
    shape: Sequence[int], input_axes: Sequence[int] | None = None, output_axes: Sequence[int] | None = None
) -> tuple[int, int]:
    """Returns `(fan_in, fan_out)` for a weight shape, as Keras computes them.

    - `()`: (1, 1); `(n,)`: (n, n); `(in, out)`: (in, out);
    - `(*receptive, in, out)` (conv kernels, e.g. `(kh, kw, in, out)`):
      `fan_in = prod(receptive) * in`, `fan_out = prod(receptive) * out`;
    - with both `input_axes` and `output_axes`: the products of those dims.

    Args:
        shape: the weight shape.
        input_axes: optional axes that count as input units.
        output_axes: optional axes that count as output units.
    """
    shape = tuple(shape)
    if input_axes is not None and output_axes is not None:
        return int(math.prod(shape[a] for a in input_axes)), int(math.prod(shape[a] for a in output_axes))
    if len(shape) == 0:
        return 1, 1
    if len(shape) == 1:
        return int(shape[0]), int(shape[0])
    receptive = math.prod(shape[:-2])
    return int(shape[-2] * receptive), int(shape[-1] * receptive)


# -- samplers: a NumPy generator draws in float64, the result is cast once -------------------


def normal(gen: Any, shape: tuple[int, ...], mean: float, stddev: float, dtype: str) -> Any:
    """Samples N(mean, stddev^2), shaped `shape`, as a backend array of `dtype`."""
    z = gen.standard_normal(shape)
    return backend.asarray(mean + stddev * z, dtype=dtype)


def truncated_normal(gen: Any, shape: tuple[int, ...], mean: float, stddev: float, dtype: str) -> Any:
    """Samples N(mean, stddev^2) conditioned on |x - mean| <= 2 stddev.

    Out-of-range draws are redrawn, as Keras's `random.truncated_normal` does.
    Each round redraws all rejected entries at once; about 4.6% are rejected
    per round, so a million entries need about six rounds.
    """
    z = gen.standard_normal(shape)
    bad = xp.abs(z) > 2.0
    while bad.any():
        z[bad] = gen.standard_normal(int(bad.sum()))
        bad = xp.abs(z) > 2.0
    return backend.asarray(mean + stddev * z, dtype=dtype)


def uniform(gen: Any, shape: tuple[int, ...], minval: float, maxval: float, dtype: str) -> Any:
    """Samples U[minval, maxval), shaped `shape`, as a backend array of `dtype`."""
    return backend.asarray(gen.uniform(minval, maxval, size=shape), dtype=dtype)
