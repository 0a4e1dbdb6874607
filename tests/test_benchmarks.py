"""Smoke tests of the benchmark harness (scratchnn and the NumPy floor only: no TensorFlow/PyTorch)."""

import os
import re
import subprocess

import numpy as np
import pytest

from benchmarks import competitor, flops, report, run
from benchmarks.frameworks import NumpyRunner, make_runner
from benchmarks.profiler import OpProfiler, profile
from benchmarks.workloads import WORKLOADS, Workload


def _no_probes(monkeypatch):
    """The report's subprocess probes replaced by fixed answers (nothing timed)."""
    monkeypatch.setattr(report, "import_seconds", lambda *a: 0.1)
    monkeypatch.setattr(report, "installed_mb", lambda f: (1.0, 1))
    monkeypatch.setattr(report, "hardware_line", lambda env: "CPU: Test CPU, 2 logical CPUs; NumPy's BLAS: X")
    monkeypatch.setattr(report, "sgemm_line", lambda env, threads, quick=False: "sgemm: 100 GFLOP/s")


def _fake(epoch, rate, one):
    return {"epoch_median_s": epoch, "predict_images_per_s": rate, "predict_one_s": one, "call_one_s": one}


def test_quick_run_writes_a_table_with_ratios(tmp_path):
    out = tmp_path / "RESULTS.md"
    argv = ["--quick", "--frameworks", "scratchnn,numpy", "--workloads", "dense32", "--import-runs", "1"]
    assert run.main([*argv, "--output", str(out)]) == 0
    text = out.read_text()
    assert "python -m benchmarks --quick" in text and "logical CPUs" in text
    row = next(
        line for line in text.splitlines() if line.startswith("| dense 784-250-100-10 relu, batch 32 | ")
    )
    cells = [c.strip() for c in row.strip("|").split("|")]
    assert float(cells[1]) > 0 and float(cells[2]) > 0  # scratchnn and floor seconds per epoch
    assert re.fullmatch(r"\d+\.\d\d×", cells[3])  # scratchnn ÷ floor
    assert "| scratchnn | `from scratchnn import keras" in text
    load = re.search(r"\| mnist.load_data\(\) from local files \(issue 3\) \| (\d+\.\d+) s \| < 1 s \|", text)
    assert load and float(load.group(1)) > 0


def test_rounds_take_turns_and_report_the_best_round(tmp_path, monkeypatch):
    calls = []
    epochs = {"scratchnn": iter([3.0, 1.0, 2.0]), "numpy": iter([5.0, 4.0, 6.0])}
    # Other timings are best in other rounds: each is taken at its own best.
    rates, latencies, peaks = (
        iter([300.0, 100.0, 200.0] * 2),
        iter([1e-4, 3e-4, 2e-4] * 2),
        iter([1, 3, 2] * 2),
    )

    def fake_worker(framework, workload, args, env, busy=False):
        calls.append(framework)
        res = _fake(next(epochs[framework]), next(rates), next(latencies))
        extra = {"peak_mb": float(next(peaks)), "accuracy": 0.5, "data_note": "", "train_samples": 1}
        return {**res, **extra, "test_images": 1}

    monkeypatch.setattr(run, "run_worker", fake_worker)
    _no_probes(monkeypatch)
    out = tmp_path / "RESULTS.md"
    argv = [
        "--frameworks",
        "scratchnn,numpy",
        "--workloads",
        "dense32",
        "--rounds",
        "3",
        "--output",
        str(out),
    ]
    assert run.main(argv) == 0
    assert calls == ["scratchnn", "numpy"] * 3  # interleaved, not three in a row
    text = out.read_text()
    assert "epoch seconds per round 3.00, 1.00, 2.00" in text
    row = next(
        line for line in text.splitlines() if line.startswith("| dense 784-250-100-10 relu, batch 32 | ")
    )
    cells = [c.strip() for c in row.strip("|").split("|")]
    assert cells[1:4] == ["1.00", "4.00", "0.25×"]  # the best rounds: 1 s and 4 s
    best = run.best_of_rounds(
        [{**_fake(3.0, 300.0, 1e-4), "peak_mb": 1.0}, {**_fake(1.0, 100.0, 3e-4), "peak_mb": 3.0}]
    )
    assert best == {**_fake(1.0, 300.0, 1e-4), "peak_mb": 3.0}


