"""`scratchnn recipes`: the built-in recipes with their tutorial's reported result."""

from __future__ import annotations

import argparse


def register(subparsers) -> None:
    parser = subparsers.add_parser("recipes", help="list the built-in training recipes")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from scratchnn.apps.recipes import RECIPES

    width = max(len(name) for name in RECIPES)
    for name, recipe in RECIPES.items():
        lr = "" if recipe.learning_rate is None else f" lr {recipe.learning_rate:g},"
        print(f"{name:<{width}}  {recipe.title}")
        print(
            f"{'':<{width}}  tutorial reports: {recipe.reported}; "
            f"{recipe.optimizer}{lr} batch {recipe.batch_size}, {recipe.epochs} epochs"
        )
    print("\nTrain one with: scratchnn train RECIPE [--epochs N] [--output DIR]")
    return 0
