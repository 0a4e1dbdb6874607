"""RandomFlip (keras/src/layers/preprocessing/image_preprocessing/random_flip.py)."""

from __future__ import annotations

from typing import Any

from scratchnn import ops
from scratchnn.layers.image_preprocessing.base import BaseImagePreprocessingLayer, image_size
from scratchnn.ops.image import flip

HORIZONTAL = "horizontal"
VERTICAL = "vertical"
HORIZONTAL_AND_VERTICAL = "horizontal_and_vertical"
MODES = (HORIZONTAL, VERTICAL, HORIZONTAL_AND_VERTICAL)


class RandomFlip(BaseImagePreprocessingLayer):
    """In training, flips each image with probability 1/2 (left-right, up-down, or both).

    One draw per image decides: with "horizontal_and_vertical" an image is flipped along
    both axes or along neither (a 180-degree rotation), exactly as Keras 3 does.

    Args:
        mode: "horizontal", "vertical" or "horizontal_and_vertical" (default).
        seed: int for a reproducible sequence of flips; None uses the global generator.
        data_format: "channels_last" only.

    Raises:
        ValueError: for an unknown `mode` (Keras silently flips nothing).
    """

    _USE_BASE_FACTOR = False

    def __init__(
        self,
        mode: str = HORIZONTAL_AND_VERTICAL,
        seed: int | None = None,
        data_format: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(data_format=data_format, **kwargs)
        if mode not in MODES:
            raise ValueError(
                f"Layer {self.name!r}: unknown `mode`. Expected one of {MODES}. Received: mode={mode!r}"
            )
        self.mode = mode
        self._seed_setup(seed)

    def get_random_transformation(self, data: Any, training: bool = True, seed: Any = None) -> Any:
        """{"flips": bool (N, 1, 1, 1), "input_shape"}: which images flip; None at inference."""
        if not training:
            return None
        images = data["images"] if isinstance(data, dict) else data
        batch, _, _ = image_size(images)
        flips = self._rng(seed).uniform(size=(batch, 1, 1, 1)) <= 0.5
        return {"flips": flips, "input_shape": tuple(images.shape)}

    def _transform_images(self, images: Any, transformation: Any, interpolation: str) -> Any:
        flips = transformation["flips"]
        flips = flips.data if hasattr(flips, "data") else flips
        if images.ndim == 3:
            flips = flips.reshape(flips.shape[-3:])
        # Flip the width (axis -2) and/or the height (axis -3); `where` keeps the unflipped images.
        if self.mode in (HORIZONTAL, HORIZONTAL_AND_VERTICAL):
            images = ops.where(flips, flip(images, -2), images)
        if self.mode in (VERTICAL, HORIZONTAL_AND_VERTICAL):
            images = ops.where(flips, flip(images, -3), images)
        return images

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "seed": self.seed, "mode": self.mode}
