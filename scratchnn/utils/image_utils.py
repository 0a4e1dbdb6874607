"""`keras.utils.array_to_img`, `img_to_array`, `load_img` and `save_img`, with Keras's semantics
(keras/src/utils/image_utils.py): images are PIL Images, arrays are (H, W, C) channels-last by
default, and `array_to_img` rescales to [0, 255] unless `scale=False`.

Pillow is an optional extra (`pip install "scratchnn[image]"`); each function imports it when
called and raises an ImportError naming the extra if it is missing.
"""

from __future__ import annotations

import io
import pathlib
import warnings
from typing import Any

import numpy as np

from scratchnn import backend

IMAGE_EXTRA_HINT = 'pip install "scratchnn[image]"'
COLOR_MODES = ("grayscale", "rgb", "rgba")
INTERPOLATIONS = ("nearest", "bilinear", "bicubic", "hamming", "box", "lanczos")


def _pil_image(fn: str) -> Any:
    try:
        from PIL import Image
    except ImportError:
        raise ImportError(
            f"keras.utils.{fn} needs Pillow, scratchnn's `image` extra: {IMAGE_EXTRA_HINT}"
        ) from None
    return Image


def _data_format(data_format: str | None) -> str:
    data_format = backend.image_data_format() if data_format is None else str(data_format).lower()
    if data_format not in ("channels_first", "channels_last"):
        raise ValueError(
            f"Expected `data_format` to be 'channels_first' or 'channels_last'. Received: data_format={data_format!r}"
        )
    return data_format


def array_to_img(x: Any, data_format: str | None = None, scale: bool = True, dtype: Any = None) -> Any:
    """Converts a (H, W, C) array (or (C, H, W) with channels_first) to a PIL Image.

    With `scale`, the values are shifted and scaled so the minimum becomes 0 and the maximum 255;
    the result is then truncated to uint8, as Keras does. C = 1 gives mode "L" (mode "I", 32-bit,
    when a value exceeds 255), 3 gives "RGB", 4 gives "RGBA".

    Args:
        x: the image, any array-like of rank 3.
        data_format: "channels_last" (default) or "channels_first".
        scale: rescale to [0, 255] first.
        dtype: the float dtype of the computation, floatx() by default.

    Raises:
        ValueError: for a rank other than 3 or a channel count other than 1, 3 or 4.
        ImportError: if Pillow is not installed.
    """
    data_format = _data_format(data_format)
    image = _pil_image("array_to_img")
    arr = np.array(backend.to_numpy(x), dtype=backend.standardize_dtype(dtype))  # a copy we may scale
    if arr.ndim != 3:
        raise ValueError(f"Expected image array to have rank 3 (single image). Received: x.shape={arr.shape}")
    if data_format == "channels_first":
        arr = arr.transpose(1, 2, 0)  # (C, H, W) -> (H, W, C)
    if scale:
        arr -= arr.min()
        top = arr.max()
        if top != 0:
            arr /= top
        arr *= 255
    channels = arr.shape[2]
    if channels in (3, 4):
        return image.fromarray(arr.astype("uint8"), "RGB" if channels == 3 else "RGBA")
    if channels == 1:
        if arr.max() > 255:
            return image.fromarray(arr[:, :, 0].astype("int32"), "I")
        return image.fromarray(arr[:, :, 0].astype("uint8"), "L")
    raise ValueError(
        f"Unsupported channel number: {channels}. Expected 1, 3 or 4. Received: x.shape={arr.shape}"
    )


def img_to_array(img: Any, data_format: str | None = None, dtype: Any = None) -> np.ndarray:
    """Converts a PIL Image to a float array: (H, W, C), or (C, H, W) with channels_first.

    A one-channel image gets a channel axis of size 1.

    Raises:
        ValueError: for an image whose array is neither 2-D nor 3-D.
    """
    data_format = _data_format(data_format)
    arr = np.asarray(img, dtype=backend.standardize_dtype(dtype))
    if arr.ndim == 2:
        arr = arr[None] if data_format == "channels_first" else arr[:, :, None]
    elif arr.ndim == 3:
        if data_format == "channels_first":
            arr = arr.transpose(2, 0, 1)  # (H, W, C) -> (C, H, W)
    else:
        raise ValueError(f"Unsupported image shape: {arr.shape}. Expected (H, W) or (H, W, C).")
    return arr


