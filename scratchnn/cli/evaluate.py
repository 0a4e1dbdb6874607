"""`scratchnn evaluate MODEL [--dataset D]`: test loss, accuracy and the classification report."""

from __future__ import annotations

import argparse
import json

import numpy as np

from scratchnn.cli import _common


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "evaluate",
        help="evaluate a saved model on a data set's 10,000 test images",
        description="Loss, accuracy, the classification report and the confusion matrix of MODEL on the "
        "test images of the data set.",
    )
    parser.add_argument("model", metavar="MODEL", help="a .keras file")
    _common.add_dataset_option(parser)
    parser.add_argument("--subset", type=int, metavar="N", help="only the first N test images")
    parser.add_argument("--batch-size", type=int, default=256, help="images per batch (default 256)")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.set_defaults(func=run)


@_common.command("evaluate")
def run(args: argparse.Namespace) -> int:
    from scratchnn import datasets, recipes
    from scratchnn.reports import classification_metrics

    if args.subset is not None and args.subset <= 0:
        raise _common.CliError(f"--subset must be a positive integer. Received: {args.subset}", 2)
    if args.batch_size <= 0:
        raise _common.CliError(f"--batch-size must be a positive integer. Received: {args.batch_size}", 2)
    model = _common.load_model(args.model)
    _common.ensure_compiled(model)
    dataset = _common.dataset_for(args.model, args.dataset)
    _, (x_test, y_test) = datasets.get(dataset).load_data()
    x_test, y_test = x_test[: args.subset], y_test[: args.subset].astype(np.int64)
    x = _common.fit_input(x_test.astype(np.float32) / 255.0, model)
    try:
        logs = model.evaluate(x, y_test, batch_size=args.batch_size, verbose=0, return_dict=True)
    except ValueError as err:
        raise _common.CliError(f"the model does not accept {dataset} images: {err}") from None
    y_pred = np.argmax(model.predict(x, batch_size=args.batch_size, verbose=0), axis=-1)
    names = recipes.class_names(dataset)
    summary = classification_metrics(y_test, y_pred, names)
    if args.json:
        out = {
            "dataset": dataset,
            "test_loss": logs.get("loss"),
            "test_accuracy": summary["accuracy"],
            **summary,
        }
        print(json.dumps(out, indent=2))
        return 0
    print(f"{dataset} test images: {len(y_test)}")
    print(f"loss: {logs.get('loss'):.4f}  accuracy: {summary['accuracy']:.4f}\n")
    print(summary["classification_report"])
    print("confusion matrix (rows: true, columns: predicted):")
    print(np.array(summary["confusion_matrix"]))
    return 0
