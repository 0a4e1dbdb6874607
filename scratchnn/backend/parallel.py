"""scratchnn's execution layer: the heavy ops' independent chunks on a pool of threads.

NumPy runs each call on one core, and OpenBLAS splits each GEMM over its own threads
with a fixed, equal share per thread that busy-waits for the others. On a machine
where another process holds a core, that fixed split waits for the slowest thread
on every call, and a training step slows many-fold. scratchnn instead schedules its
own parallelism:

- An op cuts its work into independent chunks (image ranges of im2col, col2im and
  pooling, the 36 matrix products of a Winograd step, ...). The chunking depends on
  the shapes only, never on the thread count, so every thread count computes the
  same chunks in the same arithmetic order: results are bitwise identical to the
  serial path, and a seed gives the same weights with threads on or off. (The serial
  path gives BLAS back its own thread count; where that is above one, OpenBLAS may
  split a single large product's sums differently, so the bits match when BLAS runs
  one thread there too, e.g. with OPENBLAS_NUM_THREADS=1.)
- `run(fn, count)` runs `fn(0) ... fn(count - 1)` on `n` threads (the caller and
  n - 1 workers). Each thread takes the next chunk from a shared counter when it
  finishes one (dynamic scheduling, work-stealing in its simplest form), so a thread
  slowed by another process simply takes fewer chunks; nobody waits at a fixed
  share. The caller sleeps, not spins, while the last chunks finish, so a competing
  process gets the core back.
- NumPy's copies, ufuncs and reductions and BLAS's GEMMs release the GIL, so the
  chunks of an op run on all cores at once. BLAS is pinned to one thread inside them
  (threadpoolctl, process-wide, while the pool has more than one thread): n threads
  each calling a one-thread GEMM, instead of n threads each starting n BLAS threads.

Thread count: `set_num_threads(n)`, else `SCRATCHNN_NUM_THREADS`, else the thread
count the environment already gives the process's math (`OMP_NUM_THREADS`,
`OPENBLAS_NUM_THREADS`, `MKL_NUM_THREADS`: a process told to use one BLAS thread,
as CI does, stays serial), else the cores this process may run on.

Without threadpoolctl (`pip install scratchnn[threads]`) BLAS threads cannot be
pinned: the default is then the serial path (BLAS's own threads, as before), unless
the environment already pins BLAS to one thread. Asking for more threads explicitly
without it raises an ImportError naming the extra.

Before the pool first runs, `check_concurrent_blas()` compares GEMMs called from
all threads at once with the same GEMMs called serially (some OpenBLAS builds have
returned wrong results there); on any difference scratchnn warns and stays serial.
"""

from __future__ import annotations

import contextvars
import itertools
import os
import queue
import threading
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import numpy as _np

# Environment variables that already set a thread count for the process's math.
_ENV_THREADS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")

_state: dict[str, Any] = {
    "requested": None,  # set_num_threads(n); None = from the environment / machine
    "pool": None,  # the running _Pool, made lazily on the first parallel run
    "blas_limiter": None,  # threadpoolctl's limiter object while BLAS is pinned to one thread
    "checked": None,  # result of check_concurrent_blas() once it has run
    "default": None,  # default_num_threads(), computed once (set_num_threads(None) recomputes it)
    "threadpoolctl": None,  # whether threadpoolctl imports
}
_local = threading.local()  # .in_pool: this thread is running a chunk of a parallel job
_pool_lock = threading.Lock()


# -- thread count -------------------------------------------------------------


def _parse_count(text: str | None, name: str) -> int | None:
    if text is None or text.strip() == "":
        return None
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise ValueError(f"{name} must be a positive integer. Received: {name}={text!r}")
    return value


def machine_threads() -> int:
    """The CPUs this process may run on (its affinity mask and cgroup quota, else os.cpu_count())."""
    try:
        count = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        count = os.cpu_count() or 1
    try:  # a container's CPU quota (cgroup v2): "max 100000" or "200000 100000"
        with open("/sys/fs/cgroup/cpu.max") as f:
            quota, period = f.read().split()[:2]
        if quota != "max":
            count = min(count, max(1, int(int(quota) / int(period))))
    except (OSError, ValueError):
        pass
    return max(1, count)


def _have_threadpoolctl() -> bool:
    if _state["threadpoolctl"] is None:
        try:
            import threadpoolctl  # noqa: F401
        except ImportError:
            _state["threadpoolctl"] = False
        else:
            _state["threadpoolctl"] = True
    return _state["threadpoolctl"]


def _env_blas_threads() -> int | None:
    """The smallest thread count the environment sets for BLAS/OpenMP, or None."""
    counts = [_parse_count(os.environ.get(v), v) for v in _ENV_THREADS]
    given = [c for c in counts if c is not None]
    return min(given) if given else None


