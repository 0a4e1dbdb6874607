"""Resizing and CenterCrop (keras/src/layers/preprocessing/image_preprocessing/resizing.py, center_crop.py).

Both transform in training and inference alike.
"""

from __future__ import annotations

from typing import Any

from scratchnn import ops
from scratchnn.layers.image_preprocessing.base import BaseImagePreprocessingLayer, image_size
from scratchnn.layers.layer import Layer
from scratchnn.ops.image import RESIZE_INTERPOLATIONS, resize


def check_size(layer: Layer, height: Any, width: Any) -> None:
    for name, value in (("height", height), ("width", width)):
        if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
            raise ValueError(
                f"Layer {layer.name!r}: `{name}` must be a positive integer. Received: {name}={value!r}"
            )


def resized_shape(input_shape: Any, height: int, width: int) -> tuple[Any, ...]:
    shape = list(input_shape)
    if len(shape) not in (3, 4):
        raise ValueError(
            f"`input_shape` must have rank 3 (unbatched) or 4 (batched). Received: input_shape={input_shape}"
        )
    shape[-3], shape[-2] = height, width
    return tuple(shape)


class Resizing(BaseImagePreprocessingLayer):
    """Resizes images to (height, width), as `keras.ops.image.resize` does on JAX.

    Args:
        height, width: positive ints, the output size.
        interpolation: "bilinear" (default) or "nearest".
        crop_to_aspect_ratio: first take the largest centred crop with the target's aspect ratio.
        pad_to_aspect_ratio: first pad with `fill_value` to the target's aspect ratio.
        fill_mode: "constant" only. fill_value: the padding value, default 0.
        antialias: low-pass filter when shrinking with "bilinear"; default False, as Keras.
        data_format: "channels_last" only.

    Shapes:
        (N, H, W, C) -> (N, height, width, C), or (H, W, C) -> (height, width, C). Integer
        images are rounded and clipped back to their dtype, as in Keras; float images keep
        theirs.

    Raises:
        ValueError: for non-positive sizes, an unknown interpolation or fill mode, or both
            aspect-ratio options.
    """

    _USE_BASE_FACTOR = False

    def __init__(
        self,
        height: int,
        width: int,
        interpolation: str = "bilinear",
        crop_to_aspect_ratio: bool = False,
        pad_to_aspect_ratio: bool = False,
        fill_mode: str = "constant",
        fill_value: float = 0.0,
        antialias: bool = False,
        data_format: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(data_format=data_format, **kwargs)
        check_size(self, height, width)
        if interpolation not in RESIZE_INTERPOLATIONS:
            raise ValueError(
                f"Layer {self.name!r}: unknown `interpolation`. Expected one of {RESIZE_INTERPOLATIONS}. "
                f"Received: interpolation={interpolation!r}"
            )
        if fill_mode != "constant":
            raise ValueError(
                f"Layer {self.name!r}: only fill_mode='constant' is supported. Received: fill_mode={fill_mode!r}"
            )
        if crop_to_aspect_ratio and pad_to_aspect_ratio:
            raise ValueError(
                f"Layer {self.name!r}: only one of `pad_to_aspect_ratio` & `crop_to_aspect_ratio` can be `True`."
            )
        self.height, self.width = height, width
        self.interpolation = interpolation
        self.crop_to_aspect_ratio = bool(crop_to_aspect_ratio)
        self.pad_to_aspect_ratio = bool(pad_to_aspect_ratio)
        self.fill_mode = fill_mode
        self.fill_value = fill_value
        self.antialias = bool(antialias)

    def get_random_transformation(self, data: Any, training: bool = True, seed: Any = None) -> Any:
        _, height, width = image_size(data["images"] if isinstance(data, dict) else data)
        return height, width

    def transform_images(self, images: Any, transformation: Any = None, training: bool = True) -> Any:
        return self._transform_images(images, transformation, self.interpolation)

    def transform_segmentation_masks(
        self, masks: Any, transformation: Any = None, training: bool = True
    ) -> Any:
        return self._transform_images(masks, transformation, "nearest")

    def _transform_images(self, images: Any, transformation: Any, interpolation: str) -> Any:
        # Integer images come back in their dtype (rounded, saturated), as keras.ops.image.resize.
        return resize(
            images,
            (self.height, self.width),
            interpolation,
            self.antialias,
            self.crop_to_aspect_ratio,
            self.pad_to_aspect_ratio,
            self.fill_mode,
            self.fill_value,
        )

    def compute_output_shape(self, input_shape: Any) -> tuple[Any, ...]:
        return resized_shape(input_shape, self.height, self.width)

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "height": self.height,
            "width": self.width,
            "interpolation": self.interpolation,
            "crop_to_aspect_ratio": self.crop_to_aspect_ratio,
            "pad_to_aspect_ratio": self.pad_to_aspect_ratio,
            "fill_mode": self.fill_mode,
            "fill_value": self.fill_value,
            "antialias": self.antialias,
        }


class CenterCrop(BaseImagePreprocessingLayer):
    """Crops the centre (height, width) of each image; smaller images are first resized.

    An image at least (height, width) in both axes loses (H - height) // 2 rows at the top
    and (W - width) // 2 columns at the left (the odd one at the bottom/right). Otherwise
    the largest centred crop with the target's aspect ratio is resized (bilinear) to
    (height, width), as `keras.utils.smart_resize`. The output is float.

    Args:
        height, width: positive ints. data_format: "channels_last" only.

    Raises:
        ValueError: for non-positive sizes.
    """

    _USE_BASE_FACTOR = False

    def __init__(self, height: int, width: int, data_format: str | None = None, **kwargs: Any) -> None:
        super().__init__(data_format=data_format, **kwargs)
        check_size(self, height, width)
        self.height, self.width = height, width

    def get_random_transformation(self, data: Any, training: bool = True, seed: Any = None) -> Any:
        images = data["images"] if isinstance(data, dict) else data
        return {"input_shape": tuple(images.shape)}

    def transform_images(self, images: Any, transformation: Any = None, training: bool = True) -> Any:
        images = ops.cast(images, self.dtype)
        _, height, width = image_size(images)
        if height >= self.height and width >= self.width:
            top, left = (height - self.height) // 2, (width - self.width) // 2
            window = (slice(top, top + self.height), slice(left, left + self.width))
            return ops.getitem(images, (slice(None), *window) if images.ndim == 4 else window)
        return resize(images, (self.height, self.width), crop_to_aspect_ratio=True)

    def transform_segmentation_masks(
        self, masks: Any, transformation: Any = None, training: bool = True
    ) -> Any:
        return self.transform_images(masks, transformation, training)

    def compute_output_shape(self, input_shape: Any) -> tuple[Any, ...]:
        return resized_shape(input_shape, self.height, self.width)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "height": self.height, "width": self.width}
