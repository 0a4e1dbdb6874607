"""Dense: the fully connected layer (keras/src/layers/core/dense.py)."""

from __future__ import annotations

from typing import Any

from scratchnn import activations, ops
from scratchnn.layers.layer import Layer
from scratchnn.layers.weight_options import add_weight_with_options, set_weight_options, weight_options_config


class Dense(Layer):
    """y = activation(x @ kernel + bias).

    Args:
        units: positive int, the output size.
        activation: name or function; None means linear.
        use_bias: whether to add a bias vector.
        kernel_initializer: default "glorot_uniform".
        bias_initializer: default "zeros".
        kernel_regularizer, bias_regularizer, activity_regularizer: penalties.
        kernel_constraint, bias_constraint: projections after each update.
        lora_rank, lora_alpha, quantization_config: Keras's LoRA and quantization
            options; not implemented, so only None is accepted.

    Raises:
        ValueError: if `units` is not a positive integer.
        NotImplementedError: if `lora_rank`, `lora_alpha` or `quantization_config` is set.

    Shapes:
        input (..., input_dim) -> output (..., units); kernel (input_dim, units).

    Example:
        >>> layer = Dense(10, activation="softmax")
        >>> layer(np.zeros((32, 100))).shape
        (32, 10)
    """

    def __init__(
        self,
        units: int,
        activation: Any = None,
        use_bias: bool = True,
        kernel_initializer: Any = "glorot_uniform",
        bias_initializer: Any = "zeros",
        kernel_regularizer: Any = None,
        bias_regularizer: Any = None,
        activity_regularizer: Any = None,
        kernel_constraint: Any = None,
        bias_constraint: Any = None,
        lora_rank: int | None = None,
        lora_alpha: float | None = None,
        quantization_config: Any = None,
        **kwargs: Any,
    ) -> None:
        # Keras's signature, so Keras code and configs load; a LoRA or quantized Dense would silently
        # compute something else here, so any value is refused.
        for option, value in (
            ("lora_rank", lora_rank),
            ("lora_alpha", lora_alpha),
            ("quantization_config", quantization_config),
        ):
            if value is not None:
                raise NotImplementedError(
                    f"Layer {kwargs.get('name') or 'dense'!r}: `{option}` (LoRA and quantization) is not "
                    f"implemented in scratchnn; leave it None. Received: {option}={value!r}"
                )
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.supports_masking = True  # the mask of (N, T, F) inputs passes to the (N, T, units) output
        if not isinstance(units, int) or isinstance(units, bool) or units <= 0:
            raise ValueError(
                f"Layer {self.name!r}: `units` must be a positive integer. Received: units={units!r}"
            )
        self.units = units
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        set_weight_options(
            self,
            kernel=(kernel_initializer, kernel_regularizer, kernel_constraint),
            bias=(bias_initializer, bias_regularizer, bias_constraint),
        )

    def build(self, input_shape: tuple[int | None, ...]) -> None:
        input_dim = input_shape[-1] if len(input_shape) else None
        if input_dim is None:
            raise ValueError(
                f"Layer {self.name!r}: the last axis of the input must be known. "
                f"Received: input_shape={tuple(input_shape)}"
            )
        self.kernel = add_weight_with_options(self, "kernel", (input_dim, self.units))
        self.bias = add_weight_with_options(self, "bias", (self.units,)) if self.use_bias else None
        self.built = True

    def call(self, inputs: Any) -> Any:
        if inputs.shape[-1] != self.kernel.data.shape[0]:
            raise ValueError(
                f"Input 0 of layer {self.name!r} is incompatible with the layer: expected axis -1 of the "
                f"input shape to have value {self.kernel.data.shape[0]}, but received input with shape "
                f"{tuple(inputs.shape)}"
            )
        if self.activation is activations.relu:  # fused: one pass and one array fewer
            return ops.linear(inputs, self.kernel, self.bias, relu=True)
        return self.activation(ops.linear(inputs, self.kernel, self.bias))

    def compute_output_shape(self, input_shape: tuple[int | None, ...]) -> tuple[int | None, ...]:
        return tuple(input_shape[:-1]) + (self.units,)

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "units": self.units,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            **weight_options_config(self, "kernel", "bias"),
        }
