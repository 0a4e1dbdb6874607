"""Conv2DTranspose and Conv1DTranspose (keras/src/layers/convolutional/base_conv_transpose.py)."""

from __future__ import annotations

from typing import Any

from scratchnn.layers.convolutional import BaseConv
from scratchnn.ops.conv_transpose import (
    conv_transpose1d,
    conv_transpose2d,
    conv_transpose_output_length,
    normalize_output_padding,
)


class BaseConvTranspose(BaseConv):
    """BaseConv's arguments, weights and checks without `groups`, plus `output_padding`; `rank` is 1 or 2."""

    rank = 2
    _filters_optional = False

    def __init__(
        self,
        filters: int,
        kernel_size: Any,
        strides: Any = 1,
        padding: str = "valid",
        output_padding: Any = None,
        data_format: str | None = None,
        dilation_rate: Any = 1,
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
        super().__init__(
            filters,
            kernel_size,
            strides,
            padding,
            data_format,
            dilation_rate,
            1,
            activation,
            use_bias,
            kernel_initializer,
            bias_initializer,
            kernel_regularizer,
            bias_regularizer,
            activity_regularizer,
            kernel_constraint,
            bias_constraint,
            **kwargs,
        )
        try:
            padding_tuple = normalize_output_padding(output_padding, self.rank, self.strides)
        except ValueError as err:
            raise ValueError(f"Layer {self.name!r}: {err}") from None
        if output_padding is not None and None in padding_tuple:  # the layer takes all entries or none
            raise ValueError(
                f"Layer {self.name!r}: `output_padding` must be None or {self.rank} integers. "
                f"Received: output_padding={output_padding!r}"
            )
        self.output_padding = None if output_padding is None else padding_tuple

    def _kernel_shape(self, channels: int) -> tuple[int, ...]:
        # Keras stores the kernel of the convolution being transposed: (*kernel_size, filters, in_channels).
        return (*self.kernel_size, self.filters, channels)

    def call(self, inputs: Any) -> Any:
        self._check_input(inputs)
        op = conv_transpose2d if self.rank == 2 else conv_transpose1d
        out = op(
            inputs,
            self.kernel,
            self.bias,
            self.strides,
            self.padding,
            self.output_padding,
            self.dilation_rate,
        )
        return self.activation(out)

    def compute_output_shape(self, input_shape: Any) -> tuple[int | None, ...]:
        paddings = self.output_padding or (None,) * self.rank
        spatial = [
            conv_transpose_output_length(n, k, s, self.padding, op, d)
            for n, k, s, op, d in zip(
                input_shape[1:-1], self.kernel_size, self.strides, paddings, self.dilation_rate
            )
        ]
        return (input_shape[0], *spatial, self.filters)

    def get_config(self) -> dict[str, Any]:
        # BaseConv's keys in Keras's order, without groups and with output_padding after padding.
        config: dict[str, Any] = {}
        for key, value in super().get_config().items():
            if key != "groups":
                config[key] = value
            if key == "padding":
                config["output_padding"] = self.output_padding
        return config


class Conv2DTranspose(BaseConvTranspose):
    """2-D transposed convolution ("deconvolution"): the input-gradient of a Conv2D, as a layer.

    Each input pixel scatters kernel-weighted copies of itself onto its output window:
    z[n, i*sh + a*dh, j*sw + b*dw, f] += sum_c x[n, i, j, c] * kernel[a, b, f, c], then
    out = activation(window of z chosen by padding/output_padding + bias).

    Args:
        filters: number of output channels.
        kernel_size: int or (kh, kw).
        strides: int or pair, default 1; the upsampling factor.
        padding: "valid" (output (H-1)*s + kh) or "same" (output H*s).
        output_padding: None (inferred), int or pair, each < the stride: extra rows/columns at the end.
        data_format: "channels_last" only.
        dilation_rate: int or pair, default 1 (not together with strides > 1).
        activation: default None (linear). use_bias: default True.
        kernel_initializer: default "glorot_uniform"; bias_initializer: default "zeros".
        kernel_regularizer, bias_regularizer, activity_regularizer, kernel_constraint, bias_constraint.

    Shapes:
        input (N, H, W, C) -> output (N, oh, ow, filters); kernel (kh, kw, filters, C), as Keras stores it.

    Example:
        >>> Conv2DTranspose(16, 3, strides=2, padding="same")(np.zeros((2, 7, 7, 32))).shape
        (2, 14, 14, 16)
    """

    rank = 2


class Conv1DTranspose(BaseConvTranspose):
    """1-D transposed convolution over (N, L, C) sequences; arguments as Conv2DTranspose with ints.

    Shapes:
        input (N, L, C) -> output (N, out_len, filters); kernel (k, filters, C).
    """

    rank = 1
