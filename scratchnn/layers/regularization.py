"""GaussianNoise, GaussianDropout, AlphaDropout and ActivityRegularization (keras/src/layers/regularization/).

The three noise layers act only when `training` is true (in `fit`, or called with
`training=True`) and are the identity otherwise. Their noise comes from
`scratchnn.backend.random`: a layer built with `seed=s` draws the same sequence every
run, and one without a seed draws from the global generator that
`keras.utils.set_random_seed` seeds.
"""

from __future__ import annotations

import math
from typing import Any

from scratchnn import ops, regularizers
from scratchnn.backend import random
from scratchnn.layers.layer import Layer, keep_input_shape

# SELU's constants (keras/src/layers/regularization/alpha_dropout.py).
_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def _check_fraction(layer: Layer, value: Any, name: str, below_one: bool = False) -> float:
    """`value` in [0, 1] ([0, 1) with `below_one`, where 1 would divide by zero; Keras accepts it and fails later)."""
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and 0 <= value <= 1
    if not ok or (below_one and value == 1):
        bounds = "between 0 and 1 (excluding 1)" if below_one else "between 0 and 1"
        raise ValueError(
            f"Layer {layer.name!r}: invalid value for argument `{name}`. Expected a float value {bounds}. "
            f"Received: {name}={value!r}"
        )
    return float(value)


class _NoiseLayer(Layer):
    """Shared parts: the seeded generator, shape passthrough, masking support."""

    def __init__(self, seed: int | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.seed = seed
        self._generator = random.generator(seed) if seed is not None else None
        self.supports_masking = True

    def _rng(self) -> Any:
        return self._generator or random.generator()

    compute_output_shape = keep_input_shape


class GaussianNoise(_NoiseLayer):
    """Adds zero-mean Gaussian noise during training: y = x + N(0, stddev^2).

    Args:
        stddev: float in [0, 1], the noise's standard deviation.
        seed: int for a reproducible noise sequence; None uses the global generator.

    Shapes:
        input: any shape; output: the same.

    Raises:
        ValueError: for a `stddev` outside [0, 1].
    """

    def __init__(self, stddev: float, seed: int | None = None, **kwargs: Any) -> None:
        super().__init__(seed=seed, **kwargs)
        self.stddev = _check_fraction(self, stddev, "stddev")

    def call(self, inputs: Any, training: bool = False) -> Any:
        if not training or self.stddev == 0:
            return inputs
        noise = self._rng().normal(0.0, self.stddev, inputs.shape).astype(inputs.dtype)
        return ops.add(inputs, noise)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "stddev": self.stddev, "seed": self.seed}


class GaussianDropout(_NoiseLayer):
    """Multiplies by Gaussian noise of mean 1 during training: y = x * N(1, rate / (1 - rate)).

    The variance rate / (1 - rate) equals that of Dropout's rescaled Bernoulli mask, so the
    two regularize alike while the mean stays x in both modes.

    Args:
        rate: float in [0, 1), the equivalent drop probability.
        seed: int for a reproducible noise sequence; None uses the global generator.

    Raises:
        ValueError: for a `rate` outside [0, 1).
    """

    def __init__(self, rate: float, seed: int | None = None, **kwargs: Any) -> None:
        super().__init__(seed=seed, **kwargs)
        self.rate = _check_fraction(self, rate, "rate", below_one=True)

    def call(self, inputs: Any, training: bool = False) -> Any:
        if not training or self.rate == 0:
            return inputs
        stddev = math.sqrt(self.rate / (1.0 - self.rate))
        noise = self._rng().normal(1.0, stddev, inputs.shape).astype(inputs.dtype)
        return ops.multiply(inputs, noise)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "rate": self.rate, "seed": self.seed}


class AlphaDropout(_NoiseLayer):
    """Dropout for SELU networks: keeps the inputs' mean and variance (Klambauer et al., 2017).

    A dropped unit is set to SELU's negative saturation value alpha' = -scale * alpha
    instead of 0, and then y = a * x' + b with
    a = ((1 - rate) * (1 + rate * alpha'^2)) ** -0.5 and b = -a * alpha' * rate,
    which restores zero mean and unit variance. Per element this is y = x * (a * keep) + c,
    c = a * alpha' * (1 - keep) + b, so the gradient is g * a * keep.

    Args:
        rate: float in [0, 1), the drop probability.
        noise_shape: shape of the keep mask, broadcast to the input (None entries take the
            input's size); None: the input's shape.
        seed: int for a reproducible mask sequence; None uses the global generator.

    Raises:
        ValueError: for a `rate` outside [0, 1).
    """

    def __init__(self, rate: float, noise_shape: Any = None, seed: int | None = None, **kwargs: Any) -> None:
        super().__init__(seed=seed, **kwargs)
        self.rate = _check_fraction(self, rate, "rate", below_one=True)
        self.noise_shape = None if noise_shape is None else tuple(noise_shape)

    def call(self, inputs: Any, training: bool = False) -> Any:
        if not training or self.rate == 0:
            return inputs
        shape = inputs.shape
        if self.noise_shape is not None:
            shape = tuple(s if n is None else n for s, n in zip(inputs.shape, self.noise_shape))
        keep = (self._rng().random(shape, dtype="float32") >= self.rate).astype(inputs.dtype)
        alpha_p = -_SELU_ALPHA * _SELU_SCALE
        a = ((1 - self.rate) * (1 + self.rate * alpha_p**2)) ** -0.5
        b = -a * alpha_p * self.rate
        return ops.add(ops.multiply(inputs, a * keep), (a * alpha_p * (1 - keep) + b).astype(inputs.dtype))

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "rate": self.rate, "seed": self.seed, "noise_shape": self.noise_shape}


class ActivityRegularization(Layer):
    """The identity, adding l1 * sum(|x|) + l2 * sum(x^2) (divided by the batch size) to the loss.

    The penalty is this layer's activity regularizer, `keras.regularizers.L1L2(l1, l2)`, so it
    appears in `layer.losses` after each call and joins the loss in `fit`.

    Args:
        l1: non-negative float, default 0.
        l2: non-negative float, default 0.

    Raises:
        ValueError: for a negative or non-numeric `l1` or `l2`.
    """

    def __init__(self, l1: float = 0.0, l2: float = 0.0, **kwargs: Any) -> None:
        kwargs.pop("activity_regularizer", None)  # rebuilt from l1 and l2
        super().__init__(activity_regularizer=regularizers.L1L2(l1=l1, l2=l2), **kwargs)
        self.l1 = l1
        self.l2 = l2
        self.supports_masking = True

    def call(self, inputs: Any) -> Any:
        return inputs

    compute_output_shape = keep_input_shape

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.pop("activity_regularizer", None)
        return {**config, "l1": self.l1, "l2": self.l2}
