"""Turning a photo or drawing of a digit into a 28x28 MNIST-style input.

MNIST's digits were prepared this way (LeCun et al.): white strokes on black,
the digit scaled to fit a 20x20 box with its aspect ratio kept (anti-aliased,
hence grey levels), then placed in a 28x28 field so that its centre of mass
is at the centre. `mnist_style` repeats those steps on any grayscale array;
`load_image` reads a PNG/JPEG with pillow (the `image` extra) first.

Fashion-MNIST's products were prepared differently (Xiao et al.): trimmed,
scaled so the longer side is 28 pixels, and centred in the field, light on
black; `fashion_style` repeats those steps.
"""

from __future__ import annotations

import io
import os
from typing import Any

import numpy as np

IMAGE_EXTRA_HINT = 'pillow is needed to read images: pip install "scratchnn[image]"'


def _pil() -> Any:
    try:
        from PIL import Image
    except ImportError as err:
        raise ImportError(IMAGE_EXTRA_HINT) from err
    return Image


def _resize(array: Any, height: int, width: int) -> Any:
    """Anti-aliased resize of a float (H, W) array in [0, 255] with pillow."""
    image = _pil()
    resized = image.fromarray(array.astype(np.float32)).resize((width, height), image.Resampling.LANCZOS)
    return np.clip(np.asarray(resized, dtype=np.float32), 0, 255)


def _foreground(gray: Any) -> Any:
    """White-on-black float (H, W) in [0, 255] with the background level removed; ValueError if blank."""
    gray = np.asarray(gray, dtype=np.float32)
    if gray.ndim != 2 or min(gray.shape) < 2:
        raise ValueError(f"`gray` must be a 2-D grayscale image. Received: gray with shape {gray.shape}")
    if gray.max() <= 1.0:
        gray = gray * 255.0
    border = np.concatenate([gray[0], gray[-1], gray[:, 0], gray[:, -1]])
    if np.median(border) > 127:
        gray = 255.0 - gray
    gray = np.clip(gray - np.median(np.concatenate([gray[0], gray[-1], gray[:, 0], gray[:, -1]])), 0, None)
    if gray.max() <= 0:
        raise ValueError("the image is blank: no digit stands out from the background")
    return gray


def _crop(gray: Any) -> Any:
    """The box around the pixels above 15% of the brightest, scaled so that its peak is 255."""
    peak = gray.max()
    rows = np.flatnonzero((gray > 0.15 * peak).any(axis=1))
    cols = np.flatnonzero((gray > 0.15 * peak).any(axis=0))
    return gray[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1] * (255.0 / peak)


def _fit(crop: Any, box: int) -> Any:
    """`crop` resized so that its longer side is `box` pixels, aspect ratio kept."""
    h, w = crop.shape
    scale = box / max(h, w)
    return _resize(crop, max(1, round(h * scale)), max(1, round(w * scale)))


def mnist_style(gray: Any) -> Any:
    """Converts a grayscale digit image of any size to MNIST's 28x28 layout.

    Steps: invert when the background (the median of the border pixels) is
    light; subtract the background level; crop to the pixels above 15% of the
    brightest; scale so the longer side is 20 pixels (aspect kept); paste into
    28x28 with the centre of mass at (14, 14).

    Args:
        gray: `(H, W)` array, 0-255 (or 0-1) grayscale.

    Returns:
        float32 `(28, 28)` array in [0, 1], white digit on black.

    Raises:
        ValueError: not 2-D, or blank (no digit to find).
        ImportError: pillow is not installed (needed for resizing).
    """
    digit = _fit(_crop(_foreground(gray)), 20)
    h2, w2 = digit.shape
    # Centre of mass of the 20x20-fitted digit, (row, col) in its own coordinates.
    total = digit.sum()
    cy = (digit.sum(axis=1) * np.arange(h2)).sum() / total
    cx = (digit.sum(axis=0) * np.arange(w2)).sum() / total
    top = int(np.clip(round(14 - cy), 0, 28 - h2))
    left = int(np.clip(round(14 - cx), 0, 28 - w2))
    out = np.zeros((28, 28), np.float32)
    out[top : top + h2, left : left + w2] = digit
    return out / 255.0


def fashion_style(gray: Any) -> Any:
    """Converts a grayscale picture of a garment to Fashion-MNIST's 28x28 layout.

    Steps: as `mnist_style` up to the crop, then scale so the longer side is
    28 pixels and centre the box in the field.

    Args:
        gray: `(H, W)` array, 0-255 (or 0-1) grayscale.

    Returns:
        float32 `(28, 28)` array in [0, 1], light item on black.

    Raises:
        ValueError: not 2-D, or blank.
        ImportError: pillow is not installed.
    """
    item = _fit(_crop(_foreground(gray)), 28)
    h2, w2 = item.shape
    out = np.zeros((28, 28), np.float32)
    top, left = (28 - h2) // 2, (28 - w2) // 2
    out[top : top + h2, left : left + w2] = item
    return out / 255.0


STYLES = {"mnist": mnist_style, "fashion_mnist": fashion_style}


def decode_image(source: str | os.PathLike | bytes) -> Any:
    """Reads a PNG/JPEG (a path, or the file's bytes) as a float32 `(H, W)` gray array, 0-255.

    Transparent pixels are composited on white, so strokes drawn on a
    transparent canvas show as ink on paper.

    Raises:
        ValueError: the data cannot be read as an image.
        ImportError: pillow is not installed.
    """
    image = _pil()
    name = "the data" if isinstance(source, bytes) else repr(os.fspath(source))
    try:
        with image.open(io.BytesIO(source) if isinstance(source, bytes) else source) as img:
            img.load()
            if img.mode in ("RGBA", "LA", "PA") or "transparency" in img.info:
                background = image.new("RGBA", img.size, (255, 255, 255, 255))
                img = image.alpha_composite(background, img.convert("RGBA"))
            return np.asarray(img.convert("L"), dtype=np.float32)
    except (OSError, image.UnidentifiedImageError, image.DecompressionBombError) as err:
        if isinstance(source, bytes):  # pillow's message would name an internal BytesIO object
            raise ValueError(f"the data is not a readable PNG or JPEG image ({type(err).__name__})") from None
        raise ValueError(f"cannot read {name} as an image (PNG or JPEG expected): {err}") from None


def load_image(path: str | os.PathLike, dataset: str = "mnist") -> Any:
    """Reads a PNG/JPEG (any size, colour or gray) and prepares it as `dataset`'s images were.

    Args:
        path: the image file.
        dataset: `"mnist"` (`mnist_style`) or `"fashion_mnist"` (`fashion_style`). Defaults to "mnist".

    Returns:
        float32 `(28, 28)` in [0, 1].

    Raises:
        ValueError: the file cannot be read as an image, or is blank.
        ImportError: pillow is not installed.
    """
    return STYLES.get(dataset, mnist_style)(decode_image(path))
