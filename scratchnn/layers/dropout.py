"""Dropout (keras/src/layers/regularization/dropout.py)."""

from __future__ import annotations

from typing import Any

from scratchnn import ops
from scratchnn.backend import asarray, random
from scratchnn.layers.layer import Layer, keep_input_shape


class Dropout(Layer):
    """Zeroes a fraction `rate` of the inputs during training and scales the rest by 1/(1-rate).

    At inference (`training=False`, e.g. in `predict` and `evaluate`) it is the
    identity, so the expected activation is the same in both modes.

    Args:
        rate: float in [0, 1), the fraction of units to drop.
        noise_shape: shape of the mask, broadcast to the input (None: the input's shape).
        seed: int for a reproducible mask sequence; None uses the global generator.
    """

    def __init__(self, rate: float, noise_shape: Any = None, seed: int | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.supports_masking = True
        if not isinstance(rate, (int, float)) or not 0 <= rate < 1:
            raise ValueError(
                f"Layer {self.name!r}: `rate` must be a float in [0, 1). Received: rate={rate!r}"
            )
        self.rate = float(rate)
        self.noise_shape = None if noise_shape is None else tuple(noise_shape)
        self.seed = seed
        self._generator = random.generator(seed) if seed is not None else None

    def call(self, inputs: Any, training: bool = False) -> Any:
        if not training or self.rate == 0:
            return inputs
        shape = inputs.shape
        if self.noise_shape is not None:
            shape = tuple(s if n is None else n for s, n in zip(inputs.shape, self.noise_shape))
        gen = self._generator or random.generator()
        # The mask holds 0 or 1/(1-rate): one multiply applies both the drop and the rescale.
        keep = gen.random(shape, dtype="float32") >= self.rate
        mask = asarray(keep.astype(inputs.dtype) * (1.0 / (1.0 - self.rate)), dtype=inputs.dtype)
        return ops.multiply(inputs, mask)

    compute_output_shape = keep_input_shape

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "rate": self.rate, "seed": self.seed, "noise_shape": self.noise_shape}
