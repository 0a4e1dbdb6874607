"""Winograd F(2x2, 3x3): 3x3 stride-1 convolutions as 16 matrix products of transformed tiles.

The reference is the im2col product in `convolution.py`, which spends 9 multiply-adds
per output pixel and channel pair. Winograd's minimal filtering algorithm (Lavin &
Gray, "Fast Algorithms for Convolutional Neural Networks", 2015) computes a 2x2
block of outputs from a 4x4 input tile d with 16 multiplies instead of 36:

    Y = A^T [ (G w G^T) (.) (B^T d B) ] A        (.) elementwise, per tile and channel

        B^T = [[1,  0, -1,  0],     G = [[1,    0,   0],     A^T = [[1, 1,  1,  0],
               [0,  1,  1,  0],          [1/2, 1/2, 1/2],           [0, 1, -1, -1]]
               [0, -1,  1,  0],          [1/2,-1/2, 1/2],
               [0,  1,  0, -1]]          [0,    0,   1]]

Summed over the input channels c the elementwise product becomes, for each of the 16
transformed positions xi = (p, q), one matrix product over c:

    V[xi] = (B^T d B)[xi]     (P, C)    P = N * th * tw tiles, tiles 2 pixels apart
    U[xi] = (G w G^T)[xi]     (C, O)
    M[xi] = V[xi] @ U[xi]     (P, O)    16 GEMMs: 16 multiply-adds per 4 outputs, not 36
    Y     = A^T M A            2x2 output pixels per tile

so the products cost 4/9 of im2col's (2.25x fewer), and no (N*oh*ow, 9*C) im2col
matrix is written. The transforms are additions only (entries 0, +-1, +-1/2), so
float32 rounding stays at the level of the direct sum.

Backward, each step the adjoint (transpose) of a forward step, dY the (ReLU-masked)
output gradient:

    dM[xi] = (A dY A^T)[xi]                  (P, O)
    dU[xi] = V[xi]^T @ dM[xi]                (C, O)   16 GEMMs over all tiles
    dw     = G^T dU G                        (3, 3, C, O)
    dV[xi] = dM[xi] @ U[xi]^T                (P, C)   16 GEMMs
    dd     = B dV B^T, added at each tile's place in dx (tiles overlap by 2 pixels)

Both 2-D transforms are two 1-D transforms, along the rows and then the columns. The
overlapping 4-pixel tiles 2 pixels apart are read from *parity planes*: pixel 2I + r of
an axis is entry I of plane r, so tile i's pixels 0..3 are entries i, i, i+1, i+1 of
planes 0, 1, 0, 1, and each 1-D transform is four whole-array operations on shifted
planes with long contiguous runs (rather than 4x4 tile views whose runs are C floats).

Image chunks run the transforms and the chunk's products on the execution layer's
threads; dU runs there as 16 products over all tiles, one per xi (no partial sums,
so the result does not depend on the thread count).
"""

from __future__ import annotations

from typing import Any

from scratchnn.backend import parallel, xp
from scratchnn.ops.conv_geometry import image_chunks
from scratchnn.ops.tensor import Tensor, grad_enabled

# Bytes of transformed tiles (V and M) per image chunk. Larger chunks measured faster here
# (fewer NumPy calls per image) down to the execution layer's minimum chunk count.
CHUNK_BYTES = 2 << 20

# G (4, 3): the kernel transform U = G w G^T.
_G = ((1.0, 0.0, 0.0), (0.5, 0.5, 0.5), (0.5, -0.5, 0.5), (0.0, 0.0, 1.0))


def _along(a: Any, axis: int, start: int, stop: int) -> Any:
    """a[..., start:stop, ...] with the slice on `axis`."""
    return a[(slice(None),) * axis + (slice(start, stop),)]


# -- the four 1-D transforms, each applied along the rows and then the columns --------


