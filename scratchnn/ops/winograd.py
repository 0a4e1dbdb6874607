"""Winograd F(m x m, 3x3): 3x3 stride-1 convolutions as batched products of transformed tiles.

The reference is the im2col product in `convolution.py`, which spends 9 multiply-adds
per output pixel and channel pair. Winograd's minimal filtering algorithm (Lavin &
Gray, "Fast Algorithms for Convolutional Neural Networks", 2015) computes an m x m
block of outputs from an (m + 2) x (m + 2) input tile d with (m + 2)^2 multiplies:

    Y = A^T [ (G w G^T) (.) (B^T d B) ] A        (.) elementwise, per tile and channel

Two tile sizes, t = m + 2 transformed positions per axis (the matrices below):
- F(2x2, 3x3): 16 multiplies per 4 outputs, 4/9 of im2col's; entries 0, +-1, +-1/2.
- F(4x4, 3x3): 36 per 16 outputs, 1/4 of im2col's. Its interpolation points are
  0, 1, -1, 1/2, -2 (and infinity) rather than the usual 0, +-1, +-2: measured against
  float64, that halves the float32 error (about 2e-6 of the output's scale at 32 to 128
  channels, against 5e-6), as Barabasz et al. ("Error analysis and improving the
  accuracy of Winograd convolution", 2020) found for this size. A^T's columns are the
  points' powers, G's rows the powers over prod_l (p_k - p_l), and B^T solves
  sum_k A^T[i, k] G[k, j] B^T[k, l] = [l == i + j], the 1-D correlation identity.

Summed over the input channels c the elementwise product becomes, for each of the t^2
transformed positions xi = (a, b), one matrix product over c:

    V[xi] = (B^T d B)[xi]     (P, C)    P = N * th * tw tiles, tiles m pixels apart
    U[xi] = (G w G^T)[xi]     (C, O)
    M[xi] = V[xi] @ U[xi]     (P, O)    t^2 GEMMs
    Y     = A^T M A            m x m output pixels per tile

Backward, each step the adjoint (transpose) of a forward step, dY the (ReLU-masked)
output gradient:

    dM[xi] = (A dY A^T)[xi]                  (P, O)
    dU[xi] = V[xi]^T @ dM[xi]                (C, O)   t^2 GEMMs over all tiles
    dw     = G^T dU G                        (3, 3, C, O)
    dV[xi] = dM[xi] @ U[xi]^T                (P, C)   t^2 GEMMs
    dd     = B dV B^T, added at each tile's place in dx (tiles overlap by 2 pixels)

Layout. Tiles are stored position-major, d[i, j, p, c] for tile pixel (i, j), so each
1-D transform is one matrix product over the leading axis: B^T d is (t x t) @ (t, t*P*C),
and the second axis is a broadcast product (t x t) @ (t, P*C) per first index. No
transposed copy is made between the steps; the only strided copies are the tile gather
(one copy of a window view) and the output scatter.

Image chunks run the transforms and the chunk's products on the execution layer's
threads; dU runs there as t^2 products over all tiles, one per xi (no partial sums,
so the result does not depend on the thread count).
"""

from __future__ import annotations

from typing import Any

from scratchnn.backend import parallel, xp
from scratchnn.ops import fast_passes
from scratchnn.ops.conv_geometry import image_chunks, sum_rows, window_view
from scratchnn.ops.tensor import Tensor, grad_enabled

# Bytes of transformed tiles (V and M) per image chunk. Larger chunks measured faster here
# (fewer NumPy calls per image) down to the execution layer's minimum chunk count.
CHUNK_BYTES = 2 << 20

# (B^T, G, A^T) per output tile size m: B^T (t, t), G (t, 3), A^T (m, t), t = m + 2.
TRANSFORMS = {
    2: (
        ((1, 0, -1, 0), (0, 1, 1, 0), (0, -1, 1, 0), (0, 1, 0, -1)),
        ((1, 0, 0), (0.5, 0.5, 0.5), (0.5, -0.5, 0.5), (0, 0, 1)),
        ((1, 1, 1, 0), (0, 1, -1, -1)),
    ),
    4: (
        (
            (1, -3 / 2, -2, 3 / 2, 1, 0),
            (0, -1, 1 / 2, 5 / 2, 1, 0),
            (0, 1, -5 / 2, 1 / 2, 1, 0),
            (0, -2, -1, 2, 1, 0),
            (0, 1 / 2, -1, -1 / 2, 1, 0),
            (0, 1, -3 / 2, -2, 3 / 2, 1),
        ),
        (
            (1, 0, 0),
            (1 / 3, 1 / 3, 1 / 3),
            (-1 / 3, 1 / 3, -1 / 3),
            (-16 / 15, -8 / 15, -4 / 15),
            (1 / 15, -2 / 15, 4 / 15),
            (0, 0, 1),
        ),
        ((1, 1, 1, 1, 1, 0), (0, 1, -1, 1 / 2, -2, 0), (0, 1, 1, 1 / 4, 4, 0), (0, 1, -1, 1 / 8, -8, 1)),
    ),
}

