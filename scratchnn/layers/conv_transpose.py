"""Conv2DTranspose and Conv1DTranspose (keras/src/layers/convolutional/base_conv_transpose.py)."""

from __future__ import annotations

from typing import Any

from scratchnn import activations, constraints, initializers, regularizers
from scratchnn.layers.layer import Layer
from scratchnn.ops.conv_geometry import normalize_padding, normalize_tuple
from scratchnn.ops.conv_transpose import (
    conv_transpose1d,
    conv_transpose2d,
    conv_transpose_output_length,
    normalize_output_padding,
)


class BaseConvTranspose(Layer):
    """Argument handling, weights and shapes shared by the transposed convolutions; `rank` is 1 or 2."""

    rank = 2

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
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        if not isinstance(filters, int) or isinstance(filters, bool) or filters <= 0:
            raise ValueError(
                f"Layer {self.name!r}: `filters` must be a positive integer. Received: filters={filters!r}"
            )
        self.filters = filters
        self.kernel_size = normalize_tuple(kernel_size, self.rank, "kernel_size")
        self.strides = normalize_tuple(strides, self.rank, "strides")
        self.dilation_rate = normalize_tuple(dilation_rate, self.rank, "dilation_rate")
        self.padding = normalize_padding(padding)
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
        if data_format not in (None, "channels_last"):
            raise ValueError(
                f"Layer {self.name!r}: only data_format='channels_last' is supported. "
                f"Received: data_format={data_format!r}"
            )
        self.data_format = "channels_last"
        if max(self.strides) > 1 and max(self.dilation_rate) > 1:
            raise ValueError(
                f"Layer {self.name!r}: `strides > 1` is not supported together with `dilation_rate > 1` "
                f"(as in Keras). Received: strides={self.strides}, dilation_rate={self.dilation_rate}"
            )
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)

    def build(self, input_shape: Any) -> None:
        if len(input_shape) != self.rank + 2 or input_shape[-1] is None:
            raise ValueError(
                f"Layer {self.name!r} expects {self.rank + 2}-D input (batch, *spatial, channels) with a known "
                f"channel axis. Received: input_shape={tuple(input_shape)}"
            )
        self._in_channels = int(input_shape[-1])
        # Keras stores the kernel of the convolution being transposed: (*kernel_size, filters, in_channels).
        self.kernel = self.add_weight(
            name="kernel",
            shape=(*self.kernel_size, self.filters, self._in_channels),
            initializer=self.kernel_initializer,
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
        )
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight(
                name="bias",
                shape=(self.filters,),
                initializer=self.bias_initializer,
                regularizer=self.bias_regularizer,
                constraint=self.bias_constraint,
            )
        self.built = True

    def call(self, inputs: Any) -> Any:
        if inputs.ndim != self.rank + 2 or inputs.shape[-1] != self._in_channels:
            raise ValueError(
                f"Input 0 of layer {self.name!r} is incompatible with the layer: expected {self.rank + 2}-D input "
                f"with axis -1 of size {self._in_channels}, but received input with shape {tuple(inputs.shape)}"
            )
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
        return {
            **super().get_config(),
            "filters": self.filters,
            "kernel_size": self.kernel_size,
            "strides": self.strides,
            "padding": self.padding,
            "output_padding": self.output_padding,
            "data_format": self.data_format,
            "dilation_rate": self.dilation_rate,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "activity_regularizer": regularizers.serialize(self.activity_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
        }


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