def _bt(plane0: Any, plane1: Any, out: Any, axis: int) -> None:
    """out[p] = (B^T x)[p] of every 4-pixel tile, from the parity planes of x along `axis`.

    Tile i holds x[2i .. 2i+3] = plane0[i], plane1[i], plane0[i+1], plane1[i+1]:
    B^T x = (x0 - x2, x1 + x2, x2 - x1, x1 - x3). Planes have n + 1 entries, out[p] n.
    """
    n = out[0].shape[axis]
    lo0, hi0 = _along(plane0, axis, 0, n), _along(plane0, axis, 1, n + 1)
    lo1, hi1 = _along(plane1, axis, 0, n), _along(plane1, axis, 1, n + 1)
    xp.subtract(lo0, hi0, out=out[0])
    xp.add(lo1, hi0, out=out[1])
    xp.subtract(hi0, lo1, out=out[2])
    xp.subtract(lo1, hi1, out=out[3])


def _bt_adjoint(v: Any, plane0: Any, plane1: Any, axis: int) -> None:
    """The transpose of `_bt`: the tiles' B v, overlap-added into the parity planes (overwritten).

    B's rows are B^T's columns: x0 = v0, x1 = v1 - v2 + v3, x2 = -v0 + v1 + v2, x3 = -v3;
    x0, x1 land in entry i of planes 0, 1 and x2, x3 in entry i + 1.
    """
    n = v[0].shape[axis]
    lo0, hi0 = _along(plane0, axis, 0, n), _along(plane0, axis, 1, n + 1)
    lo1, hi1 = _along(plane1, axis, 0, n), _along(plane1, axis, 1, n + 1)
    lo0[...] = v[0]
    _along(plane0, axis, n, n + 1)[...] = 0
    x2 = xp.add(v[1], v[2])
    x2 -= v[0]
    hi0 += x2
    xp.subtract(v[1], v[2], out=lo1)
    lo1 += v[3]
    _along(plane1, axis, n, n + 1)[...] = 0
    hi1 -= v[3]


def _at(m: Any, out: Any) -> None:
    """out = (A^T m): (m0 + m1 + m2, m1 - m2 - m3), the two output pixels of each tile."""
    xp.add(m[0], m[1], out=out[0])
    out[0] += m[2]
    xp.subtract(m[1], m[2], out=out[1])
    out[1] -= m[3]


def _at_adjoint(y: Any, out: Any) -> None:
    """The transpose of `_at`: out = A y = (y0, y0 + y1, y0 - y1, -y1)."""
    out[0] = y[0]
    xp.add(y[0], y[1], out=out[1])
    xp.subtract(y[0], y[1], out=out[2])
    xp.negative(y[1], out=out[3])


# -- kernel transform ---------------------------------------------------------


def kernel_transform(wd: Any) -> Any:
    """U = G w G^T for every (c, o): (3, 3, C, O) -> (16, C, O), xi = 4 p + q."""
    g = xp.asarray(_G, dtype=wd.dtype)
    gw = xp.tensordot(g, wd, axes=(1, 0))  # (p, b, C, O)
    u = xp.tensordot(g, gw, axes=(1, 1))  # (q, p, C, O)
    return xp.ascontiguousarray(u.transpose(1, 0, 2, 3)).reshape(16, *wd.shape[2:])


def kernel_transform_adjoint(du: Any) -> Any:
    """dw = G^T dU G: (16, C, O) -> (3, 3, C, O), the transpose of `kernel_transform`."""
    g = xp.asarray(_G, dtype=du.dtype)
    gdu = xp.tensordot(g, du.reshape(4, 4, *du.shape[1:]), axes=(0, 0))  # (a, q, C, O)
    return xp.tensordot(g, gdu, axes=(0, 1)).transpose(1, 0, 2, 3)  # (b, a, C, O) -> (a, b, C, O)


# -- parity planes of an image chunk ---------------------------------------------


