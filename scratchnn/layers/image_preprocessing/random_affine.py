"""RandomRotation, RandomZoom and RandomTranslation: random affine warps
(keras/src/layers/preprocessing/image_preprocessing/random_rotation.py, random_zoom.py,
random_translation.py).

Each draws per-image parameters, builds one (N, 8) transform per batch (an output pixel
(x, y) samples the input at (a0 x + a1 y + a2, b0 x + b1 y + b2)) and warps the batch with
`scratchnn.ops.image.affine_transform`: one vectorised gather, no loop over images or pixels.
"""

from __future__ import annotations

from typing import Any

from scratchnn.backend import xp
from scratchnn.layers.image_preprocessing.base import (
    BaseImagePreprocessingLayer,
    _is_number,
    check_interpolation_and_fill,
    image_size,
)
from scratchnn.ops.image import affine_transform, rotation_matrix


class _RandomAffine(BaseImagePreprocessingLayer):
    """Shared: fill mode, interpolation, fill value, seed; the warp itself."""

    def _affine_setup(self, fill_mode: Any, interpolation: Any, seed: Any, fill_value: Any) -> None:
        check_interpolation_and_fill(self, interpolation, fill_mode)
        self.fill_mode = fill_mode
        self.interpolation = interpolation
        self.fill_value = fill_value
        self._seed_setup(seed)

    def _transform_images(self, images: Any, transformation: Any, interpolation: str) -> Any:
        matrix = self.transform_matrix(transformation, images)
        return affine_transform(images, matrix, interpolation, self.fill_mode, self.fill_value)

    def transform_matrix(self, transformation: Any, images: Any) -> Any:
        raise NotImplementedError

    def _uniform(self, seed: Any, low: float, high: float, shape: tuple[int, ...]) -> Any:
        return xp.asarray(self._rng(seed).uniform(low, high, shape).astype("float32"))  # host draw -> backend

    def _affine_config(self) -> dict[str, Any]:
        return {
            "fill_mode": self.fill_mode,
            "fill_value": self.fill_value,
            "interpolation": self.interpolation,
            "seed": self.seed,
        }


class RandomRotation(_RandomAffine):
    """In training, rotates each image by a random angle about its centre.

    Args:
        factor: a fraction of a full turn: f draws angles in [-f * 360, f * 360] degrees, a pair
            (a, b) in [a * 360, b * 360]; within [-1, 1]. Positive angles turn counter-clockwise.
        fill_mode: how pixels from outside the image are filled: "reflect" (default), "wrap",
            "constant" (fill_value) or "nearest".
        interpolation: "bilinear" (default) or "nearest".
        seed: int for a reproducible sequence; None uses the global generator.
        fill_value: the value with fill_mode="constant", default 0.
        data_format: "channels_last" only.

    Raises:
        ValueError: for a factor outside [-1, 1], an unknown fill mode or interpolation.
    """

    def __init__(
        self,
        factor: Any,
        fill_mode: str = "reflect",
        interpolation: str = "bilinear",
        seed: int | None = None,
        fill_value: float = 0.0,
        data_format: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(factor=factor, data_format=data_format, **kwargs)
        self._affine_setup(fill_mode, interpolation, seed, fill_value)

    def get_random_transformation(self, data: Any, training: bool = True, seed: Any = None) -> Any:
        """{"angle" (N,) degrees, "rotation_matrix" (N, 8), sizes}; None at inference."""
        if not training:
            return None
        batch, height, width = image_size(data["images"] if isinstance(data, dict) else data)
        angle = self._uniform(seed, self.factor[0] * 360.0, self.factor[1] * 360.0, (batch,))
        return {
            "angle": angle,
            "rotation_matrix": rotation_matrix(angle, height, width),
            "image_height": height,
            "image_width": width,
            "batch_size": batch,
        }

    def transform_matrix(self, transformation: Any, images: Any) -> Any:
        return transformation["rotation_matrix"]

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "factor": self.factor, **self._affine_config()}


