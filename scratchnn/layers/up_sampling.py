"""UpSampling2D (keras/src/layers/reshaping/up_sampling2d.py)."""

from __future__ import annotations

from typing import Any

from scratchnn.layers.layer import Layer
from scratchnn.layers.zero_padding import check_channels_last
from scratchnn.ops.conv_geometry import normalize_tuple
from scratchnn.ops.spatial import upsample_nearest2d


class UpSampling2D(Layer):
    """Repeats each row `size[0]` times and each column `size[1]` times (nearest neighbour).

    Args:
        size: int or (rows, cols), default (2, 2).
        data_format: "channels_last" only.
        interpolation: "nearest" (the only mode implemented).

    Shapes:
        (N, H, W, C) -> (N, H * size[0], W * size[1], C).
    """

    def __init__(
        self,
        size: Any = (2, 2),
        data_format: str | None = None,
        interpolation: str = "nearest",
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.size = normalize_tuple(size, 2, "size")
        self.data_format = check_channels_last(self, data_format)
        if interpolation != "nearest":
            raise ValueError(
                f"Layer {self.name!r}: only interpolation='nearest' is implemented. "
                f"Received: interpolation={interpolation!r}"
            )
        self.interpolation = interpolation

    def call(self, inputs: Any) -> Any:
        return upsample_nearest2d(inputs, self.size)

    def compute_output_shape(self, input_shape: Any) -> tuple[int | None, ...]:
        h, w = input_shape[1:3]
        sh, sw = self.size
        return (input_shape[0], None if h is None else h * sh, None if w is None else w * sw, input_shape[3])

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "size": self.size,
            "data_format": self.data_format,
            "interpolation": self.interpolation,
        }
