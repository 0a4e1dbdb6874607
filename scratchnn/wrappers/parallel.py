"""Searches over several processes: one BLAS thread per worker, and a Dask client on loopback.

`GridSearchCV(..., n_jobs=2)` runs its fits in joblib's loky worker processes;
`with joblib.parallel_backend("dask"): search.fit(X, y)` runs them on the
workers of a `dask.distributed` cluster. Either way each worker trains one
network at a time, and two workers on two cores must not start four BLAS
threads that then fight over them. So a wrapper's `fit` and `predict` that run
in a worker process (a process started by `multiprocessing`, which loky and
Dask's nanny both use) limit BLAS to one thread, through threadpoolctl (a
dependency of scikit-learn), for the duration of the call, and scratchnn's own
thread pool (`scratchnn.backend.parallel`) runs serially. In the main process
both are left alone. `SCRATCHNN_WORKER_BLAS_THREADS=N` in the workers'
environment sets another limit, and `SCRATCHNN_WORKER_BLAS_THREADS=0` turns
the limit off (joblib's own `inner_max_num_threads` then applies).

Example:

>>> from scratchnn.wrappers.parallel import dask_client       # doctest: +SKIP
>>> client = dask_client(n_workers=2)                          # doctest: +SKIP
>>> with joblib.parallel_backend("dask"):                      # doctest: +SKIP
...     search.fit(X, y)
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
from collections.abc import Iterator
from typing import Any

from scratchnn.backend import parallel as backend_parallel

WORKER_BLAS_THREADS_ENV = "SCRATCHNN_WORKER_BLAS_THREADS"
_controller: Any = None


def worker_blas_threads() -> int | None:
    """The BLAS thread limit of a fit in this process: None in a main process or when turned off.

    Raises:
        ValueError: when `SCRATCHNN_WORKER_BLAS_THREADS` is not a non-negative integer.
    """
    if multiprocessing.parent_process() is None:
        return None
    raw = os.environ.get(WORKER_BLAS_THREADS_ENV, "1")
    try:
        threads = int(raw)
    except ValueError:
        threads = -1
    if threads < 0:
        raise ValueError(
            f"{WORKER_BLAS_THREADS_ENV} must be a non-negative integer (0 turns the limit off). Received: {raw!r}"
        )
    return threads or None


@contextlib.contextmanager
def worker_blas_limit() -> Iterator[None]:
    """Limits BLAS to `worker_blas_threads()` threads inside the block (nothing in a main process)."""
    global _controller
    threads = worker_blas_threads()
    if threads is None:
        yield
        return
    if _controller is None:
        # Inspecting the loaded libraries costs about a millisecond: once per process.
        from threadpoolctl import ThreadpoolController

        _controller = ThreadpoolController()
    # scratchnn's own thread pool (backend/parallel.py) stays serial too: one worker, one core.
    with backend_parallel.threads(1), _controller.limit(limits=threads, user_api="blas"):
        yield


def dask_client(
    address: str | None = None, n_workers: int = 2, threads_per_worker: int = 1, **cluster_kwargs: Any
) -> Any:
    """A `dask.distributed.Client`: to the scheduler at `address`, or to a new local cluster.

    The local cluster listens on 127.0.0.1 only, without the web dashboard,
    with `n_workers` worker processes of `threads_per_worker` threads each (one
    thread: one fit at a time per worker, and that fit's BLAS runs on one
    thread, see the module docstring).

    Args:
        address: "tcp://host:8786" of a running scheduler. Defaults to None (a
            local cluster).
        n_workers: worker processes of the local cluster. Defaults to 2.
        threads_per_worker: tasks each worker runs at once. Defaults to 1.
        **cluster_kwargs: further `distributed.LocalCluster` arguments.

    Returns:
        The connected `Client`; `client.close()` (or a `with` block) also shuts the local cluster down.

    Raises:
        ImportError: naming the `scratchnn[dask]` extra when dask.distributed is missing.
    """
    try:
        from dask.distributed import Client
    except ImportError as err:
        raise ImportError(
            "Searching on Dask needs dask and distributed, which are not installed. Install them with: "
            'pip install "scratchnn[dask]"'
        ) from err
    if address is not None:
        return Client(address)
    # Without an address the Client starts a LocalCluster it owns: closing the client closes it too.
    options = {"host": "127.0.0.1", "dashboard_address": None, "processes": True, **cluster_kwargs}
    return Client(n_workers=n_workers, threads_per_worker=threads_per_worker, **options)
