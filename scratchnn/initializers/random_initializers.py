"""Random initializers: plain distributions, variance scaling (Glorot/He/LeCun) and Orthogonal.

Every class draws through `RandomInitializer._generator()`; see
`scratchnn/initializers/initializer.py` for how `seed` behaves.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from scratchnn import backend
from scratchnn.backend import xp
from scratchnn.initializers.initializer import (
    TRUNCATION_STDDEV,
    RandomInitializer,
    compute_fans,
    float_dtype,
    normal,
    standardize_shape,
    truncated_normal,
    uniform,
)


class RandomNormal(RandomInitializer):
    """Initializer drawing from a normal distribution N(mean, stddev^2).

    Args:
        mean: mean of the values (default 0.0).
        stddev: standard deviation of the values (default 0.05).
        seed: see `RandomInitializer`.

    Example:
        >>> RandomNormal(mean=0.0, stddev=1.0, seed=1)((2, 2)).shape
        (2, 2)
    """

    def __init__(self, mean: float = 0.0, stddev: float = 0.05, seed: Any = None) -> None:
        self.mean = mean
        self.stddev = stddev
        super().__init__(seed=seed)

    def __call__(self, shape: Sequence[int], dtype: Any = None) -> Any:
        """Returns a backend array of `shape` in float `dtype` (default `floatx()`)."""
        dtype = float_dtype(dtype, type(self).__name__)
        return normal(self._generator(), standardize_shape(shape), self.mean, self.stddev, dtype)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "mean": self.mean, "stddev": self.stddev}


class TruncatedNormal(RandomInitializer):
    """Initializer drawing from N(mean, stddev^2) with values beyond 2 stddev redrawn.

    Every value lies in `[mean - 2 stddev, mean + 2 stddev]`; the resulting
    standard deviation is about `0.88 * stddev`.

    Args:
        mean: mean of the values (default 0.0).
        stddev: standard deviation before truncation (default 0.05).
        seed: see `RandomInitializer`.

    Example:
        >>> w = TruncatedNormal(stddev=1.0, seed=1)((100,))
        >>> bool(abs(w).max() <= 2.0)
        True
    """

    def __init__(self, mean: float = 0.0, stddev: float = 0.05, seed: Any = None) -> None:
        self.mean = mean
        self.stddev = stddev
        super().__init__(seed=seed)

    def __call__(self, shape: Sequence[int], dtype: Any = None) -> Any:
        """Returns a backend array of `shape` in float `dtype` (default `floatx()`)."""
        dtype = float_dtype(dtype, type(self).__name__)
        return truncated_normal(self._generator(), standardize_shape(shape), self.mean, self.stddev, dtype)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "mean": self.mean, "stddev": self.stddev}


class RandomUniform(RandomInitializer):
    """Initializer drawing from a uniform distribution U[minval, maxval).

    Args:
        minval: lower bound, inclusive (default -0.05).
        maxval: upper bound, exclusive (default 0.05).
        seed: see `RandomInitializer`.

    Example:
        >>> RandomUniform(0.0, 1.0, seed=1)((3,)).dtype
        dtype('float32')
    """

    def __init__(self, minval: float = -0.05, maxval: float = 0.05, seed: Any = None) -> None:
        self.minval = minval
        self.maxval = maxval
        super().__init__(seed=seed)

    def __call__(self, shape: Sequence[int], dtype: Any = None) -> Any:
        """Returns a backend array of `shape` in float `dtype` (default `floatx()`)."""
        dtype = float_dtype(dtype, type(self).__name__)
        return uniform(self._generator(), standardize_shape(shape), self.minval, self.maxval, dtype)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "minval": self.minval, "maxval": self.maxval}


class VarianceScaling(RandomInitializer):
    """Initializer whose scale adapts to the weight's fans.

    With `n = fan_in`, `fan_out` or `(fan_in + fan_out) / 2` (by `mode`, at least 1):

    - `"truncated_normal"`: truncated N(0, s^2) with `s = sqrt(scale / n) / 0.8796...`,
      so the standard deviation *after* truncation is `sqrt(scale / n)`;
    - `"untruncated_normal"`: N(0, scale / n);
    - `"uniform"`: U[-limit, limit] with `limit = sqrt(3 * scale / n)`.

    Fans come from `compute_fans`: a `(kh, kw, in, out)` kernel has
    `fan_in = kh * kw * in` and `fan_out = kh * kw * out`.

    Args:
        scale: positive scaling factor (default 1.0).
        mode: `"fan_in"` (default), `"fan_out"` or `"fan_avg"`.
        distribution: `"truncated_normal"` (default; `"normal"` is an alias),
            `"untruncated_normal"` or `"uniform"`.
        seed: see `RandomInitializer`.
        input_axes: optional axes counted as input units (with `output_axes`).
        output_axes: optional axes counted as output units (with `input_axes`).

    Raises:
        ValueError: for a non-positive `scale` or an unknown `mode`/`distribution`.

    Example:
        >>> init = VarianceScaling(scale=0.1, mode="fan_in", distribution="uniform", seed=0)
        >>> init((4, 3)).shape
        (4, 3)
    """

    def __init__(
        self,
        scale: float = 1.0,
        mode: str = "fan_in",
        distribution: str = "truncated_normal",
        seed: Any = None,
        input_axes: Sequence[int] | None = None,
        output_axes: Sequence[int] | None = None,
    ) -> None:
        if not isinstance(scale, (int, float)) or isinstance(scale, bool) or not scale > 0.0:
            raise ValueError(f"Argument `scale` must be a positive float. Received: scale={scale!r}")
        modes = ("fan_in", "fan_out", "fan_avg")
        if mode not in modes:
            raise ValueError(f"Argument `mode` must be one of {modes}. Received: mode={mode!r}")
        distributions = ("truncated_normal", "untruncated_normal", "uniform")
        name = str(distribution).lower()
        name = "truncated_normal" if name == "normal" else name  # Keras 2 spelling
        if name not in distributions:
            raise ValueError(
                f"Argument `distribution` must be one of {distributions}. "
                f"Received: distribution={distribution!r}"
            )
        self.scale = scale
        self.mode = mode
        self.distribution = name
        self.input_axes = input_axes
        self.output_axes = output_axes
        super().__init__(seed=seed)

    def __call__(self, shape: Sequence[int], dtype: Any = None) -> Any:
        """Returns a backend array of `shape` in float `dtype` (default `floatx()`)."""
        dtype = float_dtype(dtype, type(self).__name__)
        shape = standardize_shape(shape)
        fan_in, fan_out = compute_fans(shape, self.input_axes, self.output_axes)
        n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2.0}[self.mode]
        variance = self.scale / max(1.0, n)
        gen = self._generator()
        if self.distribution == "truncated_normal":
            return truncated_normal(gen, shape, 0.0, math.sqrt(variance) / TRUNCATION_STDDEV, dtype)
        if self.distribution == "untruncated_normal":
            return normal(gen, shape, 0.0, math.sqrt(variance), dtype)
        # U[-a, a] has variance a^2 / 3, so a = sqrt(3 * variance).
        limit = math.sqrt(3.0 * variance)
        return uniform(gen, shape, -limit, limit, dtype)

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "scale": self.scale,
            "mode": self.mode,
            "distribution": self.distribution,
            "input_axes": self.input_axes,
            "output_axes": self.output_axes,
        }


class _FixedVarianceScaling(VarianceScaling):
    """A VarianceScaling preset: only `seed` and the axes are arguments (and config keys)."""

    _preset: tuple[float, str, str] = (1.0, "fan_in", "truncated_normal")

    def __init__(
        self,
        seed: Any = None,
        input_axes: Sequence[int] | None = None,
        output_axes: Sequence[int] | None = None,
    ) -> None:
        scale, mode, distribution = self._preset
        super().__init__(scale, mode, distribution, seed=seed, input_axes=input_axes, output_axes=output_axes)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        return {key: config[key] for key in ("seed", "input_axes", "output_axes")}


class GlorotUniform(_FixedVarianceScaling):
    """Glorot (Xavier) uniform: U[-limit, limit], `limit = sqrt(6 / (fan_in + fan_out))`.

    Args:
        seed: see `RandomInitializer`.
        input_axes, output_axes: optional axes for the fans (see `VarianceScaling`).

    Reference: Glorot & Bengio, 2010.
    """

    _preset = (1.0, "fan_avg", "uniform")


class GlorotNormal(_FixedVarianceScaling):
    """Glorot (Xavier) normal: truncated normal with std `sqrt(2 / (fan_in + fan_out))`.

    Args:
        seed: see `RandomInitializer`.
        input_axes, output_axes: optional axes for the fans (see `VarianceScaling`).

    Reference: Glorot & Bengio, 2010.
    """

    _preset = (1.0, "fan_avg", "truncated_normal")


class HeUniform(_FixedVarianceScaling):
    """He uniform: U[-limit, limit], `limit = sqrt(6 / fan_in)`.

    Args:
        seed: see `RandomInitializer`.
        input_axes, output_axes: optional axes for the fans (see `VarianceScaling`).

    Reference: He et al., 2015.
    """

    _preset = (2.0, "fan_in", "uniform")


class HeNormal(_FixedVarianceScaling):
    """He normal: truncated normal with std `sqrt(2 / fan_in)`.

    Args:
        seed: see `RandomInitializer`.
        input_axes, output_axes: optional axes for the fans (see `VarianceScaling`).

    Reference: He et al., 2015.
    """

    _preset = (2.0, "fan_in", "truncated_normal")


class LecunUniform(_FixedVarianceScaling):
    """LeCun uniform: U[-limit, limit], `limit = sqrt(3 / fan_in)`.

    Args:
        seed: see `RandomInitializer`.
        input_axes, output_axes: optional axes for the fans (see `VarianceScaling`).

    Reference: Klambauer et al., 2017.
    """

    _preset = (1.0, "fan_in", "uniform")


class LecunNormal(_FixedVarianceScaling):
    """LeCun normal: truncated normal with std `sqrt(1 / fan_in)`.

    Args:
        seed: see `RandomInitializer`.
        input_axes, output_axes: optional axes for the fans (see `VarianceScaling`).

    Reference: Klambauer et al., 2017.
    """

    _preset = (1.0, "fan_in", "truncated_normal")


class Orthogonal(RandomInitializer):
    """Initializer that generates a (semi-)orthogonal matrix, times `gain`.

    A shape `(d0, ..., dk)` is treated as a matrix of `rows = d0 * ... * d(k-1)`
    and `cols = dk`. The Q factor of the QR decomposition of a Gaussian matrix
    (signs fixed so the result is uniformly distributed) gives orthonormal
    columns when `rows >= cols`, orthonormal rows otherwise.

    Args:
        gain: multiplicative factor (default 1.0).
        seed: see `RandomInitializer`.

    Raises:
        ValueError: when called with a shape of rank < 2.

    Reference: Saxe et al., 2014.
    """

    def __init__(self, gain: float = 1.0, seed: Any = None) -> None:
        self.gain = gain
        super().__init__(seed=seed)

    def __call__(self, shape: Sequence[int], dtype: Any = None) -> Any:
        """Returns a backend array of `shape` (rank >= 2) in float `dtype` (default `floatx()`)."""
        dtype = float_dtype(dtype, type(self).__name__)
        shape = standardize_shape(shape)
        if len(shape) < 2:
            raise ValueError(
                f"Orthogonal needs a shape of rank at least 2. Received: shape={shape} of rank {len(shape)}."
            )
        rows, cols = math.prod(shape[:-1]), shape[-1]
        # A tall Gaussian matrix (max, min) -> reduced QR: q (max, min), r (min, min).
        a = backend.asarray(self._generator().standard_normal((max(rows, cols), min(rows, cols))))
        q, r = xp.linalg.qr(a)
        # Multiplying each column by sign(r_ii) makes the factorisation unique,
        # so q is Haar-distributed rather than biased by the QR convention.
        q = q * xp.sign(xp.diagonal(r))
        if rows < cols:
            q = q.T  # (min, max) = (rows, cols): orthonormal rows
        return (self.gain * q.reshape(shape)).astype(dtype)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "gain": self.gain}
