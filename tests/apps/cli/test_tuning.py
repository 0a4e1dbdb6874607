"""`scratchnn lr-find` and `scratchnn tune` (in-process search, Optuna studies across processes)."""

import csv
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from scratchnn.apps.cli import lr_find
from scratchnn.apps.cli.__main__ import main
from tests.data_env import data_dir

REPO = Path(__file__).resolve().parents[3]


@pytest.fixture(autouse=True)
def data_env(monkeypatch):
    monkeypatch.setenv("SCRATCHNN_DATA", data_dir())


def test_suggest_finds_the_steepest_fall():
    lrs = np.logspace(-6, 0, 61)
    # A loss that falls fastest at lr = 1e-3 (a logistic step in log-rate) and blows up past 1e-1.
    x = np.log10(lrs)
    loss = 2.3 - 2.0 / (1 + np.exp(-(x + 3) * 3)) + np.where(x > -1, (x + 1) * 10, 0)
    found = lr_find.suggest(lrs, loss)
    assert found["steepest"] == pytest.approx(1e-3, rel=0.3)
    assert found["min_loss_over_10"] == pytest.approx(found["min_loss"] / 10)
    assert lr_find.suggest([1e-3], [1.0])["steepest"] is None


def test_lr_finder_rates_grow_exponentially():
    finder = lr_find.LRFinder(1e-4, 1e-1, steps=4)
    assert [finder.rate(k) for k in range(4)] == pytest.approx([1e-4, 1e-3, 1e-2, 1e-1])
    with pytest.raises(ValueError, match="min_lr"):
        lr_find.LRFinder(1.0, 0.1)


