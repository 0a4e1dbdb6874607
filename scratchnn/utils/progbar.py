"""A Keras 3 style progress bar (`keras.utils.Progbar`).

The text matches `keras/src/utils/progbar.py`: a bold `step/total`, a bar of
`━` (green for the part done, dim white for the rest), a bold ETA or elapsed
time, the time per step (`878us/step`, `544ms/step`, `2s/step`) and then
` - name: value` for every metric (`.4f`, or `.4e` when |value| <= 1e-3).

One deliberate difference (KERAS_NOTES §4.7): Keras redraws in place with
backspaces, `\\r` and ANSI colours whenever the `posix` module is loaded, which
is every Linux/macOS run, so redirected logs fill with `^H` junk. Here the
in-place redraw is used only when the stream is a terminal (or inside Jupyter);
otherwise `verbose=1` writes one plain line, without escape codes, when the bar
finishes. Also, `verbose=2` picks `.4e` by magnitude like `verbose=1` does
(Keras tests `value > 1e-3` there, so negative values come out as `-9.0000e-01`).
"""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Iterable
from typing import Any

from scratchnn.backend import xp

_BOLD = "\x1b[1m"
_GREEN = "\x1b[32m"
_DIM = "\x1b[37m"
_RESET = "\x1b[0m"


def _dynamic_display_supported(stream: Any) -> bool:
    """Whether `stream` can be redrawn in place (a terminal or a notebook)."""
    isatty = getattr(stream, "isatty", None)
    try:
        if isatty is not None and isatty():
            return True
    except (OSError, ValueError):  # a closed or detached stream
        return False
    return "ipykernel" in sys.modules


def _as_float(value: Any) -> float:
    """A metric value as a Python float; arrays are averaged like Keras does."""
    if isinstance(value, float):
        return value
    try:
        return float(value)
    except (TypeError, ValueError):
        return float(xp.mean(xp.asarray(value)))


def _format_value(value: float) -> str:
    # Keras switches to scientific notation for magnitudes at or below 1e-3.
    return f"{value:.4f}" if abs(value) > 1e-3 else f"{value:.4e}"


def _format_duration(seconds: float) -> str:
    """An ETA as `12s`, `m:ss` (over a minute) or `h:mm:ss` (over an hour)."""
    if seconds > 3600:
        return f"{int(seconds // 3600)}:{int(seconds % 3600 // 60):02d}:{int(seconds % 60):02d}"
    if seconds > 60:
        return f"{int(seconds // 60)}:{int(seconds % 60):02d}"
    return f"{int(seconds)}s"


def _format_count(current: int, target: int) -> str:
    """`current/target` with `current` right-aligned to the width of `target`."""
    return f"{int(current):>{len(str(int(target)))}d}/{int(target)}"


def _format_time_per_unit(seconds: float, unit_name: str) -> str:
    """The time per step with the unit that gives a whole number: s, ms or us."""
    if seconds >= 1 or seconds == 0:
        return f" {seconds:.0f}s/{unit_name}"
    if seconds >= 1e-3:
        return f" {seconds * 1e3:.0f}ms/{unit_name}"
    return f" {seconds * 1e6:.0f}us/{unit_name}"


