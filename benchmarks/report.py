"""Machine description, import time, installed size, and the markdown report."""

from __future__ import annotations

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
    """Median seconds of `import <framework>` in fresh interpreters."""
    code = f"import time; t = time.perf_counter(); {IMPORTS[name]}; print(time.perf_counter() - t)"
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


def _fmt(value: float | None, digits: int = 2) -> str:
    return "–" if value is None else f"{value:,.{digits}f}"


def _ratio(mine: float | None, peer: float | None) -> str:
    return "–" if mine is None or peer is None or peer == 0 else f"{mine / peer:.2f}×"


def _metric_table(
    title: str,
    results: dict,
    frameworks: list[str],
    key: str,
    digits: int,
    ratio: str = "",
    scale: float = 1.0,
) -> list[str]:
    """Workloads as rows, frameworks as columns, then one "scratchnn ÷ peer" column per peer.

    `ratio` is "time" (ratio of the values), "rate" (ratio of the inverses, i.e.
    of the times a rate implies) or "" (no ratio columns).
    """
    peers = [p for p in PEERS if p in frameworks] if ratio and "scratchnn" in frameworks else []
    head = ["workload"] + [FRAMEWORKS[f][0] for f in frameworks]
    head += [f"scratchnn ÷ {FRAMEWORKS[p][0]}" for p in peers]
    lines = [f"**{title}**", "", "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for wname, row in results.items():
        vals = {f: row.get(f, {}).get(key) for f in frameworks}
        vals = {f: None if v is None else v * scale for f, v in vals.items()}
        cells = [WORKLOADS[wname].title] + [_fmt(vals[f], digits) for f in frameworks]
        for p in peers:
            mine, theirs = vals["scratchnn"], vals[p]
            cells.append(_ratio(theirs, mine) if ratio == "rate" else _ratio(mine, theirs))
        lines.append("| " + " | ".join(cells) + " |")
    return lines + [""]


def _targets(results: dict, framework_rows: dict) -> list[str]:
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
        ratio(f"{w} epoch ÷ Keras/TF", w, "keras", "epoch_median_s", 1.0)
        ratio(f"{w} epoch ÷ PyTorch", w, "torch", "epoch_median_s", 1.0)
    for w in ("dense32", "dense128", "fashion32", "sigmoid128"):
        ratio(f"{w} predict time ÷ PyTorch", w, "torch", "predict_images_per_s", 1.0, invert=True)
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
    lines = ["**Targets (issue 7)**", "", "| target | measured | goal | met |", "|---|---|---|---|"]
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
    lines += [f"- note: {n}" for n in meta["notes"]]
    lines.append("")
    if meta.get("warning"):
        lines += [f"> **{meta['warning']}**", ""]
    lines += _targets(results, framework_rows)
    lines += _metric_table("Training: seconds per epoch", results, frameworks, "epoch_median_s", 2, "time")
    lines += _metric_table(
        "Predict throughput (images/s; ratio of times)",
        results,
        frameworks,
        "predict_images_per_s",
        0,
        "rate",
    )
    lines += _metric_table(
        "`model.predict` on one image (ms, median)", results, frameworks, "predict_one_s", 3, "time", 1e3
    )
    lines += _metric_table(
        "Direct call `model(x)` on one image (ms, median)", results, frameworks, "call_one_s", 3, "time", 1e3
    )
    lines += _metric_table(
        "Peak memory during the workload (MB above the process after import and data load)",
        results,
        frameworks,
        "peak_mb",
        1,
    )
    lines += _metric_table("Test accuracy after the timed epochs", results, frameworks, "accuracy", 4)
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
