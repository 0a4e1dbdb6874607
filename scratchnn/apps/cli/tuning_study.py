"""`scratchnn tune` with an Optuna study: one worker in this process, or `--workers K` children.

The study's settings (recipe, search space, epochs, seed, data options) are
stored with it, so a worker started with other options is refused instead of
mixing two searches in one table.
"""

from __future__ import annotations

import argparse
import os
from typing import Any

from scratchnn.apps.cli import _common
from scratchnn.apps.cli.tuning_output import finish, load_data

STUDIES_DIR = os.path.join("runs", "studies")


def study_paths(args: argparse.Namespace, recipe: Any) -> tuple[str, str, str]:
    """(study name, journal path, output folder); the defaults let two terminals find each other."""
    name = args.study or recipe.name
    storage = os.path.abspath(args.storage or os.path.join(STUDIES_DIR, f"{name}.journal"))
    out_dir = os.path.abspath(args.output or os.path.join(os.path.dirname(storage), name))
    return name, storage, out_dir


def worker_argv(
    args: argparse.Namespace, name: str, storage: str, out_dir: str, target: int, index: int
) -> list[str]:
    """The command line of worker `index` of `--workers`: this one, with absolute paths and no --workers."""
    argv = ["tune", args.recipe, "--study", name, "--storage", storage, "--output", out_dir,
            "--sampler", sampler_kind(args), "--pruner", args.pruner, "--trials", str(target),
            "--worker-index", str(index)]  # fmt: skip
    for option in ("learning_rate", "units", "depth", "batch_size", "optimizer"):
        values = getattr(args, option)
        if values:
            argv += [
                f"--{option.replace('_', '-')}",
                *(repr(v) if isinstance(v, float) else str(v) for v in values),
            ]
    for option in ("epochs", "seed", "subset", "max_steps"):
        value = getattr(args, option)
        if value is not None:
            argv += [f"--{option.replace('_', '-')}", str(value)]
    return argv


def sampler_kind(args: argparse.Namespace) -> str:
    """--sampler, else grid for --grid, random for --random N, else TPE."""
    return args.sampler or ("grid" if args.grid else "random" if args.random is not None else "tpe")


def target_trials(args: argparse.Namespace, space: Any) -> int:
    """The study's number of finished trials: --trials or --random N, else the grid's size.

    Raises:
        CliError: a TPE/random study without a number of trials.
    """
    if args.trials is not None:
        return args.trials
    if args.random is not None:
        return args.random
    if sampler_kind(args) == "grid" and space is not None:
        return len(space.grid())
    raise _common.CliError(f"--trials N is needed with --sampler {sampler_kind(args)} (the study's size)", 2)


def run_study(args: argparse.Namespace, recipe: Any, space: Any) -> int:
    from scratchnn.apps.tuning import study as study_module
    from scratchnn.apps.tuning.progress import Progress, plural

    study_module.import_optuna()  # before anything is written: a missing extra is the first thing said
    kind = sampler_kind(args)
    if not space.searched:
        raise _common.CliError(
            "nothing to search: give values to at least one of --learning-rate, --units, --depth, "
            "--batch-size, --optimizer", 2
        )  # fmt: skip
    target = target_trials(args, space)
    if kind == "grid" and target > len(space.grid()):
        print(f"note: the grid has {plural(len(space.grid()), 'point')}; the study stops there")
        target = len(space.grid())
    name, storage_path, out_dir = study_paths(args, recipe)
    out_dir = _common.output_dir(out_dir, name)
    settings = {"recipe": recipe.name, "space": space.as_dict(), "epochs": recipe.epochs, "seed": recipe.seed,
                "subset": args.subset, "max_steps": args.max_steps}  # fmt: skip
    try:
        study = study_module.open_study(
            name, study_module.open_storage(storage_path), settings,
            study_module.make_sampler(kind, space, recipe.seed), study_module.make_pruner(args.pruner),
        )  # fmt: skip
    except ValueError as err:
        raise _common.CliError(str(err), 2) from None
    child = args.worker_index is not None
    done, _ = study_module.finished_count(study)
    if not child:
        print(f"study {name!r} ({storage_path}): {done} of {plural(target, 'trial')} finished; {recipe.name}, "
              f"{plural(recipe.epochs, 'epoch')} per trial, sampler {kind}, pruner {args.pruner}; "
              f"writing to {out_dir}")  # fmt: skip
    progress = Progress(target)
    interrupted = False
    if args.workers is not None and args.workers > 1 and not child:
        interrupted = _run_workers(args, study, name, storage_path, out_dir, target, progress)
    else:
        data = load_data(recipe, args.subset)
        worker = study_module.StudyWorker(study, recipe, space, data, target, kind, recipe.seed, out_dir,
                                          progress, args.max_steps)  # fmt: skip
        try:
            worker.run()
        except KeyboardInterrupt:
            interrupted = True
            progress.line("interrupted: the running trial is marked failed; run the same command to continue")
        if child:
            return 130 if interrupted else 0
    results = study_module.results(study)
    search = {
        "study": name,
        "storage": storage_path,
        "sampler": kind,
        "pruner": args.pruner,
        "trials": target,
    }
    finish(out_dir, recipe, load_data(recipe, args.subset), results, search,
                    title=f"scratchnn tune {recipe.name}: study {name}")  # fmt: skip
    return 130 if interrupted else 0


def _run_workers(
    args: argparse.Namespace, study: Any, name: str, storage: str, out_dir: str, target: int, progress: Any
) -> bool:
    """Starts `--workers` children and shows the study until they end; True if interrupted."""
    from scratchnn.apps.tuning import workers as workers_module

    argv = [worker_argv(args, name, storage, out_dir, target, i) for i in range(1, args.workers + 1)]
    started = workers_module.launch(argv, os.path.join(out_dir, "workers"))
    print(f"started {len(started)} workers (pids {', '.join(str(w.process.pid) for w in started)}); "
          f"their logs: {os.path.join(out_dir, 'workers')}")  # fmt: skip
    try:
        workers_module.watch(study, started, progress)
    except KeyboardInterrupt:
        progress.line(
            "interrupted: the workers marked their running trials failed; run the same command to continue"
        )
        return True
    return False
