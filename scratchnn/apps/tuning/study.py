"""An Optuna study in a journal file, worked on by any number of `scratchnn tune` processes.

The journal file (`optuna.storages.JournalStorage` on a `JournalFileBackend`)
is an append-only log of every operation, guarded by a lock file, so workers
on one machine, or on several machines that share the folder (NFS), need no
database server; Optuna advises against SQLite for parallel workers. Optuna
numbers trials atomically, so no trial runs twice.

A worker loop (`StudyWorker.run`):
1. marks "failed" every running trial whose worker is gone (its process no
   longer exists on this machine, or its heartbeat, written every
   `HEARTBEAT_SECONDS` while a trial runs, is older than `STALE_SECONDS`);
2. stops when the study has `trials` finished (complete or pruned) trials,
   and waits while other workers run the last ones;
3. asks for a trial, trains it, reports the validation accuracy after every
   epoch (the pruner may stop it there) and tells the result;
4. saves the model as `best_model.keras` when the trial beats the study's best.

Ctrl-C marks the running trial "failed" and stops the worker; a SIGKILL
leaves it "running" until step 1 of any worker (or of the restarted one)
finds it. Either way only that trial is lost, and restarting the same command
continues the study.
"""

from __future__ import annotations

import json
import math
import os
import socket
import threading
import time
from typing import Any

from scratchnn.apps.tuning import space as space_module
from scratchnn.apps.tuning import trial as trial_module
from scratchnn.apps.tuning.progress import best_of
from scratchnn.apps.tuning.trial import COMPLETE, FAILED, PRUNED, RUNNING, TrialResult

HEARTBEAT_SECONDS = 20.0
STALE_SECONDS = 120.0
SAMPLERS = ("tpe", "random", "grid")
PRUNERS = ("median", "halving", "none")
TUNE_EXTRA_HINT = (
    "scratchnn tune with a study (--trials, --study, --storage, --sampler, --workers) runs on Optuna, which is "
    'not installed. Install it with: pip install "scratchnn[tune]" (--grid and --random N run without it)'
)


def import_optuna() -> Any:
    """The optuna module with its own log lines silenced, or an ImportError naming the extra.

    scratchnn prints each trial itself (`progress`); Optuna's log would repeat
    every trial and print a traceback for a Ctrl-C.
    """
    try:
        import optuna
    except ImportError as err:
        raise ImportError(TUNE_EXTRA_HINT) from err
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    return optuna


def open_storage(path: str) -> Any:
    """The journal-file storage at `path` (created with its folder when missing)."""
    import_optuna()
    from optuna.storages import JournalStorage
    from optuna.storages.journal import JournalFileBackend

    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    return JournalStorage(JournalFileBackend(path))


def make_sampler(kind: str, space: space_module.SearchSpace, seed: int) -> Any:
    """Optuna's TPE, random or grid sampler, seeded."""
    optuna = import_optuna()
    if kind == "tpe":
        return optuna.samplers.TPESampler(seed=seed)
    if kind == "random":
        return optuna.samplers.RandomSampler(seed=seed)
    if kind == "grid":
        # Every worker must shuffle the grid the same way: the seed is the study's.
        return optuna.samplers.GridSampler(space.optuna_grid(), seed=seed)
    raise ValueError(f"Unknown sampler. Expected one of {', '.join(SAMPLERS)}. Received: sampler={kind!r}")


def make_pruner(kind: str) -> Any:
    """Optuna's median pruner, successive halving, or no pruning."""
    optuna = import_optuna()
    if kind == "median":
        # Optuna's defaults: no pruning until 5 trials have finished.
        return optuna.pruners.MedianPruner()
    if kind == "halving":
        return optuna.pruners.SuccessiveHalvingPruner()
    if kind == "none":
        return optuna.pruners.NopPruner()
    raise ValueError(f"Unknown pruner. Expected one of {', '.join(PRUNERS)}. Received: pruner={kind!r}")


def open_study(name: str, storage: Any, settings: dict[str, Any], sampler: Any, pruner: Any) -> Any:
    """Creates the study `name`, or loads it, checking it searches what `settings` describes.

    Raises:
        ValueError: the study exists with other settings (recipe, space, epochs, seed, data).
    """
    optuna = import_optuna()
    study = optuna.create_study(
        study_name=name,
        storage=storage,
        sampler=sampler,
        pruner=pruner,
        direction="maximize",
        load_if_exists=True,
    )
    stored = study.user_attrs.get("scratchnn")
    if stored is None:
        study.set_user_attr("scratchnn", settings)
    elif stored != settings:
        changed = sorted(k for k in set(stored) | set(settings) if stored.get(k) != settings.get(k))
        raise ValueError(
            f"the study {name!r} was started with other settings ({', '.join(changed)}): it has "
            f"{json.dumps({k: stored.get(k) for k in changed})}, this command asks for "
            f"{json.dumps({k: settings.get(k) for k in changed})}. Repeat its options, or pass another --study."
        )
    return study


def worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _process_gone(pid: int) -> bool:
    """Whether process `pid` no longer runs here (a zombie, killed but not yet reaped, counts as gone)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[-1].split()[0] == "Z"
    except OSError:
        return False


def is_stale(frozen: Any, now: float | None = None) -> bool:
    """Whether a running trial's worker is gone: dead on this host, or silent for `STALE_SECONDS`."""
    attrs = frozen.user_attrs
    host, _, pid = str(attrs.get("worker", "")).rpartition(":")
    if host == socket.gethostname() and pid.isdigit() and _process_gone(int(pid)):
        return True
    heartbeat = attrs.get("heartbeat")
    return heartbeat is not None and (now or time.time()) - float(heartbeat) > STALE_SECONDS


def fail_stale_trials(study: Any) -> list[int]:
    """Marks the running trials of dead workers "failed"; returns their numbers."""
    optuna = import_optuna()
    failed = []
    for frozen in study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.RUNNING,)):
        if is_stale(frozen):
            try:
                # Optuna's public API sets attributes only on one's own trials; this one's worker is gone.
                study._storage.set_trial_user_attr(frozen._trial_id, "reason", "its worker ended")
                study.tell(frozen.number, state=optuna.trial.TrialState.FAIL)
                failed.append(frozen.number)
            except (ValueError, RuntimeError):
                pass  # another worker marked it first
    return failed


_STATES = {"COMPLETE": COMPLETE, "PRUNED": PRUNED, "FAIL": FAILED, "RUNNING": RUNNING, "WAITING": RUNNING}


def result_of(frozen: Any) -> TrialResult:
    """The table row of an Optuna trial (settings are kept in its user attributes)."""
    attrs = frozen.user_attrs
    steps = frozen.intermediate_values
    last = steps[max(steps)] if steps else None
    value = frozen.value if frozen.value is not None else last
    params = dict(frozen.params)
    if "reason" in attrs:
        params["reason"] = attrs["reason"]
    return TrialResult(
        number=frozen.number,
        state=_STATES[frozen.state.name],
        val_accuracy=None if value is None or math.isnan(value) else float(value),
        val_loss=attrs.get("val_loss"),
        learning_rate=attrs.get("learning_rate"),
        hidden_units=tuple(attrs.get("hidden_units", ())),
        batch_size=attrs.get("batch_size"),
        optimizer=attrs.get("optimizer"),
        epochs_run=len(steps),
        epochs=attrs.get("epochs"),
        seconds=attrs.get("seconds"),
        worker=attrs.get("worker"),
        params=params,
    )


def results(study: Any) -> list[TrialResult]:
    return [result_of(t) for t in study.get_trials(deepcopy=False)]


def finished_count(study: Any) -> tuple[int, int]:
    """(finished trials, running trials) of the study; for a grid, distinct grid points finished."""
    trials = study.get_trials(deepcopy=False)
    done = [t for t in trials if t.state.name in ("COMPLETE", "PRUNED")]
    running = sum(t.state.name == "RUNNING" for t in trials)
    grid_ids = {t.system_attrs.get("grid_id") for t in done}
    return (len(grid_ids) if None not in grid_ids and done else len(done)), running


class _Heartbeat:
    """Sets the trial's "heartbeat" user attribute now and every `HEARTBEAT_SECONDS` from a thread."""

    def __init__(self, trial: Any) -> None:
        self.trial = trial
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._beat, daemon=True, name="scratchnn-tune-heartbeat")

    def _beat(self) -> None:
        # Optuna's storages are thread-safe (JournalStorage holds a lock around each operation).
        while not self.stopped.wait(HEARTBEAT_SECONDS):
            self.trial.set_user_attr("heartbeat", time.time())

    def __enter__(self) -> _Heartbeat:
        self.trial.set_user_attr("heartbeat", time.time())
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopped.set()
        self.thread.join()


