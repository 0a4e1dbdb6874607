"""Where a scratchnn training step spends its time, by op, forward and backward.

    python -m benchmarks --profile --workloads dense32

Every function defined in `scratchnn.ops` (math, nn, shape, conv) is wrapped with
a timer wherever a loaded scratchnn module or `Tensor` refers to it, and
`record` is wrapped so that each backward closure it stores is timed under the
name of the op that made it (`matmul.<locals>.backward` -> "matmul"). Times
are exclusive: an op that calls another op is charged only for its own part.
The rest of the step is split into the batch gather, the tape walk of
`gradient` (outside the closures), the optimizer update, the metric and loss
trackers, and "other" (Layer.__call__, the fit loop, callbacks: Python
overhead). The NumPy floor's phases are timed on the same batches for
comparison. The timers themselves add about a microsecond per call, so the
profiled step is a little slower than an unprofiled one; both are printed.
Only the main thread is timed: an op whose chunks run on the execution layer's
threads is charged its wall time, helpers inside the chunks included.
`--reference` profiles the serial im2col path (one thread, no Winograd): the step
before the execution layer and the fast paths.
"""

from __future__ import annotations

import functools
import inspect
import sys
import threading
import time
from collections import defaultdict
from typing import Any

_clock = time.perf_counter
# Helpers that run inside an op's image chunks (on the execution layer's threads): their
# time is charged to the op that runs the chunks, not split off from it.
CHUNK_HELPERS = {
    "offset_slice",
    "_along",
    "_bt",
    "_bt_adjoint",
    "_at",
    "_at_adjoint",
    "_parity_slices",
    "_to_planes",
    "_from_planes",
}
_MISSING = object()


class OpProfiler:
    """Exclusive wall time per (phase, name), with a stack for nested timed calls."""

    def __init__(self) -> None:
        self.seconds: dict[tuple[str, str], float] = defaultdict(float)
        self.calls: dict[tuple[str, str], int] = defaultdict(int)
        self._children: list[float] = []
        self._undo: list[tuple[Any, str, Any]] = []

    def wrap(self, phase: str, name: str, fn: Any) -> Any:
        key, children, seconds, calls = (phase, name), self._children, self.seconds, self.calls

        main = threading.main_thread()

        @functools.wraps(fn)
        def timed(*args: Any, **kwargs: Any) -> Any:
            if threading.current_thread() is not main:  # a worker's chunk: part of its op's time
                return fn(*args, **kwargs)
            children.append(0.0)
            start = _clock()
            try:
                return fn(*args, **kwargs)
            finally:
                elapsed = _clock() - start
                inner = children.pop()
                seconds[key] += elapsed - inner
                calls[key] += 1
                if children:
                    children[-1] += elapsed

        timed.__wrapped_by_profiler__ = True
        return timed

    def _set(self, owner: Any, attr: str, value: Any) -> None:
        # An attribute the object only inherits (a bound method) is deleted again on uninstall.
        self._undo.append((owner, attr, vars(owner).get(attr, _MISSING)))
        setattr(owner, attr, value)

    def install(self, model: Any) -> None:
        """Wraps the ops, `record`, the tape walk and the trainer's pieces for `model`."""
        import importlib

        from scratchnn.ops import tensor
        from scratchnn.ops.tensor import Tensor
        from scratchnn.trainers import data as data_utils

        replace: dict[int, Any] = {}
        op_modules = [
            importlib.import_module(f"scratchnn.ops.{m}")
            for m in (
                "math",
                "nn",
                "shape",
                "convolution",
                "pooling",
                "normalization",
                "spatial",
                "conv_geometry",
                "winograd",
            )
        ]
        for module in op_modules:
            for name, fn in vars(module).items():
                if (
                    inspect.isfunction(fn)
                    and fn.__module__ == module.__name__
                    and name != "record"
                    and name not in CHUNK_HELPERS
                ):
                    replace[id(fn)] = self.wrap("forward", name, fn)
        replace[id(tensor.gradient)] = self.wrap("step", "gradient() tape walk", tensor.gradient)
        replace[id(tensor.convert)] = self.wrap("forward", "convert", tensor.convert)
        replace[id(tensor.unbroadcast)] = self.wrap("backward", "unbroadcast", tensor.unbroadcast)
        original_record = tensor.record

        def record(data: Any, parents: Any, backward: Any) -> Any:
            op = backward.__qualname__.split(".")[0]
            return original_record(data, parents, self.wrap("backward", op, backward))

        replace[id(original_record)] = record
        # Rebind every reference a loaded scratchnn module (or Tensor's operators) holds.
        owners = [m for n, m in list(sys.modules.items()) if n.startswith("scratchnn") and m is not None]
        for owner in owners:
            for attr, value in list(vars(owner).items()):
                if id(value) in replace and callable(value):
                    self._set(owner, attr, replace[id(value)])
        for attr, value in list(vars(Tensor).items()):
            if id(value) in replace:
                self._set(Tensor, attr, replace[id(value)])
        self._set(data_utils, "take", self.wrap("step", "batch gather (data.take)", data_utils.take))
        opt = model.optimizer
        self._set(opt, "apply", self.wrap("step", "optimizer.apply", opt.apply))
        # The update itself: `_minimize` less the gradient() walk it runs (timed exclusively).
        self._set(opt, "_minimize", self.wrap("step", "optimizer._minimize (update)", opt._minimize))
        self._set(model, "compute_metrics", self.wrap("step", "compute_metrics", model.compute_metrics))
        tracker = model._loss_tracker
        if tracker is not None:
            self._set(tracker, "update_state", self.wrap("step", "loss tracker", tracker.update_state))

    def uninstall(self) -> None:
        while self._undo:
            owner, attr, value = self._undo.pop()
            if value is _MISSING:
                delattr(owner, attr)
            else:
                setattr(owner, attr, value)

    def reset(self) -> None:
        self.seconds.clear()
        self.calls.clear()


