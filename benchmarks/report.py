"""Machine description, import time, installed size, and the markdown report."""

from __future__ import annotations

import json
import os
import platform
import re
import statistics
import subprocess
import sys
from importlib import metadata, util
from pathlib import Path
from typing import Any

from benchmarks.frameworks import FRAMEWORKS
from benchmarks.workloads import WORKLOADS

# The import each framework's tutorial code needs (scratchnn.keras and Keras's
# namespaces load lazily, so the names a model touches are part of its import),
# and the distribution whose install it is.
_TOUCH = "keras.Sequential, keras.layers.Dense, keras.optimizers.SGD"
IMPORTS = {
    "scratchnn": f"from scratchnn import keras; {_TOUCH}",
    "numpy": "import numpy",
    "keras": f"import keras; {_TOUCH}",
    "torch": "import torch",
}
DISTRIBUTIONS = {"scratchnn": "scratchnn", "numpy": "numpy", "keras": "tensorflow-cpu", "torch": "torch"}
PEERS = ("numpy", "keras", "torch")


def machine() -> str:
    """One line: CPU model, cores, memory, OS, Python, NumPy and its BLAS."""
    cpu = platform.processor() or platform.machine()
    mem = ""
    try:
        text = Path("/proc/cpuinfo").read_text()
        match = re.search(r"model name\s*:\s*(.+)", text)
        cpu = match.group(1).strip() if match else cpu
        kb = int(re.search(r"MemTotal:\s*(\d+)", Path("/proc/meminfo").read_text()).group(1))
        mem = f", {kb / 2**20:.0f} GiB RAM"
    except (OSError, AttributeError):
        pass
    import numpy as np

    blas = "?"
    try:
        blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]["name"]
    except Exception:  # noqa: BLE001 - older NumPy has no dict mode
        pass
    return (
        f"{cpu}, {os.cpu_count()} logical CPUs{mem}; {platform.system()} {platform.release()}; "
        f"Python {platform.python_version()}; NumPy {np.__version__} ({blas})"
    )


def cpu_model() -> str:
    """The CPU's model name (/proc/cpuinfo), else platform.processor()."""
    try:
        match = re.search(r"model name\s*:\s*(.+)", Path("/proc/cpuinfo").read_text())
        if match:
            return match.group(1).strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


# Prints threadpoolctl's BLAS entries of NumPy as JSON (an empty list without threadpoolctl).
_BLAS_PROBE = (
    "import json, numpy\n"
    "try:\n    from threadpoolctl import threadpool_info\n"
    "    info = [i for i in threadpool_info() if i.get('user_api') == 'blas']\n"
    "except ImportError:\n    info = []\n"
    "print(json.dumps(info))"
)


def blas_kernel(info: list[dict[str, Any]]) -> str:
    """'OpenBLAS 0.3.31, Haswell kernel (pthreads)' from threadpoolctl's BLAS entries."""
    if not info:
        return "unknown (threadpoolctl not installed)"
    parts = []
    for i in info:
        name = {"openblas": "OpenBLAS", "mkl": "MKL", "blis": "BLIS"}.get(
            i.get("internal_api"), i.get("internal_api")
        )
        text = f"{name} {i.get('version') or ''}".strip()
        if i.get("architecture"):
            text += f", {i['architecture']} kernel"
        if i.get("threading_layer"):
            text += f" ({i['threading_layer']})"
        parts.append(text)
    return "; ".join(parts)


def hardware_line(env: dict[str, str]) -> str:
    """'CPU: <model>, <n> logical CPUs; NumPy's BLAS: <kernel>', as the measured processes see them."""
    out = subprocess.run([sys.executable, "-c", _BLAS_PROBE], env=env, capture_output=True, text=True)
    try:
        info = json.loads(out.stdout.strip().splitlines()[-1])
    except (IndexError, ValueError):
        info = []
    return f"CPU: {cpu_model()}, {os.cpu_count()} logical CPUs; NumPy's BLAS: {blas_kernel(info)}"


# Prints the best GFLOP/s of a 2048 x 2048 float32 matrix product (NumPy's BLAS).
_SGEMM_PROBE = (
    "import time, numpy as np\n"
    "n = {n}; a = np.random.default_rng(0).random((n, n), dtype=np.float32); c = np.empty_like(a)\n"
    "np.matmul(a, a, out=c); best = 1e9\n"
    "for _ in range({repeats}):\n"
    "    t = time.perf_counter(); np.matmul(a, a, out=c); best = min(best, time.perf_counter() - t)\n"
    "print(2 * n ** 3 / best / 1e9)"
)