def test_ratios_and_targets_from_known_numbers():
    results = {
        "dense32": {
            "scratchnn": _fake(2.0, 50_000.0, 1e-4),
            "numpy": _fake(1.6, 40_000.0, 2e-5),
            "torch": _fake(4.0, 25_000.0, 1e-4),
        }
    }
    meta = {
        "date": "d",
        "command": "c",
        "machine": "m",
        "versions": "v",
        "threads": 2,
        "load_before": "0.1 0.1 0.1",
        "load_after": "0.1 0.1 0.1",
        "repeats": 3,
        "warmup": 1024,
        "train_samples": 60000,
        "test_images": 10000,
        "notes": [],
    }
    rows = {"scratchnn": {"import_s": 0.5, "mnist_load_s": 1.5}}
    text = report.markdown(meta, results, rows, ["scratchnn", "numpy", "torch"])
    # 2.0 / 1.6 and 2.0 / 4.0 for the epochs; times of rates: (1/50k) / (1/25k) = 0.5.
    assert "| 2.00 | 1.60 | 4.00 | 1.25× | 0.50× |" in text
    assert "| 50,000 | 40,000 | 25,000 | 0.80× | 0.50× |" in text
    assert "| dense b32 epoch ÷ NumPy floor | 1.25× | ≤ 1.3× | yes |" in text
    assert "| dense b32 epoch ÷ PyTorch | 0.50× | ≤ 0.7× | yes |" in text
    assert "≤ 0.3 s | no |" in text
    assert "| mnist.load_data() from local files (issue 3) | 1.500 s | < 1 s | no |" in text


@pytest.mark.parametrize("activation", ["relu", "sigmoid"])
def test_numpy_floor_takes_the_same_sgd_step_as_scratchnn(activation):
    # One full-batch step: the shuffle does not change the mean gradient, so both
    # must land on the same weights.
    rng = np.random.default_rng(0)
    x = rng.random((48, 784), dtype=np.float32)
    y = rng.integers(0, 10, 48)
    workload = Workload("t", "t", "mnist", "mlp", (25, 12), activation, batch_size=48, learning_rate=0.5)
    floor = NumpyRunner(workload, x, y)
    mine = make_runner("scratchnn", workload, x, y)
    mine.predict(x[:1])  # builds the model
    mine.model.set_weights([a for pair in zip(floor.W, floor.b) for a in pair])
    floor.fit_epoch(x, y)
    mine.fit_epoch(x, y)
    for got, want in zip(mine.model.get_weights(), [a for pair in zip(floor.W, floor.b) for a in pair]):
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-6)
    probs = floor.predict(x)
    assert probs.shape == (48, 10) and probs.dtype == np.float32
    np.testing.assert_allclose(probs, mine.predict(x), rtol=1e-4, atol=1e-6)


def test_profiler_charges_linear_forward_and_backward_and_restores_ops():
    from scratchnn import ops

    original = ops.linear
    text = profile("dense32", steps=4, quick=True)
    assert re.search(r"^forward\s+linear\s+3\.0", text, re.M)
    assert re.search(r"^backward\s+linear\s+3\.0", text, re.M)
    assert "NumPy floor step" in text
    assert ops.linear is original  # uninstalled


def test_profiler_uninstall_leaves_the_model_as_it_was():
    x = np.zeros((4, 784), dtype=np.float32)
    runner = make_runner("scratchnn", WORKLOADS["dense32"], x, np.zeros(4, dtype=np.int64))
    prof = OpProfiler()
    prof.install(runner.model)
    assert "apply" in vars(runner.model.optimizer)
    prof.uninstall()
    assert "apply" not in vars(runner.model.optimizer)
    assert "compute_metrics" not in vars(runner.model)
    assert "_minimize" not in vars(runner.model.optimizer)


