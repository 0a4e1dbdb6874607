"""Helpers shared by the training subcommands: errors a user can act on, folders, models, data."""

from __future__ import annotations

import argparse
import datetime
import functools
import importlib.util
import json
import os
import sys
from collections.abc import Callable
from typing import Any

import numpy as np

RUN_CONFIG = "run.json"


class CliError(Exception):
    """A mistake the user can fix; printed as `scratchnn COMMAND: message`, exit status `status`."""

    def __init__(self, message: str, status: int = 1) -> None:
        super().__init__(message)
        self.status = status


def command(
    name: str,
) -> Callable[[Callable[[argparse.Namespace], int]], Callable[[argparse.Namespace], int]]:
    """Decorates a subcommand's `run(args)`: CliError and missing optional packages become one stderr line."""

    def decorate(run: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
        @functools.wraps(run)
        def wrapper(args: argparse.Namespace) -> int:
            try:
                return run(args)
            except CliError as err:
                print(f"scratchnn {name}: {err}", file=sys.stderr)
                return err.status
            except ImportError as err:
                if "pip install" not in str(err):
                    raise
                print(f"scratchnn {name}: {err}", file=sys.stderr)
                return 1

        return wrapper

    return decorate


def get_recipe(name: str) -> Any:
    from scratchnn import recipes

    try:
        return recipes.get(name)
    except ValueError:
        raise CliError(
            f"unknown recipe {name!r}. Available recipes: {', '.join(recipes.RECIPES)}", 2
        ) from None


def output_dir(path: str | None, default_name: str) -> str:
    """Creates the run folder (default `runs/<name>-<timestamp>`) and checks that it is writable."""
    if path is None:
        stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
        path = os.path.join("runs", f"{default_name}-{stamp}")
    try:
        os.makedirs(path, exist_ok=True)
        probe = os.path.join(path, ".scratchnn-write-test")
        with open(probe, "w") as f:
            f.write("")
        os.remove(probe)
    except OSError as err:
        raise CliError(
            f"cannot write to the output folder {path!r} ({err.strerror or err}). "
            "Pass --output with a folder you can write to."
        ) from None
    return path


def save_model(model: Any, path: str) -> str:
    """`model.save(path)`, or the `.keras` writer when the model has no `save` method."""
    save = getattr(model, "save", None)
    if callable(save):
        save(path)
    else:
        from scratchnn.saving import keras_file

        keras_file.save_model(model, path)
    return path


def load_model(path: str) -> Any:
    """Loads a `.keras` model, turning every failure into a CliError that names the file."""
    if not os.path.exists(path):
        raise CliError(f"no such model file: {path!r}")
    try:
        from scratchnn import models

        loader = getattr(models, "load_model", None)
        if loader is None:
            from scratchnn.saving.keras_file import load_model as loader
        return loader(path)
    except (ValueError, TypeError, KeyError, OSError) as err:
        raise CliError(f"{path!r} is not a scratchnn/Keras model file (.keras): {err}") from None
    except Exception as err:  # zipfile.BadZipFile and h5py errors are not ValueErrors
        raise CliError(
            f"{path!r} is not a scratchnn/Keras model file (.keras): {type(err).__name__}: {err}"
        ) from None


def load_user_model(path: str) -> Any:
    """Imports the user's Python file `path` and returns what its `build_model()` returns.

    This is the one place where user code runs, and only from a path the user passed.
    """
    from scratchnn.models import Model

    if not os.path.isfile(path):
        raise CliError(f"no such model file: {path!r} (--model expects a .py file defining build_model())")
    spec = importlib.util.spec_from_file_location("scratchnn_user_model", path)
    if spec is None or spec.loader is None or not path.endswith(".py"):
        raise CliError(f"--model expects a Python file (.py) defining build_model(). Received: {path!r}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    build = getattr(module, "build_model", None)
    if not callable(build):
        raise CliError(f"{path!r} does not define a function build_model() returning a model")
    model = build()
    if not isinstance(model, Model):
        raise CliError(
            f"build_model() in {path!r} must return a scratchnn model (keras.Sequential or keras.Model). "
            f"Received: {type(model).__name__}"
        )
    return model


def fit_input(x: Any, model: Any) -> Any:
    """Reshapes `(N, 28, 28)`-like images to the model's declared input shape when the sizes agree."""
    expected = getattr(model, "_expected_input_shape", lambda: None)()
    if expected is None or any(d is None for d in expected[1:]):
        return x
    target = tuple(int(d) for d in expected[1:])
    if tuple(x.shape[1:]) != target and int(np.prod(target)) == int(np.prod(x.shape[1:])):
        return x.reshape((len(x), *target))
    return x


def steps_per_epoch(max_steps: int | None, n: int, batch_size: int) -> int | None:
    """`--max-steps` as fit's `steps_per_epoch`: at most one pass over the `n` samples.

    fit follows Keras: a `steps_per_epoch` beyond the data warns that the input ran out.
    """
    return None if max_steps is None else min(max_steps, -(-n // batch_size))


def ensure_compiled(model: Any) -> None:
    """Compiles a loaded or user model with sparse cross-entropy and accuracy if it is not compiled."""
    if not getattr(model, "compiled", False):
        model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy", metrics=["accuracy"])


def run_config_beside(model_path: str) -> dict[str, Any]:
    """The `run.json` written next to a trained model, or `{}`."""
    path = os.path.join(os.path.dirname(os.path.abspath(model_path)), RUN_CONFIG)
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError):
        return {}


def dataset_for(model_path: str, requested: str | None) -> str:
    """`--dataset` if given, else the data set recorded in the run folder, else MNIST."""
    if requested:
        return requested.replace("-", "_")
    return run_config_beside(model_path).get("recipe", {}).get("dataset", "mnist")


def add_dataset_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--dataset",
        choices=["mnist", "fashion_mnist", "fashion-mnist"],
        help="data set of the model's classes (default: the one in run.json beside the model, else mnist)",
    )