def sgemm_gflops(env: dict[str, str], threads: int, n: int = 2048, repeats: int = 5) -> float | None:
    """GFLOP/s of a large sgemm on `threads` BLAS threads, in a fresh process (None if it fails)."""
    env = {**env, "OPENBLAS_NUM_THREADS": str(threads), "OMP_NUM_THREADS": str(threads)}
    return _fresh_process_seconds(_SGEMM_PROBE.format(n=n, repeats=repeats), env, 1)


def sgemm_line(env: dict[str, str], threads: int, quick: bool = False) -> str:
    """The machine's measured large-sgemm rate on one thread and on `threads` threads."""
    n = 1024 if quick else 2048
    rates = {t: sgemm_gflops(env, t, n) for t in sorted({1, threads})}
    text = ", ".join(f"{_fmt(r, 0)} GFLOP/s on {t} thread{'s' if t > 1 else ''}" for t, r in rates.items())
    return f"{n}x{n} float32 matrix product (NumPy's BLAS): {text}"


def versions(frameworks: list[str]) -> str:
    parts = []
    for name in frameworks:
        try:
            parts.append(f"{FRAMEWORKS[name][0]} {metadata.version(DISTRIBUTIONS[name])}")
        except metadata.PackageNotFoundError:
            pass
    return ", ".join(parts)


def load_average() -> str:
    try:
        return " ".join(f"{v:.2f}" for v in os.getloadavg())
    except OSError:
        return "?"


def _fresh_process_seconds(code: str, env: dict[str, str], runs: int) -> float | None:
    """Median of the seconds `code` prints last, each run in a fresh interpreter; None if one fails."""
    times = []
    for _ in range(runs):
        out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
        if out.returncode != 0:
            return None
        times.append(float(out.stdout.strip().splitlines()[-1]))
    return statistics.median(times)


def import_seconds(name: str, env: dict[str, str], runs: int) -> float:
    """Median seconds of `import <framework>` in fresh interpreters, with the bytecode cache warm.

    A user's import reads cached bytecode: pip compiles an installed package's .pyc files, and
    an editable checkout writes them on its first import. An environment with
    PYTHONDONTWRITEBYTECODE set (some sandboxes and CI images) would instead compile every
    module of an editable install on every run while the peers' wheels keep their compiled
    files, so the variable is dropped here and one unmeasured import fills the cache.
    """
    code = f"import time; t = time.perf_counter(); {IMPORTS[name]}; print(time.perf_counter() - t)"
    env = {k: v for k, v in env.items() if k != "PYTHONDONTWRITEBYTECODE"}
    _fresh_process_seconds(code, env, 1)  # fills the bytecode cache; not measured
    seconds = _fresh_process_seconds(code, env, runs)
    if seconds is None:
        raise RuntimeError(f"`{IMPORTS[name]}` failed in a fresh interpreter")
    return seconds


def mnist_load_seconds(env: dict[str, str], runs: int) -> float | None:
    """Median seconds of scratchnn's `mnist.load_data()` from local files, in fresh interpreters.

    None when the IDX files are not found locally (the benchmark never downloads for this).
    """
    code = (
        "import time; from scratchnn.datasets import mnist; t = time.perf_counter(); "
        "mnist.load_data(); print(time.perf_counter() - t)"
    )
    return _fresh_process_seconds(code, env, runs)


def _requirement_names(dist: metadata.Distribution) -> list[str]:
    """Runtime requirements (no extras) whose environment markers hold here."""
    try:
        from packaging.requirements import Requirement
    except ImportError:
        Requirement = None  # noqa: N806
    names = []
    for text in dist.requires or []:
        if Requirement is not None:
            req = Requirement(text)
            if req.marker is not None and not req.marker.evaluate({"extra": ""}):
                continue
            names.append(req.name)
        elif "extra ==" not in text:
            names.append(re.match(r"[A-Za-z0-9._-]+", text).group(0))
    return names


def _tree_bytes(root: Path) -> int:
    return sum(p.stat().st_size for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts)


def installed_mb(name: str) -> tuple[float, int]:
    """Size on disk of a framework and every runtime dependency it pulls (MB, package count)."""
    seen: set[str] = set()
    stack, total = [DISTRIBUTIONS[name]], 0
    while stack:
        key = re.sub(r"[-_.]+", "-", stack.pop()).lower()
        if key in seen:
            continue
        try:
            dist = metadata.distribution(key)
        except metadata.PackageNotFoundError:
            continue
        seen.add(key)
        files = dist.files or []
        total += sum(dist.locate_file(f).stat().st_size for f in files if dist.locate_file(f).is_file())
        top = key.replace("-", "_")
        if not any(
            str(f).startswith(top + "/") for f in files
        ):  # an editable install: measure the source tree
            spec = util.find_spec(top)
            if spec is not None and spec.submodule_search_locations:
                total += _tree_bytes(Path(next(iter(spec.submodule_search_locations))))
        stack.extend(_requirement_names(dist))
    return total / 1e6, len(seen)


