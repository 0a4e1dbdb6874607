"""A minimal PNG writer for grayscale images (the report's galleries need no matplotlib or pillow).

PNG (RFC 2083): the 8-byte signature, then chunks `length | type | data | CRC-32`:
IHDR (size, bit depth 8, colour type 0 = grayscale), one IDAT holding the
zlib-compressed rows, each row prefixed by its filter byte (0 = none), and IEND.
"""

from __future__ import annotations

import struct
import zlib
from typing import Any

import numpy as np

SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _chunk(kind: bytes, data: bytes) -> bytes:
    return (
        struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    )


def gray_png(image: Any, invert: bool = False) -> bytes:
    """PNG bytes of a grayscale image.

    Args:
        image: `(H, W)` or `(H, W, 1)` array; floats in [0, 1] or integers in [0, 255].
        invert: draw dark on light (MNIST's white-on-black becomes ink on paper). Defaults to False.

    Returns:
        The PNG file's bytes.

    Raises:
        ValueError: the array is not 2-D (after dropping a trailing channel of 1).
    """
    array = np.asarray(image)
    if array.ndim == 3 and array.shape[-1] == 1:
        array = array[..., 0]
    if array.ndim != 2 or 0 in array.shape:
        raise ValueError(
            f"`image` must be a 2-D grayscale array. Received: image with shape {np.shape(image)}"
        )
    if np.issubdtype(array.dtype, np.floating):
        # floats in [0, 1] -> bytes; NaN (never expected) would become 0 rather than fail the report.
        array = np.rint(np.clip(np.nan_to_num(array), 0.0, 1.0) * 255.0)
    pixels = np.clip(array, 0, 255).astype(np.uint8)
    if invert:
        pixels = 255 - pixels
    height, width = pixels.shape
    # (H, W) -> (H, 1 + W): filter byte 0 ("None") in front of every row.
    rows = np.concatenate([np.zeros((height, 1), np.uint8), pixels], axis=1)
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        SIGNATURE
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(rows.tobytes(), 9))
        + _chunk(b"IEND", b"")
    )