class Progbar:
    """Displays a progress bar.

    Call `update(current, values)` after each step. Metrics named in
    `stateful_metrics` are shown as given; the others are averaged over the
    steps seen (weighted by the number of steps each update covers). If neither
    `stateful_metrics` nor `stateless_metrics` is given, every metric is
    averaged.

    A redraw costs a few tens of microseconds and happens at most every
    `interval` seconds; an update that does not redraw only stores the values.

    Args:
        target: Total number of steps expected, or `None` if unknown.
        width: Width of the bar in characters. Defaults to `20`.
        verbose: `0` (silent), `1` (a bar redrawn in place on a terminal, one
            line at the end otherwise) or `2` (one line when the target is
            reached). Defaults to `1`.
        interval: Minimum number of seconds between two redraws. Defaults to
            `0.05`.
        stateful_metrics: Iterable of metric names displayed as-is (not
            averaged). Do not combine with `stateless_metrics`.
        stateless_metrics: Iterable of metric names that are averaged; all
            other metrics are displayed as-is.
        unit_name: Name of a step in the time-per-step field. Defaults to
            `"step"`.

    Raises:
        ValueError: If both `stateful_metrics` and `stateless_metrics` are
            given, or if `width`, `verbose` or `interval` is out of range.

    Example:

    >>> bar = Progbar(target=3, verbose=2)
    >>> for step in range(1, 4):
    ...     bar.update(step, [("loss", 1.0 / step)])  # doctest: +SKIP
    3/3 - 0s - 12us/step - loss: 0.6111
    """

    def __init__(
        self,
        target: int | None,
        width: int = 20,
        verbose: int = 1,
        interval: float = 0.05,
        stateful_metrics: Iterable[str] | None = None,
        stateless_metrics: Iterable[str] | None = None,
        unit_name: str = "step",
    ) -> None:
        if stateful_metrics is not None and stateless_metrics is not None:
            raise ValueError(
                "Progbar accepts either `stateful_metrics` (names shown as-is) or "
                "`stateless_metrics` (names averaged), not both. Received: "
                f"stateful_metrics={stateful_metrics}, stateless_metrics={stateless_metrics}"
            )
        if isinstance(width, bool) or not isinstance(width, int) or width < 1:
            raise ValueError(f"Expected `width` to be a positive integer. Received: width={width}")
        if verbose not in (0, 1, 2):
            raise ValueError(f"Expected `verbose` to be 0, 1 or 2. Received: verbose={verbose}")
        if interval < 0:
            raise ValueError(f"Expected `interval` to be >= 0. Received: interval={interval}")
        self.target = target
        self.width = width
        self.verbose = verbose
        self.interval = interval
        self.unit_name = unit_name
        if stateless_metrics is not None:
            self.stateful_metrics = None
            self.stateless_metrics = set(stateless_metrics)
        else:
            self.stateful_metrics = set(stateful_metrics or ())
            self.stateless_metrics = None

        self._dynamic_display = _dynamic_display_supported(sys.stdout)
        # name -> [weighted sum, weight]; the list keeps the first-seen order.
        self._values: dict[str, list[Any]] = {}
        self._values_order: list[str] = []
        self._seen_so_far = 0
        self._start = time.monotonic()
        self._last_update = -math.inf
        self._time_after_first_step: float | None = None
        self._prev_total_width = 0

    def _is_stateless(self, name: str) -> bool:
        if self.stateful_metrics is not None:
            return name not in self.stateful_metrics
        return name in self.stateless_metrics

    def update(
        self,
        current: int,
        values: Iterable[tuple[str, Any]] | None = None,
        finalize: bool | None = None,
    ) -> None:
        """Records step `current` and redraws the bar when it is due.

        Args:
            current: Index of the current step (1-based: the number of steps
                done).
            values: List of `(name, value)` pairs for the last step. Values of
                stateful metrics are shown as given; others are averaged.
            finalize: Whether this is the last update. Defaults to
                `current >= target` (always `False` when `target` is `None`).
        """
        if finalize is None:
            finalize = self.target is not None and current >= self.target

        if values:
            for name, value in values:
                if name not in self._values:
                    self._values_order.append(name)
                if not finalize and self._is_stateless(name):
                    # Weight by the steps this update covers (at least one), as Keras does.
                    steps = max(current - self._seen_so_far, 1)
                    entry = self._values.get(name)
                    if entry is None:
                        self._values[name] = [value * steps, steps]
                    else:
                        entry[0] += value * steps
                        entry[1] += steps
                else:
                    self._values[name] = [value, 1]
        self._seen_so_far = current

        now = time.monotonic()
        if current == 1:
            # Later estimates skip the first step, which includes warm-up time.
            self._time_after_first_step = now

        if self.verbose == 1:
            if not finalize and (not self._dynamic_display or now - self._last_update < self.interval):
                return
            self._draw(current, now, finalize)
        elif self.verbose == 2 and finalize and self.target is not None and self.target > 0:
            self._draw_summary(current, now)
        self._last_update = now

    def add(self, n: int, values: Iterable[tuple[str, Any]] | None = None) -> None:
        """Advances the bar by `n` steps (see `update`)."""
        self.update(self._seen_so_far + n, values)

    def _time_per_unit(self, current: int, now: float) -> float:
        if not current:
            return 0.0
        if self._time_after_first_step is not None and current > 1:
            return (now - self._time_after_first_step) / (current - 1)
        return (now - self._start) / current

    def _metrics_text(self) -> str:
        parts = []
        for name in self._values_order:
            total, count = self._values[name]
            parts.append(f" - {name}: {_format_value(_as_float(total) / max(1, count))}")
        return "".join(parts)

    def _draw(self, current: int, now: float, finalize: bool) -> None:
        """Writes the verbose=1 line: redrawn in place, or plain when finished."""
        ansi = self._dynamic_display
        bold, green, dim, reset = (_BOLD, _GREEN, _DIM, _RESET) if ansi else ("", "", "", "")
        has_target = self.target is not None and self.target > 0
        # Characters of escape sequences, left out of the visible width.
        hidden = len(bold) + len(reset)
        if has_target:
            done = int(self.width * current / self.target)
            bar = f"{bold}{_format_count(current, self.target)}{reset} "
            hidden += len(bold) + len(reset)
            if done > 0:
                bar += f"{green}{'━' * done}{reset}"
                hidden += len(green) + len(reset)
            bar += f"{dim}{'━' * (self.width - done)}{reset}"
            hidden += len(dim) + len(reset)
        else:
            bar = f"{int(current):7d}/Unknown"
        time_per_unit = self._time_per_unit(current, now)
        if has_target and not finalize:
            clock = _format_duration(time_per_unit * (self.target - current))
        else:
            clock = f"{now - self._start:.0f}s"
        info = f" {bold}{clock}{reset}" + _format_time_per_unit(time_per_unit, self.unit_name)
        info += self._metrics_text()

        if not ansi:
            sys.stdout.write(bar + info + "\n")
            sys.stdout.flush()
            return
        total_width = len(bar) + len(info) - hidden
        # Keras erases the previous line with backspaces plus \r, then pads with spaces.
        message = "\b" * self._prev_total_width + "\r" + bar + info
        if self._prev_total_width > total_width:
            message += " " * (self._prev_total_width - total_width)
        if finalize:
            message += "\n"
        self._prev_total_width = total_width
        sys.stdout.write(message)
        sys.stdout.flush()

    def _draw_summary(self, current: int, now: float) -> None:
        """Writes the verbose=2 line: `N/N - 7s - 2s/step - loss: ...`."""
        line = f"{_format_count(current, self.target)} - {now - self._start:.0f}s"
        line += " -" + _format_time_per_unit(self._time_per_unit(current, now), self.unit_name)
        sys.stdout.write(line + self._metrics_text() + "\n")
        sys.stdout.flush()