def test_lr_find_command_sweeps_and_suggests(tmp_path, capsys):
    out = tmp_path / "lr"
    args = [
        "lr-find",
        "mnist-dense",
        "--subset",
        "3200",
        "--min-lr",
        "1e-4",
        "--max-lr",
        "10",
        "--output",
        str(out),
    ]
    assert main(args) == 0
    printed = capsys.readouterr().out
    assert "suggested learning rate:" in printed
    sweep = json.loads((out / "lr_find.json").read_text())
    lrs = np.array(sweep["learning_rates"])
    assert lrs[0] == pytest.approx(1e-4) and np.all(np.diff(np.log(lrs)) > 0)
    # The loss must fall somewhere in the sweep, and the suggestion lies inside it.
    assert min(sweep["smoothed"]) < sweep["smoothed"][0]
    assert lrs[0] <= sweep["suggestion"]["steepest"] <= lrs[-1]
    assert (out / "lr_find.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (out / "lr_find.csv").is_file()


# -- scratchnn tune: the in-process search (no Optuna) ------------------------------------------------
TINY = ["--subset", "600", "--max-steps", "10"]


def table_rows(printed):
    """The rows of the printed results table, as dicts keyed by its header."""
    lines = printed.splitlines()
    start = next(i for i, line in enumerate(lines) if line.split()[:2] == ["rank", "trial"])
    header = lines[start].split()
    rows = []
    for line in lines[start + 1 :]:
        cells = line.split()
        if len(cells) != len(header) or not cells[0].isdigit():
            break
        rows.append(dict(zip(header, cells)))
    return rows


def test_tune_grid_sorts_by_validation_and_saves_the_best(tmp_path, capsys):
    out = tmp_path / "tune"
    args = ["tune", "mnist-dense", "--grid", "--learning-rate", "0.0001", "0.05", "--units", "32", "--depth", "1", "2",
            "--epochs", "1", *TINY, "--output", str(out)]  # fmt: skip
    assert main(args) == 0
    printed = capsys.readouterr().out
    rows = json.loads((out / "tune_results.json").read_text())
    assert len(rows) == 4
    scores = [r["val_accuracy"] for r in rows]
    assert scores == sorted(scores, reverse=True)
    assert {tuple(r["hidden_units"]) for r in rows} == {(32,), (32, 32)}
    assert max(r["val_accuracy"] for r in rows if r["learning_rate"] == 0.05) > max(
        r["val_accuracy"] for r in rows if r["learning_rate"] == 0.0001
    )
    # "best: trial N" names a row of the printed table, the first one.
    table = table_rows(printed)
    best = re.search(r"best: trial (\d+) ", printed).group(1)
    assert table[0]["rank"] == "1" and table[0]["trial"] == best == str(rows[0]["trial"])
    assert (out / "best_model.keras").is_file() and (out / "report.html").is_file()
    assert len(list(csv.DictReader((out / "tune_results.csv").read_text().splitlines()))) == 4


def test_tune_output_is_rounded_and_says_what_it_means(tmp_path, capsys):
    args = [
        "tune",
        "mnist-dense",
        "--grid",
        "--optimizer",
        "adam",
        "--epochs",
        "1",
        *TINY,
        "--output",
        str(tmp_path),
    ]
    assert main(args) == 0
    printed = capsys.readouterr().out
    assert printed.startswith("1 trial of mnist-dense, 1 epoch each;")
    assert "None" not in printed and "{" not in printed
    assert not re.findall(r"\d\.\d{5,}", printed)  # no unrounded floats
    # One line per finished trial with its score and the best so far; the running trial's epoch.
    assert re.search(
        r"^\[1/1\] trial 0  val_accuracy 0\.\d{4}  best 0\.\d{4} \(trial 0\)  learning_rate 0\.001 ",
        printed,
        re.M,
    )
    assert re.search(r"^  trial 0  epoch 1/1  val_accuracy 0\.\d{4}$", printed, re.M)


def test_tune_random_draws_learning_rates_between_the_bounds(tmp_path, capsys):
    out = tmp_path / "tune"
    args = ["tune", "fashion-numpy", "--random", "3", "--learning-rate", "0.01", "0.2", "--optimizer", "sgd", "adam",
            "--epochs", "1", "--subset", "300", "--max-steps", "3", "--output", str(out)]  # fmt: skip
    assert main(args) == 0
    rows = json.loads((out / "tune_results.json").read_text())
    assert len(rows) == 3
    assert all(0.01 <= r["learning_rate"] <= 0.2 for r in rows)


def test_tune_needs_a_search_mode(capsys):
    assert main(["tune", "mnist-dense"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--trials N" in err and "--grid" in err


def test_grid_and_random_run_without_optuna(tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "optuna", None)
    args = ["tune", "mnist-dense", "--random", "1", "--learning-rate", "0.05", "--epochs", "1", *TINY,
            "--output", str(tmp_path)]  # fmt: skip
    assert main(args) == 0
    storage = tmp_path / "studies" / "s.journal"
    assert (
        main(
            [
                "tune",
                "mnist-dense",
                "--trials",
                "2",
                "--learning-rate",
                "0.01",
                "0.1",
                "--storage",
                str(storage),
            ]
        )
        == 1
    )
    assert not storage.parent.exists()  # nothing written
    err = capsys.readouterr().err.strip()
    assert err.startswith("scratchnn tune: ") and 'pip install "scratchnn[tune]"' in err and "\n" not in err


# -- scratchnn tune: Optuna studies ----------------------------------------------------------------------
def load_study(storage, name):
    import optuna
    from optuna.storages import JournalStorage
    from optuna.storages.journal import JournalFileBackend

    return optuna.load_study(study_name=name, storage=JournalStorage(JournalFileBackend(str(storage))))


def states(study):
    return [t.state.name for t in study.get_trials()]


def test_a_study_prunes_reports_and_continues_where_it_stopped(tmp_path, capsys):
    storage = tmp_path / "studies" / "s.journal"
    args = ["tune", "mnist-dense", "--study", "s", "--storage", str(storage), "--sampler", "random", "--learning-rate",
            "1e-5", "0.5", "--units", "16", "--epochs", "4", *TINY]  # fmt: skip
    assert main([*args, "--trials", "8"]) == 0
    printed = capsys.readouterr().out
    study = load_study(storage, "s")
    assert len(study.trials) == 8 and "PRUNED" in states(study) and "COMPLETE" in states(study)
    out = storage.parent / "s"
    page = (out / "report.html").read_text()
    # Every trial is in the report: state, score, parameters, epochs run and seconds.
    assert len(re.findall(r'<tr class="(complete|pruned)">', page)) == 8
    assert "data:image/png;base64," in page and "epochs" in page and "seconds" in page
    assert (out / "score_by_trial.png").is_file() and (out / "best_model.keras").is_file()
    pruned = [t for t in study.trials if t.state.name == "PRUNED"]
    assert all(len(t.intermediate_values) < 4 for t in pruned)
    assert f"pruned at epoch {len(pruned[0].intermediate_values)}/4" in printed
    best = json.loads((out / "best_model.json").read_text())
    assert best["trial"] == study.best_trial.number
    # The same command with more trials continues the study: only the new trials run.
    assert main([*args, "--trials", "10"]) == 0
    printed = capsys.readouterr().out
    assert "8 of 10 trials finished" in printed and "[9/10] trial 8 " in printed and "trial 7 " not in printed
    study = load_study(storage, "s")
    assert [t.number for t in study.trials] == list(range(10))


def test_a_study_refuses_other_settings(tmp_path, capsys):
    storage = str(tmp_path / "s.journal")
    base = ["tune", "mnist-dense", "--storage", storage, "--trials", "1", "--epochs", "1", *TINY]
    assert main([*base, "--learning-rate", "0.01", "0.1"]) == 0
    capsys.readouterr()
    assert main([*base, "--learning-rate", "0.02", "0.1"]) == 2
    err = capsys.readouterr().err
    assert "other settings (space)" in err and "--study" in err


def _default_sigint():
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.fixture
def run_cli():
    """Starts `python -m scratchnn.apps.cli ARGS` in its own process group; the group is killed at teardown."""
    started = []

    def start(args):
        env = {**os.environ, "PYTHONPATH": str(REPO), "SCRATCHNN_DATA": data_dir()}
        # SIGINT back to its default in the child: a suite started in the background (nohup, `&` in
        # a script) passes SIGINT down as ignored, and Python then installs no KeyboardInterrupt
        # handler, so the Ctrl-C test's interrupt would be dropped and the study run to its end.
        proc = subprocess.Popen([sys.executable, "-m", "scratchnn.apps.cli", *args], env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True, cwd=REPO, start_new_session=True,
                                preexec_fn=_default_sigint)  # fmt: skip
        started.append(proc)
        return proc

    yield start
    for proc in started:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.communicate()


def running_trials(storage, name):
    """The study's trials now, or [] before a worker has created the study."""
    try:
        return load_study(storage, name).get_trials(deepcopy=False)
    except KeyError:
        return []


def test_two_workers_share_a_grid_without_running_a_point_twice(tmp_path, run_cli):
    storage = tmp_path / "g.journal"
    # 60 short epochs a trial (~2 s): long enough that the second worker has started before the
    # first could run all four points (with 2 epochs a slow start left one worker every trial).
    args = ["tune", "mnist-dense", "--study", "g", "--storage", str(storage), "--sampler", "grid", "--workers", "2",
            "--learning-rate", "0.01", "0.1", "--units", "8", "16", "--epochs", "60", *TINY]  # fmt: skip
    proc = run_cli(args)
    out, _ = proc.communicate(timeout=120)
    assert proc.returncode == 0, out
    study = load_study(storage, "g")
    assert states(study) == ["COMPLETE"] * 4
    assert sorted((t.params["learning_rate"], t.params["units"]) for t in study.trials) == [
        (0.01, 8), (0.01, 16), (0.1, 8), (0.1, 16)
    ]  # fmt: skip
    assert len({t.user_attrs["worker"] for t in study.trials}) == 2  # both workers ran trials
    assert "started 2 workers" in out and "best: trial" in out


def test_a_killed_worker_loses_only_its_running_trial(tmp_path, run_cli):
    storage = tmp_path / "k.journal"
    args = ["tune", "mnist-dense", "--study", "k", "--storage", str(storage), "--learning-rate", "0.001", "0.5",
            "--epochs", "12", "--pruner", "none", *TINY]  # fmt: skip
    parent = run_cli([*args, "--trials", "4", "--workers", "2"])
    victim = None
    deadline = time.monotonic() + 60
    while victim is None and time.monotonic() < deadline:
        time.sleep(0.05)
        for t in running_trials(storage, "k"):
            if t.state.name == "RUNNING" and 1 <= len(t.intermediate_values) <= 6:
                victim = t.number, int(t.user_attrs["worker"].rsplit(":", 1)[1])
                os.kill(victim[1], signal.SIGKILL)  # a real SIGKILL of one worker process
                break
    assert victim is not None, "no trial was seen running"
    out, _ = parent.communicate(timeout=120)
    assert parent.returncode == 0, out
    assert f"(pid {victim[1]}) was killed by SIGKILL" in out
    study = load_study(storage, "k")
    lost = study.trials[victim[0]]
    assert lost.state.name == "FAIL" and lost.user_attrs["reason"] == "its worker ended"
    # The other worker took over: the study still reached 4 finished trials, none of them run twice.
    assert states(study).count("COMPLETE") == 4 and states(study).count("FAIL") == 1
    before = {t.number: t.value for t in study.trials if t.state.name == "COMPLETE"}
    # Restarting continues the study.
    again = run_cli([*args, "--trials", "5"])
    out, _ = again.communicate(timeout=120)
    assert again.returncode == 0, out
    study = load_study(storage, "k")
    assert states(study).count("COMPLETE") == 5
    assert {t.number: t.value for t in study.trials if t.number in before} == before


def test_ctrl_c_marks_the_running_trial_failed_and_reports(tmp_path, run_cli):
    storage = tmp_path / "c.journal"
    # 300 short epochs a trial (seconds, not one), so the interrupt lands while the second trial runs.
    proc = run_cli(["tune", "mnist-dense", "--study", "c", "--storage", str(storage), "--trials", "3",
                    "--learning-rate", "0.01", "0.1", "--epochs", "300", "--pruner", "none", *TINY])  # fmt: skip
    deadline = time.monotonic() + 180
    caught = False
    while not caught and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
        trials = running_trials(storage, "c")
        caught = (
            any(t.state.name == "COMPLETE" for t in trials)
            and trials[-1].state.name == "RUNNING"
            and bool(trials[-1].intermediate_values)
        )
    assert caught, "the study never had a finished trial beside a running one to interrupt"
    proc.send_signal(signal.SIGINT)
    out, _ = proc.communicate(timeout=60)
    assert proc.returncode == 130, out
    assert "Traceback" not in out and "run the same command to continue" in out
    study = load_study(storage, "c")
    assert study.trials[-1].state.name == "FAIL" and study.trials[-1].user_attrs["reason"] == "interrupted"
    assert (storage.parent / "c" / "report.html").is_file()
