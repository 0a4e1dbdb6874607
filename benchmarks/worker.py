"""Measures one framework on one workload, in its own process.

    python -m benchmarks.worker --framework torch --workload dense32 [--repeats 3] [--quick]

Prints one line `RESULT {json}` with the seconds of each timed epoch, predict
throughput, single-image latencies, peak memory and test accuracy. Each
framework runs in a fresh process so that their imports, thread pools and
allocators do not share (and distort) one another. The parent sets the thread
environment (OMP/OPENBLAS/MKL_NUM_THREADS) before this process starts.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import time
from collections.abc import Callable
from typing import Any

# Warm-up: one fit on this many samples, then predictions, before any timing.
WARMUP_SAMPLES = 1024
LATENCY_BUDGET_S = 3.0


def _status_kb(field: str) -> int | None:
    """A `VmRSS`/`VmHWM` line of /proc/self/status, in kB (None off Linux)."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def _reset_peak() -> bool:
    """Resets the process's peak RSS (Linux: writing 5 to clear_refs)."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def _peak_kb() -> int:
    hwm = _status_kb("VmHWM")
    return hwm if hwm is not None else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def latency(fn: Callable[[], Any], calls: int) -> float:
    """Median seconds of `fn()` over up to `calls` calls (stops after a few seconds, at least 5)."""
    times: list[float] = []
    deadline = time.perf_counter() + LATENCY_BUDGET_S
    for _ in range(calls):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
        if len(times) >= 5 and time.perf_counter() > deadline:
            break
    return statistics.median(times)


def measure(framework: str, workload_name: str, repeats: int, threads: int, quick: bool) -> dict[str, Any]:
    """Runs the warm-up and the timed measurements; returns the result record."""
    import numpy as np

    from benchmarks.frameworks import make_runner, set_threads
    from benchmarks.workloads import WORKLOADS, load_data

    workload = WORKLOADS[workload_name]
    data, note = load_data(workload, quick)
    x, y, xt, yt = data["x"], data["y"], data["x_test"], data["y_test"]
    # Import the framework before the memory baseline: its import is not the workload's memory.
    set_threads(framework, threads)
    if framework == "keras":
        os.environ["KERAS_BACKEND"] = "tensorflow"
        import keras  # noqa: F401
    elif framework == "scratchnn":
        from scratchnn import keras  # noqa: F401
    exact_peak = _reset_peak()
    rss0 = _status_kb("VmRSS") or 0
    if not exact_peak:
        rss0 = _peak_kb()  # ru_maxrss only grows: measure the growth above the peak so far

    runner = make_runner(framework, workload, x, y)
    warm = min(WARMUP_SAMPLES, len(x))
    runner.fit_epoch(x[:warm], y[:warm])
    runner.predict(xt[: 2 * workload.batch_size])
    x1 = xt[:1].copy()
    for _ in range(3):
        runner.predict_one(x1)
        runner.call_one(x1)

    epochs = []
    for _ in range(repeats):
        start = time.perf_counter()
        runner.fit_epoch(x, y)
        epochs.append(time.perf_counter() - start)

    predict_times, probs = [], None
    for _ in range(max(1, min(repeats, 3))):
        start = time.perf_counter()
        probs = runner.predict(xt)
        predict_times.append(time.perf_counter() - start)
    calls = 50 if quick else 300
    result = {
        "framework": framework,
        "workload": workload_name,
        "epoch_s": epochs,
        "epoch_median_s": statistics.median(epochs),
        "train_samples": len(x),
        "predict_images_per_s": len(xt) / statistics.median(predict_times),
        "test_images": len(xt),
        "predict_one_s": latency(lambda: runner.predict_one(x1), calls),
        "call_one_s": latency(lambda: runner.call_one(x1), calls),
        "accuracy": float(np.mean(np.argmax(probs, axis=1) == yt)),
        "epochs_trained": repeats,
        "peak_mb": max(0, _peak_kb() - rss0) / 1024,
        "peak_exact": exact_peak,
        "data_note": note,
    }
    return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Measures one framework on one workload.")
    parser.add_argument("--framework", required=True)
    parser.add_argument("--workload", required=True)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    result = measure(args.framework, args.workload, args.repeats, args.threads, args.quick)
    print("RESULT " + json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