class RandomZoom(_RandomAffine):
    """In training, zooms each image about its centre by a random factor per axis.

    Args:
        height_factor: f draws the vertical zoom in [1 - f, 1 + f] (a pair (a, b): [1 + a, 1 + b]);
            values in (-1, 1]. Above 1 the image shrinks (zoom out), below 1 it grows (zoom in).
        width_factor: the same for the horizontal zoom; None uses the vertical zoom for both
            axes, keeping the aspect ratio.
        fill_mode, interpolation, seed, fill_value, data_format: as RandomRotation.

    Raises:
        ValueError: for a factor outside (-1, 1], an unknown fill mode or interpolation.
    """

    _USE_BASE_FACTOR = False

    def __init__(
        self,
        height_factor: Any,
        width_factor: Any = None,
        fill_mode: str = "reflect",
        interpolation: str = "bilinear",
        seed: int | None = None,
        fill_value: float = 0.0,
        data_format: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(data_format=data_format, **kwargs)
        self.height_factor = height_factor
        self.height_lower, self.height_upper = _factor_range(
            self, height_factor, "height_factor", open_low=True
        )
        self.width_factor = width_factor
        if width_factor is not None:
            self.width_lower, self.width_upper = _factor_range(
                self, width_factor, "width_factor", open_low=True
            )
        self._affine_setup(fill_mode, interpolation, seed, fill_value)

    def get_random_transformation(self, data: Any, training: bool = True, seed: Any = None) -> Any:
        """{"height_zoom" (N, 1), "width_zoom" (N, 1), "input_shape"}; None at inference."""
        if not training:
            return None
        images = data["images"] if isinstance(data, dict) else data
        batch, _, _ = image_size(images)
        rng = self._rng(seed)  # one generator for both draws, in Keras's order
        height_zoom = self._uniform(rng, 1.0 + self.height_lower, 1.0 + self.height_upper, (batch, 1))
        width_zoom = height_zoom
        if self.width_factor is not None:
            width_zoom = self._uniform(rng, 1.0 + self.width_lower, 1.0 + self.width_upper, (batch, 1))
        return {"height_zoom": height_zoom, "width_zoom": width_zoom, "input_shape": tuple(images.shape)}

    def transform_matrix(self, transformation: Any, images: Any) -> Any:
        _, height, width = image_size(images)
        zw = xp.asarray(transformation["width_zoom"], dtype="float32").reshape(-1)
        zh = xp.asarray(transformation["height_zoom"], dtype="float32").reshape(-1)
        # x' = zw * x + (W - 1)/2 * (1 - zw): the centre column stays in place (rows alike).
        x_offset = (xp.float32(width) - 1.0) / 2.0 * (1.0 - zw)
        y_offset = (xp.float32(height) - 1.0) / 2.0 * (1.0 - zh)
        zeros = xp.zeros_like(zw)
        return xp.stack([zw, zeros, x_offset, zeros, zh, y_offset, zeros, zeros], axis=1)

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "height_factor": self.height_factor,
            "width_factor": self.width_factor,
            **self._affine_config(),
        }


class RandomTranslation(_RandomAffine):
    """In training, shifts each image by a random fraction of its height and width.

    Args:
        height_factor: f draws vertical shifts in [-f, f] * height (a pair (a, b): [a, b] * height);
            values in [-1, 1]. Positive shifts move the image down.
        width_factor: the same for horizontal shifts (positive: to the right).
        fill_mode, interpolation, seed, fill_value, data_format: as RandomRotation.

    Raises:
        ValueError: for a factor outside [-1, 1], an unknown fill mode or interpolation.
    """

    _USE_BASE_FACTOR = False

    def __init__(
        self,
        height_factor: Any,
        width_factor: Any,
        fill_mode: str = "reflect",
        interpolation: str = "bilinear",
        seed: int | None = None,
        fill_value: float = 0.0,
        data_format: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(data_format=data_format, **kwargs)
        self.height_factor = height_factor
        self.height_lower, self.height_upper = _factor_range(self, height_factor, "height_factor")
        self.width_factor = width_factor
        self.width_lower, self.width_upper = _factor_range(self, width_factor, "width_factor")
        self._affine_setup(fill_mode, interpolation, seed, fill_value)

    def get_random_transformation(self, data: Any, training: bool = True, seed: Any = None) -> Any:
        """{"translations" (N, 2) pixels as (dx, dy), "input_shape"}; None at inference."""
        if not training:
            return None
        images = data["images"] if isinstance(data, dict) else data
        batch, height, width = image_size(images)
        rng = self._rng(seed)  # height first, then width, as Keras draws them
        dy = self._uniform(rng, self.height_lower, self.height_upper, (batch, 1)) * height
        dx = self._uniform(rng, self.width_lower, self.width_upper, (batch, 1)) * width
        return {
            "translations": xp.concatenate([dx, dy], axis=1).astype("float32"),
            "input_shape": tuple(images.shape),
        }

    def transform_matrix(self, transformation: Any, images: Any) -> Any:
        shift = xp.asarray(transformation["translations"], dtype="float32")
        ones, zeros = xp.ones(len(shift), dtype="float32"), xp.zeros(len(shift), dtype="float32")
        # x' = x - dx, y' = y - dy: the output at (x, y) shows the input's (x - dx, y - dy).
        return xp.stack([ones, zeros, -shift[:, 0], zeros, ones, -shift[:, 1], zeros, zeros], axis=1)

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "height_factor": self.height_factor,
            "width_factor": self.width_factor,
            **self._affine_config(),
        }


def _factor_range(layer: Any, factor: Any, name: str, open_low: bool = False) -> tuple[float, float]:
    """f -> (-|f|, |f|); (a, b) -> sorted; each value in [-1, 1] ((-1, 1] for zooms, as Keras)."""
    message = (
        f"Layer {layer.name!r}: the `{name}` argument should be a number (or a list of two numbers) in the "
        f"range {'(-1.0, 1.0]' if open_low else '[-1.0, 1.0]'}. Received: {name}={factor!r}"
    )
    values = list(factor) if isinstance(factor, (tuple, list)) else [factor]
    if len(values) not in (1, 2) or (isinstance(factor, (tuple, list)) and len(values) != 2):
        raise ValueError(message)
    for v in values:
        if not _is_number(v) or v > 1.0 or v < -1.0 or (open_low and v == -1.0):
            raise ValueError(message)
    if len(values) == 2:
        lower, upper = sorted(values)
        return float(lower), float(upper)
    return -abs(float(values[0])), abs(float(values[0]))
