"""Cropping2D (keras/src/layers/reshaping/cropping2d.py)."""

from __future__ import annotations

from typing import Any

from scratchnn.layers.layer import Layer
from scratchnn.layers.zero_padding import check_channels_last, normalize_pairs
from scratchnn.ops.spatial import crop2d


class Cropping2D(Layer):
    """Removes rows and columns at the borders of NHWC images.

    Args:
        cropping: int, (rows, cols) or ((top, bottom), (left, right)); default ((0, 0), (0, 0)).
        data_format: "channels_last" only.

    Shapes:
        (N, H, W, C) -> (N, H - top - bottom, W - left - right, C).

    Raises:
        ValueError: when the crop removes every row or column.
    """

    def __init__(
        self, cropping: Any = ((0, 0), (0, 0)), data_format: str | None = None, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.cropping = normalize_pairs(cropping, "cropping", self)
        self.data_format = check_channels_last(self, data_format)

    def call(self, inputs: Any) -> Any:
        self.compute_output_shape(inputs.shape)
        return crop2d(inputs, self.cropping)

    def compute_output_shape(self, input_shape: Any) -> tuple[int | None, ...]:
        out = [input_shape[0]]
        for size, (a, b) in zip(input_shape[1:3], self.cropping):
            if size is not None and size - a - b <= 0:
                raise ValueError(
                    f"Layer {self.name!r}: cropping {self.cropping} leaves nothing of an input of shape "
                    f"{tuple(input_shape)}. Received: cropping={self.cropping}"
                )
            out.append(None if size is None else size - a - b)
        return (*out, input_shape[3])

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "cropping": self.cropping, "data_format": self.data_format}
