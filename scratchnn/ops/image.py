"""Image ops on channels-last images: resizing and affine warps (keras.ops.image.resize / affine_transform).

Both follow Keras's JAX backend (keras/src/backend/jax/image.py), which calls
`jax.image.resize` and `jax.scipy.ndimage.map_coordinates`, so the same inputs give
the same pixels. Both are linear in the image, so their backward passes scatter the
upstream gradient back through the same interpolation weights.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from scratchnn import backend
from scratchnn.backend import xp
from scratchnn.ops.conv_geometry import check_channels_last
from scratchnn.ops.math import cast
from scratchnn.ops.shape import concatenate, expand_dims, getitem, squeeze
from scratchnn.ops.tensor import Tensor, convert, record

RESIZE_INTERPOLATIONS = ("bilinear", "nearest")
AFFINE_INTERPOLATIONS = ("nearest", "bilinear")
FILL_MODES = ("constant", "nearest", "wrap", "mirror", "reflect")


def _check_choice(name: str, value: Any, choices: tuple[str, ...]) -> None:
    if value not in choices:
        raise ValueError(
            f"Invalid value for argument `{name}`. Expected one of {choices}. Received: {name}={value!r}"
        )


def _batched(images: Any) -> tuple[Tensor, bool]:
    """(N, H, W, C) float images (integers become floatx(), as JAX promotes them), and whether
    the input was one image (H, W, C)."""
    t = convert(images)
    if t.data.dtype.kind != "f":
        t = cast(t, backend.floatx())
    if t.ndim not in (3, 4):
        raise ValueError(
            "Invalid images rank: expected rank 3 (single image) or rank 4 (batch of images). "
            f"Received input with shape: images.shape={t.shape}"
        )
    return (expand_dims(t, 0), True) if t.ndim == 3 else (t, False)


def aspect_crop_box(
    height: int, width: int, target_height: int, target_width: int
) -> tuple[int, int, int, int]:
    """(top, left, crop_height, crop_width): the largest centred crop with the target's aspect ratio.

    Integer arithmetic as keras/src/utils/image_utils.py `smart_resize`.
    """
    crop_height = max(min(height, int(float(width * target_height) / target_width)), 1)
    crop_width = max(min(width, int(float(height * target_width) / target_height)), 1)
    return int(float(height - crop_height) / 2), int(float(width - crop_width) / 2), crop_height, crop_width


def _pad_to_aspect(t: Tensor, target_height: int, target_width: int, fill_value: float) -> Tensor:
    """Pads (N, H, W, C) symmetrically with `fill_value` to the target's aspect ratio (as Keras)."""
    n, h, w, c = t.shape
    pad_h = max(h, int(float(w * target_height) / target_width))
    pad_w = max(w, int(float(h * target_width) / target_height))
    top, left = int(float(pad_h - h) / 2), int(float(pad_w - w) / 2)
    if top > 0:
        band = xp.full((n, top, w, c), fill_value, dtype=t.data.dtype)
        return concatenate([band, t, band], axis=1)
    if left > 0:
        band = xp.full((n, h, left, c), fill_value, dtype=t.data.dtype)
        return concatenate([band, t, band], axis=2)
    return t


def _linear_weights(in_size: int, out_size: int, antialias: bool) -> Any:
    """(out, in) weights of jax.image.resize's triangle kernel along one axis.

    Output pixel o samples the input at s_o = (o + 0.5) * in / out - 0.5 (pixel centres
    aligned); input pixel i gets weight max(0, 1 - |s_o - i| / k), k = max(in / out, 1) with
    antialias (a wider, low-pass kernel when shrinking) and k = 1 without, and each row is
    normalized to sum 1, which makes edge samples copy the edge pixel.
    """
    scale = out_size / in_size
    sample = (xp.arange(out_size) + 0.5) / scale - 0.5
    width = max(1.0 / scale, 1.0) if antialias else 1.0
    weights = xp.maximum(0.0, 1.0 - xp.abs(sample[:, None] - xp.arange(in_size)[None, :]) / width)
    total = weights.sum(axis=1, keepdims=True)
    return weights / xp.where(total > 0, total, 1.0)


