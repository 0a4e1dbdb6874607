"""Masking: skip the timesteps whose features all equal `mask_value` (keras/src/layers/core/masking.py)."""

from __future__ import annotations

from typing import Any

from scratchnn import ops
from scratchnn.backend import xp
from scratchnn.layers.layer import Layer
from scratchnn.ops.symbolic import KerasTensor
from scratchnn.ops.tensor import Tensor


def mask_data(mask: Any) -> Any:
    """A mask (Tensor or array-like) as a bool backend array; True keeps the timestep."""
    data = mask.data if isinstance(mask, Tensor) else xp.asarray(mask)
    return data if data.dtype == bool else data.astype(bool)


class Masking(Layer):
    """Masks every timestep whose features all equal `mask_value`.

    keep[n, t] = any(x[n, t, :] != mask_value); the output is x where keep holds and 0
    elsewhere, and `compute_mask` returns keep (True = use the step, Keras's convention),
    which later layers that support masking receive.

    Args:
        mask_value: the padding value, default 0.0.

    Shapes:
        input (N, T, ...features) -> output of the same shape; mask (N, T, ...) without the last axis.

    Example:
        >>> x = np.array([[[1.0, 2.0], [0.0, 0.0]]])
        >>> Masking().compute_mask(x).numpy()
        array([[ True, False]])
    """

    def __init__(self, mask_value: float = 0.0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.mask_value = mask_value
        self.supports_masking = True

    def _keep(self, inputs: Any) -> Any:
        data = inputs.data if isinstance(inputs, Tensor) else xp.asarray(inputs)
        return xp.any(data != self.mask_value, axis=-1)

    def call(self, inputs: Any) -> Any:
        # (N, T, F) where keep (N, T, 1) else 0; the gradient flows only through kept steps.
        return ops.where(self._keep(inputs)[..., None], inputs, 0.0)

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        """The (N, T) bool mask: True where some feature differs from mask_value."""
        if isinstance(inputs, KerasTensor):  # a symbolic call: the mask's shape and dtype only
            return KerasTensor(inputs.shape[:-1], dtype="bool")
        return Tensor(self._keep(inputs))

    def compute_output_shape(self, input_shape: Any) -> Any:
        return tuple(input_shape)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "mask_value": self.mask_value}
