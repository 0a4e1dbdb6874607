"""RandomCrop (keras/src/layers/preprocessing/image_preprocessing/random_crop.py)."""

from __future__ import annotations

from typing import Any

from scratchnn import ops
from scratchnn.layers.image_preprocessing.base import BaseImagePreprocessingLayer, image_size
from scratchnn.layers.image_preprocessing.resizing import check_size, resized_shape
from scratchnn.ops.image import aspect_crop_box, resize


class RandomCrop(BaseImagePreprocessingLayer):
    """In training, crops a random (height, width) window, the same window for the whole batch.

    When the images are larger than (height, width) in both axes, the window's top-left
    corner is drawn uniformly from every position that fits. Otherwise, as Keras does, the
    window starts at the corner of the largest centred crop with the target's aspect ratio,
    is cut to at most (height, width) by the image's borders, and is resized (bilinear) to
    (height, width).
    At inference the images pass unchanged, as in Keras 3, so their size is then the input's
    (Keras 2 centre-cropped instead).

    Args:
        height, width: positive ints, the crop size.
        seed: int for a reproducible sequence of windows; None uses the global generator.
        data_format: "channels_last" only.

    Raises:
        ValueError: for non-positive sizes.
    """

    _USE_BASE_FACTOR = False

    def __init__(
        self, height: int, width: int, seed: int | None = None, data_format: str | None = None, **kwargs: Any
    ) -> None:
        super().__init__(data_format=data_format, **kwargs)
        check_size(self, height, width)
        self.height, self.width = height, width
        self._seed_setup(seed)

    def get_random_transformation(
        self, data: Any, training: bool = True, seed: Any = None
    ) -> tuple[int, int]:
        """(top, left) of the window: random in training when the images are larger, else centred."""
        _, height, width = image_size(data["images"] if isinstance(data, dict) else data)
        if training and height > self.height and width > self.width:
            rng = self._rng(seed)
            top = int(rng.uniform(0, height - self.height + 1))
            left = int(rng.uniform(0, width - self.width + 1))
            return min(top, height - self.height), min(left, width - self.width)
        top, left, _, _ = aspect_crop_box(height, width, self.height, self.width)
        return top, left

    def transform_images(self, images: Any, transformation: Any, training: bool = True) -> Any:
        images = ops.cast(images, self.dtype)
        if not training:
            return images
        top, left = transformation
        window = (slice(top, top + self.height), slice(left, left + self.width))
        images = ops.getitem(images, (slice(None), *window) if images.ndim == 4 else window)
        _, height, width = image_size(images)
        if (height, width) != (self.height, self.width):
            images = resize(images, (self.height, self.width))
        return images

    def transform_segmentation_masks(self, masks: Any, transformation: Any, training: bool = True) -> Any:
        return self.transform_images(masks, transformation, training)

    def compute_output_shape(self, input_shape: Any) -> tuple[Any, ...]:
        return resized_shape(input_shape, self.height, self.width)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "height": self.height, "width": self.width, "seed": self.seed}
