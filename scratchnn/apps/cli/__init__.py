"""The `scratchnn` command line: `scratchnn [--version] COMMAND ...`.

Each subcommand is one module here defining `register(subparsers)`, which adds
its parser and sets `func=run`, and `run(args) -> int` (the exit status). To
add one, write the module and list its name in `__main__.COMMANDS`.
"""

from __future__ import annotations

from scratchnn.apps.reports.facts import version_of


def scratchnn_version() -> str:
    """`scratchnn.__version__`, else the installed distribution's version, else `"unknown"`."""
    return version_of("scratchnn") or "unknown"
