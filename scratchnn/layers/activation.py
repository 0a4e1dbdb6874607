"""Activation layers: Activation, Softmax, ReLU, LeakyReLU, ELU (keras/src/layers/activations/)."""

from __future__ import annotations

from typing import Any

from scratchnn import activations, ops
from scratchnn.backend import xp
from scratchnn.layers.layer import Layer, keep_input_shape
from scratchnn.ops.tensor import Tensor


class Activation(Layer):
    """Applies an activation function: `Activation("relu")`. Output shape = input shape."""

    def __init__(self, activation: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.supports_masking = True  # passes the mask on, as every Keras activation layer
        self.activation = activations.get(activation)

    def call(self, inputs: Any) -> Any:
        return self.activation(inputs)

    compute_output_shape = keep_input_shape

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "activation": activations.serialize(self.activation)}


class Softmax(Layer):
    """Softmax along `axis` (default -1). Output shape = input shape."""

    def __init__(self, axis: int = -1, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.supports_masking = True
        self.axis = axis

    def call(self, inputs: Any, mask: Any = None) -> Any:
        if mask is None:
            return ops.softmax(inputs, axis=self.axis)
        # As keras/src/layers/activations/softmax.py: keep where mask is True (or > 0.5); masked
        # positions get a large negative logit, and their output is set to exactly 0 (also when a
        # whole axis is masked, where the softmax alone would be uniform).
        keep = mask.data if isinstance(mask, Tensor) else xp.asarray(mask)
        if keep.dtype != bool:
            keep = keep > 0.5
        out = ops.softmax(ops.where(keep, inputs, -1e9), axis=self.axis)
        return ops.where(keep, out, 0.0)

    compute_output_shape = keep_input_shape

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "axis": self.axis}


class ReLU(Layer):
    """max(x, 0) with optional `max_value`, `negative_slope` and `threshold` (Keras semantics)."""

    def __init__(
        self,
        max_value: float | None = None,
        negative_slope: float = 0.0,
        threshold: float = 0.0,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.supports_masking = True
        if max_value is not None and max_value < 0:
            raise ValueError(f"Layer {self.name!r}: max_value must be >= 0. Received: max_value={max_value}")
        if negative_slope is None or negative_slope < 0:
            raise ValueError(
                f"Layer {self.name!r}: negative_slope must be >= 0. Received: negative_slope={negative_slope}"
            )
        self.max_value = max_value
        self.negative_slope = negative_slope
        self.threshold = threshold

    def call(self, inputs: Any) -> Any:
        return activations.relu(
            inputs, negative_slope=self.negative_slope, max_value=self.max_value, threshold=self.threshold
        )

    compute_output_shape = keep_input_shape

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "max_value": self.max_value,
            "negative_slope": self.negative_slope,
            "threshold": self.threshold,
        }


class LeakyReLU(Layer):
    """x if x > 0 else negative_slope * x; Keras's layer default slope is 0.3."""

    def __init__(self, negative_slope: float = 0.3, **kwargs: Any) -> None:
        if "alpha" in kwargs:  # the Keras 2 name of the argument
            negative_slope = kwargs.pop("alpha")
        super().__init__(**kwargs)
        self.supports_masking = True
        if negative_slope is None or negative_slope < 0:
            raise ValueError(
                f"Layer {self.name!r}: negative_slope must be >= 0. Received: negative_slope={negative_slope}"
            )
        self.negative_slope = float(negative_slope)

    def call(self, inputs: Any) -> Any:
        return ops.leaky_relu(inputs, negative_slope=self.negative_slope)

    compute_output_shape = keep_input_shape

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "negative_slope": self.negative_slope}


class ELU(Layer):
    """x if x > 0 else alpha * (exp(x) - 1)."""

    def __init__(self, alpha: float = 1.0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.supports_masking = True
        self.alpha = float(alpha)

    def call(self, inputs: Any) -> Any:
        return ops.elu(inputs, alpha=self.alpha)

    compute_output_shape = keep_input_shape

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "alpha": self.alpha}
