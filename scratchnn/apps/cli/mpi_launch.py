"""`mpiexec -n R scratchnn train RECIPE`: data-parallel training when an MPI launcher starts the command.

Every rank runs the same command with a `DataParallel` distribution, so they
make the same `fit` and `evaluate` calls (which meet in collectives). Rank 0
is the one the user sees: it prints, shows the progress bar and writes the
run folder. The other ranks write into a temporary folder that is removed
afterwards, with their standard output silenced; their errors still reach
stderr (and end the job, see `scratchnn.distribution`).
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import functools
import os
import shutil
import tempfile
from collections.abc import Callable


def data_parallel_ranks(run: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    """Decorates a training command: unchanged in one process, data-parallel under `mpiexec -n R`."""

    @functools.wraps(run)
    def wrapper(args: argparse.Namespace) -> int:
        from scratchnn import distribution
        from scratchnn.distribution import mpi

        if mpi.launched_size() <= 1:
            return run(args)
        distribution.set_distribution(distribution.DataParallel())
        if distribution.distribution().process_id == 0:
            return run(args)
        scratch = tempfile.mkdtemp(prefix="scratchnn-rank-")
        args = copy.copy(args)
        args.output = scratch
        try:
            with open(os.devnull, "w") as quiet, contextlib.redirect_stdout(quiet):
                return run(args)
        finally:
            shutil.rmtree(scratch, ignore_errors=True)

    return wrapper
