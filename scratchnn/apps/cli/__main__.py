"""Entry point of the `scratchnn` console script, `python -m scratchnn` and `python -m scratchnn.apps.cli`."""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

from scratchnn.apps.cli import scratchnn_version

# One module per subcommand under scratchnn/apps/cli/, in the order `--help` lists them.
COMMANDS = (
    "info",
    "datasets",
    "recipes",
    "train",
    "evaluate",
    "predict",
    "summary",
    "lr-find",
    "tune",
    "serve",
    "export",
)


def build_parser() -> argparse.ArgumentParser:
    """The top-level parser with every subcommand of `COMMANDS` registered."""
    parser = argparse.ArgumentParser(
        prog="scratchnn",
        description="Neural networks from scratch on NumPy, with the Keras API.",
        epilog="Start with `scratchnn recipes`, then `scratchnn train mnist-dense`. "
        "`scratchnn COMMAND --help` describes each command.",
    )
    parser.add_argument(
        "--version", action="version", version=f"scratchnn {scratchnn_version()}", help="print the version"
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        importlib.import_module(f"scratchnn.apps.cli.{name.replace('-', '_')}").register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Runs the command line `argv` (default: `sys.argv[1:]`) and returns the exit status.

    Usage mistakes exit with 2, as argparse does, including a missing command.

    Example:

    >>> main(["datasets"])  # doctest: +SKIP
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    # The command line as typed, for the run's records (run.json, the reports).
    args.command_line = " ".join(["scratchnn", *(sys.argv[1:] if argv is None else argv)])
    if getattr(args, "func", None) is None:
        parser.print_usage(sys.stderr)
        print(
            f"scratchnn: a command is required: one of {', '.join(COMMANDS)} (see `scratchnn --help`)",
            file=sys.stderr,
        )
        return 2
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (`scratchnn evaluate ... | head`): stop quietly, as other Unix tools do.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141


if __name__ == "__main__":
    sys.exit(main())
