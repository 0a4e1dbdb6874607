"""Smoke tests of the benchmark harness (scratchnn and the NumPy floor only: no TensorFlow/PyTorch)."""

import os
import re

import numpy as np
import pytest

from benchmarks import report, run
from benchmarks.frameworks import NumpyRunner, make_runner
from benchmarks.profiler import OpProfiler, profile
from benchmarks.workloads import WORKLOADS, Workload


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

    def fake_worker(framework, workload, args, env):
        calls.append(framework)
        res = _fake(next(epochs[framework]), next(rates), next(latencies))
        extra = {"peak_mb": float(next(peaks)), "accuracy": 0.5, "data_note": "", "train_samples": 1}
        return {**res, **extra, "test_images": 1}

    monkeypatch.setattr(run, "run_worker", fake_worker)
    monkeypatch.setattr(report, "import_seconds", lambda *a: 0.1)
    monkeypatch.setattr(report, "installed_mb", lambda f: (1.0, 1))
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