def test_profiler_times_exclusively():
    prof = OpProfiler()
    inner = prof.wrap("forward", "inner", lambda: sum(range(20000)))
    outer = prof.wrap("forward", "outer", lambda: inner() + inner())
    outer()
    assert prof.calls["forward", "inner"] == 2 and prof.calls["forward", "outer"] == 1
    assert prof.seconds["forward", "outer"] < prof.seconds["forward", "inner"]


def test_unknown_names_are_rejected():
    with pytest.raises(SystemExit, match="Unknown workloads"):
        run.parse_args(["--workloads", "dense64"])
    with pytest.raises(SystemExit, match="Unknown frameworks"):
        run.parse_args(["--frameworks", "jax"])


def test_scratchnn_runner_predicts_one_image():
    x = np.zeros((4, 784), dtype=np.float32)
    runner = make_runner("scratchnn", WORKLOADS["sigmoid128"], x, np.zeros(4, dtype=np.int64))
    assert np.asarray(runner.predict_one(x[:1])).shape == (1, 10)


def test_fresh_process_seconds_is_the_median_and_none_on_failure():
    env = dict(os.environ)
    assert report._fresh_process_seconds("print(0.25)", env, 2) == 0.25
    assert report._fresh_process_seconds("raise SystemExit(1)", env, 2) is None


def test_the_competing_process_runs_inside_the_block_and_is_gone_after():
    with competitor.competing() as proc:
        assert proc.poll() is None  # running (it printed "ready" before the block began)
        os.kill(proc.pid, 0)
    assert proc.poll() is not None
    with competitor.competing(False) as none:
        assert none is None


def test_busy_measurements_run_beside_a_competitor_started_and_stopped_each_time(monkeypatch):
    started, alive_during = [], []
    real_start = competitor.start

    def start():
        started.append(real_start())
        return started[-1]

    def fake_run(cmd, **kwargs):
        alive_during.append([p.poll() is None for p in started])
        return subprocess.CompletedProcess(cmd, 0, 'RESULT {"epoch_median_s": 1.0}\n', "")

    monkeypatch.setattr(competitor, "start", start)
    monkeypatch.setattr(run.subprocess, "run", fake_run)
    args = run.parse_args(["--quick"])
    assert run.run_worker("scratchnn", "dense32", args, {}, busy=True) == {"epoch_median_s": 1.0}
    assert run.run_worker("scratchnn", "dense32", args, {}, busy=False) == {"epoch_median_s": 1.0}
    # One competitor for the busy worker, alive while it ran, stopped after; none for the quiet one.
    assert len(started) == 1 and alive_during == [[True], [False]]


def test_quiet_and_busy_conditions_alternate_peers_and_feed_the_targets(tmp_path, monkeypatch):
    calls, epochs = [], {("scratchnn", False): 10.0, ("torch", False): 20.0, ("scratchnn", True): 20.0}
    epochs[("torch", True)] = 50.0

    def fake_worker(framework, workload, args, env, busy=False):
        calls.append((framework, busy))
        extra = {"peak_mb": 1.0, "accuracy": 0.9, "data_note": "", "train_samples": 60000, "test_images": 1}
        return {**_fake(epochs[framework, busy], 1000.0, 1e-3), **extra}

    monkeypatch.setattr(run, "run_worker", fake_worker)
    monkeypatch.setattr(run, "available", lambda f: True)
    _no_probes(monkeypatch)
    out = tmp_path / "RESULTS.md"
    argv = ["--frameworks", "scratchnn,torch", "--workloads", "cnn32", "--conditions", "quiet,busy"]
    assert run.main([*argv, "--rounds", "2", "--output", str(out)]) == 0
    quiet, busy = ("scratchnn", False), ("torch", False)
    assert calls == [quiet, busy, quiet, busy] + [("scratchnn", True), ("torch", True)] * 2
    text = out.read_text()
    assert "| CNN 3 conv, batch 32, one competing process | 20.00 | 50.00 | 0.40× |" in text
    assert "| cnn32 busy epoch ÷ its quiet epoch | 2.00× | ≤ 2.5× | yes |" in text
    assert "| cnn32 busy epoch ÷ PyTorch busy | 0.40× | ≤ 1.0× | yes |" in text
    assert "| cnn32 epoch ÷ PyTorch | 0.50× | ≤ 0.8× | yes |" in text
    # useful GFLOP/s = 2 * 23.38 M multiply-adds * 60,000 images / epoch seconds.
    macs = flops.step_count(WORKLOADS["cnn32"]).total
    assert (
        f"| CNN 3 conv, batch 32 | {2 * macs * 60000 / 10.0 / 1e9:.1f} | {2 * macs * 60000 / 20.0 / 1e9:.1f} |"
        in text
    )
    assert "23.38 M multiply-adds = 46.8 MFLOP per image" in text
    # The CPU and BLAS kernel line heads the targets and every metric table.
    tables = text.count("\n**")
    assert (
        text.count("_CPU: Test CPU, 2 logical CPUs; NumPy's BLAS: X_") == tables - 1
    )  # all but "Frameworks"
    assert "- large sgemm rate: sgemm: 100 GFLOP/s" in text


