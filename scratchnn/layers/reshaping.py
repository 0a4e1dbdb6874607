"""Flatten and Reshape (keras/src/layers/reshaping/)."""

from __future__ import annotations

import math
from typing import Any

from scratchnn import ops
from scratchnn.layers.layer import Layer
from scratchnn.layers.zero_padding import check_channels_last


class Flatten(Layer):
    """Flattens each sample to one axis: (N, d1, d2, ...) -> (N, d1*d2*...).

    Args:
        data_format: "channels_last" (the only layout scratchnn uses).
    """

    def __init__(self, data_format: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.data_format = check_channels_last(self, data_format)

    def call(self, inputs: Any) -> Any:
        if inputs.ndim <= 1:
            return ops.expand_dims(inputs, -1)
        return ops.reshape(inputs, (inputs.shape[0], -1))

    def compute_output_shape(self, input_shape: tuple[int | None, ...]) -> tuple[int | None, ...]:
        rest = input_shape[1:]
        size = None if any(d is None for d in rest) else math.prod(rest)
        return (input_shape[0], size)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "data_format": self.data_format}


class Reshape(Layer):
    """Reshapes each sample to `target_shape` (one entry may be -1).

    Shapes: (N, *in) -> (N, *target_shape).
    """

    def __init__(self, target_shape: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.target_shape = tuple(int(d) for d in target_shape)
        if sum(d == -1 for d in self.target_shape) > 1:
            raise ValueError(
                f"Layer {self.name!r}: at most one -1 is allowed. Received: target_shape={self.target_shape}"
            )

    def _resolve(self, input_shape: tuple[int | None, ...]) -> tuple[int | None, ...]:
        rest = input_shape[1:]
        if -1 not in self.target_shape:
            known = None if any(d is None for d in rest) else math.prod(rest)
            if known is not None and known != math.prod(self.target_shape):
                raise ValueError(
                    f"Layer {self.name!r}: cannot reshape a sample of shape {tuple(rest)} ({known} elements) "
                    f"to target_shape={self.target_shape} ({math.prod(self.target_shape)} elements)."
                )
            return self.target_shape
        if any(d is None for d in rest):
            return tuple(None if d == -1 else d for d in self.target_shape)
        fixed = math.prod(d for d in self.target_shape if d != -1)
        total = math.prod(rest)
        if total % fixed:
            raise ValueError(
                f"Layer {self.name!r}: cannot reshape a sample of shape {tuple(rest)} to "
                f"target_shape={self.target_shape}."
            )
        return tuple(total // fixed if d == -1 else d for d in self.target_shape)

    def call(self, inputs: Any) -> Any:
        return ops.reshape(inputs, (inputs.shape[0], *self._resolve(inputs.shape)))

    def compute_output_shape(self, input_shape: tuple[int | None, ...]) -> tuple[int | None, ...]:
        return (input_shape[0], *self._resolve(tuple(input_shape)))

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "target_shape": list(self.target_shape)}
