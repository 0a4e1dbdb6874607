"""Builders of hostile files for the saving tests: zips written by hand, HDF5 tricks, bounded children.

`zipfile` refuses to write what these tests need (duplicate names without a
warning, sizes it did not see, the encryption bit, an unknown method), so
`write_zip` writes local headers, data and the central directory itself,
with ZIP64 extra fields when a declared size needs them.
"""

import os
import struct
import subprocess
import sys
import textwrap
import zlib

import numpy as np

ZIP64_LIMIT = 0xFFFFFFFF


def deflate(data):
    """A raw deflate stream (as stored in a zip member)."""
    c = zlib.compressobj(6, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush()


def deflate_zeros(total, piece=1 << 26):
    """A raw deflate stream of `total` zero bytes, built in a fraction of the time compressing them takes.

    One `piece` of zeros is compressed with a full flush (which ends the block
    byte-aligned and resets the history), so copies of it concatenate into a
    valid stream; an empty final block closes it.
    """
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    segment = c.compress(b"\0" * piece) + c.flush(zlib.Z_FULL_FLUSH)
    count, rest = divmod(total, piece)
    tail = c.compress(b"\0" * rest) + c.flush(zlib.Z_FINISH)
    return segment * count + tail


def write_zip(path, members):
    """Writes a zip from dicts {name, data, method=0, flags=0, declared=len(raw), crc=crc32(raw)}.

    `data` is written as is (already compressed for method 8); `raw` (default
    `data`) is what the member claims to hold.
    """
    out = bytearray()
    central = bytearray()
    for m in members:
        name = m["name"].encode()
        data = m["data"]
        raw = m.get("raw", data)
        declared = m.get("declared", len(raw))
        crc = m.get("crc", zlib.crc32(raw))
        method, flags = m.get("method", 0), m.get("flags", 0)
        offset = len(out)
        big = declared >= ZIP64_LIMIT or len(data) >= ZIP64_LIMIT
        extra = struct.pack("<HHQQ", 1, 16, declared, len(data)) if big else b""
        sizes = (ZIP64_LIMIT, ZIP64_LIMIT) if big else (len(data), declared)
        version = 45 if big else 20
        out += struct.pack(
            "<IHHHHHIIIHH", 0x04034B50, version, flags, method, 0, 0x21, crc, *sizes, len(name), len(extra)
        )
        out += name + extra + data
        central += struct.pack(
            "<IHHHHHHIIIHHHHHII",
            0x02014B50, version, version, flags, method, 0, 0x21, crc, *sizes,
            len(name), len(extra), 0, 0, 0, 0, offset,
        )  # fmt: skip
        central += name + extra
    out += central
    out += struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(members), len(members), len(central),
                       len(out) - len(central), 0)  # fmt: skip
    with open(path, "wb") as fh:
        fh.write(out)


def zip_members(path):
    """{name: bytes} of a zip written by scratchnn or Keras."""
    import zipfile

    with zipfile.ZipFile(path) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


def stored(members):
    """`write_zip` members for {name: bytes}, stored uncompressed, in order."""
    return [{"name": k, "data": v} for k, v in members.items()]


LIMITED_CHILD = textwrap.dedent(
    """
    import resource, sys, traceback
    import numpy as np
    import h5py
    import scratchnn.keras as sk

    limit = int(sys.argv[1])
    # Cap the address space a little above what the imports already use: an attempt
    # to allocate gigabytes then fails with MemoryError instead of succeeding slowly.
    with open("/proc/self/status") as fh:
        vm = next(int(line.split()[1]) * 1024 for line in fh if line.startswith("VmSize:"))
    resource.setrlimit(resource.RLIMIT_AS, (vm + limit, resource.RLIM_INFINITY))
    try:
        exec(sys.argv[2])
    except MemoryError:
        print("MemoryError")
        sys.exit(3)
    except Exception as err:
        print(f"{type(err).__name__}: {err}")
        sys.exit(2)
    print("loaded")
    """
)


def run_limited(code, limit=512 << 20, timeout=120):
    """Runs `code` (with numpy, h5py and scratchnn.keras as sk imported) in a child whose address space
    may grow by at most `limit` bytes; returns (exit code, last line printed)."""
    env = {**os.environ, "PYTHONPATH": os.getcwd(), "OPENBLAS_NUM_THREADS": "1"}
    proc = subprocess.run(
        [sys.executable, "-c", LIMITED_CHILD, str(limit), textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
    )
    lines = (proc.stdout + proc.stderr).strip().splitlines()
    return proc.returncode, lines[-1] if lines else ""


def small_weights():
    rng = np.random.default_rng(0)
    return [rng.standard_normal(s).astype("float32") for s in ((3, 2), (2,), (2, 1), (1,))]