def save_img(
    path: Any,
    x: Any,
    data_format: str | None = None,
    file_format: str | None = None,
    scale: bool = True,
    **kwargs: Any,
) -> None:
    """Saves an image array to a path or file object (through `array_to_img`).

    Args:
        path: a file path, or a file object (then give `file_format`).
        x: the image array.
        data_format: "channels_last" (default) or "channels_first".
        file_format: "png", "jpeg", ...; by default the path's extension ("jpg" means "jpeg").
        scale: rescale the values to [0, 255] first.
        **kwargs: passed to `PIL.Image.save`.

    An RGBA image saved as JPEG is converted to RGB, with a warning (JPEG has no alpha).
    """
    if file_format is None and isinstance(path, (str, pathlib.Path)):
        file_format = pathlib.Path(path).suffix[1:].lower() or None
    if file_format and file_format.lower() == "jpg":
        file_format = "jpeg"
    img = array_to_img(x, data_format=data_format, scale=scale)
    if img.mode == "RGBA" and file_format == "jpeg":
        warnings.warn("The JPEG format does not support RGBA images, converting to RGB.", stacklevel=2)
        img = img.convert("RGB")
    img.save(path, format=file_format, **kwargs)


def _crop_box(size: tuple[int, int], target: tuple[int, int]) -> list[int]:
    """The centred box of the target's aspect ratio inside an image of `size` (width, height)."""
    width, height = size
    target_width, target_height = target
    crop_height = min(height, (width * target_height) // target_width)
    crop_width = min(width, (height * target_width) // target_height)
    left, top = (width - crop_width) // 2, (height - crop_height) // 2
    return [left, top, left + crop_width, top + crop_height]


def load_img(
    path: Any,
    color_mode: str = "rgb",
    target_size: tuple[int, int] | None = None,
    interpolation: str = "nearest",
    keep_aspect_ratio: bool = False,
) -> Any:
    """Loads an image file as a PIL Image.

    Args:
        path: a path (str, bytes or pathlib.Path) or an io.BytesIO.
        color_mode: "rgb" (default), "rgba" or "grayscale" (8-bit "L", unless the file is already
            16- or 32-bit grayscale).
        target_size: None to keep the size, or (height, width) to resize to.
        interpolation: "nearest" (default), "bilinear", "bicubic", "hamming", "box" or "lanczos".
        keep_aspect_ratio: crop the centre to the target's aspect ratio before resizing, so the
            image is not distorted.

    Raises:
        TypeError: for a `path` of another type.
        ValueError: for an unknown `color_mode` or `interpolation`.
        ImportError: if Pillow is not installed.
    """
    image = _pil_image("load_img")
    if isinstance(path, io.BytesIO):
        img = image.open(path)
    elif isinstance(path, (str, bytes, pathlib.Path)):
        with open(path, "rb") as f:  # read the bytes now, so the file is closed on return
            img = image.open(io.BytesIO(f.read()))
    else:
        raise TypeError(f"`path` should be path-like or io.BytesIO. Received: path of type {type(path)}")
    if color_mode not in COLOR_MODES:
        raise ValueError(f"`color_mode` must be one of {COLOR_MODES}. Received: color_mode={color_mode!r}")
    if color_mode == "grayscale":
        if img.mode not in ("L", "I;16", "I"):
            img = img.convert("L")
    elif img.mode != color_mode.upper():
        img = img.convert(color_mode.upper())
    if target_size is not None:
        size = (int(target_size[1]), int(target_size[0]))  # PIL sizes are (width, height)
        if img.size != size:
            if interpolation not in INTERPOLATIONS:
                raise ValueError(
                    f"Invalid interpolation method. Expected one of {INTERPOLATIONS}. "
                    f"Received: interpolation={interpolation!r}"
                )
            resample = getattr(image.Resampling, interpolation.upper())
            box = _crop_box(img.size, size) if keep_aspect_ratio else None
            img = img.resize(size, resample, box=box)
    return img


__all__ = ["array_to_img", "img_to_array", "load_img", "save_img"]
