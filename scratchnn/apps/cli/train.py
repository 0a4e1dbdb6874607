"""`scratchnn train RECIPE`: train a tutorial's network and write the run folder.

The folder (default `runs/<recipe>-<timestamp>`) holds `model.keras`,
`run.json` (the configuration), `history.csv`, `history.json`,
`metrics.json` (test loss/accuracy, per-class precision/recall/F1, confusion
matrix, wall time, samples/s), `learning_curves.png`, `confusion_matrix.png`
and `report.html`. Ctrl-C stops training after the current batch; what was
trained so far is saved and reported, and the exit status is 130.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from typing import Any

from scratchnn.apps.cli import _common, _model_files, mpi_launch
from scratchnn.apps.cli._common import CliError
from scratchnn.apps.cli.train_outputs import write_run
from scratchnn.callbacks import Callback
from scratchnn.trainers import data_adapters


def register(subparsers) -> None:
    from scratchnn.apps.recipes import RECIPES

    parser = subparsers.add_parser(
        "train",
        help="train a built-in recipe (a tutorial's network) and write a report folder",
        description="Trains RECIPE and writes the model, history, metrics, plots and report.html "
        f"into the output folder. Recipes: {', '.join(RECIPES)} (see `scratchnn recipes`).",
    )
    parser.add_argument("recipe", metavar="RECIPE", help="recipe name (see `scratchnn recipes`)")
    add_training_options(parser)
    parser.add_argument(
        "--model", metavar="FILE.py", help="a Python file whose build_model() returns the model"
    )
    parser.add_argument("--verbose", type=int, choices=[0, 1, 2], default=1, help="1: progress bar (default)")
    parser.set_defaults(func=run)


def add_training_options(parser: argparse.ArgumentParser, sweep: bool = False) -> None:
    """The options `train` and `lr-find` share (`sweep=True` leaves out those a sweep sets itself)."""
    if not sweep:
        parser.add_argument("--epochs", type=int, help="number of epochs (default: the recipe's)")
    parser.add_argument("--batch-size", type=int, help="samples per update (default: the recipe's)")
    parser.add_argument("--optimizer", help="optimizer name: sgd, adam, rmsprop, ... (default: the recipe's)")
    if not sweep:
        parser.add_argument("--learning-rate", type=float, help="learning rate (default: the recipe's)")
    parser.add_argument("--seed", type=int, help="random seed (default: 42)")
    folder = "runs/lr-find-<recipe>-<timestamp>" if sweep else "runs/<recipe>-<timestamp>"
    parser.add_argument("--output", metavar="DIR", help=f"output folder (default: {folder})")
    parser.add_argument(
        "--subset",
        type=int,
        metavar="N",
        help="sweep over at most N training images (quick runs)"
        if sweep
        else "use at most N samples of each of train/validation/test (quick runs)",
    )
    if not sweep:
        parser.add_argument(
            "--max-steps", type=int, metavar="N", help="stop each epoch after N batches (quick runs)"
        )


def recipe_from_args(args: argparse.Namespace) -> Any:
    """The named recipe with the command-line overrides applied; CliError (status 2) for bad values."""
    from scratchnn import optimizers

    recipe = _common.get_recipe(args.recipe)
    for option in ("epochs", "batch_size", "subset", "max_steps", "learning_rate"):
        _common.positive(getattr(args, option, None), f"--{option.replace('_', '-')}")
    if args.optimizer is not None and args.optimizer.lower() not in optimizers.ALL_OBJECTS_DICT:
        names = sorted({c.__name__.lower() for c in optimizers.ALL_OBJECTS_DICT.values()})
        raise CliError(
            f"unknown optimizer {args.optimizer!r}.{_common.suggestion(args.optimizer.lower(), names)} "
            f"Available: {', '.join(names)}",
            2,
        )
    return recipe.replace(
        epochs=getattr(args, "epochs", None),
        batch_size=args.batch_size,
        optimizer=args.optimizer.lower() if args.optimizer else None,
        learning_rate=getattr(args, "learning_rate", None),
        seed=args.seed,
    )


class EpochRecorder(Callback):
    """Keeps every epoch's logs, wall time and learning rate, and the steps run (what a Ctrl-C leaves)."""

    def __init__(self) -> None:
        super().__init__()
        self.history: dict[str, list[float]] = {}
        self.epoch_seconds: list[float] = []
        self.learning_rates: list[Any] = []
        self.steps = 0
        self._started = time.perf_counter()

    def on_epoch_begin(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        self._started = time.perf_counter()

    def on_train_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        self.steps += 1

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        from scratchnn.apps.reports.facts import learning_rate

        self.epoch_seconds.append(time.perf_counter() - self._started)
        self.learning_rates.append(learning_rate(self.model.optimizer))
        for key, value in (logs or {}).items():
            self.history.setdefault(key, []).append(float(value))


def run_model(model: Any, recipe: Any, data: Any, max_steps: int | None, verbose: int) -> tuple[Any, bool]:
    """Fits `model` on the recipe's split; returns the recorder and whether Ctrl-C stopped it."""
    x_train = _model_files.fit_input(data.x_train, model)
    validation = data.validation_data
    if validation is not None:
        validation = (_model_files.fit_input(validation[0], model), validation[1])
    recorder = EpochRecorder()
    try:
        # --max-steps is a cap: an epoch cut short where the pass over the data ends is expected.
        with data_adapters.steps_per_epoch_as_a_cap():
            model.fit(
                x_train, data.y_train, epochs=recipe.epochs, batch_size=recipe.batch_size,
                validation_data=validation, steps_per_epoch=max_steps, callbacks=[recorder], verbose=verbose,
            )  # fmt: skip
    except KeyboardInterrupt:
        print("\ninterrupted: saving what was trained so far", file=sys.stderr)
        return recorder, True
    except ValueError as err:
        if recorder.steps:
            raise  # it trained, then failed: not an input mismatch, a bug worth its traceback
        raise CliError(
            f"the model cannot be trained on the recipe's images of shape {data.x_train.shape[1:]}: {err}"
        ) from None
    return recorder, False


def prepare(args: argparse.Namespace) -> tuple[Any, Any, Any]:
    """The recipe, its data and the model to train (built or the user's); nothing is written yet."""
    from scratchnn import utils
    from scratchnn.apps import recipes

    recipe = recipe_from_args(args)
    utils.set_random_seed(recipe.seed)
    model = _model_files.load_user_model(args.model) if getattr(args, "model", None) else None
    data = recipes.load_split(recipe, subset=args.subset)
    if model is None:
        model = recipes.build_model(recipe)
    elif not getattr(model, "compiled", False):
        model.compile(
            optimizer=recipes.make_optimizer(recipe.optimizer, recipe.learning_rate),
            loss="sparse_categorical_crossentropy",
            metrics=["accuracy"],
        )
    return recipe, data, model


@_common.command("train")
@mpi_launch.data_parallel_ranks
def run(args: argparse.Namespace) -> int:
    recipe, data, model = prepare(args)
    out_dir = _common.output_dir(args.output, recipe.name)
    print(f"training {recipe.name} ({recipe.title}); writing to {out_dir}")
    started = time.perf_counter()
    recorder, interrupted = run_model(model, recipe, data, args.max_steps, args.verbose)
    wall = time.perf_counter() - started
    metrics = write_run(
        model, recipe, data, out_dir, recorder, wall=wall, interrupted=interrupted,
        subset=args.subset, max_steps=args.max_steps, model_source=args.model,
        command=getattr(args, "command_line", None),
    )  # fmt: skip
    model_path = os.path.join(out_dir, "model.keras")
    print(
        f"test accuracy: {metrics['test_accuracy']:.4f} on {metrics['test_images']:,} test images "
        f"(test loss {metrics['test_loss']:.4f}); {wall:.1f} s training, "
        f"{metrics['samples_per_s'] or 0:,.0f} samples/s"
    )
    print(metrics["comparison"])
    print(f"model:  {model_path}")
    print(f"report: {os.path.join(out_dir, 'report.html')}")
    print(f"next:   scratchnn evaluate {out_dir}   (the same {metrics['test_images']:,} test images)")
    print(f"        scratchnn serve {out_dir}      (draw a {'digit' if recipe.dataset == 'mnist' else 'garment'} "
          "in the browser)")  # fmt: skip
    return 130 if interrupted else 0