def default_num_threads() -> int:
    """The thread count used when `set_num_threads` was not called (see the module docstring).

    Raises:
        ValueError: if `SCRATCHNN_NUM_THREADS` (or OMP/OPENBLAS/MKL_NUM_THREADS) is not a
            positive integer.
    """
    explicit = _parse_count(os.environ.get("SCRATCHNN_NUM_THREADS"), "SCRATCHNN_NUM_THREADS")
    if explicit is not None:
        return explicit
    env = _env_blas_threads()
    count = env if env is not None else machine_threads()
    if count > 1 and not _have_threadpoolctl():
        return 1  # BLAS cannot be pinned: leave threading to BLAS, as without this layer
    return count


def num_threads() -> int:
    """The number of threads scratchnn's ops run their chunks on (1: the serial path)."""
    requested = _state["requested"]
    if requested is not None:
        return requested
    if _state["default"] is None:
        _state["default"] = default_num_threads()
    return _state["default"]


def set_num_threads(n: int | None) -> None:
    """Sets how many threads scratchnn's ops use; None returns to the default.

    With n > 1, BLAS is limited to one thread process-wide while scratchnn's pool
    splits the work; n = 1 runs every op serially and restores BLAS's own thread
    count. Results do not depend on n.

    Args:
        n: a positive integer, or None for `default_num_threads()`.

    Raises:
        ValueError: if `n` is not a positive integer or None.
        ImportError: if n > 1 and threadpoolctl (the `threads` extra) is missing while
            the environment does not already pin BLAS to one thread.

    Example:
        >>> from scratchnn.backend import parallel
        >>> parallel.set_num_threads(2)
    """
    if n is not None and (not isinstance(n, int) or isinstance(n, bool) or n < 1):
        raise ValueError(f"set_num_threads expects a positive integer or None. Received: n={n!r}")
    if n is not None and n > 1 and not _have_threadpoolctl() and _env_blas_threads() != 1:
        raise ImportError(
            f"set_num_threads({n}) needs threadpoolctl to pin BLAS to one thread per chunk: "
            "install it with `pip install scratchnn[threads]` (or set OPENBLAS_NUM_THREADS=1)."
        )
    _state["requested"] = n
    _state["default"] = None  # re-read the environment
    if num_threads() == 1:
        _shutdown()


@contextmanager
def threads(n: int | None) -> Iterator[None]:
    """Runs a block with `set_num_threads(n)`, then restores the previous setting."""
    previous = _state["requested"]
    set_num_threads(n)
    try:
        yield
    finally:
        set_num_threads(previous)


# -- BLAS ------------------------------------------------------------------


def blas_info() -> list[dict[str, Any]]:
    """threadpoolctl's description of the loaded BLAS libraries ([] without threadpoolctl).

    Each entry has `internal_api` (e.g. "openblas"), `version`, `num_threads` and, for
    OpenBLAS, `architecture` (the kernel it chose for this CPU, e.g. "Haswell").
    """
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return []
    return [i for i in threadpool_info() if i.get("user_api") == "blas"]


def _pin_blas() -> None:
    """Limits BLAS to one thread (remembering the previous limits); a no-op without threadpoolctl."""
    if _state["blas_limiter"] is not None:
        return
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return  # reached only when the environment already pins BLAS (see set_num_threads)
    _state["blas_limiter"] = threadpool_limits(limits=1, user_api="blas")


def _unpin_blas() -> None:
    limiter = _state["blas_limiter"]
    if limiter is not None:
        _state["blas_limiter"] = None
        limiter.restore_original_limits()


def check_concurrent_blas(
    matmul: Callable[..., Any] | None = None, count: int | None = None, rounds: int = 3
) -> bool:
    """True when GEMMs called from several threads at once equal the same GEMMs called serially.

    Every task multiplies its own operands, of shapes like the ops' chunks (odd sizes,
    transposed operands), into its own output; each result is compared bit for bit
    with the serial one. Runs on plain threads of its own, not on the pool.

    Args:
        matmul: the product to check, `(a, b, out) -> None`; default `numpy.matmul`.
        count: concurrent threads (default: max(num_threads(), 2)).
        rounds: repetitions of the concurrent run.
    """
    matmul = matmul or (lambda a, b, out: _np.matmul(a, b, out=out))
    count = count or max(num_threads(), 2)
    rng = _np.random.default_rng(0)
    shapes = [(203, 96, 64), (96, 517, 37), (160, 288, 64), (64, 196, 128), (25, 784, 32), (333, 75, 101)]
    tasks = []
    for i in range(4 * count):
        m, k, n = shapes[i % len(shapes)]
        a = rng.standard_normal((k, m) if i % 3 == 0 else (m, k), dtype=_np.float32)
        a = a.T if i % 3 == 0 else a  # every third task takes A through BLAS's transpose flag
        tasks.append((a, rng.standard_normal((k, n), dtype=_np.float32)))
    expected = []
    for a, b in tasks:
        out = _np.empty((a.shape[0], b.shape[1]), dtype=_np.float32)
        matmul(a, b, out)
        expected.append(out)
    results = [_np.full_like(e, _np.nan) for e in expected]
    for _ in range(rounds):
        start = threading.Barrier(count)

        def work(offset: int, start: threading.Barrier = start) -> None:
            start.wait()
            for i in range(offset, len(tasks), count):
                matmul(tasks[i][0], tasks[i][1], results[i])

        workers = [threading.Thread(target=work, args=(t,)) for t in range(count)]
        for w in workers:
            w.start()
        for w in workers:
            w.join()
        if not all(_np.array_equal(r, e) for r, e in zip(results, expected)):
            return False
    return True