def _nearest_indices(in_size: int, out_size: int) -> Any:
    # jax.image.resize: floor((o + 0.5) * in / out), computed in float32 as JAX does.
    offsets = (xp.arange(out_size, dtype="float32") + 0.5) * xp.float32(in_size) / xp.float32(out_size)
    return xp.minimum(xp.floor(offsets.astype("float32")).astype("int64"), in_size - 1)


def _resample_axis(t: Tensor, axis: int, out_size: int, interpolation: str, antialias: bool) -> Tensor:
    """Resizes one axis: out = W @ x along `axis`, W (out, in) the interpolation weights.

    The forward gathers the (at most two) taps of each output when it can, the backward is
    dx = W^T @ g along the same axis (W is dense there, (out, in), small for images).
    """
    in_size = t.shape[axis]
    if in_size == out_size:
        return t
    xd = xp.moveaxis(t.data, axis, 0)  # (in, ...)
    if interpolation == "nearest":
        idx = _nearest_indices(in_size, out_size)
        weights = (idx[:, None] == xp.arange(in_size)[None, :]).astype(xd.dtype)
        out = xd[idx]
    else:
        weights = _linear_weights(in_size, out_size, antialias).astype(xd.dtype)
        if antialias and out_size < in_size:
            out = xp.tensordot(weights, xd, axes=(1, 0))
        else:
            # Without antialias each output has two taps: i0 = floor(s), i0 + 1, weights 1 - f, f.
            sample = xp.clip((xp.arange(out_size) + 0.5) * (in_size / out_size) - 0.5, 0, in_size - 1)
            i0 = xp.floor(sample).astype("int64")
            i1 = xp.minimum(i0 + 1, in_size - 1)
            frac = (sample - i0).astype(xd.dtype).reshape((-1,) + (1,) * (xd.ndim - 1))
            out = xd[i0] * (1 - frac) + xd[i1] * frac
    out = xp.moveaxis(out, 0, axis)

    def backward(g):
        gm = xp.moveaxis(g, axis, 0)  # (out, ...)
        return (xp.moveaxis(xp.tensordot(weights.T, gm, axes=(1, 0)), 0, axis),)

    return record(xp.ascontiguousarray(out), (t,), backward)


def resize(
    images: Any,
    size: Sequence[int],
    interpolation: str = "bilinear",
    antialias: bool = False,
    crop_to_aspect_ratio: bool = False,
    pad_to_aspect_ratio: bool = False,
    fill_mode: str = "constant",
    fill_value: float = 0.0,
    data_format: str | None = None,
) -> Tensor:
    """Resizes images to `size` = (height, width) (keras.ops.image.resize on JAX).

    Args:
        images: (N, H, W, C) or (H, W, C), float.
        size: (height, width) of the output.
        interpolation: "bilinear" (half-pixel centres, edge pixels repeated) or "nearest".
        antialias: with "bilinear", widen the kernel when shrinking (a low-pass filter); default
            False, as Keras.
        crop_to_aspect_ratio: first take the largest centred crop with the output's aspect ratio.
        pad_to_aspect_ratio: first pad with `fill_value` to the output's aspect ratio.
        fill_mode: "constant" only (the padding mode). data_format: "channels_last" only.

    Returns:
        (N, height, width, C) (or (height, width, C)) in the input's dtype: integer images are
        resized as floats, then rounded and clipped back (as Keras does).

    Raises:
        ValueError: for an unknown interpolation or fill mode, both aspect options, a bad
            `size`, or images that are not rank 3 or 4.
    """
    _check_choice("interpolation", interpolation, RESIZE_INTERPOLATIONS)
    if fill_mode != "constant":
        raise ValueError(
            f"Invalid value for argument `fill_mode`. Only 'constant' is supported. Received: fill_mode={fill_mode!r}"
        )
    if crop_to_aspect_ratio and pad_to_aspect_ratio:
        raise ValueError("Only one of `pad_to_aspect_ratio` & `crop_to_aspect_ratio` can be `True`.")
    check_channels_last(data_format)
    if len(size) != 2 or not all(isinstance(s, int) and s > 0 for s in size):
        raise ValueError(
            f"Argument `size` must be a tuple of two positive ints (height, width). Received: size={size}"
        )
    source_dtype = convert(images).data.dtype
    t, unbatched = _batched(images)
    height, width = size
    if crop_to_aspect_ratio:
        top, left, ch, cw = aspect_crop_box(t.shape[1], t.shape[2], height, width)
        t = getitem(t, (slice(None), slice(top, top + ch), slice(left, left + cw)))
    elif pad_to_aspect_ratio:
        t = _pad_to_aspect(t, height, width, fill_value)
    out = _resample_axis(
        _resample_axis(t, 1, height, interpolation, antialias), 2, width, interpolation, antialias
    )
    out = squeeze(out, 0) if unbatched else out
    if source_dtype.kind in "iu":
        # Integer images come back in their dtype: rounded, then clipped to its range (Keras's saturate_cast).
        info = xp.iinfo(source_dtype)
        return Tensor(xp.clip(xp.round(out.data), info.min, info.max).astype(source_dtype))
    return out


