"""What a person watching `scratchnn tune` sees: a line per finished trial, the running trial's epoch.

On a terminal the running trials share one status line, redrawn in place
(`\\r` and "erase to end of line"); written to a file or a pipe, each new
epoch is a line of its own, so a log shows the same information without
control characters.
"""

from __future__ import annotations

import sys
from typing import Any, TextIO

from scratchnn.apps.tuning.trial import COMPLETE, FAILED, PRUNED, SCORE, TrialResult


def plural(n: int, word: str) -> str:
    """ "1 trial", "2 trials"."""
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def format_rate(value: float | None) -> str:
    return "-" if value is None else f"{value:.3g}"


def format_hidden(units: tuple[int, ...] | list[int]) -> str:
    return "x".join(str(u) for u in units) if units else "-"


def describe(result: TrialResult) -> str:
    """The trial's settings, rounded: "learning_rate 0.0123  hidden 64x64  batch_size 32  optimizer sgd"."""
    return (
        f"learning_rate {format_rate(result.learning_rate)}  hidden {format_hidden(result.hidden_units)}  "
        f"batch_size {result.batch_size}  optimizer {result.optimizer}"
    )


def format_score(value: float | None) -> str:
    return "-" if value is None else f"{value:.4f}"


class Progress:
    """Prints the progress of a search to `stream` (default stdout).

    Args:
        total: the number of trials the search runs (None: unknown).
        stream: where to write. Defaults to `sys.stdout`.
    """

    def __init__(self, total: int | None, stream: TextIO | None = None) -> None:
        self.total = total
        self.stream = stream or sys.stdout
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self._status_shown = False
        self._epochs_seen: dict[int, int] = {}

    def line(self, text: str) -> None:
        """A permanent line (clearing the status line first on a terminal)."""
        if self._status_shown:
            self.stream.write("\r\x1b[K")
            self._status_shown = False
        self.stream.write(text + "\n")
        self.stream.flush()

    def running(self, trials: list[tuple[int, int, int | None, float | None]]) -> None:
        """Shows the running trials: (number, epochs done, epochs in all, last validation score)."""
        parts = [
            f"trial {number}  epoch {done}/{epochs or '?'}  {SCORE} {format_score(score)}"
            for number, done, epochs, score in trials
        ]
        if self.tty:
            self.stream.write("\r\x1b[K" + ("running: " + " | ".join(parts) if parts else ""))
            self.stream.flush()
            self._status_shown = bool(parts)
            return
        for (number, done, _, _), text in zip(trials, parts):
            if done > self._epochs_seen.get(number, 0):
                self._epochs_seen[number] = done
                self.line("  " + text)

    def finished(self, result: TrialResult, best: TrialResult | None, done: int) -> None:
        """The line of a finished trial, with the best so far."""
        self._epochs_seen.pop(result.number, None)
        counter = f"[{done}/{self.total}]" if self.total else f"[{done}]"
        if result.state == FAILED:
            self.line(f"trial {result.number}  failed ({result.params.get('reason', 'error')})")
            return
        if result.state == PRUNED:
            state = f"pruned at epoch {result.epochs_run}/{result.epochs}"
        else:
            state = plural(result.epochs_run, "epoch")
        best_text = ""
        if best is not None:
            best_text = f"  best {format_score(best.val_accuracy)} (trial {best.number})"
        self.line(
            f"{counter} trial {result.number}  {SCORE} {format_score(result.val_accuracy)}{best_text}  "
            f"{describe(result)}  {state}  {result.seconds or 0:.1f} s"
        )


def best_of(results: list[TrialResult]) -> TrialResult | None:
    """The best complete trial (pruned trials stopped early, so they never win), or None."""
    complete = [r for r in results if r.state == COMPLETE and r.val_accuracy is not None]
    return min(complete, key=TrialResult.sort_key) if complete else None


def summary_line(best: TrialResult | None, test: dict[str, Any] | None, path: str | None) -> str:
    """The last line: the best trial (the table's `trial` column), its test accuracy, where it was saved."""
    if best is None:
        return "no trial completed"
    text = f"best: trial {best.number} ({describe(best)}), {SCORE} {format_score(best.val_accuracy)}"
    if test is not None:
        text += f", test accuracy {format_score(test.get('accuracy'))}"
    return text + (f"; saved {path}" if path else "")
