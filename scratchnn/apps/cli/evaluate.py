"""`scratchnn evaluate MODEL`: test loss, accuracy, the classification report and the confusion matrix.

For a model trained by `scratchnn train` (MODEL is its run folder or the
model.keras in it), the default test images are the ones `train` reported on:
the recipe's test split (for the MNIST recipes, the first half of the test set;
the second half validated during training), with the same `--subset`. So the
two commands print the same accuracy. `--all-test` takes every test image of the
data set instead, and any other model is evaluated on every test image.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

import numpy as np

from scratchnn.apps.cli import _common, _model_files


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "evaluate",
        help="evaluate a saved model on the test images",
        description=__doc__.split("\n\n", 1)[1],
    )
    _model_files.add_model_argument(parser)
    _model_files.add_dataset_option(parser)
    parser.add_argument(
        "--all-test", action="store_true", help="every test image of the data set, not the run's test split"
    )
    parser.add_argument("--subset", type=int, metavar="N", help="only the first N of those test images")
    parser.add_argument("--batch-size", type=int, default=256, help="images per batch (default 256)")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.set_defaults(func=run)


def test_images(args: argparse.Namespace, model_path: str) -> tuple[Any, Any, str, str]:
    """The images to evaluate on, their labels, the data set's name and a sentence saying which they are."""
    from scratchnn import datasets
    from scratchnn.apps import recipes

    config = _model_files.run_config_beside(model_path)
    dataset = _model_files.dataset_for(model_path, args.dataset)
    recipe = recipes.from_dict(config["recipe"]) if isinstance(config.get("recipe"), dict) else None
    if recipe is not None and recipe.dataset == dataset and not args.all_test:
        subset = args.subset or config.get("subset")
        split = recipes.load_split(recipe, subset=subset)
        where = (
            f"{recipes.split_parts(recipe, split)['test']}: the run's test split, the images "
            "`scratchnn train` reported on (--all-test takes every test image)"
        )
        return split.x_test, split.y_test, dataset, where
    _, (x_test, y_test) = datasets.get(dataset).load_data()
    x_test, y_test = x_test[: args.subset], y_test[: args.subset].astype(np.int64)
    name = "Fashion-MNIST" if dataset == "fashion_mnist" else "MNIST"
    where = (
        f"the first {len(y_test):,} {name} test images"
        if args.subset
        else f"all {len(y_test):,} {name} test images"
    )
    return x_test.astype(np.float32) / 255.0, y_test, dataset, where


@_common.command("evaluate")
def run(args: argparse.Namespace) -> int:
    from scratchnn.apps import recipes
    from scratchnn.apps.reports import classification_metrics

    _common.positive(args.subset, "--subset")
    _common.positive(args.batch_size, "--batch-size")
    model = _model_files.load_model(args.model)
    _model_files.ensure_compiled(model)
    x_test, y_test, dataset, where = test_images(args, args.model)
    x = _model_files.fit_input(x_test, model)
    try:
        logs = model.evaluate(x, y_test, batch_size=args.batch_size, verbose=0, return_dict=True)
    except ValueError as err:
        raise _common.CliError(f"the model does not accept {dataset} images: {err}") from None
    y_pred = np.argmax(model.predict(x, batch_size=args.batch_size, verbose=0), axis=-1)
    summary = classification_metrics(y_test, y_pred, recipes.class_names(dataset))
    if args.json:
        out = {"dataset": dataset, "images": where, "test_loss": logs.get("loss"),
               "test_accuracy": summary["accuracy"], **summary}  # fmt: skip
        print(json.dumps(out, indent=2))
        return 0
    print(f"evaluated on {where}")
    print(
        f"test accuracy: {summary['accuracy']:.4f}  test loss: {logs.get('loss'):.4f}  ({len(y_test):,} images)\n"
    )
    print(summary["classification_report"])
    print("confusion matrix (rows: true, columns: predicted):")
    print(np.array(summary["confusion_matrix"]))
    return 0
