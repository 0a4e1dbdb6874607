"""The base of the image preprocessing layers
(keras/src/layers/preprocessing/image_preprocessing/base_image_preprocessing_layer.py).

A layer splits its work as Keras does, so the random part and the deterministic part
can be checked separately:

- `get_random_transformation(data, training=True, seed=None)` draws the parameters for
  a batch (an angle per image, one crop offset, ...), or returns None at inference;
- `transform_images(images, transformation, training=True)` applies them, vectorised
  over the batch.

`call(data, training=True)` runs both. As in Keras, `call`'s `training` defaults to
True: a layer called on its own (`layer(images)`) augments, `fit` augments, and
`predict` / `evaluate` / `training=False` leave the images as they are. Random draws
come from `scratchnn.backend.random`: a layer made with `seed=s` repeats its sequence,
and one without a seed uses the global generator (`keras.utils.set_random_seed`).

Inputs are a batch (N, H, W, C), one image (H, W, C), or a dict with "images" (and
"labels", passed through, or "segmentation_masks", transformed with nearest
interpolation). Bounding boxes are not supported.
"""

from __future__ import annotations

from typing import Any

from scratchnn import ops
from scratchnn.backend import random
from scratchnn.layers.layer import Layer, keep_input_shape
from scratchnn.layers.zero_padding import check_channels_last
from scratchnn.ops.tensor import Tensor


class BaseImagePreprocessingLayer(Layer):
    """Shared argument handling, seeding and input dispatch of the image preprocessing layers."""

    _USE_BASE_FACTOR = True
    _FACTOR_BOUNDS = (-1, 1)
    interpolation = "bilinear"

    def __init__(
        self, factor: Any = None, bounding_box_format: Any = None, data_format: Any = None, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        if bounding_box_format is not None:
            raise ValueError(
                f"Layer {self.name!r}: bounding boxes are not supported. Received: "
                f"bounding_box_format={bounding_box_format!r}"
            )
        self.data_format = check_channels_last(self, data_format)
        if self._USE_BASE_FACTOR:
            self._set_factor(factor or 0.0)
        elif factor is not None:
            raise ValueError(
                f"Layer {type(self).__name__} does not take a `factor` argument. Received: factor={factor}"
            )

    def _set_factor(self, factor: Any) -> None:
        """factor f -> (max(-|f|, low), |f|); a pair (a, b) -> sorted, within the bounds (as Keras)."""
        low, high = self._FACTOR_BOUNDS
        message = (
            f"Layer {self.name!r}: the `factor` argument should be a number (or a list of two numbers) in "
            f"the range [{low}, {high}]. Received: factor={factor}"
        )
        if isinstance(factor, (tuple, list)):
            if (
                len(factor) != 2
                or not all(_is_number(f) for f in factor)
                or factor[0] > high
                or factor[1] < low
            ):
                raise ValueError(message)
            lower, upper = sorted(factor)
        elif _is_number(factor):
            if not low <= factor <= high:
                raise ValueError(message)
            lower, upper = max(-abs(factor), low), abs(factor)
        else:
            raise ValueError(message)
        self.factor = (lower, upper)

    def _seed_setup(self, seed: Any) -> None:
        self.seed = seed
        self._generator = random.generator(seed) if seed is not None else None

    def _rng(self, seed: Any = None) -> Any:
        """The generator of a draw: `seed` when given (an int or a Generator), else the layer's."""
        if seed is not None:
            return random.generator(seed)
        return getattr(self, "_generator", None) or random.generator()

    # -- the two halves: random parameters, deterministic transform -----------------------
    def get_random_transformation(self, data: Any, training: bool = True, seed: Any = None) -> Any:
        return None

    def _transform_images(self, images: Any, transformation: Any, interpolation: str) -> Any:
        raise NotImplementedError(f"{type(self).__name__} does not implement _transform_images().")

    def transform_images(self, images: Any, transformation: Any, training: bool = True) -> Any:
        """Applies `transformation` to a batch (N, H, W, C) when `training`; float output."""
        images = ops.cast(images, self.dtype)
        if training and transformation is not None:
            images = self._transform_images(images, transformation, self.interpolation)
        return images

    def transform_labels(self, labels: Any, transformation: Any, training: bool = True) -> Any:
        return labels

    def transform_segmentation_masks(self, masks: Any, transformation: Any, training: bool = True) -> Any:
        if training and transformation is not None:
            return self._transform_images(ops.cast(masks, self.dtype), transformation, "nearest")
        return masks

    # -- dispatch --------------------------------------------------------------------------
    def call(self, data: Any, training: bool = True) -> Any:
        if isinstance(data, dict):
            if "bounding_boxes" in data:
                raise ValueError(f"Layer {self.name!r}: bounding boxes are not supported.")
            images, unbatched = self._batched(data["images"])
            transformation = self.get_random_transformation(images, training=training)
            out = dict(data)
            out["images"] = self._unbatch(self.transform_images(images, transformation, training), unbatched)
            if "labels" in data:
                out["labels"] = self.transform_labels(data["labels"], transformation, training)
            if "segmentation_masks" in data:
                masks, _ = self._batched(data["segmentation_masks"])
                masks = self.transform_segmentation_masks(masks, transformation, training)
                out["segmentation_masks"] = self._unbatch(masks, unbatched)
            return out
        images, unbatched = self._batched(data)
        transformation = self.get_random_transformation(images, training=training)
        return self._unbatch(self.transform_images(images, transformation, training), unbatched)

    def _batched(self, images: Any) -> tuple[Tensor, bool]:
        images = images if isinstance(images, Tensor) else ops.convert_to_tensor(images)
        if images.ndim == 3:
            return ops.expand_dims(images, 0), True
        if images.ndim != 4:
            raise ValueError(
                f"Layer {self.name!r}: expected image tensor to have rank 3 (single image) or 4 (batch of "
                f"images). Received: data.shape={tuple(images.shape)}"
            )
        return images, False

    @staticmethod
    def _unbatch(images: Any, unbatched: bool) -> Any:
        return ops.squeeze(images, 0) if unbatched else images

    compute_output_shape = keep_input_shape

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "data_format": self.data_format}


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def image_size(images: Any) -> tuple[int, int, int]:
    """(batch, height, width) of (N, H, W, C) or (H, W, C) images (batch 1 for one image)."""
    shape = tuple(images.shape)
    if len(shape) == 3:
        return 1, shape[0], shape[1]
    return shape[0], shape[1], shape[2]


def check_interpolation_and_fill(layer: Layer, interpolation: Any, fill_mode: Any) -> None:
    """The affine layers' choices (Keras raises NotImplementedError; a ValueError names the argument here)."""
    modes = ("reflect", "wrap", "constant", "nearest")
    if fill_mode not in modes:
        raise ValueError(
            f"Layer {layer.name!r}: unknown `fill_mode`. Expected one of {modes}. Received: fill_mode={fill_mode!r}"
        )
    if interpolation not in ("nearest", "bilinear"):
        raise ValueError(
            f"Layer {layer.name!r}: unknown `interpolation`. Expected one of ('nearest', 'bilinear'). "
            f"Received: interpolation={interpolation!r}"
        )
