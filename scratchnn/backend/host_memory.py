"""Keeps freed large arrays in the process heap, so a training step does not page-fault.

Why: glibc serves every block above `M_MMAP_THRESHOLD` (128 KiB at start, at most
32 MiB as it adapts) with a fresh `mmap`, and returns it to the kernel on free.
A training step allocates and frees the same few large arrays (im2col matrices,
activations, gradients) every step, so each step touches freshly mapped pages and
pays a page fault plus the kernel's zeroing for every 4 KiB of them. On the
tutorial CNN at batch 128 that is about a third of the step. Raising the mmap
threshold and the trim threshold keeps those blocks in the heap, where the next
step reuses them without faults. This is what TensorFlow's and PyTorch's own
caching allocators achieve; NumPy allocates through malloc, so malloc is tuned.

Only glibc (Linux) is touched. Set `SCRATCHNN_KEEP_FREED_MEMORY=0` to leave
malloc alone, e.g. when memory must go back to the system after a large free.
"""

from __future__ import annotations

import ctypes
import os
import sys

# mallopt parameter numbers from glibc's <malloc.h>.
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3

# Blocks up to this size live in the heap: a batch-128 CNN step's largest array is ~30 MB.
MMAP_THRESHOLD_BYTES = 512 << 20
# Free heap memory above this much is returned to the kernel (glibc's default is 128 KiB).
TRIM_THRESHOLD_BYTES = 1 << 30

_state = {"applied": False}


def keep_freed_memory() -> bool:
    """Tunes glibc malloc so freed large blocks are reused instead of unmapped.

    Returns:
        True when the tuning is in effect (now or from an earlier call), False when
        it does not apply (not glibc, or `SCRATCHNN_KEEP_FREED_MEMORY=0`).
    """
    if _state["applied"]:
        return True
    if os.environ.get("SCRATCHNN_KEEP_FREED_MEMORY", "1") == "0" or not sys.platform.startswith("linux"):
        return False
    try:
        # glibc's soname on every glibc Linux. ctypes.util.find_library would cost ~14 ms of
        # import and an `ldconfig -p` subprocess for the same answer.
        libc = ctypes.CDLL("libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # musl and other libcs have no mallopt
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    ok = mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES) == 1
    ok = ok and mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD_BYTES) == 1
    _state["applied"] = ok
    return ok