# The output tile size the dispatcher uses (`convolution.use_winograd`); F(4x4) measured
# faster than F(2x2) on every tutorial shape (the products are 4/9 as many, and the
# transforms touch (m + 2)^2 / m^2 values per output pixel: 2.25 against 4).
TILE = 4


def _matrices(m: int, dtype: Any) -> tuple[Any, Any, Any]:
    bt, g, at = TRANSFORMS[m]
    return xp.asarray(bt, dtype=dtype), xp.asarray(g, dtype=dtype), xp.asarray(at, dtype=dtype)


def _both_axes(mat: Any, a: Any, out: Any = None) -> Any:
    """mat applied along a's first two axes: out[i, j] = sum_{k,l} mat[i, k] mat[j, l] a[k, l].

    a: (t, t, X) -> (r, r, X) for mat (r, t); two matrix products, no transposed copy.
    """
    t, x = a.shape[0], a.shape[2]
    first = (mat @ a.reshape(t, t * x)).reshape(mat.shape[0], t, x)  # over the first axis
    return xp.matmul(mat, first, out=out)  # over the second axis: (r, t) @ (t, X) per first index


def kernel_transform(wd: Any, m: int | None = None) -> Any:
    """U = G w G^T for every (c, o): (3, 3, C, O) -> (t^2, C, O), xi = t a + b; m defaults to TILE."""
    m = TILE if m is None else m
    g = _matrices(m, wd.dtype)[1]
    c, o = wd.shape[2:]
    return _both_axes(g, wd.reshape(3, 3, c * o)).reshape(-1, c, o)


def kernel_transform_adjoint(du: Any, m: int | None = None) -> Any:
    """dw = G^T dU G: (t^2, C, O) -> (3, 3, C, O), the transpose of `kernel_transform`."""
    m = TILE if m is None else m
    g = _matrices(m, du.dtype)[1]
    t, (c, o) = m + 2, du.shape[1:]
    return _both_axes(g.T, du.reshape(t, t, c * o)).reshape(3, 3, c, o)


