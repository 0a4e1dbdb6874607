"""Turning a photo or drawing of a digit into a 28x28 MNIST-style input.

MNIST's digits were prepared this way (LeCun et al.): white strokes on black,
the digit scaled to fit a 20x20 box with its aspect ratio kept (anti-aliased,
hence grey levels), then placed in a 28x28 field so that its centre of mass
is at the centre. `mnist_style` repeats those steps on any grayscale array;
`load_image` reads a PNG/JPEG with pillow (the `image` extra) first.
"""

from __future__ import annotations

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
    gray = np.asarray(gray, dtype=np.float32)
    if gray.ndim != 2 or min(gray.shape) < 2:
        raise ValueError(f"`gray` must be a 2-D grayscale image. Received: gray with shape {gray.shape}")
    if gray.max() <= 1.0:
        gray = gray * 255.0
    border = np.concatenate([gray[0], gray[-1], gray[:, 0], gray[:, -1]])
    if np.median(border) > 127:
        gray = 255.0 - gray
    gray = np.clip(gray - np.median(np.concatenate([gray[0], gray[-1], gray[:, 0], gray[:, -1]])), 0, None)
    peak = gray.max()
    if peak <= 0:
        raise ValueError("the image is blank: no digit stands out from the background")
    rows = np.flatnonzero((gray > 0.15 * peak).any(axis=1))
    cols = np.flatnonzero((gray > 0.15 * peak).any(axis=0))
    crop = gray[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1] * (255.0 / peak)
    h, w = crop.shape
    scale = 20.0 / max(h, w)
    h2, w2 = max(1, round(h * scale)), max(1, round(w * scale))
    digit = _resize(crop, h2, w2)
    # Centre of mass of the 20x20-fitted digit, (row, col) in its own coordinates.
    total = digit.sum()
    cy = (digit.sum(axis=1) * np.arange(h2)).sum() / total
    cx = (digit.sum(axis=0) * np.arange(w2)).sum() / total
    top = int(np.clip(round(14 - cy), 0, 28 - h2))
    left = int(np.clip(round(14 - cx), 0, 28 - w2))
    out = np.zeros((28, 28), np.float32)
    out[top : top + h2, left : left + w2] = digit
    return out / 255.0


def load_image(path: str | os.PathLike) -> Any:
    """Reads a PNG/JPEG (any size, colour or gray) and returns `mnist_style` of it: float32 `(28, 28)`.

    Raises:
        ValueError: the file cannot be read as an image, or is blank.
        ImportError: pillow is not installed.
    """
    image = _pil()
    try:
        with image.open(path) as img:
            img.load()
            if img.mode in ("RGBA", "LA", "PA") or "transparency" in img.info:
                # Transparent drawings: composite on white so the strokes show.
                background = image.new("RGBA", img.size, (255, 255, 255, 255))
                img = image.alpha_composite(background, img.convert("RGBA"))
            gray = np.asarray(img.convert("L"), dtype=np.float32)
    except (OSError, image.UnidentifiedImageError) as err:
        raise ValueError(
            f"cannot read {os.fspath(path)!r} as an image (PNG or JPEG expected): {err}"
        ) from None
    return mnist_style(gray)
