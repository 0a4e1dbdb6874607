"""`scratchnn tune --workers K`: K worker processes on this machine, watched through their study.

Each worker is the same `scratchnn tune` command run as a child process
(exactly what a second terminal would run), writing its own lines to
`workers/worker-<i>.log`. The parent shows the progress of the whole study,
read from the shared journal file, so the trials of workers on other machines
appear too. A worker that dies is reported and the others carry on: they mark
its running trial failed and run the remaining trials. Ctrl-C reaches the
workers (the terminal signals the whole process group; a parent interrupted
alone passes SIGINT on), each marks its running trial failed and stops.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import IO, Any

from scratchnn.apps.tuning import study as study_module
from scratchnn.apps.tuning.progress import best_of
from scratchnn.apps.tuning.trial import COMPLETE, FAILED, PRUNED, RUNNING

# BLAS libraries' thread settings; a worker gets cpu_count // K threads unless the environment sets them.
_BLAS_THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
POLL_SECONDS = 0.5
SHUTDOWN_SECONDS = 30.0
INTERRUPT_GRACE_SECONDS = 3.0


@dataclass
class WorkerProcess:
    """A running worker: its index (from 1), process and log file."""

    index: int
    process: subprocess.Popen[bytes]
    log_path: str
    log: IO[bytes]
    reported: bool = False


def worker_environment(workers: int) -> dict[str, str]:
    """This process's environment, with each BLAS thread count set to cpu_count // workers (at least 1)."""
    env = dict(os.environ)
    threads = str(max(1, (os.cpu_count() or 1) // workers))
    for name in _BLAS_THREAD_VARIABLES:
        env.setdefault(name, threads)
    return env


def launch(argv: Sequence[Sequence[str]], log_dir: str) -> list[WorkerProcess]:
    """Starts one `python -m scratchnn.apps.cli ARGV` per entry of `argv`, output to `log_dir/worker-<i>.log`."""
    os.makedirs(log_dir, exist_ok=True)
    env = worker_environment(len(argv))
    workers = []
    for index, args in enumerate(argv, start=1):
        path = os.path.join(log_dir, f"worker-{index}.log")
        log = open(path, "ab")  # noqa: SIM115 - closed by `stop`/`watch` when the worker ends
        process = subprocess.Popen(
            [sys.executable, "-m", "scratchnn.apps.cli", *args], stdout=log, stderr=subprocess.STDOUT, env=env
        )
        workers.append(WorkerProcess(index, process, path, log))
    return workers


def _describe_exit(worker: WorkerProcess) -> str:
    code = worker.process.returncode
    if code < 0:
        how = f"was killed by {signal.Signals(-code).name}"
    else:
        how = f"ended with exit status {code}"
    return f"worker {worker.index} (pid {worker.process.pid}) {how}; see {worker.log_path}"


def watch(study: Any, workers: list[WorkerProcess], progress: Any) -> list[str]:
    """Shows the study's progress until every worker has ended; returns a line per worker that failed.

    Raises:
        KeyboardInterrupt: after the workers have stopped (see `stop`).
    """
    # Trials finished before the workers started are counted but not shown again.
    shown = [r for r in study_module.results(study) if r.state != RUNNING]
    done = sum(r.state in (COMPLETE, PRUNED) for r in shown)
    problems: list[str] = []
    try:
        while True:
            alive = [w for w in workers if w.process.poll() is None]
            results = study_module.results(study)
            seen = {r.number for r in shown}
            for result in results:
                if result.state in (COMPLETE, PRUNED, FAILED) and result.number not in seen:
                    shown.append(result)
                    done += result.state != FAILED
                    progress.finished(result, best_of(shown), done)
            progress.running(
                [(r.number, r.epochs_run, r.epochs, r.val_accuracy) for r in results if r.state == RUNNING]
            )
            for worker in workers:
                if worker.process.returncode not in (None, 0) and not worker.reported:
                    worker.reported = True
                    problems.append(_describe_exit(worker))
                    progress.line(problems[-1])
            if not alive:
                break
            time.sleep(POLL_SECONDS)
    except KeyboardInterrupt:
        stop(workers)
        raise
    finally:
        for worker in workers:
            worker.log.close()
    return problems


def _wait_all(workers: list[WorkerProcess], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    for worker in workers:
        try:
            worker.process.wait(max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            pass


def stop(workers: list[WorkerProcess]) -> None:
    """Stops the workers after a Ctrl-C: SIGINT to those still running, then SIGKILL to those that hang.

    A Ctrl-C at the terminal has already interrupted every worker; a second
    SIGINT during a worker's own clean-up (marking its trial failed) would
    cut that short, so the workers first get `INTERRUPT_GRACE_SECONDS` to end.
    """
    _wait_all(workers, INTERRUPT_GRACE_SECONDS)
    for worker in workers:
        if worker.process.poll() is None:
            worker.process.send_signal(signal.SIGINT)
    _wait_all(workers, SHUTDOWN_SECONDS)
    for worker in workers:
        if worker.process.poll() is None:
            worker.process.kill()
            worker.process.wait()