def conv2d_winograd(
    xd: Any, wd: Any, bd: Any, pads, relu: bool, x: Tensor, w: Tensor, b: Tensor | None, m: int | None = None
):
    """3x3, stride 1, dilation 1, groups 1; returns (out (N, oh, ow, O), backward) like `_dense_conv`.

    Args:
        xd: the unpadded input (N, H, W, C); pads: ((top, bottom), (left, right)).
        wd: (3, 3, C, O); bd: (O,) or None; relu: fuse max(out, 0); m: output tile size
            (default `TILE`).
    """
    m = TILE if m is None else m
    n, h, wid, c = xd.shape
    o = wd.shape[3]
    t = m + 2
    (pt, pb), (pl, pr) = pads
    oh, ow = h + pt + pb - 2, wid + pl + pr - 2
    # th x tw tiles cover m th x m tw outputs (the overhang is cropped) and read
    # (m th + 2) x (m tw + 2) padded pixels; pixels past the real padding are zeros.
    th, tw = -(-oh // m), -(-ow // m)
    hp, wp = m * th + 2, m * tw + 2
    dtype = xp.result_type(xd.dtype, wd.dtype)
    bt, _, at = _matrices(m, dtype)
    u = kernel_transform(wd.astype(dtype, copy=False), m)  # (t^2, C, O)
    per_image = th * tw
    keep_v = grad_enabled() and w.requires_grad
    # V of every tile, kept for dU in the backward pass.
    v_all: Any = xp.empty((t * t, n * per_image, c), dtype=dtype) if keep_v else None
    out = xp.empty((n, oh, ow, o), dtype=dtype)
    chunks = image_chunks(n, t * t * per_image * (c + o) * out.itemsize, CHUNK_BYTES)
    exact = oh == m * th and ow == m * tw  # the tiles cover the output exactly
    # The A^T column that is all ones: M there reaches every output of its tile with weight 1.
    ones = [k for k in range(t) if all(row[k] == 1 for row in TRANSFORMS[m][2])][0]

    def tiles_of(chunk: Any) -> Any:
        """(t, t, m_, th, tw, C) view of a padded chunk: tile pixel (i, j) of every tile."""
        return window_view(chunk, (t, t), (th, tw), (m, m), (1, 1)).transpose(3, 4, 0, 1, 2, 5)

    def copy_pixels(tiles: Any, pixels: Any, to_pixels: bool) -> None:
        """pixels[:, m I + p, m J + q] <-> tiles[p, q, :, I, J], tiles (m, m, m_, th, tw, O).

        Output pixels past the image (where the last tile row/column overhangs) are
        dropped on the way to pixels and left untouched (zero) on the way to tiles.
        """
        if exact:
            view = pixels.reshape(pixels.shape[0], th, m, tw, m, o).transpose(2, 4, 0, 1, 3, 5)
            (view if to_pixels else tiles)[...] = tiles if to_pixels else view
            return
        for p in range(m):
            for q in range(m):
                part = pixels[:, p::m, q::m]
                tile = tiles[p, q, :, : part.shape[1], : part.shape[2]]
                (part if to_pixels else tile)[...] = tile if to_pixels else part

    def forward_chunk(k: int) -> None:
        i0, i1 = chunks[k]
        m_, p0, p1 = i1 - i0, i0 * per_image, i1 * per_image
        padded = xp.zeros((m_, hp, wp, c), dtype=dtype)
        padded[:, pt : pt + h, pl : pl + wid] = xd[i0:i1]
        d = xp.empty((t, t, m_, th, tw, c), dtype=dtype)
        d[...] = tiles_of(padded)
        v = xp.empty((t * t, m_ * per_image, c), dtype=dtype) if not keep_v else v_all[:, p0:p1]
        _both_axes(bt, d.reshape(t, t, -1), out=v.reshape(t, t, -1))  # V = B^T d B
        mm = xp.matmul(v, u)  # t^2 x (tiles, C) @ (C, O)
        if bd is not None:
            mm[ones * t + ones] += bd  # one (tiles, O) slice instead of all of y
        y = _both_axes(at, mm.reshape(t, t, -1)).reshape(m, m, m_, th, tw, o)  # A^T M A
        out_c = out[i0:i1]
        copy_pixels(y, out_c, to_pixels=True)
        if relu:
            fast_passes.relu(out_c, out=out_c)

    parallel.run(forward_chunk, len(chunks))

    def backward(g):
        need_x, need_w, need_b = x.requires_grad, w.requires_grad, b is not None and b.requires_grad
        dm_all = xp.empty((t * t, n * per_image, o), dtype=dtype) if need_w else None
        db_parts = xp.empty((len(chunks), o), dtype=dtype) if need_b else None
        dx = xp.empty(xd.shape, dtype=dtype) if need_x else None
        u_t = u.transpose(0, 2, 1)  # (t^2, O, C), through BLAS's transpose flag

        def backward_chunk(k: int) -> None:
            i0, i1 = chunks[k]
            m_, p0, p1 = i1 - i0, i0 * per_image, i1 * per_image
            gc = g[i0:i1] * (out[i0:i1] > 0) if relu else g[i0:i1]
            if need_b:
                sum_rows(gc.reshape(-1, o), out=db_parts[k])
            # dY in tiles, zero where the last tile row/column overhangs the output
            gy = (xp.empty if exact else xp.zeros)((m, m, m_, th, tw, o), dtype=dtype)
            copy_pixels(gy, gc, to_pixels=False)
            dm = dm_all[:, p0:p1] if need_w else xp.empty((t * t, m_ * per_image, o), dtype=dtype)
            _both_axes(at.T, gy.reshape(m, m, -1), out=dm.reshape(t, t, -1))  # dM = A dY A^T
            if need_x:
                dv = xp.matmul(dm, u_t)  # t^2 x (tiles, O) @ (O, C)
                dd = _both_axes(bt.T, dv.reshape(t, t, -1)).reshape(t, t, m_, th, tw, c)  # B dV B^T
                dpad = xp.zeros((m_, hp, wp, c), dtype=dtype)
                # Tiles overlap by 2 pixels, but one tile pixel (i, j) of all tiles is a
                # strided slice with no repeats: t^2 slice-adds.
                for i in range(t):
                    for j in range(t):
                        dpad[:, i : i + m * th : m, j : j + m * tw : m] += dd[i, j]
                dx[i0:i1] = dpad[:, pt : pt + h, pl : pl + wid]

        parallel.run(backward_chunk, len(chunks))
        dw = None
        if need_w:
            du = xp.empty((t * t, c, o), dtype=dtype)

            def du_position(k: int) -> None:
                xp.matmul(v_all[k].T, dm_all[k], out=du[k])  # (C, P) @ (P, O)

            parallel.run(du_position, t * t)
            dw = kernel_transform_adjoint(du, m).astype(wd.dtype, copy=False)
        db = db_parts.sum(axis=0) if need_b else None
        return (dx, dw) if b is None else (dx, dw, db)

    return out, backward
