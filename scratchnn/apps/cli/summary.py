"""`scratchnn summary MODEL`: the layer table of a saved model."""

from __future__ import annotations

import argparse

from scratchnn.apps.cli import _common, _model_files


def register(subparsers) -> None:
    parser = subparsers.add_parser("summary", help="print the layers and parameter counts of a saved model")
    _model_files.add_model_argument(parser)
    parser.set_defaults(func=run)


@_common.command("summary")
def run(args: argparse.Namespace) -> int:
    _model_files.load_model(args.model).summary()
    return 0
