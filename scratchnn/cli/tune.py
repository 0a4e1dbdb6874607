"""`scratchnn tune RECIPE --grid|--random N`: hyper-parameter search on the validation set.

The search space is the values given to `--learning-rate`, `--units`
(hidden layer size), `--depth` (number of hidden layers), `--batch-size` and
`--optimizer`; a dimension left out keeps the recipe's value. `--grid` tries
every combination; `--random N` draws N of them, with the learning rate drawn
log-uniformly between the smallest and largest value given. Each trial
trains from the same seed and is scored by its last epoch's validation
accuracy (recipes without a validation set hold out the last 10% of the
training data). Results are printed best first and written to
`tune_results.csv`/`.json`; the best model is saved as `best_model.keras`.
"""

from __future__ import annotations

import argparse
import csv
import itertools
import os
import time
from typing import Any

import numpy as np

from scratchnn.cli import _common

_COLUMNS = ("learning_rate", "units", "depth", "batch_size", "optimizer")


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "tune",
        help="grid or random search over learning rate, layer sizes, depth, batch size, optimizer",
        description=__doc__.split("\n\n", 1)[1],
    )
    parser.add_argument("recipe", metavar="RECIPE", help="recipe name (see `scratchnn recipes`)")
    how = parser.add_mutually_exclusive_group(required=True)
    how.add_argument("--grid", action="store_true", help="try every combination")
    how.add_argument("--random", type=int, metavar="N", help="try N random combinations")
    parser.add_argument("--learning-rate", type=float, nargs="+", help="learning rates")
    parser.add_argument("--units", type=int, nargs="+", help="hidden layer sizes")
    parser.add_argument("--depth", type=int, nargs="+", help="numbers of hidden layers")
    parser.add_argument("--batch-size", type=int, nargs="+", help="batch sizes")
    parser.add_argument("--optimizer", nargs="+", help="optimizer names")
    parser.add_argument("--epochs", type=int, help="epochs per trial (default: the recipe's)")
    parser.add_argument("--seed", type=int, help="random seed of every trial and of the draws (default 42)")
    parser.add_argument(
        "--output", metavar="DIR", help="output folder (default: runs/tune-<recipe>-<timestamp>)"
    )
    parser.add_argument("--subset", type=int, metavar="N", help="at most N samples per split (quick runs)")
    parser.add_argument("--max-steps", type=int, metavar="N", help="stop each epoch after N batches")
    parser.set_defaults(func=run)


def search_space(args: argparse.Namespace, recipe: Any) -> dict[str, list[Any]]:
    """Each dimension's candidate values (the recipe's value when the option is absent)."""
    from scratchnn import optimizers

    space = {
        "learning_rate": args.learning_rate or [recipe.learning_rate],
        "units": args.units or [None],
        "depth": args.depth or [None],
        "batch_size": args.batch_size or [recipe.batch_size],
        "optimizer": [o.lower() for o in args.optimizer] if args.optimizer else [recipe.optimizer],
    }
    for name in ("units", "depth", "batch_size"):
        if any(v is not None and v <= 0 for v in space[name]):
            raise _common.CliError(
                f"--{name.replace('_', '-')} values must be positive. Received: {space[name]}", 2
            )
    if any(v is not None and not v > 0 for v in space["learning_rate"]):
        raise _common.CliError(
            f"--learning-rate values must be positive. Received: {space['learning_rate']}", 2
        )
    unknown = [o for o in space["optimizer"] if o not in optimizers.ALL_OBJECTS_DICT]
    if unknown:
        raise _common.CliError(
            f"unknown optimizer(s) {unknown}. Available: {', '.join(optimizers.ALL_OBJECTS_DICT)}", 2
        )
    return space


def trials(space: dict[str, list[Any]], random: int | None, seed: int) -> list[dict[str, Any]]:
    """The grid's combinations, or `random` draws from the space."""
    if random is None:
        return [dict(zip(space, combo)) for combo in itertools.product(*space.values())]
    rng = np.random.default_rng(seed)
    lrs = [v for v in space["learning_rate"] if v is not None]
    out = []
    for _ in range(random):
        trial = {name: values[int(rng.integers(len(values)))] for name, values in space.items()}
        if len(lrs) >= 2:
            low, high = np.log(min(lrs)), np.log(max(lrs))
            trial["learning_rate"] = float(np.exp(rng.uniform(low, high)))
        out.append(trial)
    return out


def apply_trial(recipe: Any, trial: dict[str, Any]) -> Any:
    hidden = recipe.hidden_units
    if trial["units"] is not None or trial["depth"] is not None:
        units = trial["units"] or hidden[0]
        depth = trial["depth"] or len(hidden)
        hidden = (units,) * depth
    return recipe.replace(
        learning_rate=trial["learning_rate"],
        batch_size=trial["batch_size"],
        optimizer=trial["optimizer"],
        hidden_units=hidden,
    )