BUSY = "@busy"


def title(key: str) -> str:
    """The table row label of a results key: 'cnn32' or 'cnn32@busy' (one competing process)."""
    name, busy = (key[: -len(BUSY)], True) if key.endswith(BUSY) else (key, False)
    return WORKLOADS[name].title + (", one competing process" if busy else "")


def _fmt(value: float | None, digits: int = 2) -> str:
    return "–" if value is None else f"{value:,.{digits}f}"


def _ratio(mine: float | None, peer: float | None) -> str:
    return "–" if mine is None or peer is None or peer == 0 else f"{mine / peer:.2f}×"


def _metric_table(
    heading: str,
    results: dict,
    frameworks: list[str],
    key: str,
    digits: int,
    ratio: str = "",
    scale: float = 1.0,
    hardware: str = "",
) -> list[str]:
    """Workloads as rows, frameworks as columns, then one "scratchnn ÷ peer" column per peer.

    `ratio` is "time" (ratio of the values), "rate" (ratio of the inverses, i.e.
    of the times a rate implies) or "" (no ratio columns).
    """
    peers = [p for p in PEERS if p in frameworks] if ratio and "scratchnn" in frameworks else []
    head = ["workload"] + [FRAMEWORKS[f][0] for f in frameworks]
    head += [f"scratchnn ÷ {FRAMEWORKS[p][0]}" for p in peers]
    lines = [f"**{heading}**", ""] + ([f"_{hardware}_", ""] if hardware else [])
    lines += ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for wname, row in results.items():
        vals = {f: row.get(f, {}).get(key) for f in frameworks}
        vals = {f: None if v is None else v * scale for f, v in vals.items()}
        cells = [title(wname)] + [_fmt(vals[f], digits) for f in frameworks]
        for p in peers:
            mine, theirs = vals["scratchnn"], vals[p]
            cells.append(_ratio(theirs, mine) if ratio == "rate" else _ratio(mine, theirs))
        lines.append("| " + " | ".join(cells) + " |")
    return lines + [""]


def _targets(results: dict, framework_rows: dict, hardware: str = "") -> list[str]:
    """The issue's targets, each with the measured value and whether it is met."""

    def get(w: str, f: str, key: str) -> float | None:
        return results.get(w, {}).get(f, {}).get(key)

    checks = []

    def ratio(label: str, w: str, peer: str, key: str, limit: float, invert: bool = False) -> None:
        mine, theirs = get(w, "scratchnn", key), get(w, peer, key)
        if mine and theirs:
            value = theirs / mine if invert else mine / theirs
            checks.append((label, f"{value:.2f}×", f"≤ {limit}×", value <= limit))

    ratio("dense b32 epoch ÷ NumPy floor", "dense32", "numpy", "epoch_median_s", 1.3)
    ratio("dense b32 epoch ÷ Keras/TF", "dense32", "keras", "epoch_median_s", 0.4)
    ratio("dense b32 epoch ÷ PyTorch", "dense32", "torch", "epoch_median_s", 0.7)
    for w in ("cnn32", "cnn128"):
        ratio(f"{w} epoch ÷ Keras/TF", w, "keras", "epoch_median_s", 0.8)
        ratio(f"{w} epoch ÷ PyTorch", w, "torch", "epoch_median_s", 0.8)
        ratio(f"{w} predict time ÷ Keras/TF", w, "keras", "predict_images_per_s", 1.0, invert=True)
        ratio(f"{w} predict time ÷ PyTorch", w, "torch", "predict_images_per_s", 1.0, invert=True)
    for w in ("dense32", "dense128", "fashion32", "sigmoid128"):
        ratio(f"{w} predict time ÷ PyTorch", w, "torch", "predict_images_per_s", 1.0, invert=True)
    # Issue 14, a busy machine: each workload's epoch beside one competing CPU-bound process.
    for key in [k for k in results if k.endswith(BUSY)]:
        w = key[: -len(BUSY)]
        busy, quiet = get(key, "scratchnn", "epoch_median_s"), get(w, "scratchnn", "epoch_median_s")
        if busy and quiet:
            checks.append(
                (f"{w} busy epoch ÷ its quiet epoch", f"{busy / quiet:.2f}×", "≤ 2.5×", busy <= 2.5 * quiet)
            )
        ratio(f"{w} busy epoch ÷ PyTorch busy", key, "torch", "epoch_median_s", 1.0)
    one = get("dense32", "scratchnn", "predict_one_s")
    if one is not None:
        checks.append(("model.predict(1 image), dense", f"{one * 1e3:.3f} ms", "≤ 0.2 ms", one <= 2e-4))
    row = framework_rows.get("scratchnn", {})
    if "import_s" in row:
        checks.append(
            (
                "from scratchnn import keras (+ names used)",
                f"{row['import_s']:.3f} s",
                "≤ 0.3 s",
                row["import_s"] <= 0.3,
            )
        )
    if row.get("mnist_load_s") is not None:
        checks.append(
            (
                "mnist.load_data() from local files (issue 3)",
                f"{row['mnist_load_s']:.3f} s",
                "< 1 s",
                row["mnist_load_s"] < 1.0,
            )
        )
    if "size_mb" in row:
        checks.append(
            ("scratchnn + runtime deps on disk", f"{row['size_mb']:.0f} MB", "≤ 80 MB", row["size_mb"] <= 80)
        )
    lines = ["**Targets (issues 7 and 14)**", ""] + ([f"_{hardware}_", ""] if hardware else [])
    lines += ["| target | measured | goal | met |", "|---|---|---|---|"]
    lines += [f"| {a} | {b} | {c} | {'yes' if ok else 'no'} |" for a, b, c, ok in checks]
    return lines + [""]


