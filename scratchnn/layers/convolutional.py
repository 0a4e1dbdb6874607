"""Conv1D, Conv2D and DepthwiseConv2D (keras/src/layers/convolutional/base_conv.py, conv2d.py, ...)."""

from __future__ import annotations

from typing import Any

from scratchnn import activations
from scratchnn.layers.layer import Layer
from scratchnn.layers.weight_options import add_weight_with_options, set_weight_options, weight_options_config
from scratchnn.layers.zero_padding import check_channels_last
from scratchnn.ops.conv_geometry import normalize_tuple, output_length
from scratchnn.ops.convolution import conv1d, conv2d, depthwise_conv2d


class BaseConv(Layer):
    """Shared argument handling of the convolution layers; `rank` is 1 or 2."""

    rank = 2
    _paddings = ("valid", "same")
    _filters_optional = True  # DepthwiseConv2D passes None; the transposed convolutions need filters

    def __init__(
        self,
        filters: int,
        kernel_size: Any,
        strides: Any = 1,
        padding: str = "valid",
        data_format: str | None = None,
        dilation_rate: Any = 1,
        groups: int = 1,
        activation: Any = None,
        use_bias: bool = True,
        kernel_initializer: Any = "glorot_uniform",
        bias_initializer: Any = "zeros",
        kernel_regularizer: Any = None,
        bias_regularizer: Any = None,
        activity_regularizer: Any = None,
        kernel_constraint: Any = None,
        bias_constraint: Any = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        if (filters is not None or not self._filters_optional) and (
            not isinstance(filters, int) or isinstance(filters, bool) or filters <= 0
        ):
            raise ValueError(
                f"Layer {self.name!r}: `filters` must be a positive integer. Received: filters={filters!r}"
            )
        self.filters = filters
        self.kernel_size = normalize_tuple(kernel_size, self.rank, "kernel_size")
        self.strides = normalize_tuple(strides, self.rank, "strides")
        self.dilation_rate = normalize_tuple(dilation_rate, self.rank, "dilation_rate")
        self.padding = padding.lower() if isinstance(padding, str) else padding
        if self.padding not in self._paddings:
            raise ValueError(
                f"Layer {self.name!r}: `padding` must be one of {self._paddings}. Received: padding={padding!r}"
            )
        self.data_format = check_channels_last(self, data_format)
        if not isinstance(groups, int) or groups <= 0 or (filters is not None and filters % groups):
            raise ValueError(
                f"Layer {self.name!r}: `groups` must be a positive integer dividing filters={filters}. "
                f"Received: groups={groups!r}"
            )
        if max(self.strides) > 1 and max(self.dilation_rate) > 1:
            raise ValueError(
                f"Layer {self.name!r}: strides > 1 together with dilation_rate > 1 is not supported (as in Keras). "
                f"Received: strides={self.strides}, dilation_rate={self.dilation_rate}"
            )
        self.groups = groups
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        set_weight_options(
            self,
            kernel=(kernel_initializer, kernel_regularizer, kernel_constraint),
            bias=(bias_initializer, bias_regularizer, bias_constraint),
        )

    def _channels(self, input_shape: Any) -> int:
        if len(input_shape) != self.rank + 2 or input_shape[-1] is None:
            raise ValueError(
                f"Layer {self.name!r} expects {self.rank + 2}-D input (batch, *spatial, channels) with a known "
                f"channel axis. Received: input_shape={tuple(input_shape)}"
            )
        channels = int(input_shape[-1])
        if channels % self.groups:
            raise ValueError(
                f"Layer {self.name!r}: the input channels ({channels}) must be divisible by groups={self.groups}. "
                f"Received: input_shape={tuple(input_shape)}"
            )
        return channels

    def _kernel_shape(self, channels: int) -> tuple[int, ...]:
        return (*self.kernel_size, channels // self.groups, self.filters)

    def build(self, input_shape: Any) -> None:
        channels = self._channels(input_shape)
        self.kernel = add_weight_with_options(self, "kernel", self._kernel_shape(channels))
        self.bias = None
        if self.use_bias:
            self.bias = add_weight_with_options(self, "bias", (self._out_channels(),))
        self._in_channels = channels
        self.built = True

    def _check_input(self, inputs: Any) -> None:
        if inputs.ndim != self.rank + 2 or inputs.shape[-1] != self._in_channels:
            raise ValueError(
                f"Input 0 of layer {self.name!r} is incompatible with the layer: expected {self.rank + 2}-D input "
                f"with axis -1 of size {self._in_channels}, but received input with shape {tuple(inputs.shape)}"
            )

    def _out_channels(self) -> int:
        return self.filters

    def compute_output_shape(self, input_shape: Any) -> tuple[int | None, ...]:
        # "causal" pads d*(k-1) in total, like "same": both give ceil(L / stride) outputs.
        pad = "same" if self.padding == "causal" else self.padding
        spatial = [
            output_length(n, k, s, pad, d)
            for n, k, s, d in zip(input_shape[1:-1], self.kernel_size, self.strides, self.dilation_rate)
        ]
        return (input_shape[0], *spatial, self._out_channels())

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "filters": self.filters,
            "kernel_size": self.kernel_size,
            "strides": self.strides,
            "padding": self.padding,
            "data_format": self.data_format,
            "dilation_rate": self.dilation_rate,
            "groups": self.groups,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            **weight_options_config(self, "kernel", "bias", activity_regularizer=True),
        }


class Conv2D(BaseConv):
    """2-D convolution over NHWC images: activation(conv(x, kernel) + bias).

    out[n, i, j, o] = bias[o] + sum_{a, b, c} x[n, i*sh + a*dh, j*sw + b*dw, c] * kernel[a, b, c, o]
    (x zero-padded first when padding="same", the odd pixel at the bottom/right as in TensorFlow).

    Args:
        filters: number of output channels.
        kernel_size: int or (kh, kw).
        strides: int or pair, default 1.
        padding: "valid" (no padding) or "same" (output size ceil(input / stride)).
        data_format: "channels_last" only.
        dilation_rate: int or pair, default 1.
        groups: split channels into independent groups, default 1.
        activation: default None (linear). use_bias: default True.
        kernel_initializer: default "glorot_uniform"; bias_initializer: default "zeros".
        kernel_regularizer, bias_regularizer, activity_regularizer, kernel_constraint, bias_constraint.

    Shapes:
        input (N, H, W, C) -> output (N, oh, ow, filters); kernel (kh, kw, C/groups, filters).

    Example:
        >>> Conv2D(32, 5, padding="same", activation="relu")(np.zeros((2, 28, 28, 1))).shape
        (2, 28, 28, 32)
    """

    rank = 2

    def call(self, inputs: Any) -> Any:
        self._check_input(inputs)
        if self.activation is activations.relu:  # fused: one pass and one array fewer
            return conv2d(
                inputs,
                self.kernel,
                self.bias,
                self.strides,
                self.padding,
                self.dilation_rate,
                self.groups,
                True,
            )
        out = conv2d(
            inputs, self.kernel, self.bias, self.strides, self.padding, self.dilation_rate, self.groups
        )
        return self.activation(out)


class Conv1D(BaseConv):
    """1-D convolution over (N, L, C) sequences; padding may also be "causal".

    Same arguments as Conv2D with ints for the sizes; kernel (k, C/groups, filters).
    "causal" left-pads dilation*(k-1) zeros, so output t depends only on inputs <= t.

    Shapes:
        input (N, L, C) -> output (N, out_len, filters).
    """

    rank = 1
    _paddings = ("valid", "same", "causal")

    def call(self, inputs: Any) -> Any:
        self._check_input(inputs)
        out = conv1d(
            inputs, self.kernel, self.bias, self.strides, self.padding, self.dilation_rate, self.groups
        )
        return self.activation(out)


class DepthwiseConv2D(BaseConv):
    """Depthwise 2-D convolution: each input channel gets `depth_multiplier` own filters.

    Args:
        kernel_size, strides, padding, dilation_rate, activation, use_bias: as Conv2D.
        depth_multiplier: filters per input channel, default 1.
        depthwise_initializer: default "glorot_uniform"; bias_initializer "zeros".

    Shapes:
        input (N, H, W, C) -> (N, oh, ow, C * depth_multiplier); kernel (kh, kw, C, depth_multiplier),
        output channel c*depth_multiplier + m from input channel c.
    """

    rank = 2

    def __init__(
        self,
        kernel_size: Any,
        strides: Any = 1,
        padding: str = "valid",
        depth_multiplier: int = 1,
        data_format: str | None = None,
        dilation_rate: Any = 1,
        activation: Any = None,
        use_bias: bool = True,
        depthwise_initializer: Any = "glorot_uniform",
        bias_initializer: Any = "zeros",
        depthwise_regularizer: Any = None,
        bias_regularizer: Any = None,
        activity_regularizer: Any = None,
        depthwise_constraint: Any = None,
        bias_constraint: Any = None,
        **kwargs: Any,
    ) -> None:
        if not isinstance(depth_multiplier, int) or depth_multiplier <= 0:
            raise ValueError(
                f"`depth_multiplier` must be a positive integer. Received: depth_multiplier={depth_multiplier!r}"
            )
        super().__init__(
            None,
            kernel_size,
            strides,
            padding,
            data_format,
            dilation_rate,
            1,
            activation,
            use_bias,
            depthwise_initializer,
            bias_initializer,
            depthwise_regularizer,
            bias_regularizer,
            activity_regularizer,
            depthwise_constraint,
            bias_constraint,
            **kwargs,
        )
        self.depth_multiplier = depth_multiplier

    def _kernel_shape(self, channels: int) -> tuple[int, ...]:
        return (*self.kernel_size, channels, self.depth_multiplier)

    def build(self, input_shape: Any) -> None:
        self._kernel_in = self._channels(input_shape)
        super().build(input_shape)
        self.depthwise_kernel = self.kernel

    def _out_channels(self) -> int:
        return self._kernel_in * self.depth_multiplier

    def compute_output_shape(self, input_shape: Any) -> tuple[int | None, ...]:
        self._kernel_in = int(input_shape[-1])
        return super().compute_output_shape(input_shape)

    def call(self, inputs: Any) -> Any:
        self._check_input(inputs)
        out = depthwise_conv2d(inputs, self.kernel, self.bias, self.strides, self.padding, self.dilation_rate)
        return self.activation(out)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        for key in ("filters", "groups"):
            config.pop(key)
        for old, new in (("kernel", "depthwise"),):
            for suffix in ("initializer", "regularizer", "constraint"):
                config[f"{new}_{suffix}"] = config.pop(f"{old}_{suffix}")
        config["depth_multiplier"] = self.depth_multiplier
        return config
