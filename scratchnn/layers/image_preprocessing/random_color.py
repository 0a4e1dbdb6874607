"""RandomContrast and RandomBrightness (keras/src/layers/preprocessing/image_preprocessing/
random_contrast.py, random_brightness.py)."""

from __future__ import annotations

from typing import Any

from scratchnn import ops
from scratchnn.layers.image_preprocessing.base import BaseImagePreprocessingLayer, _is_number, image_size


def _factor_shape(images: Any) -> tuple[int, ...]:
    batch, _, _ = image_size(images)
    return (batch, 1, 1, 1) if images.ndim == 4 else (1, 1, 1)


class _ColorLayer(BaseImagePreprocessingLayer):
    def transform_images(self, images: Any, transformation: Any, training: bool = True) -> Any:
        images = ops.cast(images, self.dtype)
        if not training:
            return images
        # Clipping keeps the pixels in value_range; its gradient is zero outside it.
        return ops.clip(self._adjust(images, transformation), *self.value_range)

    def transform_segmentation_masks(self, masks: Any, transformation: Any, training: bool = True) -> Any:
        return masks

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "factor": self.factor,
            "value_range": self.value_range,
            "seed": self.seed,
        }


class RandomContrast(_ColorLayer):
    """In training, scales each image's deviation from its mean: y = (x - mean) * c + mean.

    The mean is per image and channel (over height and width); c is drawn per image from
    [1 - lower, 1 + upper] and the result is clipped to `value_range`. As in Keras 3, a
    single number f gives (lower, upper) = (0, f), so contrast only increases; pass a pair
    (a, b) for [1 - a, 1 + b].

    Args:
        factor: a number in [0, 1] or a pair within [0, 1].
        value_range: the (min, max) pixel values, default (0, 255).
        seed: int for a reproducible sequence; None uses the global generator.

    Raises:
        ValueError: for a factor outside [0, 1].
    """

    _FACTOR_BOUNDS = (0, 1)

    def __init__(
        self, factor: Any, value_range: Any = (0, 255), seed: int | None = None, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self._set_factor(factor)
        self.value_range = tuple(value_range)
        self._seed_setup(seed)

    def get_random_transformation(self, data: Any, training: bool = True, seed: Any = None) -> Any:
        """{"contrast_factor": (N, 1, 1, 1)} (zeros at inference, where it is unused)."""
        shape = _factor_shape(data["images"] if isinstance(data, dict) else data)
        if not training:
            return {"contrast_factor": ops.zeros(shape).numpy()}
        low, high = 1.0 - self.factor[0], 1.0 + self.factor[1]
        return {"contrast_factor": self._rng(seed).uniform(low, high, shape).astype(self.dtype)}

    def _adjust(self, images: Any, transformation: Any) -> Any:
        mean = ops.mean(images, axis=(-3, -2), keepdims=True)
        factor = ops.cast(ops.convert_to_tensor(transformation["contrast_factor"]), images.dtype)
        return ops.add(ops.multiply(ops.subtract(images, mean), factor), mean)


class RandomBrightness(_ColorLayer):
    """In training, adds a random offset to each image: y = clip(x + d, value_range).

    d is drawn per image from [lower, upper] * (max - min) of `value_range`, where a number f
    gives (lower, upper) = (-f, f) and a pair (a, b) gives (a, b).

    Args:
        factor: a number in [-1, 1] or a pair within [-1, 1].
        value_range: the (min, max) pixel values, default (0, 255).
        seed: int for a reproducible sequence; None uses the global generator.

    Raises:
        ValueError: for a factor outside [-1, 1] or a value_range that is not two numbers.
    """

    def __init__(
        self, factor: Any, value_range: Any = (0, 255), seed: int | None = None, **kwargs: Any
    ) -> None:
        super().__init__(factor=factor, **kwargs)
        if (
            not isinstance(value_range, (tuple, list))
            or len(value_range) != 2
            or not all(_is_number(v) for v in value_range)
        ):
            raise ValueError(
                f"Layer {self.name!r}: the `value_range` argument should be a list of two numbers. "
                f"Received: value_range={value_range!r}"
            )
        self.value_range = sorted(value_range)
        self._seed_setup(seed)

    def get_random_transformation(self, data: Any, training: bool = True, seed: Any = None) -> Any:
        """{"rgb_delta": (N, 1, 1, 1)} offsets in pixel units (zeros at inference)."""
        shape = _factor_shape(data["images"] if isinstance(data, dict) else data)
        if not training:
            return {"rgb_delta": ops.zeros(shape).numpy()}
        delta = self._rng(seed).uniform(self.factor[0], self.factor[1], shape)
        return {"rgb_delta": (delta * (self.value_range[1] - self.value_range[0])).astype(self.dtype)}

    def _adjust(self, images: Any, transformation: Any) -> Any:
        return ops.add(images, ops.cast(ops.convert_to_tensor(transformation["rgb_delta"]), images.dtype))
