"""SpatialDropout2D (keras/src/layers/regularization/spatial_dropout.py)."""

from __future__ import annotations

from typing import Any

from scratchnn import ops
from scratchnn.backend import asarray, random
from scratchnn.layers.dropout import Dropout
from scratchnn.layers.zero_padding import check_channels_last


class SpatialDropout2D(Dropout):
    """Drops whole feature maps: one keep/drop draw per (sample, channel), scaled by 1/(1-rate).

    Neighbouring pixels of a feature map are strongly correlated, so dropping
    single pixels regularizes little; dropping channels does. Identity at inference.

    Args:
        rate: float in [0, 1), the fraction of channels to drop.
        data_format: "channels_last" only.
        seed: int for a reproducible mask sequence.

    Shapes:
        (N, H, W, C) -> same; the mask has shape (N, 1, 1, C).
    """

    def __init__(
        self, rate: float, data_format: str | None = None, seed: int | None = None, **kwargs: Any
    ) -> None:
        super().__init__(rate, seed=seed, **kwargs)
        self.data_format = check_channels_last(self, data_format)

    def call(self, inputs: Any, training: bool = False) -> Any:
        if not training or self.rate == 0:
            return inputs
        if inputs.ndim != 4:
            raise ValueError(
                f"Layer {self.name!r} expects 4-D input (N, H, W, C). Received: inputs.shape={tuple(inputs.shape)}"
            )
        gen = self._generator or random.generator()
        keep = gen.random((inputs.shape[0], 1, 1, inputs.shape[3]), dtype="float32") >= self.rate
        mask = asarray(keep.astype(inputs.dtype) * (1.0 / (1.0 - self.rate)), dtype=inputs.dtype)
        return ops.multiply(inputs, mask)

    def get_config(self) -> dict[str, Any]:
        # Keras's SpatialDropout2D config has no `trainable` and no `noise_shape`.
        return {
            "rate": self.rate,
            "seed": self.seed,
            "name": self.name,
            "dtype": self.dtype,
            "data_format": self.data_format,
        }
