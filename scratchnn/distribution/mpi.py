"""The MPI world of a data-parallel run: rank, size, and collectives that cannot hang forever.

mpi4py is an optional extra (`pip install "scratchnn[mpi]"`, which also
installs the `mpich` wheel and its `mpiexec`). It is imported only when a
distribution needs it, and `MPI_Init` runs at that import.

Every collective is posted non-blocking (`Iallreduce`, `Ibcast`) and then
polled against a deadline (`SCRATCHNN_COLLECTIVE_TIMEOUT` seconds, default
120). A rank that died before posting its part, or hangs, would otherwise
leave the others blocked forever; past the deadline the waiting rank prints
which collective it waited for and calls `MPI_Abort`, which makes `mpiexec`
end every rank. A rank whose Python code raises does the same at once
(`Communicator.abort`), so the job ends with the error instead of a hang.
"""

from __future__ import annotations

import os
import sys
import time
from typing import Any

import numpy as np

MPI_EXTRA_HINT = (
    "Data-parallel training over MPI needs mpi4py, which is not installed. Install it with: "
    'pip install "scratchnn[mpi]" (it brings the mpich wheel, whose mpiexec starts the ranks)'
)
TIMEOUT_ENV = "SCRATCHNN_COLLECTIVE_TIMEOUT"
DEFAULT_TIMEOUT = 120.0
# Waiting spins on MPI_Test (yielding the core) this long, then polls every POLL_SECONDS: a step's
# Allreduce normally completes within microseconds of the slower rank posting it, and a sleep there
# would add its length to every step.
SPIN_SECONDS = 0.05
POLL_SECONDS = 0.001

# The world size that MPI launchers put in every rank's environment (MPICH's Hydra and PMI, Open MPI).
_LAUNCHER_SIZE_VARIABLES = ("PMI_SIZE", "OMPI_COMM_WORLD_SIZE")


def launched_size() -> int:
    """The number of ranks an MPI launcher started, read from its environment (1 if none)."""
    for name in _LAUNCHER_SIZE_VARIABLES:
        value = os.environ.get(name, "")
        if value.isdigit():
            return int(value)
    return 1


def import_mpi() -> Any:
    """`mpi4py.MPI` (initializing MPI), or an ImportError naming the `scratchnn[mpi]` extra."""
    try:
        from mpi4py import MPI
    except ImportError as err:
        raise ImportError(MPI_EXTRA_HINT) from err
    return MPI


def collective_timeout() -> float:
    """Seconds a rank waits for the others in one collective (`SCRATCHNN_COLLECTIVE_TIMEOUT`).

    Raises:
        ValueError: when the variable is not a positive number.
    """
    raw = os.environ.get(TIMEOUT_ENV)
    if raw is None:
        return DEFAULT_TIMEOUT
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not value > 0:
        raise ValueError(f"{TIMEOUT_ENV} must be a positive number of seconds. Received: {raw!r}")
    return value


class Communicator:
    """`MPI.COMM_WORLD` with timed collectives on NumPy buffers.

    Args:
        comm: an mpi4py communicator. Defaults to `MPI.COMM_WORLD`.
        timeout: seconds to wait in a collective. Defaults to `collective_timeout()`.
    """

    def __init__(self, comm: Any = None, timeout: float | None = None) -> None:
        self.MPI = import_mpi()
        self.comm = comm if comm is not None else self.MPI.COMM_WORLD
        self.rank = self.comm.Get_rank()
        self.size = self.comm.Get_size()
        self.timeout = collective_timeout() if timeout is None else float(timeout)
        # Seconds spent waiting in collectives, and bytes this rank contributed (for the benchmark).
        self.seconds = 0.0
        self.bytes = 0

    def allreduce_sum(self, buffer: np.ndarray, what: str) -> np.ndarray:
        """Sums `buffer` (contiguous) over the ranks, in place; every rank gets the sum."""
        request = self.comm.Iallreduce(self.MPI.IN_PLACE, buffer, op=self.MPI.SUM)
        self._wait(request, what)
        self.bytes += buffer.nbytes
        return buffer

    def broadcast(self, buffer: np.ndarray, what: str, root: int = 0) -> np.ndarray:
        """Copies rank `root`'s `buffer` (contiguous) into every rank's, in place."""
        request = self.comm.Ibcast(buffer, root=root)
        self._wait(request, what)
        return buffer

    def _wait(self, request: Any, what: str) -> None:
        started = time.perf_counter()
        deadline = started + self.timeout
        spin_until = started + SPIN_SECONDS
        while not request.Test():
            now = time.perf_counter()
            if now > deadline:
                self.abort(
                    f"waited {self.timeout:g} s for the other ranks in {what}: a rank has failed or hangs "
                    f"(set {TIMEOUT_ENV} to wait longer)"
                )
            if now < spin_until:
                os.sched_yield()
            else:
                time.sleep(POLL_SECONDS)
        self.seconds += time.perf_counter() - started

    def abort(self, message: str) -> None:
        """Prints `message` naming this rank on stderr and ends every rank of the job (`MPI_Abort`)."""
        sys.stdout.flush()
        print(
            f"scratchnn.distribution: rank {self.rank} of {self.size}: {message}", file=sys.stderr, flush=True
        )
        self.comm.Abort(1)
