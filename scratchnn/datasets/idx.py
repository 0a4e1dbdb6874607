"""Reading and writing IDX files, the format MNIST and Fashion-MNIST ship in.

An IDX file is a 4-byte magic number, one big-endian uint32 per dimension,
then the elements in C order, big-endian:

    bytes 0-1   0x00 0x00
    byte  2     element type: 0x08 uint8, 0x09 int8, 0x0B int16, 0x0C int32,
                0x0D float32, 0x0E float64
    byte  3     number of dimensions, n >= 1
    4 .. 4+4n   the n sizes, uint32 big-endian
    the rest    prod(sizes) elements, nothing after them

Files are often gzip-compressed (`*.gz`); `read_idx` recognises the gzip
signature itself, whatever the file is called.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import io
import os
import zlib
from typing import IO, Any

import numpy as np

from scratchnn.datasets.errors import DatasetError

# IDX element-type code -> big-endian NumPy dtype.
_CODE_TO_DTYPE = {
    0x08: np.dtype("u1"),
    0x09: np.dtype("i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}
_NAME_TO_CODE = {dt.name: code for code, dt in _CODE_TO_DTYPE.items()}
_GZIP_SIGNATURE = b"\x1f\x8b"
_FIX = "The file is damaged or is not an IDX file: replace it with a good copy."


def _fail(name: str, check: str, fix: str = _FIX) -> DatasetError:
    return DatasetError(f"{name}: {check}. {fix}")


def _describe(source: Any) -> str:
    if isinstance(source, (str, os.PathLike)):
        return os.fspath(source)
    return str(getattr(source, "name", "<file object>"))


def _open_stream(source: Any) -> tuple[IO[bytes], list[IO[bytes]]]:
    """Returns a binary stream of the (decompressed) IDX bytes, plus what to close."""
    to_close: list[IO[bytes]] = []
    if isinstance(source, (str, os.PathLike)):
        raw: IO[bytes] = open(source, "rb")  # closed by read_idx
        to_close.append(raw)
    elif hasattr(source, "read"):
        raw = source
        if not (hasattr(raw, "seekable") and raw.seekable()):
            # Peeking at the signature needs a rewind: buffer unseekable streams.
            raw = io.BytesIO(raw.read())
    else:
        raise TypeError(
            "`path_or_fileobj` must be a path or a binary file object. "
            f"Received: path_or_fileobj={source!r} of type {type(source).__name__}"
        )
    start = raw.tell()
    signature = raw.read(2)
    raw.seek(start)
    if signature == _GZIP_SIGNATURE:
        stream: IO[bytes] = gzip.GzipFile(fileobj=raw, mode="rb")
        to_close.insert(0, stream)
        return stream, to_close
    return raw, to_close


def _byte_view(array: np.ndarray) -> memoryview:
    """A flat uint8 view of a C-contiguous array (any byte order), for I/O and hashing."""
    return memoryview(array.reshape(-1).view(np.uint8))


def _read_exactly(stream: IO[bytes], buffer: memoryview) -> int:
    """Fills `buffer` from `stream`; returns how many bytes arrived before EOF."""
    filled = 0
    while filled < len(buffer):
        count = stream.readinto(buffer[filled:])  # type: ignore[attr-defined]
        if not count:
            break
        filled += count
    return filled


def _count_rest(stream: IO[bytes]) -> int:
    extra = 0
    while chunk := stream.read(1 << 20):
        extra += len(chunk)
    return extra


def _parse(stream: IO[bytes], name: str, digest: Any) -> np.ndarray:
    magic = stream.read(4)
    if len(magic) < 4:
        raise _fail(name, f"too short for an IDX header: {len(magic)} bytes, at least 4 needed")
    if magic[:2] != b"\x00\x00":
        raise _fail(
            name,
            f"bad magic number 0x{magic.hex()}: an IDX file starts with two zero bytes, "
            "then an element-type code and the number of dimensions",
        )
    code, ndim = magic[2], magic[3]
    if code not in _CODE_TO_DTYPE:
        known = ", ".join(f"0x{c:02X} ({dt.name})" for c, dt in _CODE_TO_DTYPE.items())
        raise _fail(name, f"unknown element-type code 0x{code:02X}; expected one of {known}")
    if ndim == 0:
        raise _fail(name, "the header declares 0 dimensions; an IDX array has at least 1")
    dims_bytes = stream.read(4 * ndim)
    if len(dims_bytes) < 4 * ndim:
        raise _fail(
            name,
            f"truncated header: {ndim} dimension sizes declared ({4 * ndim} bytes), "
            f"only {len(dims_bytes)} bytes present",
        )
    shape = tuple(int(d) for d in np.frombuffer(dims_bytes, dtype=">u4"))
    dtype = _CODE_TO_DTYPE[code]
    expected = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    try:
        array = np.empty(shape, dtype=dtype)
    except (MemoryError, ValueError) as exc:
        raise _fail(
            name, f"the header declares shape {shape} ({expected} bytes), which cannot be allocated"
        ) from exc
    # Stream the elements straight into the array: one pass, no intermediate copy.
    filled = _read_exactly(stream, _byte_view(array))
    if filled < expected:
        raise _fail(
            name,
            f"truncated: the header declares shape {shape} of {dtype.name} ({expected} bytes of "
            f"data) but only {filled} bytes follow it",
        )
    extra = _count_rest(stream)
    if extra:
        raise _fail(
            name,
            f"padded: {extra} unexpected bytes after the {expected} bytes of data declared by "
            f"the header (shape {shape} of {dtype.name})",
        )
    if digest is not None:
        digest.update(magic)
        digest.update(dims_bytes)
        digest.update(_byte_view(array))
    if dtype.byteorder == ">":
        array = array.astype(dtype.newbyteorder("="))
    return array


def read_idx(path_or_fileobj: str | os.PathLike | IO[bytes], *, sha256: str | None = None) -> np.ndarray:
    """Reads an IDX file (plain or gzip-compressed) into a NumPy array.

    Every structural property is checked: the magic number, the element-type
    code, the number of dimensions, and that exactly `prod(shape)` elements
    follow the header (no fewer, no more).

    Args:
        path_or_fileobj: a path, or a binary file object positioned at the
            start of the file. Gzip compression is detected from the content.
        sha256: optional hex SHA-256 of the *decompressed* IDX bytes. When
            given, a file whose bytes differ is refused.

    Returns:
        A writable array in native byte order with the shape from the header,
        e.g. `(60000, 28, 28)` uint8 for MNIST training images.

    Raises:
        DatasetError: the file is truncated, padded, not IDX, a damaged gzip
            stream, or fails the checksum. The message names the file and the
            check that failed.
        TypeError: `path_or_fileobj` is neither a path nor a file object.
        FileNotFoundError: the path does not exist.

    Example:

    >>> x = read_idx("mnist/t10k-images-idx3-ubyte.gz")  # doctest: +SKIP
    >>> x.shape, x.dtype                                  # doctest: +SKIP
    ((10000, 28, 28), dtype('uint8'))
    """
    name = _describe(path_or_fileobj)
    digest = hashlib.sha256() if sha256 is not None else None
    stream, to_close = _open_stream(path_or_fileobj)
    try:
        array = _parse(stream, name, digest)
    except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
        raise _fail(name, f"the gzip stream is damaged or cut short ({exc})") from exc
    finally:
        for handle in to_close:
            handle.close()
    if digest is not None and digest.hexdigest() != sha256.lower():
        raise _fail(
            name,
            f"checksum mismatch: the SHA-256 of the decompressed IDX bytes is {digest.hexdigest()}, "
            f"expected {sha256.lower()}",
            "The file has the right layout but the wrong content: replace it with the original.",
        )
    return array


def idx_header(shape: tuple[int, ...], dtype: Any) -> bytes:
    """Returns the IDX header bytes for an array of this `shape` and `dtype`.

    `hashlib.sha256(idx_header(a.shape, a.dtype) + a.astype(big-endian).tobytes())`
    is the checksum of the IDX file that holds `a`, which lets arrays from
    other containers (`.npz`) be checked against IDX checksums.
    """
    name = np.dtype(dtype).name
    if name not in _NAME_TO_CODE:
        raise ValueError(
            f"IDX stores only {', '.join(_NAME_TO_CODE)}. Received: dtype={name}",
        )
    if not 1 <= len(shape) <= 255:
        raise ValueError(f"An IDX array has 1 to 255 dimensions. Received: shape={tuple(shape)}")
    if any(not 0 <= int(d) < 2**32 for d in shape):
        raise ValueError(f"Each IDX dimension must fit in uint32. Received: shape={tuple(shape)}")
    return bytes([0, 0, _NAME_TO_CODE[name], len(shape)]) + np.asarray(shape, dtype=">u4").tobytes()


def write_idx(path: str | os.PathLike | IO[bytes], array: Any) -> None:
    """Writes `array` as an IDX file; a path ending in `.gz` is gzip-compressed.

    Args:
        path: destination path, or a binary file object (written uncompressed).
        array: array-like of dtype uint8, int8, int16, int32, float32 or
            float64, with 1 to 255 dimensions, e.g. `(N, 28, 28)` uint8 images
            or `(N,)` uint8 labels.

    Raises:
        TypeError: `array` is not array-like, or `path` is not a path or file.
        ValueError: the dtype or shape cannot be stored in IDX.

    Example:

    >>> write_idx("labels-idx1-ubyte.gz", np.arange(10, dtype="uint8"))  # doctest: +SKIP
    """
    array = np.asarray(array)
    if array.dtype == object:
        raise TypeError(f"`array` must be a numeric array. Received: array={array!r}")
    header = idx_header(array.shape, array.dtype)
    # IDX elements are big-endian; uint8/int8 are unaffected.
    body = np.ascontiguousarray(array, dtype=array.dtype.newbyteorder(">"))
    if isinstance(path, (str, os.PathLike)):
        # mtime=0 keeps a .gz output byte-identical from run to run.
        gz = os.fspath(path).endswith(".gz")
        target: Any = gzip.GzipFile(os.fspath(path), "wb", mtime=0) if gz else open(path, "wb")
    elif hasattr(path, "write"):
        target = contextlib.nullcontext(path)  # the caller's file object stays open
    else:
        raise TypeError(f"`path` must be a path or a binary file object. Received: path={path!r}")
    with target as out:
        out.write(header)
        out.write(_byte_view(body))