def test_step_counts_follow_the_layer_shapes():
    # The count, for the tutorial CNN with valid 3x3 convolutions: 13.0 M multiply-adds.
    layers = flops.cnn_layer_macs(28, 1, [(32, 5, "same"), (64, 3, "valid"), (128, 3, "valid")], [128])
    assert layers == [28 * 28 * 32 * 25, 12 * 12 * 64 * 288, 4 * 4 * 128 * 576, 512 * 128, 128 * 10]
    count = flops._count(layers)
    assert round(count.total / 1e6, 1) == 13.0 and round(count.flops / 1e6) == 26
    assert count.input_grad == sum(layers[1:])  # no input gradient for the first layer
    # The benchmark's CNN pads every convolution ("same"): 28 -> 14 -> 7 -> 3 after the pools.
    cnn = flops.step_count(WORKLOADS["cnn32"])
    assert cnn.forward == 28 * 28 * 32 * 25 + 14 * 14 * 64 * 288 + 7 * 7 * 128 * 576 + 1152 * 128 + 1280
    dense = flops.step_count(WORKLOADS["dense32"])
    assert dense.forward == dense.weight_grad == 784 * 250 + 250 * 100 + 100 * 10
    assert dense.input_grad == 250 * 100 + 100 * 10
    assert flops.useful_gflops(WORKLOADS["dense32"], 60000, 2.0) == pytest.approx(dense.flops * 30000 / 1e9)


def test_blas_kernel_and_hardware_lines():
    info = [
        {
            "internal_api": "openblas",
            "version": "0.3.31",
            "architecture": "Haswell",
            "threading_layer": "pthreads",
        }
    ]
    assert report.blas_kernel(info) == "OpenBLAS 0.3.31, Haswell kernel (pthreads)"
    assert report.blas_kernel([]) == "unknown (threadpoolctl not installed)"
    line = report.hardware_line(dict(os.environ))
    assert line.startswith(f"CPU: {report.cpu_model()}, {os.cpu_count()} logical CPUs; NumPy's BLAS: ")
    pytest.importorskip("threadpoolctl")
    assert "kernel" in line


def test_sgemm_line_names_each_thread_count(monkeypatch):
    monkeypatch.setattr(report, "sgemm_gflops", lambda env, threads, n: 50.0 * threads)
    line = report.sgemm_line({}, 2)
    assert (
        line
        == "2048x2048 float32 matrix product (NumPy's BLAS): 50 GFLOP/s on 1 thread, 100 GFLOP/s on 2 threads"
    )


def test_mpi_scaling_quick_run_reports_the_allreduce(capsys):
    from benchmarks import mpi_scaling

    assert mpi_scaling.main(["--quick", "--workloads", "dense128", "--samples", "512", "--epochs", "1"]) == 0
    text = capsys.readouterr().out
    row = next(line for line in text.splitlines() if line.startswith("| dense128 | "))
    # 784*250 + 250 + 250*100 + 100 + 100*10 + 10 float32 gradients and 6 presence flags.
    assert row.split("|")[2].strip() == f"{(222_360 + 6) * 4 / 1e6:.2f} MB"
    assert "2 ranks x 1 thread" in text and "10 Gbit/s" in text
