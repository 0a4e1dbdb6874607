"""scratchnn against Keras 3 on TensorFlow, PyTorch eager and a hand-written NumPy loop.

    python -m benchmarks                          # everything, writes benchmarks/RESULTS.md
    python -m benchmarks --quick                  # a fast check on 2,048 samples (prints only)
    python -m benchmarks --workloads dense32 --frameworks scratchnn,numpy
    python -m benchmarks --profile --workloads dense32   # where a scratchnn step spends its time
    python -m benchmarks --workloads dense32,cnn32,cnn128 --conditions quiet,busy --rounds 3

The peers come from benchmarks/requirements.txt, installed into a separate
virtual environment (never by CI); a framework that is not installed is left
out with a note. Each (framework, workload) pair runs in a fresh subprocess
with the same thread count, data, batch size and epochs, in float32. Run the
full benchmark on a quiet machine (the load average is recorded in the report).
The "busy" condition repeats each measurement with one competing CPU-bound
process that the benchmark starts before the worker and stops after it
(benchmarks/competitor.py), to show how each framework shares a busy machine.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

if __package__ in (None, ""):  # run as `python benchmarks/run.py`
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import competitor, flops, report
from benchmarks.frameworks import FRAMEWORKS, available
from benchmarks.workloads import QUICK_TEST, QUICK_TRAIN, WORKLOADS

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUTPUT = Path(__file__).resolve().parent / "RESULTS.md"
LOADED = 0.5  # a 1-minute load average above this marks the results as measured on a loaded machine
CONDITIONS = {"quiet": "", "busy": " (one competing process)"}
BUSY = "@busy"  # results key suffix of the busy condition: "cnn32@busy"


def _csv(text: str, valid: dict, what: str) -> list[str]:
    names = list(valid) if text == "all" else [t.strip() for t in text.split(",") if t.strip()]
    unknown = [n for n in names if n not in valid]
    if unknown:
        raise SystemExit(f"Unknown {what}: {unknown}. Valid: {', '.join(valid)} (or 'all').")
    return names


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description=__doc__.splitlines()[0],
        formatter_class=argparse.RawTextHelpFormatter,
    )
    parser.add_argument(
        "--workloads", default="all", help=f"comma list of {', '.join(WORKLOADS)} (default all)"
    )
    parser.add_argument(
        "--frameworks", default="all", help=f"comma list of {', '.join(FRAMEWORKS)} (default all)"
    )
    parser.add_argument(
        "--repeats", type=int, default=3, help="timed epochs per measurement (median reported)"
    )
    parser.add_argument(
        "--cnn-repeats", type=int, default=1, help="timed epochs for the CNN workloads (minutes each here)"
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="fresh processes per (framework, workload), taken in turn across frameworks; each timing "
        "is reported at its best across the rounds (interference on a shared machine only adds time)",
    )
    parser.add_argument(
        "--conditions",
        default="quiet",
        help="comma list of quiet, busy (busy: one competing CPU-bound process runs beside each "
        "measurement, started and stopped by the benchmark); default quiet",
    )
    parser.add_argument(
        "--threads", type=int, default=os.cpu_count() or 1, help="threads for every framework"
    )
    parser.add_argument(
        "--import-runs", type=int, default=5, help="fresh interpreters per import-time median"
    )
    parser.add_argument(
        "--quick", action="store_true", help=f"{QUICK_TRAIN} training / {QUICK_TEST} test samples, 1 repeat"
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="print scratchnn's per-op step profile (the serial im2col reference path, then the default "
        "path) and exit",
    )
    parser.add_argument("--profile-steps", type=int, default=300, help="training steps profiled")
    parser.add_argument(
        "--output",
        default=None,
        help="markdown file ('-' for none); default benchmarks/RESULTS.md, none with --quick",
    )
    args = parser.parse_args(argv)
    args.workloads = _csv(args.workloads, WORKLOADS, "workloads")
    args.frameworks = sorted(_csv(args.frameworks, FRAMEWORKS, "frameworks"), key=list(FRAMEWORKS).index)
    args.conditions = sorted(_csv(args.conditions, CONDITIONS, "conditions"), key=list(CONDITIONS).index)
    if min(args.repeats, args.cnn_repeats, args.threads, args.rounds) < 1:
        raise SystemExit("--repeats, --cnn-repeats, --rounds and --threads must be at least 1.")
    if args.quick:
        args.repeats, args.cnn_repeats, args.import_runs = 1, 1, min(args.import_runs, 2)
    if args.output is None:
        args.output = "-" if args.quick else str(DEFAULT_OUTPUT)
    return args


def child_env(threads: int) -> dict[str, str]:
    """The environment every measured process gets: one thread count, quiet TensorFlow."""
    env = dict(os.environ)
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "VECLIB_MAXIMUM_THREADS"):
        env[var] = str(threads)
    env["SCRATCHNN_NUM_THREADS"] = str(threads)  # scratchnn's execution layer (backend/parallel.py)
    env["TF_NUM_INTRAOP_THREADS"] = env["TF_NUM_INTEROP_THREADS"] = str(threads)
    env["TF_CPP_MIN_LOG_LEVEL"] = "2"
    env["KERAS_BACKEND"] = "tensorflow"
    shared_data = ROOT.parent / "shared" / "data"  # the project's data folder, as CI uses it
    if not env.get("SCRATCHNN_DATA") and shared_data.is_dir():
        env["SCRATCHNN_DATA"] = str(shared_data)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH", "")]))
    return env


def run_worker(
    framework: str, workload: str, args: argparse.Namespace, env: dict[str, str], busy: bool = False
) -> dict:
    """One measurement in a fresh process (beside a competing process if `busy`); {"error": ...} on failure."""
    cmd = [sys.executable, "-m", "benchmarks.worker", "--framework", framework, "--workload", workload]
    repeats = args.cnn_repeats if WORKLOADS[workload].kind == "cnn" else args.repeats
    cmd += ["--repeats", str(repeats), "--threads", str(args.threads)] + (["--quick"] if args.quick else [])
    with competitor.competing(busy):
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True, cwd=ROOT)
    for line in reversed(proc.stdout.splitlines()):
        if line.startswith("RESULT "):
            return json.loads(line[len("RESULT ") :])
    tail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
    return {"error": f"exit {proc.returncode}: {tail}"}


def _seconds(value: float | None) -> str:
    return "not measured (no local MNIST files)" if value is None else f"{value:.3f} s"


def best_of_rounds(runs: list[dict]) -> dict:
    """Each timing at its best across the rounds: the lowest epoch and latency, the highest throughput.

    On a shared machine interference only ever adds time (a busy neighbour slowed whole processes
    2x here for minutes at a time), so the best round is the one measurement of the framework
    itself; Python's `timeit` reports the minimum for the same reason. Every framework gets the
    same treatment, and the report lists every round's epoch time. Peak memory is the largest seen.
    """
    best = dict(min(runs, key=lambda r: r["epoch_median_s"]))
    best["predict_images_per_s"] = max(r["predict_images_per_s"] for r in runs)
    for key in ("predict_one_s", "call_one_s"):
        best[key] = min(r[key] for r in runs)
    best["peak_mb"] = max(r["peak_mb"] for r in runs)
    return best


def has_conv2d() -> bool:
    import scratchnn.layers

    return hasattr(scratchnn.layers, "Conv2D") and hasattr(scratchnn.layers, "MaxPool2D")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    env = child_env(args.threads)
    if args.profile:
        for w in args.workloads:
            cmd = [
                sys.executable,
                "-m",
                "benchmarks.profiler",
                "--workload",
                w,
                "--steps",
                str(args.profile_steps),
            ]
            cmd += ["--quick"] if args.quick else []
            # Before and after: the serial im2col reference path, then the default path.
            for extra in (["--reference"], []):
                subprocess.run(cmd + extra, env=env, cwd=ROOT, check=False)
        return 0

    notes: list[str] = []
    frameworks = [f for f in args.frameworks if available(f)]
    for f in args.frameworks:
        if f not in frameworks:
            notes.append(f"{FRAMEWORKS[f][0]} not installed here (see benchmarks/requirements.txt): left out")
    workloads = list(args.workloads)
    if not has_conv2d():
        skipped = [w for w in workloads if WORKLOADS[w].kind == "cnn"]
        workloads = [w for w in workloads if w not in skipped]
        if skipped:
            notes.append(f"scratchnn.layers has no Conv2D yet: {', '.join(skipped)} skipped")
    load_before = report.load_average()
    print(
        f"load average: {load_before}; threads: {args.threads}; frameworks: {', '.join(frameworks)}",
        flush=True,
    )

    framework_rows: dict[str, dict] = {}
    for f in frameworks:
        row = {"import_s": report.import_seconds(f, env, args.import_runs)}
        row["size_mb"], row["packages"] = report.installed_mb(f)
        framework_rows[f] = row
        if f == "scratchnn":
            row["mnist_load_s"] = report.mnist_load_seconds(env, args.import_runs)
            print(f"scratchnn: mnist.load_data() {_seconds(row['mnist_load_s'])}", flush=True)
        print(
            f"{f}: import {row['import_s']:.3f} s, {row['size_mb']:.0f} MB in {row['packages']} packages",
            flush=True,
        )

    results: dict[str, dict] = {}
    for w in workloads:
        measured = [f for f in frameworks if f != "numpy" or WORKLOADS[w].kind == "mlp"]
        for condition in args.conditions:
            key = w + (BUSY if condition == "busy" else "")
            results[key] = {}
            rounds: dict[str, list[dict]] = {f: [] for f in measured}
            # Round-robin, so a slow spell of the machine hits every framework alike.
            for _ in range(args.rounds):
                for f in measured:
                    res = run_worker(f, w, args, env, busy=condition == "busy")
                    if "error" in res:
                        notes.append(f"{FRAMEWORKS[f][0]} on {key} failed: {res['error']}")
                        print(f"{key} {f}: FAILED {res['error']}", flush=True)
                        continue
                    rounds[f].append(res)
                    print(
                        f"{key} {f}: {res['epoch_median_s']:.2f} s/epoch, {res['predict_images_per_s']:,.0f} "
                        f"img/s, predict(1) {res['predict_one_s'] * 1e3:.3f} ms, call(1) "
                        f"{res['call_one_s'] * 1e3:.3f} ms, peak {res['peak_mb']:.0f} MB, acc {res['accuracy']:.4f}",
                        flush=True,
                    )
            for f, runs in rounds.items():
                if not runs:
                    continue
                res = best_of_rounds(runs)
                res["useful_gflops"] = flops.useful_gflops(
                    WORKLOADS[w], res["train_samples"], res["epoch_median_s"]
                )
                results[key][f] = res
                if res["data_note"] and res["data_note"] not in " ".join(notes):
                    notes.append(res["data_note"])
                if len(runs) > 1:
                    epochs = ", ".join(f"{r['epoch_median_s']:.2f}" for r in runs)
                    notes.append(f"{FRAMEWORKS[f][0]} on {key}: epoch seconds per round {epochs}")

    any_result = next((r for row in results.values() for r in row.values()), {})
    load_after = report.load_average()
    meta = {
        "date": datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"),
        "command": " ".join(
            ["python -m benchmarks", *map(shlex.quote, argv if argv is not None else sys.argv[1:])]
        ),
        "machine": report.machine(),
        "hardware": report.hardware_line(env),
        "sgemm": report.sgemm_line(env, args.threads, quick=args.quick),
        "counts": [flops.describe(WORKLOADS[w]) for w in workloads],
        "conditions": args.conditions,
        "versions": report.versions(frameworks),
        "threads": args.threads,
        "load_before": load_before,
        "load_after": load_after,
        "repeats": f"{args.repeats} (CNN: {args.cnn_repeats})",
        "rounds": args.rounds,
        "warmup": 1024,
        "train_samples": any_result.get("train_samples", "?"),
        "test_images": any_result.get("test_images", "?"),
        "notes": notes,
    }
    if float(load_before.split()[0]) > LOADED or float(load_after.split()[0]) > LOADED:
        meta["warning"] = (
            f"Measured on a loaded machine (1-minute load average {load_before.split()[0]} before, "
            f"{load_after.split()[0]} after): timings are distorted, compare ratios with care."
        )
    if args.quick:
        meta["warning"] = (meta.get("warning", "") + " Quick run: 2,048 training samples, 1 repeat.").strip()
    text = report.markdown(meta, results, framework_rows, frameworks)
    print()
    print(text)
    if args.output != "-":
        Path(args.output).write_text(text)
        print(f"written to {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