class StudyWorker:
    """Runs trials of `study` until it has `trials` finished ones (see the module docstring).

    Args:
        study: the Optuna study (from `open_study`).
        recipe: the recipe every trial starts from.
        space: the search space.
        data: the `recipes.Split` (with validation data) every trial trains on.
        trials: finished trials the study should reach.
        sampler: "tpe", "random" or "grid".
        seed: the study's seed (samplers are seeded with seed + trial number).
        out_dir: where `best_model.keras` and `best_model.json` go.
        progress: a `Progress` (or None for silence).
        max_steps: at most this many batches per epoch.
    """

    def __init__(self, study: Any, recipe: Any, space: Any, data: Any, trials: int, sampler: str, seed: int,
                 out_dir: str, progress: Any = None, max_steps: int | None = None) -> None:  # fmt: skip
        self.study, self.recipe, self.space, self.data = study, recipe, space, data
        self.trials, self.sampler, self.seed, self.out_dir = trials, sampler, seed, out_dir
        self.progress, self.max_steps = progress, max_steps
        self.ran = 0

    def run(self) -> int:
        """Works on the study until it is done; returns how many trials this worker finished.

        Raises:
            KeyboardInterrupt: after marking the running trial failed.
        """
        while True:
            fail_stale_trials(self.study)
            done, running = finished_count(self.study)
            if done >= self.trials:
                return self.ran
            if done + running >= self.trials:
                time.sleep(1.0)  # other workers run the last trials; take over if one of them dies
                continue
            self._run_one()

    def _run_one(self) -> None:
        optuna = import_optuna()
        finished: list[TrialResult] = []

        def objective(trial: Any) -> float:
            if self.sampler != "grid":
                # A sampler seeded by the trial number: the study is reproducible with one worker,
                # and two workers never draw the same sequence. Optuna samples from `study.sampler`
                # at `suggest_*` time, so replacing it here seeds this trial's draws.
                trial.study.sampler = make_sampler(self.sampler, self.space, self.seed + trial.number)
            params = self.space.suggest(trial, grid=self.sampler == "grid")
            config = space_module.apply(self.recipe, params)
            me = worker_id()
            settings = {
                "worker": me, "learning_rate": trial_module.effective_learning_rate(config),
                "hidden_units": list(config.hidden_units), "batch_size": config.batch_size,
                "optimizer": config.optimizer, "epochs": config.epochs,
            }  # fmt: skip
            for key, value in settings.items():
                trial.set_user_attr(key, value)

            def on_epoch(epoch: int, logs: dict[str, float]) -> bool:
                score = logs.get(trial_module.SCORE)
                if score is None or math.isnan(score):
                    return False
                trial.report(score, epoch)
                if self.progress is not None:
                    self.progress.running([(trial.number, epoch + 1, config.epochs, score)])
                return trial.should_prune()

            try:
                with _Heartbeat(trial):
                    model, result = trial_module.train(
                        trial.number, config, self.data, params, on_epoch, self.max_steps, worker=me
                    )
            except BaseException as err:
                # Optuna marks the trial failed and raises the error again.
                reason = (
                    "interrupted" if isinstance(err, KeyboardInterrupt) else f"{type(err).__name__}: {err}"
                )
                trial.set_user_attr("reason", reason[:300])
                raise
            trial.set_user_attr("val_loss", result.val_loss)
            trial.set_user_attr("seconds", result.seconds)
            finished.append(result)
            if result.state == PRUNED:
                raise optuna.TrialPruned()
            save_if_best(model, result, self.out_dir)
            return result.val_accuracy

        # One trial per call: between trials the loop re-checks the study (stale trials, the count).
        # Failures (and Ctrl-C) are raised again by Optuna after it marks the trial failed.
        self.study.optimize(objective, n_trials=1, catch=())
        self.ran += 1
        if self.progress is not None and finished:
            all_results = results(self.study)
            self.progress.finished(finished[0], best_of(all_results), finished_count(self.study)[0])


def save_if_best(model: Any, result: TrialResult, out_dir: str) -> bool:
    """Saves `model` as `out_dir/best_model.keras` if `result` beats the one saved there.

    `best_model.json` records which trial the file holds. The check and the
    save happen under a lock file, so two workers finishing at once cannot
    leave the worse model behind; a lock left by a killed worker is broken
    after 30 s (Optuna's `JournalFileOpenLock`).
    """
    from optuna.storages.journal import JournalFileOpenLock

    path = os.path.join(out_dir, "best_model.keras")
    record_path = os.path.join(out_dir, "best_model.json")
    lock = JournalFileOpenLock(path)
    lock.acquire()
    try:
        try:
            with open(record_path, encoding="utf-8") as f:
                saved = json.load(f)
        except (OSError, ValueError):
            saved = None
        mine = result.sort_key()
        if saved is not None and tuple(saved["sort_key"]) <= mine:
            return False
        model.save(path)
        record = {"trial": result.number, "val_accuracy": result.val_accuracy, "val_loss": result.val_loss,
                  "sort_key": list(mine)}  # fmt: skip
        tmp = record_path + f".{os.getpid()}.tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(record, f)
        os.replace(tmp, record_path)
        return True
    finally:
        lock.release()
