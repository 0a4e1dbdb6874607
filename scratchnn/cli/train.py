"""`scratchnn train RECIPE`: train a tutorial's network and write the run folder.

The folder (default `runs/<recipe>-<timestamp>`) holds `model.keras`,
`run.json` (the configuration), `history.csv`, `history.json`,
`metrics.json` (test loss/accuracy, per-class precision/recall/F1, confusion
matrix, wall time, samples/s), `learning_curves.png`,
`confusion_matrix.png`, `predictions.png` and `report.html`. Ctrl-C stops
training after the current batch; what was trained so far is saved and
reported, and the exit status is 130.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from typing import Any

import numpy as np

from scratchnn.callbacks import Callback
from scratchnn.cli import _common


def register(subparsers) -> None:
    from scratchnn.recipes import RECIPES

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


def add_training_options(parser: argparse.ArgumentParser) -> None:
    """The options `train`, `lr-find` and `tune` share."""
    parser.add_argument("--epochs", type=int, help="number of epochs (default: the recipe's)")
    parser.add_argument("--batch-size", type=int, help="samples per update (default: the recipe's)")
    parser.add_argument("--optimizer", help="optimizer name: sgd, adam, rmsprop, ... (default: the recipe's)")
    parser.add_argument("--learning-rate", type=float, help="learning rate (default: the recipe's)")
    parser.add_argument("--seed", type=int, help="random seed (default: 42)")
    parser.add_argument("--output", metavar="DIR", help="output folder (default: runs/<recipe>-<timestamp>)")
    parser.add_argument(
        "--subset",
        type=int,
        metavar="N",
        help="use at most N samples of each of train/validation/test (quick runs)",
    )
    parser.add_argument(
        "--max-steps", type=int, metavar="N", help="stop each epoch after N batches (quick runs)"
    )


def recipe_from_args(args: argparse.Namespace) -> Any:
    """The named recipe with the command-line overrides applied; CliError for bad values."""
    from scratchnn import optimizers

    recipe = _common.get_recipe(args.recipe)
    for option in ("epochs", "batch_size", "subset", "max_steps"):
        value = getattr(args, option, None)
        if value is not None and value <= 0:
            raise CliError(f"--{option.replace('_', '-')} must be a positive integer. Received: {value}", 2)
    if args.learning_rate is not None and not args.learning_rate > 0:
        raise CliError(f"--learning-rate must be positive. Received: {args.learning_rate}", 2)
    if args.optimizer is not None and args.optimizer.lower() not in optimizers.ALL_OBJECTS_DICT:
        names = ", ".join(sorted({c.__name__.lower() for c in optimizers.ALL_OBJECTS_DICT.values()}))
        raise CliError(f"unknown optimizer {args.optimizer!r}. Available: {names}", 2)
    return recipe.replace(
        epochs=args.epochs,
        batch_size=args.batch_size,
        optimizer=args.optimizer.lower() if args.optimizer else None,
        learning_rate=args.learning_rate,
        seed=args.seed,
    )


CliError = _common.CliError


class EpochRecorder(Callback):
    """Keeps every epoch's logs and the number of steps run (what is left after a Ctrl-C)."""

    def __init__(self) -> None:
        super().__init__()
        self.history: dict[str, list[float]] = {}
        self.steps = 0

    def on_train_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        self.steps += 1

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        for key, value in (logs or {}).items():
            self.history.setdefault(key, []).append(float(value))


def train_recipe(
    recipe: Any,
    out_dir: str,
    model: Any = None,
    subset: int | None = None,
    max_steps: int | None = None,
    verbose: int = 1,
    data: Any = None,
    model_source: str | None = None,
) -> dict[str, Any]:
    """Trains `recipe` (or `model`) and writes every artefact of the run into `out_dir`.

    Returns:
        The metrics dict written to `metrics.json` (with `interrupted` set
        when Ctrl-C stopped training).
    """
    from scratchnn import recipes, utils

    utils.set_random_seed(recipe.seed)
    data = data or recipes.load_split(recipe, subset=subset)
    if model is None:
        model = recipes.build_model(recipe)
    elif not getattr(model, "compiled", False):
        model.compile(
            optimizer=recipes.make_optimizer(recipe.optimizer, recipe.learning_rate),
            loss="sparse_categorical_crossentropy",
            metrics=["accuracy"],
        )
    x_train = _common.fit_input(data.x_train, model)
    validation = data.validation_data
    if validation is not None:
        validation = (_common.fit_input(validation[0], model), validation[1])
    recorder = EpochRecorder()
    interrupted = False
    started = time.perf_counter()
    try:
        model.fit(
            x_train,
            data.y_train,
            epochs=recipe.epochs,
            batch_size=recipe.batch_size,
            validation_data=validation,
            steps_per_epoch=_common.steps_per_epoch(max_steps, len(x_train), recipe.batch_size),
            callbacks=[recorder],
            verbose=verbose,
        )
    except KeyboardInterrupt:
        interrupted = True
        print("\ninterrupted: saving what was trained so far", file=sys.stderr)
    wall = time.perf_counter() - started
    model_path = _common.save_model(model, os.path.join(out_dir, "model.keras"))
    from scratchnn.reports import write_history, write_json

    write_history(recorder.history, out_dir)
    config = {
        "recipe": recipe.as_dict(),
        "model_source": model_source or f"recipe {recipe.name}",
        "subset": subset,
        "max_steps": max_steps,
        "class_names": list(data.class_names),
        "command": " ".join(["scratchnn", *sys.argv[1:]]),
    }
    write_json(os.path.join(out_dir, _common.RUN_CONFIG), config)
    samples = min(
        recorder.steps * recipe.batch_size, len(x_train) * max(1, len(recorder.history.get("loss", [])))
    )
    metrics = evaluate_and_report(
        model,
        data,
        out_dir,
        history=recorder.history,
        title=f"scratchnn train {recipe.name}",
        config=config,
        extra={
            "wall_time_s": wall,
            "samples_per_s": samples / wall if wall > 0 else None,
            "epochs_run": len(recorder.history.get("loss", [])),
            "steps_run": recorder.steps,
            "interrupted": interrupted,
            "model_path": model_path,
        },
    )
    return metrics