def markdown(meta: dict[str, Any], results: dict, framework_rows: dict, frameworks: list[str]) -> str:
    """The whole RESULTS.md text."""
    lines = [
        "# Benchmark results",
        "",
        f"- date: {meta['date']}",
        f"- command: `{meta['command']}`",
        f"- machine: {meta['machine']}",
        f"- versions: {meta['versions']}",
        f"- threads: {meta['threads']} for every framework (OMP/OPENBLAS/MKL_NUM_THREADS, "
        "torch.set_num_threads, TensorFlow intra/inter-op); float32 everywhere",
        f"- load average (1/5/15 min) before: {meta['load_before']}, after: {meta['load_after']}",
        f"- epochs: one warm-up fit on {meta['warmup']} samples, then {meta['repeats']} timed epochs of "
        f"{meta['train_samples']} samples (median shown), in {meta.get('rounds', 1)} fresh process(es) per "
        "framework and workload taken in turn (each timing at its best across the rounds: interference only "
        "adds time; every round's epoch time is listed below); predict on "
        f"{meta['test_images']} test images "
        "at the workload's batch size; accuracy on them after the timed epochs",
        "- training code: scratchnn and Keras run the tutorial's `Sequential` + `compile(metrics=['accuracy'])`"
        " + `fit`; PyTorch an eager loop (randperm, cross_entropy on logits, SGD); the NumPy floor writes "
        "forward, backward and update inline (MLPs only)",
    ]
    if meta.get("hardware"):
        lines.append(f"- hardware: {meta['hardware']}")
    if meta.get("sgemm"):
        lines.append(f"- large sgemm rate: {meta['sgemm']}")
    if "busy" in meta.get("conditions", ()):
        lines.append(
            "- busy: each measurement repeated beside one competing CPU-bound process (`while True: pass`) "
            "that the benchmark starts before the worker and stops after it"
        )
    lines += [f"- useful work: {c}" for c in meta.get("counts", [])]
    lines += [f"- note: {n}" for n in meta["notes"]]
    lines.append("")
    if meta.get("warning"):
        lines += [f"> **{meta['warning']}**", ""]
    hw = meta.get("hardware", "")
    lines += _targets(results, framework_rows, hw)
    tables = [
        ("Training: seconds per epoch", "epoch_median_s", 2, "time", 1.0),
        (
            "Training: useful GFLOP/s (2 x the layer shapes' multiply-adds / epoch time; ratio of times)",
            "useful_gflops",
            1,
            "rate",
            1.0,
        ),
        ("Predict throughput (images/s; ratio of times)", "predict_images_per_s", 0, "rate", 1.0),
        ("`model.predict` on one image (ms, median)", "predict_one_s", 3, "time", 1e3),
        ("Direct call `model(x)` on one image (ms, median)", "call_one_s", 3, "time", 1e3),
        (
            "Peak memory during the workload (MB above the process after import and data load)",
            "peak_mb",
            1,
            "",
            1.0,
        ),
        ("Test accuracy after the timed epochs", "accuracy", 4, "", 1.0),
    ]
    for heading, key, digits, ratio, scale in tables:
        lines += _metric_table(heading, results, frameworks, key, digits, ratio, scale, hw)
    head = [
        "framework",
        "import statement",
        "import (s, median)",
        "installed with its dependencies (MB)",
        "packages",
    ]
    lines += ["**Frameworks**", "", "| " + " | ".join(head) + " |", "|---|---|---|---|---|"]
    for f in frameworks:
        row = framework_rows.get(f, {})
        cells = [
            FRAMEWORKS[f][0],
            f"`{IMPORTS[f]}`",
            _fmt(row.get("import_s"), 3),
            _fmt(row.get("size_mb"), 0),
        ]
        lines.append("| " + " | ".join([*cells, str(row.get("packages", "–"))]) + " |")
    return "\n".join(lines) + "\n"