def flip(images: Any, axis: int) -> Tensor:
    """Reverses `axis` (e.g. -2, the width of NHWC images: a left-right flip). dx = g reversed back."""
    t = convert(images)
    return record(xp.flip(t.data, axis).copy(), (t,), lambda g: (xp.flip(g, axis),))


# -- affine warps ---------------------------------------------------------------------------


def fix_index(index: Any, size: int, mode: str) -> Any:
    """Maps integer sample positions outside [0, size) back inside, per `fill_mode` (as JAX's map_coordinates).

    reflect: (d c b a | a b c d | d c b a) ; mirror: (d c b | a b c d | c b a) ;
    wrap: (a b c d | a b c d | a b c d) ; nearest: (a a a a | a b c d | d d d d) ;
    constant leaves the index (the caller replaces outside samples by fill_value).
    """
    if mode == "nearest":
        return xp.clip(index, 0, size - 1)
    if mode == "wrap":
        return index % size
    if mode in ("mirror", "reflect"):
        if size == 1:
            return xp.zeros_like(index)

        def mirror(i, n):  # the triangle wave of period 2(n - 1), folded to [0, n - 1]
            return xp.abs((i + n - 1) % (2 * (n - 1)) - (n - 1))

        if mode == "mirror":
            return mirror(index, size)
        # reflect repeats the edge pixel: mirror the half-pixel grid of 2 * size + 1 points.
        return (mirror(2 * index + 1, 2 * size + 1) - 1) // 2
    return index


def _round_half_away(x: Any) -> Any:
    """Rounds halves away from zero, as lax.round (NumPy's round sends halves to the even integer).

    In float64: adding 0.5 to a float32 just below a half could round up to the next integer.
    """
    x = x.astype("float64")
    return xp.trunc(x + xp.copysign(0.5, x))


def affine_transform(
    images: Any,
    transform: Any,
    interpolation: str = "bilinear",
    fill_mode: str = "constant",
    fill_value: float = 0.0,
    data_format: str | None = None,
) -> Tensor:
    """Warps images by projective transforms (keras.ops.image.affine_transform; TF's convention).

    A transform [a0, a1, a2, b0, b1, b2, c0, c1] maps an output pixel (x, y) to the input
    point x' = a0 x + a1 y + a2, y' = b0 x + b1 y + b2 (c0 = c1 = 0 for the affine case;
    they are ignored, as the JAX backend ignores them), which is sampled with nearest or
    bilinear interpolation; samples outside the image follow `fill_mode` (see `fix_index`).

    Args:
        images: (N, H, W, C) or (H, W, C).
        transform: (N, 8) or (8,), one per image.
        interpolation: "bilinear" or "nearest".
        fill_mode: "constant" (fill_value), "nearest", "wrap", "mirror" or "reflect".
        fill_value: the value outside the image with fill_mode="constant".

    Returns:
        Images of the input's shape and dtype (integer images are rounded, as JAX does).
    """
    _check_choice("interpolation", interpolation, AFFINE_INTERPOLATIONS)
    _check_choice("fill_mode", fill_mode, FILL_MODES)
    check_channels_last(data_format)
    source_dtype = convert(images).data.dtype
    t, unbatched = _batched(images)
    m = xp.asarray(transform.data if isinstance(transform, Tensor) else transform)
    m = m[None] if m.ndim == 1 else m
    n, h, w, c = t.shape
    if m.shape != (n, 8) and m.shape != (1, 8):
        raise ValueError(
            f"Invalid transform shape: expected (8,) or ({n}, 8). Received: transform.shape={m.shape}"
        )
    m = xp.broadcast_to(m, (n, 8))
    # (N, H, W) source coordinates of every output pixel, in the transform's precision (float32 in Keras).
    dtype = m.dtype if m.dtype.kind == "f" else t.data.dtype
    ys = xp.arange(h, dtype=dtype)[None, :, None]
    xs = xp.arange(w, dtype=dtype)[None, None, :]
    col = [m[:, k, None, None] for k in range(6)]
    src_x = ys * col[1] + xs * col[0] + col[2]
    src_y = ys * col[4] + xs * col[3] + col[5]
    if interpolation == "nearest":
        taps = [(_round_half_away(src_y).astype("int64"), _round_half_away(src_x).astype("int64"), None)]
    else:
        y0, x0 = xp.floor(src_y), xp.floor(src_x)
        fy, fx = (src_y - y0).astype(t.data.dtype), (src_x - x0).astype(t.data.dtype)
        y0, x0 = y0.astype("int64"), x0.astype("int64")
        taps = [
            (y0, x0, (1 - fy) * (1 - fx)),
            (y0, x0 + 1, (1 - fy) * fx),
            (y0 + 1, x0, fy * (1 - fx)),
            (y0 + 1, x0 + 1, fy * fx),
        ]
    out = _warp(t, taps, fill_mode, fill_value, unbatched)
    if source_dtype.kind != "f":  # map_coordinates rounds integer images back to their dtype
        return Tensor(_round_half_away(out.data).astype(source_dtype))
    return out