def evaluate_and_report(
    model: Any,
    data: Any,
    out_dir: str,
    history: dict[str, list[float]],
    title: str,
    config: dict[str, Any],
    extra: dict[str, Any],
) -> dict[str, Any]:
    """Evaluates on the test split, writes metrics.json, the PNG plots and report.html."""
    from scratchnn.reports import classification_metrics, write_json, write_report

    x_test = _common.fit_input(data.x_test, model)
    logs = model.evaluate(x_test, data.y_test, batch_size=256, verbose=0, return_dict=True)
    probabilities = model.predict(x_test, batch_size=256, verbose=0)
    y_pred = np.argmax(probabilities, axis=-1)
    summary = classification_metrics(data.y_test, y_pred, data.class_names)
    metrics = {
        "test_loss": logs.get("loss"),
        "test_accuracy": logs.get("accuracy", logs.get("compile_metrics")),
        **{k: v for k, v in extra.items() if k != "model_path"},
        "final_epoch_logs": {k: v[-1] for k, v in history.items() if v},
        **summary,
    }
    write_json(os.path.join(out_dir, "metrics.json"), metrics)
    notes = ["Training was interrupted (Ctrl-C); the results are those of the partly trained model."]
    notes = notes if extra.get("interrupted") else []
    images = _draw_plots(out_dir, history, summary, data, y_pred, notes)
    results = {
        "test accuracy": metrics["test_accuracy"],
        "test loss": metrics["test_loss"],
        **{k.replace("_", " "): v for k, v in extra.items() if k != "interrupted"},
        **{f"last epoch {k}": v for k, v in metrics["final_epoch_logs"].items()},
    }
    flat_config = {**config.get("recipe", {}), **{k: v for k, v in config.items() if k != "recipe"}}
    write_report(
        os.path.join(out_dir, "report.html"),
        title,
        flat_config,
        results,
        images=images,
        classification_report=summary["classification_report"],
        notes=notes,
    )
    return metrics


def _draw_plots(
    out_dir: str,
    history: dict[str, list[float]],
    summary: dict[str, Any],
    data: Any,
    y_pred: Any,
    notes: list[str],
) -> dict[str, str | None]:
    """Writes the three PNGs; without matplotlib, notes why and returns None paths."""
    from scratchnn import plot

    paths: dict[str, str | None] = {
        "Learning curves": os.path.join(out_dir, "learning_curves.png"),
        "Confusion matrix": os.path.join(out_dir, "confusion_matrix.png"),
        "Test images: predicted (true when wrong, in red)": os.path.join(out_dir, "predictions.png"),
    }
    try:
        figures = [
            plot.plot_history(history, title="learning curves"),
            plot.plot_confusion_matrix(summary["confusion_matrix"], data.class_names),
            plot.plot_image_grid(data.x_test, y_pred, data.y_test, data.class_names),
        ]
    except ImportError as err:
        print(f"note: plots skipped: {err}", file=sys.stderr)
        notes.append(f"Plots were not drawn: {err}")
        return dict.fromkeys(paths)
    for fig, path in zip(figures, paths.values()):
        plot.save_figure(fig, path)
    return paths


@_common.command("train")
def run(args: argparse.Namespace) -> int:
    recipe = recipe_from_args(args)
    model = None
    if args.model:
        model = _common.load_user_model(args.model)
    out_dir = _common.output_dir(args.output, recipe.name)
    print(f"training {recipe.name} ({recipe.title}); writing to {out_dir}")
    metrics = train_recipe(
        recipe,
        out_dir,
        model=model,
        subset=args.subset,
        max_steps=args.max_steps,
        verbose=args.verbose,
        model_source=args.model,
    )
    print(
        f"test accuracy: {metrics['test_accuracy']:.4f}  test loss: {metrics['test_loss']:.4f}  "
        f"({metrics['wall_time_s']:.1f} s training, {metrics['samples_per_s'] or 0:.0f} samples/s)"
    )
    print(f"report: {os.path.join(out_dir, 'report.html')}")
    return 130 if metrics["interrupted"] else 0