def _format_table(rows: list[dict[str, Any]]) -> str:
    header = ["rank", "val_accuracy", "val_loss", *_COLUMNS, "seconds"]
    lines = [header]
    for rank, row in enumerate(rows, start=1):
        lr = row["learning_rate"]
        lines.append(
            [
                str(rank),
                f"{row['val_accuracy']:.4f}",
                f"{row['val_loss']:.4f}",
                "default" if lr is None else f"{lr:.4g}",
                "x".join(str(u) for u in row["hidden_units"]) if row["hidden_units"] else "-",
                str(len(row["hidden_units"])),
                str(row["batch_size"]),
                row["optimizer"],
                f"{row['seconds']:.1f}",
            ]
        )
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    return "\n".join("  ".join(cell.rjust(w) for cell, w in zip(line, widths)) for line in lines)


@_common.command("tune")
def run(args: argparse.Namespace) -> int:
    from scratchnn import recipes, utils
    from scratchnn.recipes import Split
    from scratchnn.reports import write_json

    recipe = _common.get_recipe(args.recipe).replace(epochs=args.epochs, seed=args.seed)
    if args.random is not None and args.random <= 0:
        raise _common.CliError(f"--random must be a positive integer. Received: {args.random}", 2)
    space = search_space(args, recipe)
    if recipe.kind == "cnn" and (args.units or args.depth):
        print("note: --units/--depth change the Dense layers after the convolutions")
    todo = trials(space, args.random, recipe.seed)
    out_dir = _common.output_dir(args.output, f"tune-{recipe.name}")
    data = recipes.load_split(recipe, subset=args.subset)
    if data.x_valid is None:
        # No validation split in the recipe: hold out the last 10% of the training data.
        cut = len(data.x_train) - max(1, len(data.x_train) // 10)
        data = Split(data.x_train[:cut], data.y_train[:cut], data.x_train[cut:], data.y_train[cut:],
                     data.x_test, data.y_test, data.class_names)  # fmt: skip
    print(f"{len(todo)} trials of {recipe.name}, {recipe.epochs} epoch(s) each; writing to {out_dir}")
    rows: list[dict[str, Any]] = []
    best_model, best_score = None, (-np.inf, -np.inf)
    try:
        for i, trial in enumerate(todo, start=1):
            config = apply_trial(recipe, trial)
            utils.set_random_seed(config.seed)
            model = recipes.build_model(config)
            started = time.perf_counter()
            history = model.fit(
                data.x_train, data.y_train, epochs=config.epochs, batch_size=config.batch_size,
                validation_data=data.validation_data, verbose=0,
                steps_per_epoch=_common.steps_per_epoch(args.max_steps, len(data.x_train), config.batch_size),
            )  # fmt: skip
            seconds = time.perf_counter() - started
            score = float(history.history["val_accuracy"][-1])
            row = {
                "trial": i,
                "val_accuracy": score,
                "val_loss": float(history.history["val_loss"][-1]),
                "learning_rate": config.learning_rate,
                "hidden_units": list(config.hidden_units),
                "batch_size": config.batch_size,
                "optimizer": config.optimizer,
                "seconds": seconds,
            }
            rows.append(row)
            print(f"trial {i}/{len(todo)}: val_accuracy {score:.4f}  {trial}")
            if (score, -row["val_loss"]) > best_score:  # the same order as the sorted table
                best_model, best_score = model, (score, -row["val_loss"])
    except KeyboardInterrupt:
        print("interrupted: reporting the finished trials")
    if not rows:
        raise _common.CliError("no trial finished", 130)
    rows.sort(key=lambda r: (-r["val_accuracy"], r["val_loss"]))
    print(_format_table(rows))
    write_json(os.path.join(out_dir, "tune_results.json"), rows)
    with open(os.path.join(out_dir, "tune_results.csv"), "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows({**r, "hidden_units": "x".join(map(str, r["hidden_units"]))} for r in rows)
    path = _common.save_model(best_model, os.path.join(out_dir, "best_model.keras"))
    test = best_model.evaluate(data.x_test, data.y_test, batch_size=256, verbose=0, return_dict=True)
    write_json(
        os.path.join(out_dir, _common.RUN_CONFIG),
        {"recipe": recipe.as_dict(), "best": rows[0], "best_test": test},
    )
    print(f"best: trial {rows[0]['trial']}, val_accuracy {rows[0]['val_accuracy']:.4f}, "
          f"test accuracy {test.get('accuracy', float('nan')):.4f}; saved {path}")  # fmt: skip
    return 0
