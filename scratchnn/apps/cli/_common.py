"""What every subcommand shares: errors a user can act on, run folders, recipe look-up.

A known failure (a mistake the user can fix, missing data, a missing optional
extra) reaches the user as one line on stderr, `scratchnn COMMAND: message`,
and a non-zero exit status; a traceback means a bug. Run folders are created
through `output_dir`, which remembers what it created so that a command that
fails leaves no empty folder behind.
"""

from __future__ import annotations

import argparse
import datetime
import difflib
import functools
import os
import sys
from collections.abc import Callable, Iterable
from typing import Any

from scratchnn.apps.cli.errors import CliError as CliError
from scratchnn.datasets.errors import DatasetError

# Folders `output_dir` created during this command, outermost first (removed on failure if still empty).
_created_folders: list[str] = []


def one_line(text: str) -> str:
    """`text` on one line: the lines of a multi-line message joined by spaces."""
    return " ".join(part.strip() for part in str(text).splitlines() if part.strip())


def dataset_message(err: DatasetError) -> str:
    """A missing/damaged data set as one line: what failed, and the two ways to fix it."""
    first = str(err).splitlines()[0] if str(err) else "a data set could not be loaded"
    name = "fashion-mnist" if "Fashion" in first else "mnist"
    return (
        f"{first.rstrip('.')}. Set SCRATCHNN_DATA to a folder holding {name}/, or run "
        f"`scratchnn datasets fetch {name}` where there is internet access; `scratchnn datasets` shows "
        "where the files were looked for."
    )


def command(
    name: str,
) -> Callable[[Callable[[argparse.Namespace], int]], Callable[[argparse.Namespace], int]]:
    """Decorates a subcommand's `run(args)`: known failures become one stderr line and an exit status.

    `CliError` keeps its status (2 for usage mistakes); a missing or damaged
    data set and a missing optional package (an ImportError whose message says
    what to `pip install`) exit with 1. On any failure, the run folders this
    command created and left empty are removed.
    """

    def decorate(run: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
        @functools.wraps(run)
        def wrapper(args: argparse.Namespace) -> int:
            _created_folders.clear()
            status = 1
            try:
                status = run(args)
                return status
            except CliError as err:
                status = err.status
                print(f"scratchnn {name}: {one_line(str(err))}", file=sys.stderr)
                return status
            except DatasetError as err:
                print(f"scratchnn {name}: {dataset_message(err)}", file=sys.stderr)
                return 1
            except ImportError as err:
                if "pip install" not in str(err):
                    raise
                print(f"scratchnn {name}: {one_line(str(err))}", file=sys.stderr)
                return 1
            finally:
                if status not in (0, 130):
                    remove_empty_folders(_created_folders)
                _created_folders.clear()

        return wrapper

    return decorate


def remove_empty_folders(folders: Iterable[str]) -> None:
    """Removes each folder that is empty, innermost first (a failed run leaves no empty folder)."""
    for folder in reversed(list(folders)):
        try:
            os.rmdir(folder)
        except OSError:
            pass  # not empty (the run wrote something worth keeping), or already gone


def suggestion(name: str, choices: Iterable[str]) -> str:
    """` Did you mean 'x'?` for the closest of `choices`, or `""`."""
    close = difflib.get_close_matches(name, list(choices), n=1, cutoff=0.6)
    return f" Did you mean {close[0]!r}?" if close else ""


def get_recipe(name: str) -> Any:
    """The built-in recipe `name`; a CliError (status 2) with the closest name and the list otherwise."""
    from scratchnn.apps import recipes

    try:
        return recipes.get(name)
    except ValueError:
        raise CliError(
            f"unknown recipe {name!r}.{suggestion(name, recipes.RECIPES)} "
            f"Available recipes: {', '.join(recipes.RECIPES)} (see `scratchnn recipes`).",
            2,
        ) from None


def positive(value: Any, option: str) -> None:
    """CliError (status 2) unless `value` is None or > 0."""
    if value is not None and not value > 0:
        kind = "integer" if isinstance(value, int) else "number"
        raise CliError(f"{option} must be a positive {kind}. Received: {option} {value}", 2)


def output_dir(path: str | None, default_name: str) -> str:
    """Creates the run folder (default `runs/<name>-<timestamp>`) and checks that it is writable.

    The folders created here are removed again if the command then fails
    before writing anything into them.
    """
    if path is None:
        stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
        path = os.path.join("runs", f"{default_name}-{stamp}")
    missing = []
    parent = os.path.abspath(path)
    while parent and not os.path.exists(parent):
        missing.append(parent)
        parent = os.path.dirname(parent)
    try:
        os.makedirs(path, exist_ok=True)
        _created_folders.extend(reversed(missing))
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
