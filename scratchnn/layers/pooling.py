"""Max/average pooling, local and global, 1-D and 2-D (keras/src/layers/pooling/)."""

from __future__ import annotations

from typing import Any

from scratchnn import ops
from scratchnn.backend import xp
from scratchnn.layers.layer import Layer
from scratchnn.layers.zero_padding import check_channels_last
from scratchnn.ops.conv_geometry import normalize_padding, normalize_tuple, output_length
from scratchnn.ops.tensor import Tensor


class BasePooling(Layer):
    """Pools each channel over windows of `pool_size`, moved by `strides` (default: pool_size)."""

    rank = 2
    mode = "max"

    def __init__(
        self,
        pool_size: Any = 2,
        strides: Any = None,
        padding: str = "valid",
        data_format: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.pool_size = normalize_tuple(pool_size, self.rank, "pool_size")
        self.strides = self.pool_size if strides is None else normalize_tuple(strides, self.rank, "strides")
        self.padding = normalize_padding(padding)
        self.data_format = check_channels_last(self, data_format)

    def call(self, inputs: Any) -> Any:
        if inputs.ndim != self.rank + 2:
            raise ValueError(
                f"Layer {self.name!r} expects {self.rank + 2}-D input. Received: inputs.shape={tuple(inputs.shape)}"
            )
        fn = ops.max_pool if self.mode == "max" else ops.average_pool
        return fn(inputs, self.pool_size, self.strides, self.padding)

    def compute_output_shape(self, input_shape: Any) -> tuple[int | None, ...]:
        spatial = [
            output_length(n, p, s, self.padding)
            for n, p, s in zip(input_shape[1:-1], self.pool_size, self.strides)
        ]
        return (input_shape[0], *spatial, input_shape[-1])

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "pool_size": self.pool_size,
            "padding": self.padding,
            "strides": self.strides,
            "data_format": self.data_format,
        }


class MaxPooling2D(BasePooling):
    """Max over (ph, pw) windows of NHWC images.

    Args:
        pool_size: int or pair, default (2, 2).
        strides: int or pair, default None (= pool_size).
        padding: "valid" (drop incomplete windows) or "same" (pad with -inf, out = ceil(in / stride)).
        data_format: "channels_last" only.

    Shapes:
        (N, H, W, C) -> (N, oh, ow, C), oh = (H - ph) // sh + 1 for "valid".

    Example:
        >>> MaxPooling2D()(np.zeros((1, 28, 28, 32))).shape
        (1, 14, 14, 32)
    """


class AveragePooling2D(BasePooling):
    """Mean over (ph, pw) windows of NHWC images; arguments as MaxPooling2D.

    With padding="same" a border window averages only its real pixels (as Keras/TensorFlow).
    """

    mode = "avg"


class MaxPooling1D(BasePooling):
    """Max over windows of (N, L, C) sequences: pool_size default 2, strides default pool_size."""

    rank = 1


class AveragePooling1D(BasePooling):
    """Mean over windows of (N, L, C) sequences."""

    rank = 1
    mode = "avg"


class BaseGlobalPooling(Layer):
    """Reduces every spatial axis: (N, *spatial, C) -> (N, C), or (N, 1, ..., 1, C) with keepdims."""

    rank = 2
    mode = "avg"

    def __init__(self, data_format: str | None = None, keepdims: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.data_format = check_channels_last(self, data_format)
        self.keepdims = bool(keepdims)

    def call(self, inputs: Any) -> Any:
        axes = tuple(range(1, self.rank + 1))
        fn = ops.mean if self.mode == "avg" else ops.max
        return fn(inputs, axis=axes, keepdims=self.keepdims)

    def compute_output_shape(self, input_shape: Any) -> tuple[int | None, ...]:
        if self.keepdims:
            return (input_shape[0], *([1] * self.rank), input_shape[-1])
        return (input_shape[0], input_shape[-1])

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "data_format": self.data_format, "keepdims": self.keepdims}


class GlobalAveragePooling2D(BaseGlobalPooling):
    """Mean over H and W: (N, H, W, C) -> (N, C) (keepdims: (N, 1, 1, C))."""


class GlobalMaxPooling2D(BaseGlobalPooling):
    """Max over H and W: (N, H, W, C) -> (N, C) (keepdims: (N, 1, 1, C))."""

    mode = "max"


class GlobalAveragePooling1D(BaseGlobalPooling):
    """Mean over the steps: (N, L, C) -> (N, C); with a mask, over the kept steps only.

    out[n, c] = sum_t m[n, t] * x[n, t, c] / sum_t m[n, t] for a (N, L) bool mask m (True = keep),
    as keras/src/layers/pooling/global_average_pooling1d.py; the mask stops here (compute_mask
    returns None).
    """

    rank = 1

    def __init__(self, data_format: str | None = None, keepdims: bool = False, **kwargs: Any) -> None:
        super().__init__(data_format=data_format, keepdims=keepdims, **kwargs)
        self.supports_masking = True

    def call(self, inputs: Any, mask: Any = None) -> Any:
        if mask is None:
            return super().call(inputs)
        keep = mask.data if isinstance(mask, Tensor) else xp.asarray(mask)
        # (N, L) -> (N, L, 1); `where`, not a product, so masked steps holding inf/NaN drop out.
        # A fully masked row gives 0/0 = NaN, as in Keras.
        keep = keep.astype(bool)[:, :, None]
        total = ops.sum(ops.where(keep, inputs, 0.0), axis=1, keepdims=self.keepdims)
        return ops.divide(total, keep.sum(axis=1, keepdims=self.keepdims).astype(inputs.dtype))

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        return None


class GlobalMaxPooling1D(BaseGlobalPooling):
    """Max over the steps: (N, L, C) -> (N, C)."""

    rank = 1
    mode = "max"


MaxPool2D = MaxPooling2D
AvgPool2D = AveragePooling2D
MaxPool1D = MaxPooling1D
AvgPool1D = AveragePooling1D
GlobalAvgPool2D = GlobalAveragePooling2D
GlobalMaxPool2D = GlobalMaxPooling2D
GlobalAvgPool1D = GlobalAveragePooling1D
GlobalMaxPool1D = GlobalMaxPooling1D