def _warp(
    t: Tensor, taps: list[tuple[Any, Any, Any]], fill_mode: str, fill_value: float, unbatched: bool
) -> Tensor:
    """out[n, i, j] = sum over taps of weight * image[n, iy, ix] (fill_value where a constant tap is outside).

    Every tap is a gather from the (N*H*W, C) view of the images, so the backward scatters
    g * weight back to the same rows (np.add.at adds repeated rows correctly).
    """
    xd = t.data
    n, h, w, c = xd.shape
    flat = xd.reshape(n * h * w, c)
    batch = xp.arange(n)[:, None, None] * (h * w)
    gathered = []
    out = xp.zeros_like(xd)
    for iy, ix, weight in taps:
        valid = None
        if fill_mode == "constant":
            valid = ((iy >= 0) & (iy < h) & (ix >= 0) & (ix < w))[..., None]
        rows = (
            batch
            + fix_index(iy, h, fill_mode).clip(0, h - 1) * w
            + fix_index(ix, w, fill_mode).clip(0, w - 1)
        ).reshape(-1)
        value = flat[rows].reshape(n, h, w, c)
        if valid is not None:
            value = xp.where(valid, value, xp.asarray(fill_value, dtype=xd.dtype))
        out += value if weight is None else weight[..., None] * value
        gathered.append((rows, valid, weight))

    def backward(g):
        dflat = xp.zeros_like(flat)
        for rows, valid, weight in gathered:
            contribution = g if weight is None else g * weight[..., None]
            if valid is not None:
                contribution = contribution * valid
            xp.add.at(dflat, rows, contribution.reshape(-1, c))
        return (dflat.reshape(xd.shape),)

    result = record(out, (t,), backward)
    return squeeze(result, 0) if unbatched else result


def rotation_matrix(angle: Any, height: int, width: int) -> Any:
    """(N, 8) transforms rotating images by `angle` degrees (counter-clockwise) about their centre.

    As keras/src/layers/preprocessing/image_preprocessing/base_image_preprocessing_layer.py
    `_compute_affine_matrix` with centre ((W - 1) / 2, (H - 1) / 2), no shear, translation or scale.
    """
    theta = xp.asarray(angle) * xp.asarray(math.pi / 180.0, dtype=xp.asarray(angle).dtype)
    cos, sin = xp.cos(theta), xp.sin(theta)
    cx, cy = 0.5 * (width - 1), 0.5 * (height - 1)
    zeros = xp.zeros_like(cos)
    return xp.stack(
        [cos, -sin, cx - cx * cos + cy * sin, sin, cos, cy - cx * sin - cy * cos, zeros, zeros], axis=1
    )
