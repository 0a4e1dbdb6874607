"""ZeroPadding2D (keras/src/layers/reshaping/zero_padding2d.py)."""

from __future__ import annotations

from typing import Any

from scratchnn.layers.layer import Layer
from scratchnn.ops.spatial import zero_pad2d


def normalize_pairs(value: Any, name: str, layer: Layer) -> tuple[tuple[int, int], tuple[int, int]]:
    """int p -> ((p, p), (p, p)); (a, b) -> ((a, a), (b, b)); ((t, b), (l, r)) kept.

    Raises:
        ValueError: naming `name`, for negative or malformed values.
    """
    try:
        if isinstance(value, int):
            pairs = ((value, value), (value, value))
        elif len(value) == 2 and all(isinstance(v, int) for v in value):
            pairs = ((value[0], value[0]), (value[1], value[1]))
        else:
            pairs = tuple((int(a), int(b)) for a, b in value)
        ok = len(pairs) == 2 and all(isinstance(v, int) and v >= 0 for p in pairs for v in p)
    except (TypeError, ValueError):
        ok = False
    if not ok:
        raise ValueError(
            f"Layer {layer.name!r}: `{name}` must be an int, a pair of ints, or a pair of pairs of "
            f"non-negative ints. Received: {name}={value!r}"
        )
    return pairs


def check_channels_last(layer: Layer, data_format: Any) -> str:
    if data_format not in (None, "channels_last"):
        raise ValueError(
            f"Layer {layer.name!r}: only data_format='channels_last' is supported. "
            f"Received: data_format={data_format!r}"
        )
    return "channels_last"


class ZeroPadding2D(Layer):
    """Adds rows and columns of zeros around NHWC images.

    Args:
        padding: int (all sides), (rows, cols) (symmetric), or ((top, bottom), (left, right)); default 1.
        data_format: "channels_last" only.

    Shapes:
        (N, H, W, C) -> (N, H + top + bottom, W + left + right, C).
    """

    def __init__(self, padding: Any = (1, 1), data_format: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.padding = normalize_pairs(padding, "padding", self)
        self.data_format = check_channels_last(self, data_format)

    def call(self, inputs: Any) -> Any:
        return zero_pad2d(inputs, self.padding)

    def compute_output_shape(self, input_shape: Any) -> tuple[int | None, ...]:
        (t, b), (left, r) = self.padding
        h, w = input_shape[1:3]
        return (
            input_shape[0],
            None if h is None else h + t + b,
            None if w is None else w + left + r,
            input_shape[3],
        )

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "padding": self.padding, "data_format": self.data_format}