def hardware() -> str:
    """The CPU and NumPy's BLAS kernel, as in the benchmark's tables."""
    import os

    from benchmarks.report import blas_kernel, cpu_model
    from scratchnn.backend import parallel

    return f"CPU: {cpu_model()}, {os.cpu_count()} logical CPUs; NumPy's BLAS: {blas_kernel(parallel.blas_info())}"


def _table(rows: list[tuple[str, str, float, float]], step_s: float) -> str:
    lines = [
        f"{'phase':<9} {'op / part':<34} {'calls/step':>10} {'us/step':>9} {'% step':>7}",
        "-" * 73,
    ]
    for phase, name, calls, secs in rows:
        lines.append(f"{phase:<9} {name:<34} {calls:>10.1f} {secs * 1e6:>9.1f} {100 * secs / step_s:>6.1f}%")
    return "\n".join(lines)


def settings_line(reference: bool) -> str:
    """Which execution path the profile measured: threads, BLAS threads, convolution algorithm."""
    from scratchnn.backend import parallel
    from scratchnn.ops import convolution

    if reference:
        parallel.set_num_threads(1)
        convolution.ALGORITHM = "im2col"
    blas = ", ".join(str(i["num_threads"]) for i in parallel.blas_info()) or "?"
    name = "reference path" if reference else "default path"
    return (
        f"{name}: execution layer {parallel.num_threads()} thread(s), convolutions {convolution.ALGORITHM!r}; "
        f"BLAS threads before the first step: {blas}"
    )


def profile(workload_name: str, steps: int = 300, quick: bool = False, reference: bool = False) -> str:
    """Profiles `steps` scratchnn training steps of a workload; returns the report text.

    With `reference`, the serial im2col path (one thread, no Winograd) is profiled: where
    the step's time went before the execution layer and the fast paths.
    """
    from benchmarks.frameworks import NumpyRunner, make_runner
    from benchmarks.workloads import WORKLOADS, load_data

    settings = settings_line(reference)

    workload = WORKLOADS[workload_name]
    if quick:
        steps = min(steps, 40)
    data, note = load_data(workload, quick)
    n = min(len(data["x"]), steps * workload.batch_size)
    x, y = data["x"][:n], data["y"][:n]
    steps = -(-n // workload.batch_size)
    runner = make_runner("scratchnn", workload, x, y)
    runner.fit_epoch(x[: 8 * workload.batch_size], y[: 8 * workload.batch_size])  # warm-up
    start = _clock()
    runner.fit_epoch(x, y)
    plain_step = (_clock() - start) / steps

    prof = OpProfiler()
    prof.install(runner.model)
    try:
        start = _clock()
        runner.fit_epoch(x, y)
        step = (_clock() - start) / steps
    finally:
        prof.uninstall()

    rows = [
        (phase, name, prof.calls[k] / steps, s / steps)
        for k, s in prof.seconds.items()
        for phase, name in [k]
    ]
    rows.append(("step", "other (Python: layers, fit loop)", 1.0, step - sum(r[3] for r in rows)))
    rows.sort(key=lambda r: -r[3])
    totals = defaultdict(float)
    for phase, _, _, secs in rows:
        totals[phase] += secs

    lines = [f"== profile: scratchnn, {workload.title}, {steps} steps of {workload.batch_size} =="]
    lines += [settings, hardware()]
    if note:
        lines.append(f"(data: {note})")
    lines.append(f"step: {plain_step * 1e6:.0f} us unprofiled, {step * 1e6:.0f} us profiled")
    lines.append(
        "totals: "
        + ", ".join(
            f"{p} {totals[p] * 1e6:.0f} us ({100 * totals[p] / step:.0f}%)"
            for p in ("forward", "backward", "step")
        )
    )
    lines.append(_table(rows, step))
    if workload.kind == "mlp":
        floor = NumpyRunner(workload, x, y)
        floor.fit_epoch(x[: 8 * workload.batch_size], y[: 8 * workload.batch_size])
        floor.phase_seconds = dict.fromkeys(floor.phase_seconds, 0.0)
        start = _clock()
        floor.fit_epoch(x, y, timed=True)
        floor_step = (_clock() - start) / steps
        parts = ", ".join(f"{k} {v / steps * 1e6:.0f} us" for k, v in floor.phase_seconds.items())
        lines.append(f"NumPy floor step: {floor_step * 1e6:.0f} us ({parts})")
        lines.append(f"scratchnn / floor per step: {plain_step / floor_step:.2f}x")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    import argparse

    parser = argparse.ArgumentParser(description="Per-op profile of scratchnn training steps.")
    parser.add_argument("--workload", default="dense32")
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--reference", action="store_true", help="the serial im2col path (before)")
    args = parser.parse_args(argv)
    print(profile(args.workload, args.steps, args.quick, args.reference), flush=True)


if __name__ == "__main__":
    main()
