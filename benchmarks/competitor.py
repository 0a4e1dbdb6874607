"""One competing CPU-bound process, started and stopped by the benchmark itself.

The "busy" condition measures a framework while another process keeps one core busy,
as a shared machine does (a second job, a test suite, a browser). The competitor is
a plain Python loop (`while True: pass`): it never sleeps, so the kernel's scheduler
shares the cores between it and the measured process, and a framework whose threads
wait for one another at fixed shares (BLAS's static split, spin barriers) loses much
more than the one core it was denied.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from collections.abc import Iterator

# Prints "ready" once the loop is about to start, then spins until killed.
SPIN = "import sys; print('ready', flush=True); sys.stdout.close()\nwhile True:\n    pass\n"


def start() -> subprocess.Popen:
    """Starts the competitor and returns once it is running."""
    proc = subprocess.Popen(
        [sys.executable, "-c", SPIN],
        stdout=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
        env={"PATH": os.environ.get("PATH", "")},
    )
    line = proc.stdout.readline() if proc.stdout is not None else ""
    if line.strip() != "ready":
        stop(proc)
        raise RuntimeError(f"the competing process did not start (exit {proc.poll()})")
    return proc


def stop(proc: subprocess.Popen) -> None:
    """Stops the competitor and waits for it, so no process outlives the measurement."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGKILL if hasattr(signal, "SIGKILL") else signal.SIGTERM)
    proc.wait()
    if proc.stdout is not None:
        proc.stdout.close()


@contextlib.contextmanager
def competing(active: bool = True) -> Iterator[subprocess.Popen | None]:
    """Runs a block with one competing CPU-bound process (none when `active` is False)."""
    if not active:
        yield None
        return
    proc = start()
    try:
        yield proc
    finally:
        stop(proc)
