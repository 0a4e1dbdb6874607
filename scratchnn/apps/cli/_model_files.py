"""Model files on the command line: finding, loading and saving them, and the user's `build_model()` file.

Wherever a command takes a MODEL, it accepts a `.keras` file, a legacy `.h5`
file, a saved-model folder (`config.json` inside), or a run folder written by
`scratchnn train` (its `model.keras` is used) or `scratchnn tune`
(`best_model.keras`).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import re
from typing import Any

import numpy as np

from scratchnn.apps.cli.errors import CliError

RUN_CONFIG = "run.json"
# The files a run folder may hold its model in, in the order they are looked for.
RUN_FOLDER_MODELS = ("model.keras", "best_model.keras")
_ZIP_MAGIC = b"PK\x03\x04"
_HDF5_MAGIC = b"\x89HDF\r\n\x1a\n"
# The sentence in some loader messages that quotes the file's first bytes: noise on a terminal.
_RAW_BYTES = re.compile(r"\s*Its first bytes are b(['\"]).*?\1;?")


def resolve_model_path(path: str) -> str:
    """The model file or folder that `path` names (a run folder gives its `model.keras`).

    Raises:
        CliError: nothing there, a folder without a model, or a file that is
            plainly not a model (empty, or neither a zip archive nor HDF5).
    """
    if not os.path.exists(path):
        raise CliError(f"no such model file or run folder: {path!r}")
    if os.path.isdir(path):
        if os.path.isfile(os.path.join(path, "config.json")):
            return path  # Keras's unzipped saved-model layout
        for name in RUN_FOLDER_MODELS:
            candidate = os.path.join(path, name)
            if os.path.isfile(candidate):
                return candidate
        raise CliError(
            f"the folder {path!r} holds no model: a run folder of `scratchnn train` has a model.keras. "
            "Pass the .keras file or the run folder."
        )
    with open(path, "rb") as f:
        head = f.read(8)
    if not head:
        raise CliError(f"{path!r} is empty, not a model file (a .keras file is a zip archive)")
    if not (head.startswith(_ZIP_MAGIC) or head.startswith(b"PK") or head == _HDF5_MAGIC):
        hint = ""
        if path.endswith(".py"):
            hint = " To train a model defined in Python, use `scratchnn train RECIPE --model FILE.py`."
        elif path.endswith(".onnx"):
            hint = " ONNX files are written by `scratchnn export`, not read back; pass the .keras model."
        raise CliError(
            f"{path!r} is not a model file: a .keras model is a zip archive (and a legacy .h5 model an "
            f"HDF5 file), and this file is neither; it may be truncated or of another format.{hint}"
        )
    return path


def load_model(path: str) -> Any:
    """Loads the model `path` names (see `resolve_model_path`); every failure is one CliError line."""
    from scratchnn.saving import load_model as load

    resolved = resolve_model_path(path)
    try:
        return load(resolved)
    except Exception as err:  # zipfile.BadZipFile, h5py and JSON errors are not all ValueErrors
        message = _RAW_BYTES.sub("", str(err).strip())
        message = " ".join(message.split())
        if resolved not in message and repr(resolved) not in message:
            kind = "" if isinstance(err, ValueError) else f"{type(err).__name__}: "
            message = f"cannot load the model {resolved!r}: {kind}{message}"
        raise CliError(message) from None


def save_model(model: Any, path: str) -> str:
    """`model.save(path)`, or the `.keras` writer when the model has no `save` method."""
    save = getattr(model, "save", None)
    if callable(save):
        save(path)
    else:
        from scratchnn.saving import keras_file

        keras_file.save_model(model, path)
    return path


def load_user_model(path: str) -> Any:
    """Imports the user's Python file `path` and returns what its `build_model()` returns.

    This is the one place where user code runs, and only from a path the user
    passed. An exception raised by that code becomes one CliError line naming
    the file (a bug in the user's file is theirs to see, not a scratchnn traceback).
    """
    from scratchnn.models import Model

    if not os.path.isfile(path):
        raise CliError(f"no such model file: {path!r} (--model expects a .py file defining build_model())")
    spec = importlib.util.spec_from_file_location("scratchnn_user_model", path)
    if spec is None or spec.loader is None or not path.endswith(".py"):
        raise CliError(f"--model expects a Python file (.py) defining build_model(). Received: {path!r}")
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except Exception as err:
        raise CliError(f"importing {path!r} failed: {type(err).__name__}: {err}") from None
    build = getattr(module, "build_model", None)
    if not callable(build):
        raise CliError(f"{path!r} does not define a function build_model() returning a model")
    try:
        model = build()
    except Exception as err:
        raise CliError(f"build_model() in {path!r} raised {type(err).__name__}: {err}") from None
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


def ensure_compiled(model: Any) -> None:
    """Compiles a loaded or user model with sparse cross-entropy and accuracy if it is not compiled."""
    if not getattr(model, "compiled", False):
        model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy", metrics=["accuracy"])


def run_config_beside(model_path: str) -> dict[str, Any]:
    """The `run.json` of the run folder holding `model_path` (or that is `model_path`), or `{}`."""
    folder = model_path if os.path.isdir(model_path) else os.path.dirname(os.path.abspath(model_path))
    try:
        with open(os.path.join(folder, RUN_CONFIG), encoding="utf-8") as f:
            config = json.load(f)
    except (OSError, ValueError):
        return {}
    return config if isinstance(config, dict) else {}


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


def add_model_argument(parser: argparse.ArgumentParser) -> None:
    """The MODEL positional argument, as every command that reads a model spells it."""
    parser.add_argument(
        "model", metavar="MODEL", help="a .keras file, or a run folder of `scratchnn train` (its model.keras)"
    )
