"""scratchnn.apps.tuning.study: stale trials of dead workers, and the best-model rule."""

import json
import os
import socket
import subprocess
import sys
import time
from types import SimpleNamespace

from scratchnn.apps.tuning import study
from tests.apps.tuning.test_results import result


def frozen(worker, heartbeat):
    return SimpleNamespace(user_attrs={"worker": worker, "heartbeat": heartbeat})


def test_stale_trials_are_those_of_dead_or_silent_workers():
    here = socket.gethostname()
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    now = time.time()
    assert study.is_stale(frozen(f"{here}:{child.pid}", now))  # the process has ended
    assert not study.is_stale(frozen(f"{here}:{os.getpid()}", now))
    assert not study.is_stale(frozen("elsewhere:1", now - 10))  # another machine: only the heartbeat tells
    assert study.is_stale(frozen("elsewhere:1", now - study.STALE_SECONDS - 1))


class FakeModel:
    def __init__(self):
        self.saved = 0

    def save(self, path):
        self.saved += 1
        with open(path, "w") as f:
            f.write("model")


def test_save_if_best_keeps_the_best_trial(tmp_path):
    model = FakeModel()
    assert study.save_if_best(model, result(0, score=0.5), str(tmp_path))
    assert not study.save_if_best(model, result(1, score=0.4), str(tmp_path))
    assert not study.save_if_best(model, result(2, score=0.5, loss=2.0), str(tmp_path))
    assert study.save_if_best(model, result(3, score=0.5, loss=0.5), str(tmp_path))
    assert model.saved == 2 and json.loads((tmp_path / "best_model.json").read_text())["trial"] == 3
    assert not (tmp_path / "best_model.keras.lock").exists()


def test_samplers_and_pruners_by_name():
    import optuna

    from scratchnn.apps.tuning.space import SearchSpace

    space = SearchSpace(units=(8, 16))
    kinds = {"tpe": optuna.samplers.TPESampler, "random": optuna.samplers.RandomSampler,
             "grid": optuna.samplers.GridSampler}  # fmt: skip
    for name, cls in kinds.items():
        assert isinstance(study.make_sampler(name, space, seed=1), cls)
    assert isinstance(study.make_pruner("median"), optuna.pruners.MedianPruner)
    assert isinstance(study.make_pruner("halving"), optuna.pruners.SuccessiveHalvingPruner)
    assert isinstance(study.make_pruner("none"), optuna.pruners.NopPruner)
