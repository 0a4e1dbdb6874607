"""The IDX reader and writer: round trips, the byte layout, and every refusal."""

import gzip
import hashlib
import io
import struct

import numpy as np
import pytest

from scratchnn.datasets import DatasetError
from scratchnn.datasets.idx import idx_header, read_idx, write_idx

DTYPES = ["uint8", "int8", "int16", "int32", "float32", "float64"]
CODES = {"uint8": 0x08, "int8": 0x09, "int16": 0x0B, "int32": 0x0C, "float32": 0x0D, "float64": 0x0E}


def reference_idx(array: np.ndarray) -> bytes:
    """IDX bytes built independently with struct: magic, big-endian dims, big-endian data."""
    magic = struct.pack(">BBBB", 0, 0, CODES[array.dtype.name], array.ndim)
    dims = struct.pack(f">{array.ndim}I", *array.shape)
    return magic + dims + array.astype(array.dtype.newbyteorder(">")).tobytes()


def sample(dtype, shape, rng):
    if np.dtype(dtype).kind == "f":
        return rng.standard_normal(shape).astype(dtype)
    info = np.iinfo(dtype)
    return rng.integers(info.min, info.max, size=shape, endpoint=True).astype(dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(7,), (3, 5), (2, 3, 4), (0, 4)])
@pytest.mark.parametrize("suffix", ["", ".gz"])
def test_round_trip_and_byte_layout(tmp_path, rng, dtype, shape, suffix):
    array = sample(dtype, shape, rng)
    path = tmp_path / f"a-idx{suffix}"
    write_idx(path, array)
    raw = path.read_bytes()
    if suffix:
        raw = gzip.decompress(raw)
    assert raw == reference_idx(array)
    back = read_idx(path, sha256=hashlib.sha256(raw).hexdigest())
    assert back.dtype == array.dtype and back.dtype.isnative
    assert back.shape == array.shape
    np.testing.assert_array_equal(back, array)
    assert back.flags.writeable


def test_header_matches_struct():
    assert idx_header((60000, 28, 28), "uint8") == struct.pack(">BBBB3I", 0, 0, 8, 3, 60000, 28, 28)


def test_gzip_detected_by_content_not_name(tmp_path, rng):
    array = sample("int16", (4, 6), rng)
    path = tmp_path / "no-suffix"
    path.write_bytes(gzip.compress(reference_idx(array)))
    np.testing.assert_array_equal(read_idx(path), array)


def test_multi_member_gzip_accepted(tmp_path, rng):
    raw = reference_idx(sample("uint8", (10, 3), rng))
    path = tmp_path / "two-members.gz"
    path.write_bytes(gzip.compress(raw[:17]) + gzip.compress(raw[17:]))
    np.testing.assert_array_equal(
        read_idx(path, sha256=hashlib.sha256(raw).hexdigest()), read_idx(io.BytesIO(raw))
    )


@pytest.mark.parametrize("compress", [False, True])
def test_file_objects(rng, compress):
    array = sample("float32", (2, 3), rng)
    raw = reference_idx(array)
    data = gzip.compress(raw) if compress else raw
    np.testing.assert_array_equal(read_idx(io.BytesIO(data)), array)

    class Unseekable(io.RawIOBase):
        def __init__(self, payload):
            self.inner = io.BytesIO(payload)

        def readable(self):
            return True

        def readinto(self, buffer):
            return self.inner.readinto(buffer)

    np.testing.assert_array_equal(read_idx(io.BufferedReader(Unseekable(data))), array)
    out = io.BytesIO()
    write_idx(out, array)
    assert out.getvalue() == raw


def good_bytes() -> bytes:
    return reference_idx(np.arange(24, dtype="uint8").reshape(2, 3, 4))


CORRUPT = {
    "empty": (b"", "too short for an IDX header"),
    "short": (b"\x00\x00", "too short for an IDX header"),
    "bad magic": (b"\x01\x02" + good_bytes()[2:], "bad magic number 0x01020803"),
    "dtype code": (b"\x00\x00\x07\x03" + good_bytes()[4:], "unknown element-type code 0x07"),
    "zero dims": (b"\x00\x00\x08\x00", "declares 0 dimensions"),
    "header cut": (good_bytes()[:10], r"truncated header: 3 dimension sizes declared \(12 bytes\), only 6"),
    "data cut": (good_bytes()[:-5], r"truncated: the header declares shape \(2, 3, 4\) of uint8 \(24 bytes"),
    "padded": (good_bytes() + b"\x00\x00\x00", "padded: 3 unexpected bytes after the 24 bytes"),
    "huge": (b"\x00\x00\x0e\x03" + struct.pack(">3I", 2**32 - 1, 2**32 - 1, 2**32 - 1), "declares shape"),
}


@pytest.mark.parametrize("suffix", ["", ".gz"])
@pytest.mark.parametrize("case", list(CORRUPT))
def test_corrupt_files_refused_with_file_and_check_named(tmp_path, case, suffix):
    data, message = CORRUPT[case]
    path = tmp_path / f"bad-{case.replace(' ', '-')}{suffix}"
    path.write_bytes(gzip.compress(data) if suffix else data)
    with pytest.raises(DatasetError, match=message) as info:
        read_idx(path)
    assert str(path) in str(info.value)
    assert "replace it with a good copy" in str(info.value)


def test_truncated_gzip_refused(tmp_path):
    path = tmp_path / "cut.gz"
    path.write_bytes(gzip.compress(good_bytes() * 50)[:-20])
    with pytest.raises(DatasetError, match="gzip stream is damaged or cut short") as info:
        read_idx(path)
    assert str(path) in str(info.value)


def test_corrupt_gzip_refused(tmp_path):
    data = bytearray(gzip.compress(reference_idx(np.arange(5000, dtype="int32"))))
    data[-6] ^= 0xFF  # inside the CRC-32 / length trailer
    path = tmp_path / "crc.gz"
    path.write_bytes(bytes(data))
    with pytest.raises(DatasetError, match="gzip stream is damaged"):
        read_idx(path)


def test_checksum_mismatch_refused(tmp_path):
    path = tmp_path / "ok-idx"
    path.write_bytes(good_bytes())
    wrong = hashlib.sha256(b"something else").hexdigest()
    with pytest.raises(DatasetError, match=f"checksum mismatch.*expected {wrong}") as info:
        read_idx(path, sha256=wrong)
    assert str(path) in str(info.value)
    # The same file passes with its own checksum, and DatasetError is both kinds of error.
    read_idx(path, sha256=hashlib.sha256(good_bytes()).hexdigest())
    assert issubclass(DatasetError, ValueError) and issubclass(DatasetError, OSError)


@pytest.mark.parametrize(
    "array, error, message",
    [
        (np.zeros(3, dtype=bool), ValueError, "Received: dtype=bool"),
        (np.zeros(3, dtype="int64"), ValueError, "Received: dtype=int64"),
        (np.float32(1.0), ValueError, r"Received: shape=\(\)"),
        (np.array([object()]), TypeError, "Received: array="),
    ],
)
def test_write_refuses_what_idx_cannot_hold(tmp_path, array, error, message):
    with pytest.raises(error, match=message):
        write_idx(tmp_path / "x", array)


def test_read_refuses_non_path():
    with pytest.raises(TypeError, match="Received: path_or_fileobj=3"):
        read_idx(3)