def _parity_slices(start: int, size: int, parity: int) -> tuple[slice, slice]:
    """For an axis where image pixel k sits at padded position start + k: the image pixels
    with padded parity `parity` (a slice of k) and their plane entries (a slice of I)."""
    k0 = (parity - start) % 2
    count = max(0, -(-(size - k0) // 2))
    i0 = (start + k0) // 2
    return slice(k0, k0 + 2 * count, 2) if count else slice(0, 0), slice(i0, i0 + count)


def _to_planes(x: Any, planes: Any, top: int, left: int) -> None:
    """planes[n, r, I, s, J] = xpad[n, 2I + r, 2J + s], xpad = x placed at (top, left) in zeros."""
    planes.fill(0)
    h, w = x.shape[1:3]
    for r in range(2):
        rows, rows_i = _parity_slices(top, h, r)
        for s in range(2):
            cols, cols_j = _parity_slices(left, w, s)
            planes[:, r, rows_i, s, cols_j] = x[:, rows, cols]


def _from_planes(planes: Any, dx: Any, top: int, left: int) -> None:
    """The transpose of `_to_planes`: dx = the (top, left)-placed window of the planes' pixels."""
    h, w = dx.shape[1:3]
    for r in range(2):
        rows, rows_i = _parity_slices(top, h, r)
        for s in range(2):
            cols, cols_j = _parity_slices(left, w, s)
            dx[:, rows, cols] = planes[:, r, rows_i, s, cols_j]


# -- the op -------------------------------------------------------------------


def conv2d_winograd(xd: Any, wd: Any, bd: Any, pads, relu: bool, x: Tensor, w: Tensor, b: Tensor | None):
    """3x3, stride 1, dilation 1, groups 1; returns (out (N, oh, ow, O), backward) like `_dense_conv`.

    Args:
        xd: the unpadded input (N, H, W, C); pads: ((top, bottom), (left, right)).
        wd: (3, 3, C, O); bd: (O,) or None; relu: fuse max(out, 0).
    """
    n, h, wid, c = xd.shape
    o = wd.shape[3]
    (pt, pb), (pl, pr) = pads
    oh, ow = h + pt + pb - 2, wid + pl + pr - 2
    # th x tw tiles cover 2 th x 2 tw outputs (one extra row/column, cropped, where oh/ow
    # is odd) and read (2 th + 2) x (2 tw + 2) padded pixels: planes of th + 1 entries.
    th, tw = -(-oh // 2), -(-ow // 2)
    dtype = xp.result_type(xd.dtype, wd.dtype)
    u = kernel_transform(wd.astype(dtype, copy=False))  # (16, C, O)
    per_image = th * tw
    keep_v = grad_enabled() and w.requires_grad
    # V of every tile, kept for dU in the backward pass: 4 values per output pixel and
    # channel, where an im2col matrix would hold 9.
    v_all: Any = xp.empty((16, n * per_image, c), dtype=dtype) if keep_v else None
    out = xp.empty((n, oh, ow, o), dtype=dtype)
    chunks = image_chunks(n, 16 * per_image * (c + o) * out.itemsize, CHUNK_BYTES)
    # Output pixel (2i + a, 2j + b) is entry (i, j) of output plane (a, b).
    out_planes = [(a, b, slice(a, None, 2), slice(b, None, 2)) for a in (0, 1) for b in (0, 1)]
    even = oh % 2 == 0 and ow % 2 == 0  # the tiles cover the output exactly

    def forward_chunk(k: int) -> None:
        i0, i1 = chunks[k]
        m_ = i1 - i0
        planes = xp.empty((m_, 2, th + 1, 2, tw + 1, c), dtype=dtype)
        _to_planes(xd[i0:i1], planes, pt, pl)
        # rows: r[p] = (B^T d)[p], (m_, th, 2, tw + 1, C); then columns into V (4, 4, m_, th, tw, C)
        r = xp.empty((4, m_, th, 2, tw + 1, c), dtype=dtype)
        _bt(planes[:, 0], planes[:, 1], r, axis=1)
        v = v_all[:, i0 * per_image : i1 * per_image] if keep_v else xp.empty((16, m_ * per_image, c), dtype)
        v6 = v.reshape(4, 4, m_, th, tw, c)
        _bt(r[:, :, :, 0], r[:, :, :, 1], v6.transpose(1, 0, 2, 3, 4, 5), axis=3)
        mm = xp.matmul(v, u).reshape(4, 4, m_, th, tw, o)  # 16 x (pc, C) @ (C, O)
        if bd is not None:
            # A^T's column 1 is (1, 1): M[1, 1] reaches all four outputs of its tile with
            # weight 1, so the bias is added there, to 1/16 of M instead of to all of y.
            mm[1, 1] += bd
        t = xp.empty((2, 4, m_, th, tw, o), dtype=dtype)
        _at(mm, t)  # rows: (A^T M)[a] over p
        y = out[i0:i1]
        if even:  # columns straight into the output pixels: y6[:, i, a, j, b] = pixel (2i + a, 2j + b)
            _at(t.transpose(1, 0, 2, 3, 4, 5), y.reshape(m_, th, 2, tw, 2, o).transpose(4, 2, 0, 1, 3, 5))
        else:  # columns into output planes, then the planes' uncropped part into the pixels
            yq = xp.empty((2, 2, m_, th, tw, o), dtype=dtype)
            _at(t.transpose(1, 0, 2, 3, 4, 5), yq.transpose(1, 0, 2, 3, 4, 5))
            for a, b_, rows, cols in out_planes:
                dst = y[:, rows, cols]
                dst[...] = yq[a, b_, :, : dst.shape[1], : dst.shape[2]]
        if relu:
            xp.maximum(y, 0, out=y)

    parallel.run(forward_chunk, len(chunks))

    def backward(g):
        need_x, need_w, need_b = x.requires_grad, w.requires_grad, b is not None and b.requires_grad
        dm_all = xp.empty((16, n * per_image, o), dtype=dtype) if need_w else None
        db_parts = xp.empty((len(chunks), o), dtype=dtype) if need_b else None
        dx = xp.empty(xd.shape, dtype=dtype) if need_x else None
        u_t = u.transpose(0, 2, 1)  # (16, O, C), through BLAS's transpose flag

        def backward_chunk(k: int) -> None:
            i0, i1 = chunks[k]
            m_ = i1 - i0
            gc = g[i0:i1]
            if even:  # dY in output pixels, read through strided views of its output planes
                gm = gc * (out[i0:i1] > 0) if relu else gc
                gy = gm.reshape(m_, th, 2, tw, 2, o).transpose(4, 2, 0, 1, 3, 5)  # (b, a, m, th, tw, O)
                if need_b:
                    gm.reshape(-1, o).sum(axis=0, out=db_parts[k])
            else:  # dY copied into output planes, zero where the last tile row/column is cropped
                keep: Any = out[i0:i1] > 0 if relu else None
                gq = xp.zeros((2, 2, m_, th, tw, o), dtype=dtype)
                for a, b_, rows, cols in out_planes:
                    dst = gq[a, b_, :, : -(-(oh - a) // 2), : -(-(ow - b_) // 2)]
                    if relu:
                        xp.multiply(gc[:, rows, cols], keep[:, rows, cols], out=dst)
                    else:
                        dst[...] = gc[:, rows, cols]
                gy = gq.transpose(1, 0, 2, 3, 4, 5)
                if need_b:
                    gq.reshape(-1, o).sum(axis=0, out=db_parts[k])
            # dM = A dY A^T: columns (q from b), then rows (p from a)
            t = xp.empty((2, 4, m_, th, tw, o), dtype=dtype)
            _at_adjoint(gy, t.transpose(1, 0, 2, 3, 4, 5))
            dm = (
                dm_all[:, i0 * per_image : i1 * per_image]
                if need_w
                else xp.empty((16, m_ * per_image, o), dtype)
            )
            _at_adjoint(t, dm.reshape(4, 4, m_, th, tw, o))
            if need_x:
                dv = xp.matmul(dm, u_t).reshape(4, 4, m_, th, tw, c)  # 16 x (pc, O) @ (O, C)
                # dd = B dV B^T, overlap-added: columns (q -> planes s), then rows (p -> planes r)
                r = xp.empty((4, m_, th, 2, tw + 1, c), dtype=dtype)
                _bt_adjoint(dv.transpose(1, 0, 2, 3, 4, 5), r[:, :, :, 0], r[:, :, :, 1], axis=3)
                planes = xp.empty((m_, 2, th + 1, 2, tw + 1, c), dtype=dtype)
                _bt_adjoint(r, planes[:, 0], planes[:, 1], axis=1)
                _from_planes(planes, dx[i0:i1], pt, pl)

        parallel.run(backward_chunk, len(chunks))
        dw = None
        if need_w:
            du = xp.empty((16, c, o), dtype=dtype)

            def du_position(k: int) -> None:
                xp.matmul(v_all[k].T, dm_all[k], out=du[k])  # (C, P) @ (P, O)

            parallel.run(du_position, 16)
            dw = kernel_transform_adjoint(du).astype(wd.dtype, copy=False)
        db = db_parts.sum(axis=0) if need_b else None
        return (dx, dw) if b is None else (dx, dw, db)

    return out, backward
