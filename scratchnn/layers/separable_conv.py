"""SeparableConv2D: depthwise then pointwise convolution (keras/src/layers/convolutional/base_separable_conv.py)."""

from __future__ import annotations

from typing import Any

from scratchnn import activations, ops
from scratchnn.layers.layer import Layer
from scratchnn.layers.weight_options import add_weight_with_options, set_weight_options, weight_options_config
from scratchnn.layers.zero_padding import check_channels_last
from scratchnn.ops.conv_geometry import normalize_padding, normalize_tuple, output_length
from scratchnn.ops.convolution import depthwise_conv2d


class SeparableConv2D(Layer):
    """A depthwise 2-D convolution followed by a 1x1 convolution mixing the channels.

    out = activation(pointwise(depthwise(x)) + bias): the depthwise step convolves each of
    the C input channels with `depth_multiplier` own (kh, kw) filters (strides, padding and
    dilation apply here), giving C * depth_multiplier channels; the pointwise step is a
    matrix product over the channel axis, (.., C*dm) @ (C*dm, filters). Both steps are the
    existing ops (depthwise_conv2d and linear), so the backward is theirs.

    Args:
        filters: positive int, the output channels.
        kernel_size: int or (kh, kw). strides, dilation_rate: int or pair, default 1.
        padding: "valid" or "same". data_format: "channels_last" only.
        depth_multiplier: positive int, default 1.
        activation: default None. use_bias: default True.
        depthwise_initializer, pointwise_initializer: default "glorot_uniform";
        bias_initializer: default "zeros"; the matching *_regularizer and *_constraint
        arguments, and activity_regularizer, default None.

    Shapes:
        input (N, H, W, C) -> (N, oh, ow, filters); depthwise_kernel (kh, kw, C, dm),
        pointwise_kernel (1, 1, C*dm, filters), bias (filters,).

    Raises:
        ValueError: for non-positive filters or depth_multiplier, bad sizes or padding, or a
            non 4-D input.

    Example:
        >>> SeparableConv2D(16, 3, padding="same")(np.zeros((2, 8, 8, 3))).shape
        (2, 8, 8, 16)
    """

    def __init__(
        self,
        filters: int,
        kernel_size: Any,
        strides: Any = (1, 1),
        padding: str = "valid",
        data_format: str | None = None,
        dilation_rate: Any = (1, 1),
        depth_multiplier: int = 1,
        activation: Any = None,
        use_bias: bool = True,
        depthwise_initializer: Any = "glorot_uniform",
        pointwise_initializer: Any = "glorot_uniform",
        bias_initializer: Any = "zeros",
        depthwise_regularizer: Any = None,
        pointwise_regularizer: Any = None,
        bias_regularizer: Any = None,
        activity_regularizer: Any = None,
        depthwise_constraint: Any = None,
        pointwise_constraint: Any = None,
        bias_constraint: Any = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        for name, value in (("filters", filters), ("depth_multiplier", depth_multiplier)):
            if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
                raise ValueError(
                    f"Layer {self.name!r}: invalid value for argument `{name}`. Expected a strictly positive "
                    f"integer. Received {name}={value!r}"
                )
        self.filters = filters
        self.depth_multiplier = depth_multiplier
        self.kernel_size = normalize_tuple(kernel_size, 2, "kernel_size")
        self.strides = normalize_tuple(strides, 2, "strides")
        self.dilation_rate = normalize_tuple(dilation_rate, 2, "dilation_rate")
        self.padding = normalize_padding(padding)
        self.data_format = check_channels_last(self, data_format)
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        set_weight_options(
            self,
            depthwise=(depthwise_initializer, depthwise_regularizer, depthwise_constraint),
            pointwise=(pointwise_initializer, pointwise_regularizer, pointwise_constraint),
            bias=(bias_initializer, bias_regularizer, bias_constraint),
        )

    def build(self, input_shape: Any) -> None:
        if len(input_shape) != 4 or input_shape[-1] is None:
            raise ValueError(
                f"Layer {self.name!r} expects 4-D input (batch, height, width, channels) with a known "
                f"channel axis. Received: input_shape={tuple(input_shape)}"
            )
        channels = int(input_shape[-1])
        self.depthwise_kernel = add_weight_with_options(
            self, "depthwise", (*self.kernel_size, channels, self.depth_multiplier), name="depthwise_kernel"
        )
        self.pointwise_kernel = add_weight_with_options(
            self, "pointwise", (1, 1, channels * self.depth_multiplier, self.filters), name="pointwise_kernel"
        )
        self.bias = add_weight_with_options(self, "bias", (self.filters,)) if self.use_bias else None
        self._in_channels = channels
        self.built = True

    def call(self, inputs: Any) -> Any:
        if inputs.ndim != 4 or inputs.shape[-1] != self._in_channels:
            raise ValueError(
                f"Input 0 of layer {self.name!r} is incompatible with the layer: expected 4-D input with "
                f"axis -1 of size {self._in_channels}, but received input with shape {tuple(inputs.shape)}"
            )
        depthwise = depthwise_conv2d(
            inputs, self.depthwise_kernel, None, self.strides, self.padding, self.dilation_rate
        )
        # (1, 1, C*dm, filters) -> (C*dm, filters): a 1x1 convolution is a matmul over channels.
        pointwise = ops.reshape(self.pointwise_kernel, self.pointwise_kernel.shape[2:])
        relu = self.activation is activations.relu
        out = ops.linear(depthwise, pointwise, self.bias, relu=relu)
        return out if relu else self.activation(out)

    def compute_output_shape(self, input_shape: Any) -> tuple[Any, ...]:
        spatial = [
            output_length(n, k, s, self.padding, d)
            for n, k, s, d in zip(input_shape[1:3], self.kernel_size, self.strides, self.dilation_rate)
        ]
        return (input_shape[0], *spatial, self.filters)

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "depth_multiplier": self.depth_multiplier,
            "filters": self.filters,
            "kernel_size": self.kernel_size,
            "strides": self.strides,
            "padding": self.padding,
            "data_format": self.data_format,
            "dilation_rate": self.dilation_rate,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            **weight_options_config(self, "depthwise", "pointwise", "bias", activity_regularizer=True),
        }


SeparableConvolution2D = SeparableConv2D
