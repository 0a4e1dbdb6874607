"""Zero padding, cropping and nearest up-sampling of NHWC images, forward + backward."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from scratchnn.backend import xp
from scratchnn.ops.conv_geometry import pad_spatial
from scratchnn.ops.tensor import Tensor, convert, record


def zero_pad2d(x: Any, padding: Sequence[tuple[int, int]]) -> Tensor:
    """Pads axes 1, 2 of NHWC with zeros: ((top, bottom), (left, right)). dx = the centre of g."""
    t = convert(x)
    n, h, w, c = t.shape
    out = pad_spatial(t.data, padding)
    out = out.copy() if out is t.data else out
    (top, _), (left, _) = padding
    return record(out, (t,), lambda g: (g[:, top : top + h, left : left + w, :],))


def crop2d(x: Any, cropping: Sequence[tuple[int, int]]) -> Tensor:
    """Removes ((top, bottom), (left, right)) pixels from NHWC; dx = g zero-padded back."""
    t = convert(x)
    n, h, w, c = t.shape
    (top, bottom), (left, right) = cropping
    out = t.data[:, top : h - bottom, left : w - right, :]
    return record(out, (t,), lambda g: (pad_spatial(g, cropping),))


def upsample_nearest2d(x: Any, size: Sequence[int]) -> Tensor:
    """Repeats rows sh times and columns sw times: (N, H, W, C) -> (N, H*sh, W*sw, C).

    dx[n, i, j, c] = sum of g over the (sh, sw) block that copies pixel (i, j).
    """
    t = convert(x)
    n, h, w, c = t.shape
    sh, sw = size
    # broadcast (N, H, 1, W, 1, C) -> (N, H, sh, W, sw, C), then one copy into the output.
    out = xp.broadcast_to(t.data[:, :, None, :, None, :], (n, h, sh, w, sw, c)).reshape(n, h * sh, w * sw, c)
    return record(out, (t,), lambda g: (g.reshape(n, h, sh, w, sw, c).sum(axis=(2, 4)),))
