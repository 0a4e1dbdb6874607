"""Data-parallel training under `mpiexec -n 2`: the single-process trajectory, the CLI, failing ranks.

Two ranks give the weights of one process to float32 rounding, not bit for bit: rank r's
gradient is a sum over its 16 rows, and the Allreduce adds the two partial sums, where a
single process sums all 32 rows in one BLAS reduction. The same terms grouped differently
round differently (float addition is not associative), by about one ulp per step, and
these differences carry over from step to step. The two ranks, which apply the same
reduced gradient to the same weights, agree exactly.
"""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from tests.data_env import data_dir
from tests.distribution import mpi_training

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the mpich wheel is for Linux")


def mpiexec():
    found = Path(sys.executable).with_name("mpiexec")
    if not found.exists():
        pytest.fail("mpiexec is missing: the test extra installs it (pip install mpich)")
    return str(found)


def run_ranks(args, timeout=120, **env):
    """`mpiexec -n 2 ARGS`, its own process group killed if it outlives `timeout`."""
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO),
        "SCRATCHNN_DATA": data_dir(),
        "OPENBLAS_NUM_THREADS": "1",
        **env,
    }
    proc = subprocess.Popen([mpiexec(), "-n", "2", *args], env=env, cwd=REPO, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)  # fmt: skip
    started = time.monotonic()
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        pytest.fail(f"mpiexec hung for {timeout} s:\n{out}\n{err}")
    return proc.returncode, out, err, time.monotonic() - started


@pytest.mark.parametrize("kind", ["dense", "cnn"])
def test_two_ranks_follow_the_single_process_trajectory(kind, tmp_path):
    out = tmp_path / kind
    code, stdout, stderr, _ = run_ranks(
        [sys.executable, str(Path(mpi_training.__file__)), kind, str(out), "dp"]
    )
    assert code == 0, stderr
    weights, history = mpi_training.train(kind)
    ranks = [np.load(f"{out}.{rank}.npz") for rank in (0, 1)]
    for i, expected in enumerate(weights):
        np.testing.assert_array_equal(
            ranks[0][f"arr_{i}"], ranks[1][f"arr_{i}"]
        )  # the replicas agree exactly
        np.testing.assert_allclose(ranks[0][f"arr_{i}"], expected, rtol=1e-5, atol=1e-6)
        assert not np.array_equal(expected, mpi_training.model(kind).get_weights()[i])  # it trained
    logged = json.loads(str(ranks[0]["history"]))
    assert logged.keys() == history.keys()  # loss, accuracy, val_loss, val_accuracy, over all rows
    for key, values in history.items():
        np.testing.assert_allclose(logged[key], values, rtol=1e-5, err_msg=key)


def test_mpiexec_scratchnn_train_reports_once(tmp_path):
    out = tmp_path / "run"
    args = [sys.executable, "-m", "scratchnn.apps.cli", "train", "mnist-dense", "--epochs", "1", "--subset", "600",
            "--max-steps", "6", "--output", str(out)]  # fmt: skip
    code, stdout, stderr, _ = run_ranks(args)
    assert code == 0, stderr
    assert stdout.count("test accuracy:") == 1 and stdout.count("training mnist-dense") == 1  # rank 0 only
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["steps_run"] == 6 and (out / "model.keras").is_file()


FAILING = """
import sys, time, numpy as np
from scratchnn import keras
keras.distribution.set_distribution(keras.distribution.DataParallel())
rank = keras.distribution.distribution().process_id

class Trouble(keras.callbacks.Callback):
    def on_epoch_end(self, epoch, logs=None):
        if rank == 1 and sys.argv[1] == "raise":
            raise RuntimeError("rank 1 cannot go on")
        if rank == 1 and sys.argv[1] == "hang":
            time.sleep(600)

model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2, activation="softmax")])
model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
x, y = np.random.default_rng(0).random((64, 4)), np.arange(64) % 2
model.fit(x, y, epochs=5, verbose=0, callbacks=[Trouble()])
"""


@pytest.mark.parametrize("how", ["raise", "hang"])
def test_a_failing_rank_ends_the_job_with_its_error(how, tmp_path):
    script = tmp_path / "failing.py"
    script.write_text(FAILING)
    code, _, stderr, seconds = run_ranks([sys.executable, str(script), how], timeout=60,
                                         SCRATCHNN_COLLECTIVE_TIMEOUT="3")  # fmt: skip
    assert code != 0 and seconds < 45
    if how == "raise":
        assert "RuntimeError: rank 1 cannot go on" in stderr
        assert "rank 1 of 2: RuntimeError: rank 1 cannot go on; ending the job" in stderr
    else:
        assert (
            "rank 0 of 2: waited 3 s for the other ranks in the stop check at the end of an epoch" in stderr
        )
