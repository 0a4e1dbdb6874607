"""The malloc tuning that keeps freed large arrays for reuse (scratchnn.backend.host_memory)."""

import subprocess
import sys

import pytest

# While a 64 MB array is alive, prints the bytes glibc holds in mmapped blocks; after it
# is freed, the free bytes kept in the heap (mallinfo2's hblkhd and fordblks).
_PROBE = """
import ctypes, numpy as np, scratchnn.backend
class Info(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in
                "arena ordblks smblks hblks hblkhd usmblks fsmblks uordblks fordblks keepcost".split()]
libc = ctypes.CDLL("libc.so.6")
libc.mallinfo2.restype = Info
a = np.ones(16 << 20, dtype=np.float32)
mapped = libc.mallinfo2().hblkhd
del a
print(mapped, libc.mallinfo2().fordblks)
"""
MB = 1 << 20


def _probe(env_value: str) -> tuple[int, int]:
    env = {"SCRATCHNN_KEEP_FREED_MEMORY": env_value, "PATH": ""}
    out = subprocess.run([sys.executable, "-c", _PROBE], env=env, capture_output=True, text=True, check=True)
    mapped, kept = out.stdout.split()
    return int(mapped), int(kept)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc malloc tuning is Linux-only")
def test_a_large_array_lives_in_the_heap_and_is_kept_after_free():
    from scratchnn.backend.host_memory import keep_freed_memory

    assert keep_freed_memory() is True
    # Default glibc: the array is its own mmap, returned to the kernel on free.
    mapped, kept = _probe("0")
    assert mapped >= 64 * MB and kept < 64 * MB
    # Tuned: it comes from the heap, and the freed block stays there for the next step.
    mapped, kept = _probe("1")
    assert mapped < 64 * MB and kept >= 64 * MB
