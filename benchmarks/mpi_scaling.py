"""Data-parallel scaling on this machine: 2 MPI ranks x 1 BLAS thread against 1 rank x 2 BLAS threads.

    python -m benchmarks.mpi_scaling                 # writes benchmarks/MPI_RESULTS.md
    python -m benchmarks.mpi_scaling --quick         # a fast check (prints only)

Each configuration trains the same recipe with the same global batch, data and
epochs, in fresh processes (`mpiexec -n 2` for the ranks), taking turns over
`--rounds` rounds; each timing is reported at its best round, since
interference on a shared machine only adds time. Besides the epoch time, the
ranks report what a cluster would have to carry: the bytes each rank puts
into the gradient Allreduce per step, the time a step spends in it (waiting
for the slower rank included), and the time of that Allreduce alone (the
same buffer, 200 times after a barrier).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as `python benchmarks/mpi_scaling.py`
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import report

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUTPUT = Path(__file__).resolve().parent / "MPI_RESULTS.md"
# (name, recipe, global batch, training samples); the CNN is the tutorial's three-convolution net.
WORKLOADS = (("dense32", "mnist-dense", 32, 20000), ("dense128", "mnist-dense", 128, 20000),
             ("cnn128", "mnist-cnn", 128, 2048))  # fmt: skip
CONFIGS = (("1 rank x 1 thread", 1, 1), ("1 rank x 2 threads", 1, 2), ("2 ranks x 1 thread", 2, 1))
_THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
LOADED = 0.5  # the load average above which the report says the machine was busy (as benchmarks/run.py)


def worker(recipe_name: str, batch_size: int, samples: int, epochs: int) -> None:
    """Runs in each rank: trains, then prints one JSON line (rank 0) with the timings."""
    from scratchnn import callbacks, distribution, utils
    from scratchnn.apps import recipes
    from scratchnn.distribution import mpi

    ranks = mpi.launched_size()
    if ranks > 1:
        distribution.set_distribution(distribution.DataParallel())
    recipe = recipes.get(recipe_name).replace(batch_size=batch_size, epochs=epochs)
    data = recipes.load_split(recipe, subset=samples)
    utils.set_random_seed(0)
    model = recipes.build_model(recipe)
    times: list[float] = []
    clock = callbacks.LambdaCallback(
        on_epoch_begin=lambda epoch, logs: times.append(time.perf_counter()),
        on_epoch_end=lambda epoch, logs: times.append(time.perf_counter() - times.pop()),
    )
    model.fit(data.x_train, data.y_train, batch_size=batch_size, epochs=epochs, verbose=0, callbacks=[clock])
    steps = -(-len(data.x_train) // batch_size)
    result: dict[str, Any] = {
        "epoch_s": min(times[1:] or times),
        "steps": steps,
        "samples": len(data.x_train),
    }
    if ranks > 1:
        sync = distribution.distribution().last_replicas
        buffer = sync._buffer
        result["bytes_per_step"] = int(buffer.nbytes)
        result["allreduce_in_step_s"] = sync.comm.seconds / max(1, sync.steps)
        comm = sync.comm.comm
        alone = []
        for _ in range(200):
            comm.Barrier()
            started = time.perf_counter()
            comm.Allreduce(sync.comm.MPI.IN_PLACE, buffer, op=sync.comm.MPI.SUM)
            alone.append(time.perf_counter() - started)
        result["allreduce_alone_s"] = sorted(alone)[len(alone) // 2]
        if sync.rank != 0:
            return
    print("RESULT " + json.dumps(result), flush=True)


def _run(config: tuple[str, int, int], workload: tuple[str, str, int, int], epochs: int) -> dict[str, Any]:
    _, ranks, threads = config
    _, recipe, batch, samples = workload
    env = {**os.environ, **dict.fromkeys(_THREAD_VARIABLES, str(threads))}
    command = [
        sys.executable,
        "-m",
        "benchmarks.mpi_scaling",
        "--worker",
        recipe,
        str(batch),
        str(samples),
        str(epochs),
    ]
    if ranks > 1:
        command = [str(Path(sys.executable).with_name("mpiexec")), "-n", str(ranks), *command]
    out = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True, check=False)
    line = next((x for x in out.stdout.splitlines() if x.startswith("RESULT ")), None)
    if out.returncode != 0 or line is None:
        raise SystemExit(f"{' '.join(command)} failed:\n{out.stdout}\n{out.stderr}")
    return json.loads(line[len("RESULT ") :])


def measure(
    rounds: int, epochs: int, names: list[str], samples: int | None
) -> dict[str, dict[str, dict[str, Any]]]:
    """{workload: {config: best-round result}}; every round runs each config once, in turn."""
    workloads = [(n, r, b, samples or s) for n, r, b, s in WORKLOADS if n in names]
    best: dict[str, dict[str, dict[str, Any]]] = {w[0]: {} for w in workloads}
    for round_index in range(rounds):
        for workload in workloads:
            for config in CONFIGS:
                result = _run(config, workload, epochs)
                print(
                    f"round {round_index + 1}: {workload[0]:9s} {config[0]:20s} {result['epoch_s']:.3f} s/epoch"
                )
                kept = best[workload[0]].get(config[0])
                if kept is None:
                    best[workload[0]][config[0]] = result
                else:
                    for key, value in result.items():
                        if key.endswith("_s"):
                            kept[key] = min(kept[key], value)
    return best


def render(best: dict[str, dict[str, dict[str, Any]]], command: str, loads: tuple[str, str]) -> str:
    lines = [
        "# Data-parallel scaling (MPI)",
        "",
        f"{datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC, `{command}`; {report.machine()}. "
        f"Load average before / after: {loads[0]} / {loads[1]}.",
        "",
        *_load_warning(loads),
        "Seconds per epoch (the best round; the global batch is the same in every configuration):",
        "",
        "| workload | " + " | ".join(c[0] for c in CONFIGS) + " | 2 ranks ÷ 1 rank x 2 threads |",
        "|---|" + "---|" * (len(CONFIGS) + 1),
    ]
    for name, results in best.items():
        cells = [f"{results[c[0]]['epoch_s']:.3f}" for c in CONFIGS]
        ratio = results[CONFIGS[2][0]]["epoch_s"] / results[CONFIGS[1][0]]["epoch_s"]
        lines.append(
            f"| {name} ({results[CONFIGS[0][0]]['samples']} samples) | "
            + " | ".join(cells)
            + f" | {ratio:.2f}× |"
        )
    lines += [
        "",
        "What the 2 ranks exchanged (one Allreduce of one flat float32 buffer per step; with 2 ranks "
        "each rank sends and receives the buffer once):",
        "",
        "| workload | bytes per step per rank | step time | Allreduce in the step (waits included) | "
        "Allreduce alone | share of the step |",
        "|---|---|---|---|---|---|",
    ]
    for name, results in best.items():
        two = results[CONFIGS[2][0]]
        step = two["epoch_s"] / two["steps"]
        lines.append(
            f"| {name} | {two['bytes_per_step'] / 1e6:.2f} MB | {step * 1e3:.2f} ms | "
            f"{two['allreduce_in_step_s'] * 1e3:.3f} ms | {two['allreduce_alone_s'] * 1e3:.3f} ms | "
            f"{two['allreduce_alone_s'] / step:.1%} |"
        )
    lines += ["", *_cluster_notes(best), ""]
    return "\n".join(lines)


def _load_warning(loads: tuple[str, str]) -> list[str]:
    """A warning paragraph when the machine was busy: the timings then measure the neighbours too."""
    try:
        busiest = max(float(text.split()[0]) for text in loads)
    except (ValueError, IndexError):
        return []
    if busiest <= LOADED:
        return []
    return [
        f"**Measured on a loaded machine** (a 1-minute load average of up to {busiest:.1f} on "
        f"{os.cpu_count()} CPUs): other processes held the cores, and a BLAS that splits each product "
        "over two threads waits for the slower thread at every product, so `1 rank x 2 threads` suffers "
        "most. These timings say how the configurations behave beside busy neighbours, not how they "
        "scale; rerun on a quiet machine for that.",
        "",
    ]


def _cluster_notes(best: dict[str, dict[str, dict[str, Any]]]) -> list[str]:
    """What the measured numbers mean for a cluster (a ring Allreduce over a network)."""
    dense = best.get("dense128") or best.get("dense32") or next(iter(best.values()))
    one = dense[CONFIGS[0][0]]
    size = dense[CONFIGS[2][0]]["bytes_per_step"]
    per_sample = one["epoch_s"] / one["samples"]
    wire = 2 * size / 1.25e9  # 2(R-1)/R * S for large R, at 10 Gbit/s
    return [
        "On one machine the ranks share memory, so the Allreduce is a copy through shared memory: "
        "the comparison above is about compute (two processes with one BLAS thread each against one "
        "process whose BLAS splits each matrix product over two threads), not about the network.",
        "",
        "On a cluster, a ring Allreduce makes each of R ranks send and receive 2(R-1)/R times the "
        f"buffer per step: for the dense net {size / 1e6:.2f} MB, about {2 * size / 1e6:.1f} MB per rank "
        f"and step for large R, {wire * 1e3:.1f} ms at 10 Gbit/s (plus about log2(R) network latencies). "
        f"One rank computes a sample in about {per_sample * 1e6:.0f} µs here (dense, 1 thread), so a step "
        f"on R ranks computes for B/R x {per_sample * 1e6:.0f} µs: the communication stays below the "
        f"compute only when B/R exceeds about {wire / per_sample:.0f} samples per rank (a global batch of "
        f"{wire / per_sample * 8:.0f} on 8 ranks), and overlapping the Allreduce with the backward pass "
        "(not done here: one Allreduce after the whole backward) would be the next step.",
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.mpi_scaling", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--rounds", type=int, default=3, help="fresh processes per configuration, in turn")
    parser.add_argument(
        "--epochs", type=int, default=2, help="epochs per run (the fastest after the first is kept)"
    )
    parser.add_argument("--quick", action="store_true", help="1,024 samples, 1 round; prints only")
    parser.add_argument(
        "--workloads", default=",".join(w[0] for w in WORKLOADS), help="comma list (default all)"
    )
    parser.add_argument(
        "--samples", type=int, help="training samples of every workload (default: each its own)"
    )
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    parser.add_argument(
        "--worker", nargs=4, metavar=("RECIPE", "BATCH", "SAMPLES", "EPOCHS"), help=argparse.SUPPRESS
    )
    args = parser.parse_args(argv)
    if args.worker:
        recipe, batch, samples, epochs = args.worker
        worker(recipe, int(batch), int(samples), int(epochs))
        return 0
    names = [n.strip() for n in args.workloads.split(",")]
    unknown = sorted(set(names) - {w[0] for w in WORKLOADS})
    if unknown:
        raise SystemExit(f"Unknown workloads: {unknown}. Valid: {', '.join(w[0] for w in WORKLOADS)}")
    before = report.load_average()
    best = measure(
        1 if args.quick else args.rounds, args.epochs, names, args.samples or (1024 if args.quick else None)
    )
    command = "python -m benchmarks.mpi_scaling" + (" --quick" if args.quick else f" --rounds {args.rounds}")
    text = render(best, command, (before, report.load_average()))
    print(text)
    if not args.quick:
        args.output.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
