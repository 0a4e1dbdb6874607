"""The execution layer (scratchnn.backend.parallel): thread count, the pool, BLAS pinning, the BLAS check."""

import threading
import time

import numpy as np
import pytest

from scratchnn.backend import parallel


@pytest.fixture(autouse=True)
def default_threads(monkeypatch):
    """Every test starts from the environment's default and leaves it so."""
    for var in ("SCRATCHNN_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        monkeypatch.delenv(var, raising=False)
    parallel.set_num_threads(None)
    yield
    parallel.set_num_threads(None)


@pytest.mark.parametrize(
    "env,expected",
    [
        ({"SCRATCHNN_NUM_THREADS": "3", "OPENBLAS_NUM_THREADS": "1"}, 3),
        ({"OPENBLAS_NUM_THREADS": "1"}, 1),
        ({"OPENBLAS_NUM_THREADS": "4", "OMP_NUM_THREADS": "2"}, 2),
        ({}, None),  # the machine's cores
    ],
)
def test_default_thread_count_follows_the_environment(env, expected, monkeypatch):
    monkeypatch.delenv("OPENBLAS_NUM_THREADS", raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    parallel.set_num_threads(None)
    assert parallel.num_threads() == (parallel.machine_threads() if expected is None else expected)


def test_the_python_call_overrides_the_environment(monkeypatch):
    monkeypatch.setenv("SCRATCHNN_NUM_THREADS", "3")
    parallel.set_num_threads(2)
    assert parallel.num_threads() == 2
    with parallel.threads(5):
        assert parallel.num_threads() == 5
    assert parallel.num_threads() == 2


@pytest.mark.parametrize("bad", [0, -1, 1.5, True, "2"])
def test_set_num_threads_rejects_non_positive_integers(bad):
    with pytest.raises(ValueError, match="Received: n="):
        parallel.set_num_threads(bad)


@pytest.mark.parametrize("bad", ["0", "two", "-3"])
def test_a_bad_environment_value_names_the_variable(bad, monkeypatch):
    monkeypatch.setenv("SCRATCHNN_NUM_THREADS", bad)
    with pytest.raises(ValueError, match="SCRATCHNN_NUM_THREADS"):
        parallel.default_num_threads()
    monkeypatch.delenv("SCRATCHNN_NUM_THREADS")


@pytest.mark.parametrize("threads", [1, 2, 5])
@pytest.mark.parametrize("count", [0, 1, 2, 37])
def test_run_calls_every_index_exactly_once(threads, count):
    seen = []
    lock = threading.Lock()

    def fn(i):
        with lock:
            seen.append(i)

    with parallel.threads(threads):
        parallel.run(fn, count)
    assert sorted(seen) == list(range(count))


def test_chunks_run_on_several_threads_and_a_nested_run_stays_inline():
    names, nested = set(), []

    def fn(i):
        outer = threading.current_thread().name
        names.add(outer)
        time.sleep(0.002)  # releases the GIL: the other threads reach the counter too
        inner = []
        parallel.run(lambda j: inner.append((threading.current_thread().name, j)), 3)
        nested.append((outer, inner))

    with parallel.threads(3):
        parallel.run(fn, 30)
    assert len(names) > 1
    # A run inside a chunk is the chunk's own thread looping in index order.
    for outer, inner in nested:
        assert inner == [(outer, 0), (outer, 1), (outer, 2)]


def test_a_stalled_thread_holds_only_its_own_chunk():
    # One chunk blocks its thread until every other chunk is done: with a fixed split the
    # blocked thread's share would never finish; with dynamic scheduling the others take it.
    count, done, per_thread = 24, [], {}
    lock = threading.Lock()

    def fn(i):
        name = threading.current_thread().name
        if i == 0:
            deadline = time.monotonic() + 10
            while len(done) < count - 1 and time.monotonic() < deadline:
                time.sleep(0.001)
        with lock:
            done.append(i)
            per_thread[name] = per_thread.get(name, 0) + 1

    with parallel.threads(2):
        parallel.run(fn, count)
    assert len(done) == count
    assert sorted(per_thread.values()) == [1, count - 1]


def test_the_lowest_failing_chunk_is_re_raised_after_all_finish():
    ran = []

    def fn(i):
        ran.append(i)
        if i in (5, 9):
            raise KeyError(i)

    with parallel.threads(3), pytest.raises(KeyError, match="5"):
        parallel.run(fn, 12)
    assert sorted(ran) == list(range(12))


def test_workers_see_the_callers_errstate():
    seen = []

    def fn(i):
        seen.append(np.geterr()["divide"])

    with parallel.threads(2), np.errstate(divide="raise"):
        parallel.run(fn, 16)
    assert set(seen) == {"raise"}


def _blas_threads():
    return [info["num_threads"] for info in parallel.blas_info()]


def test_blas_is_pinned_to_one_thread_while_the_pool_runs_and_restored_after():
    pytest.importorskip("threadpoolctl")
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=2, user_api="blas"):
        before = _blas_threads()
        with parallel.threads(2):
            parallel.run(lambda i: None, 4)
            assert set(_blas_threads()) == {1}
        assert _blas_threads() == before


def test_concurrent_blas_check_passes_for_numpy_matmul():
    with parallel.threads(2):
        assert parallel.check_concurrent_blas(count=4)


def test_concurrent_blas_check_catches_a_racy_gemm():
    # A GEMM that shares one scratch buffer between threads (the kind of bug some
    # OpenBLAS builds had): every thread writes its product there, then all copy it out.
    scratch = {}
    barrier = threading.Barrier(3)

    def racy(a, b, out):
        if threading.current_thread() is threading.main_thread():
            np.matmul(a, b, out=out)
            return
        scratch["buffer"] = a @ b
        barrier.wait()
        result = scratch["buffer"]
        barrier.wait()
        if result.shape == out.shape:
            out[...] = result
        else:
            out.fill(0)

    assert not parallel.check_concurrent_blas(racy, count=3, rounds=1)


def test_without_threadpoolctl_the_default_is_serial_and_more_threads_name_the_extra(monkeypatch):
    monkeypatch.setitem(parallel._state, "threadpoolctl", False)
    monkeypatch.delenv("OPENBLAS_NUM_THREADS", raising=False)
    parallel.set_num_threads(None)
    assert parallel.num_threads() == 1
    with pytest.raises(ImportError, match=r"scratchnn\[threads\]"):
        parallel.set_num_threads(2)
    # An environment that already runs BLAS on one thread needs no pinning.
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "1")
    parallel.set_num_threads(2)
    assert parallel.num_threads() == 2


def test_activate_pins_blas_only_with_more_than_one_thread():
    pytest.importorskip("threadpoolctl")
    with parallel.threads(1):
        assert parallel.activate() is False
    with parallel.threads(2):
        assert parallel.activate() is True
        assert set(_blas_threads()) == {1}
