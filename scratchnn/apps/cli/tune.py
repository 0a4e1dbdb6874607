"""`scratchnn tune RECIPE`: hyper-parameter search on the validation set.

The search space is the values given to `--learning-rate`, `--units` (hidden
layer size), `--depth` (number of hidden layers), `--batch-size` and
`--optimizer`; a dimension left out keeps the recipe's value. The learning
rate is searched log-uniformly between the smallest and largest value given
(over exactly those values on a grid); the other dimensions are choices.

`--trials N` runs an Optuna study (TPE by default, `--sampler tpe|random|grid`)
kept in a journal file (`--storage`, default runs/studies/<study>.journal):
several `scratchnn tune` processes started with the same `--study` and
`--storage`, in other terminals or on machines sharing the folder, work on the
same study, and `--workers K` starts K of them here. Hopeless trials stop
early (`--pruner median|halving|none`). An interrupted or killed worker loses
only its running trial; the same command continues the study. `--grid` and
`--random N` alone run in this process without Optuna.

Each trial trains from the same seed and is scored by its last epoch's
validation accuracy (recipes without a validation set hold out the last 10%
of the training data). The output folder gets best_model.keras,
tune_results.csv/.json, report.html and run.json.
"""

from __future__ import annotations

import argparse
import os
from typing import Any

from scratchnn.apps.cli import _common, _model_files, tuning_study
from scratchnn.apps.cli.tuning_output import finish, load_data


def register(subparsers) -> None:
    from scratchnn.apps.tuning.study import PRUNERS, SAMPLERS

    parser = subparsers.add_parser(
        "tune",
        help="hyper-parameter search (Optuna study across processes, or a grid/random search)",
        description=__doc__.split("\n\n", 1)[1],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("recipe", metavar="RECIPE", help="recipe name (see `scratchnn recipes`)")
    how = parser.add_mutually_exclusive_group()
    how.add_argument("--trials", type=int, metavar="N", help="an Optuna study of N finished trials in all")
    how.add_argument("--grid", action="store_true", help="try every combination")
    how.add_argument("--random", type=int, metavar="N", help="try N random combinations")
    parser.add_argument(
        "--learning-rate", type=float, nargs="+", help="learning rates (2+: a log-uniform range)"
    )
    parser.add_argument("--units", type=int, nargs="+", help="hidden layer sizes")
    parser.add_argument("--depth", type=int, nargs="+", help="numbers of hidden layers")
    parser.add_argument("--batch-size", type=int, nargs="+", help="batch sizes")
    parser.add_argument("--optimizer", nargs="+", help="optimizer names")
    study = parser.add_argument_group("Optuna study (needs the scratchnn[tune] extra)")
    study.add_argument("--study", metavar="NAME", help="study name (default: the recipe's name)")
    study.add_argument("--storage", metavar="PATH", help="journal file shared by the workers "
                       f"(default: {tuning_study.STUDIES_DIR}/<study>.journal)")  # fmt: skip
    study.add_argument("--sampler", choices=SAMPLERS, help="tpe (default), random, or grid")
    study.add_argument(
        "--pruner", choices=PRUNERS, default="median", help="early stopping of trials (default median)"
    )
    study.add_argument("--workers", type=int, metavar="K", help="start K worker processes on this machine")
    # Set by `--workers` for its children: run trials only, the parent reports.
    study.add_argument("--worker-index", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--epochs", type=int, help="epochs per trial (default: the recipe's)")
    parser.add_argument("--seed", type=int, help="random seed of every trial and of the sampler (default 42)")
    parser.add_argument("--output", metavar="DIR", help="output folder (default: runs/tune-<recipe>-<timestamp>; "
                        "for a study, the storage's folder/<study>)")  # fmt: skip
    parser.add_argument("--subset", type=int, metavar="N", help="at most N samples per split (quick runs)")
    parser.add_argument("--max-steps", type=int, metavar="N", help="stop each epoch after N batches")
    parser.set_defaults(func=run)


def search_space(args: argparse.Namespace) -> Any:
    """The `SearchSpace` of the command line; CliError for bad values."""
    from scratchnn.apps.tuning.space import SearchSpace

    try:
        return SearchSpace(
            learning_rate=tuple(args.learning_rate or ()),
            units=tuple(args.units or ()),
            depth=tuple(args.depth or ()),
            batch_size=tuple(args.batch_size or ()),
            optimizer=tuple(o.lower() for o in args.optimizer or ()),
        )
    except ValueError as err:
        raise _common.CliError(str(err), 2) from None


def uses_study(args: argparse.Namespace) -> bool:
    """Whether the command asks for an Optuna study (any study option), rather than the in-process search."""
    options = (args.trials, args.study, args.storage, args.sampler, args.workers, args.worker_index)
    return any(v is not None for v in options)


@_common.command("tune")
def run(args: argparse.Namespace) -> int:
    recipe = _common.get_recipe(args.recipe).replace(epochs=args.epochs, seed=args.seed)
    for option in ("trials", "random", "workers", "epochs", "subset", "max_steps"):
        _common.positive(getattr(args, option), f"--{option.replace('_', '-')}")
    space = search_space(args)
    if recipe.kind == "cnn" and (args.units or args.depth):
        print("note: --units/--depth change the Dense layers after the convolutions")
    if uses_study(args):
        return tuning_study.run_study(args, recipe, space)
    if not args.grid and args.random is None:
        raise _common.CliError(
            "choose a search: --trials N (an Optuna study), --grid (every combination) or --random N", 2
        )
    return run_in_process(args, recipe, space)


def run_in_process(args: argparse.Namespace, recipe: Any, space: Any) -> int:
    """`--grid` / `--random N` without Optuna: every trial in this process, one after another."""
    from scratchnn.apps.tuning import space as space_module
    from scratchnn.apps.tuning import trial as trial_module
    from scratchnn.apps.tuning.progress import Progress, best_of, plural

    todo = space.grid() if args.grid else space.random_draws(args.random, recipe.seed)
    out_dir = _common.output_dir(args.output, f"tune-{recipe.name}")
    data = load_data(recipe, args.subset)
    print(f"{plural(len(todo), 'trial')} of {recipe.name}, {plural(recipe.epochs, 'epoch')} each; "
          f"writing to {out_dir}")  # fmt: skip
    progress = Progress(len(todo))
    results, best_model, interrupted = [], None, False
    try:
        for number, params in enumerate(todo):
            config = space_module.apply(recipe, params)

            def on_epoch(
                epoch: int, logs: dict[str, float], number: int = number, epochs: int = config.epochs
            ) -> bool:
                progress.running([(number, epoch + 1, epochs, logs.get(trial_module.SCORE))])
                return False

            model, result = trial_module.train(number, config, data, params, on_epoch, args.max_steps)
            results.append(result)
            if best_of(results) is result:
                best_model = model
            progress.finished(result, best_of(results), len(results))
    except KeyboardInterrupt:
        interrupted = True
        progress.line("interrupted: reporting the finished trials")
    if best_model is None:
        raise _common.CliError("no trial finished", 130 if interrupted else 1)
    _model_files.save_model(best_model, os.path.join(out_dir, "best_model.keras"))
    search = {"mode": "grid" if args.grid else "random", "space": space.as_dict(), "trials": len(todo)}
    finish(out_dir, recipe, data, results, search, title=f"scratchnn tune {recipe.name}")
    return 130 if interrupted else 0
