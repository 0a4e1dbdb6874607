"""`scratchnn predict MODEL IMAGE...`: classify PNG/JPEG digits (or clothes) of any size."""

from __future__ import annotations

import argparse
import json
import os

import numpy as np

from scratchnn.apps.cli import _common, _model_files


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "predict",
        help="classify image files with a saved model",
        description="Each IMAGE (PNG or JPEG, any size) is converted to 28x28 grayscale the way MNIST was "
        "prepared (inverted if the background is light, the digit fitted into 20x20, centred by mass; "
        "for Fashion-MNIST models the item fitted into 28x28 and centred) and classified; the top "
        "classes are printed with their probabilities.",
    )
    _model_files.add_model_argument(parser)
    parser.add_argument("images", metavar="IMAGE", nargs="+", help="PNG or JPEG files")
    parser.add_argument("--top", type=int, default=3, help="how many classes to show (default 3)")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    _model_files.add_dataset_option(parser)
    parser.set_defaults(func=run)


@_common.command("predict")
def run(args: argparse.Namespace) -> int:
    from scratchnn.apps import recipes
    from scratchnn.apps.cli.digit_image import load_image

    _common.positive(args.top, "--top")
    model = _model_files.load_model(args.model)
    dataset = _model_files.dataset_for(args.model, args.dataset)
    images = []
    for path in args.images:
        if not os.path.isfile(path):
            raise _common.CliError(f"no such image file: {path!r}")
        try:
            images.append(load_image(path, dataset))
        except ValueError as err:
            raise _common.CliError(str(err)) from None
    names = recipes.class_names(dataset)
    x = _model_files.fit_input(np.stack(images), model)
    try:
        probabilities = np.asarray(model.predict(x, verbose=0))
    except ValueError as err:
        raise _common.CliError(f"the model does not accept 28x28 images: {err}") from None
    results = []
    for path, p in zip(args.images, probabilities):
        order = np.argsort(-p)[: args.top]
        top = [
            {"class": int(i), "name": names[i] if i < len(names) else str(i), "probability": float(p[i])}
            for i in order
        ]
        results.append({"image": path, "prediction": top[0]["class"], "name": top[0]["name"], "top": top})
    if args.json:
        print(json.dumps(results, indent=2))
        return 0
    for result in results:
        ranked = ", ".join(f"{t['name']} {t['probability']:.1%}" for t in result["top"])
        print(f"{result['image']}: {result['name']}  ({ranked})")
    return 0
