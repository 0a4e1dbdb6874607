"""`scratchnn info`: versions, the array backend, and where data sets are looked for."""

from __future__ import annotations

import argparse
import os
import platform
import sys

from scratchnn.apps.cli import scratchnn_version


def register(subparsers) -> None:
    parser = subparsers.add_parser("info", help="show versions, the backend and the data locations")
    parser.set_defaults(func=run)


def _backend() -> str:
    try:
        from scratchnn import backend

        name = getattr(backend.xp, "__name__", type(backend.xp).__name__)
        return f"{name} (floatx {backend.floatx()})"
    except Exception as exc:  # a diagnostics command reports a broken backend instead of dying
        return f"unavailable ({type(exc).__name__}: {exc})"


def lines() -> list[tuple[str, str]]:
    """The `(label, value)` rows that `scratchnn info` prints."""
    import numpy

    from scratchnn.datasets import _locations

    data = os.environ.get(_locations.DATA_ENV)
    mirrors = os.environ.get(_locations.MIRRORS_ENV)
    return [
        ("scratchnn", scratchnn_version()),
        ("python", f"{platform.python_version()} ({sys.executable})"),
        ("numpy", numpy.__version__),
        ("backend", _backend()),
        ("data", f"{data} (${_locations.DATA_ENV})" if data else f"${_locations.DATA_ENV} is not set"),
        ("cache", f"{_locations.home_dir() / 'datasets'} (${_locations.HOME_ENV} moves it)"),
        ("system data", _locations.SYSTEM_DIR),
        ("mirrors", f"{mirrors} (${_locations.MIRRORS_ENV})" if mirrors else "built-in list"),
    ]


def run(args: argparse.Namespace) -> int:
    rows = lines()
    width = max(len(label) for label, _ in rows)
    for label, value in rows:
        print(f"{label:<{width}}  {value}")
    return 0
