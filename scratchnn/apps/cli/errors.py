"""The command line's one error type."""

from __future__ import annotations


class CliError(Exception):
    """A mistake the user can fix; printed as `scratchnn COMMAND: message`, exit status `status`.

    Args:
        message: what went wrong and how to fix it, on one line.
        status: the exit status. Defaults to 1; 2 marks a usage mistake
            (a bad argument), as argparse uses.
    """

    def __init__(self, message: str, status: int = 1) -> None:
        super().__init__(message)
        self.status = status