# -- the pool ----------------------------------------------------------------


class _Job:
    """One parallel run: `fn(i)` for i in range(count), handed out by a shared counter."""

    __slots__ = ("fn", "count", "_next", "_left", "_lock", "done", "errors", "context")

    def __init__(self, fn: Callable[[int], Any], count: int) -> None:
        self.fn, self.count = fn, count
        self._next = itertools.count().__next__  # atomic under the GIL: each index goes to one thread
        self._left = count
        self._lock = threading.Lock()
        self.done = threading.Event()
        self.errors: dict[int, BaseException] = {}
        # Workers run in a copy of the caller's context, so np.errstate (a context
        # variable in NumPy 2) applies to the chunks as it does on the serial path.
        self.context = contextvars.copy_context()

    def work(self) -> None:
        """Takes chunks until none are left; the thread that finishes the last one sets `done`."""
        while True:
            i = self._next()
            if i >= self.count:
                return
            try:
                self.fn(i)
            except BaseException as exc:  # noqa: BLE001 - re-raised in the caller
                self.errors[i] = exc
            with self._lock:
                self._left -= 1
                if self._left == 0:
                    self.done.set()


class _Pool:
    """n - 1 daemon worker threads; the caller of `run` is the n-th."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._jobs: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._busy = threading.Lock()
        self._workers = [
            threading.Thread(target=self._serve, name=f"scratchnn-{i + 1}", daemon=True)
            for i in range(size - 1)
        ]
        for w in self._workers:
            w.start()

    def _serve(self) -> None:
        _local.in_pool = True
        while True:
            job = self._jobs.get()
            if job is None:
                return
            job.context.copy().run(job.work)

    def run(self, fn: Callable[[int], Any], count: int) -> bool:
        """Runs the job on the pool; False (nothing run) when another thread's job holds it."""
        if not self._busy.acquire(blocking=False):
            return False
        try:
            job = _Job(fn, count)
            # Workers that wake late find the counter spent and go back to sleep: nobody
            # waits for a thread that another process keeps off its core.
            for _ in range(min(self.size - 1, count - 1)):
                self._jobs.put(job)
            _local.in_pool = True
            try:
                job.work()
            finally:
                _local.in_pool = False
            job.done.wait()
        finally:
            self._busy.release()
        if job.errors:
            raise job.errors[min(job.errors)]
        return True

    def close(self) -> None:
        for _ in self._workers:
            self._jobs.put(None)


def _shutdown() -> None:
    with _pool_lock:
        pool, _state["pool"] = _state["pool"], None
    if pool is not None:
        pool.close()
    _unpin_blas()


def _get_pool(size: int) -> _Pool | None:
    """The pool of `size` threads (made, and BLAS pinned, on first use); None to stay serial."""
    pool = _state["pool"]
    if pool is not None and pool.size == size:
        return pool
    with _pool_lock:
        pool = _state["pool"]
        if pool is not None and pool.size == size:
            return pool
        if pool is not None:
            pool.close()
        _pin_blas()
        if _state["checked"] is None:
            _state["checked"] = check_concurrent_blas(count=size)
            if not _state["checked"]:
                warnings.warn(
                    "GEMMs called from several threads at once gave results different from serial "
                    "calls with this BLAS build; scratchnn runs its ops serially (set_num_threads(1)).",
                    RuntimeWarning,
                    stacklevel=3,
                )
        if not _state["checked"]:
            _state["requested"] = 1
            _state["pool"] = None
            _unpin_blas()
            return None
        _state["pool"] = pool = _Pool(size)
        return pool


def run(fn: Callable[[int], Any], count: int) -> None:
    """Calls `fn(i)` for every i in range(count), on the pool's threads when it has more than one.

    The calls must be independent (disjoint outputs); their order is not defined. The
    caller takes part and returns when all are done. Runs serially, in index order,
    when count < 2, with one thread, inside another parallel run, or while another
    thread's job holds the pool. An exception raised by a call is re-raised here (the
    lowest index first) after the other calls finish.

    Args:
        fn: called with each chunk index.
        count: the number of chunks.
    """
    if count > 1 and not getattr(_local, "in_pool", False):
        size = num_threads()
        if size > 1:
            pool = _get_pool(size)
            if pool is not None and pool.run(fn, count):
                return
    for i in range(count):
        fn(i)


def activate() -> bool:
    """Pins BLAS to one thread now if the pool runs with more than one thread; True if it does.

    `run` does this on its first parallel call. Code whose first heavy op is a plain GEMM
    (a dense network's training loop) calls this once up front, so BLAS's own threads never
    run beside the pool's; later calls are a dictionary look-up.
    """
    size = num_threads()
    return size > 1 and _get_pool(size) is not None


def _after_fork_in_child() -> None:
    # The child has the parent's memory but none of its threads: start a fresh pool when needed.
    _state["pool"] = None


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)
