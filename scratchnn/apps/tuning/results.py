"""The results of a search: the text table, tune_results.json/.csv, report.html and its plot.

Every file is written to a temporary sibling and moved into place, so two
workers that finish at the same time (each writes the report of the whole
study) never leave a half-written file.
"""

from __future__ import annotations

import csv
import html
import io
import json
import os
from typing import Any

from scratchnn.apps.plot import figure_to_png, pyplot
from scratchnn.apps.reports.html import png_uri
from scratchnn.apps.tuning.progress import format_hidden, format_rate, format_score, plural
from scratchnn.apps.tuning.trial import COMPLETE, PRUNED, SCORE, TrialResult
from scratchnn.utils.file_utils import atomic_write_file, write_bytes

COLUMNS = ("rank", "trial", "state", SCORE, "val_loss", "learning_rate", "hidden", "batch_size", "optimizer",
           "epochs", "seconds")  # fmt: skip
CSV_COLUMNS = ("trial", "state", SCORE, "val_loss", "learning_rate", "hidden_units", "batch_size", "optimizer",
               "epochs_run", "epochs", "seconds", "worker")  # fmt: skip


def ranked(results: list[TrialResult]) -> list[TrialResult]:
    """Best first: complete trials by validation accuracy (then loss), then pruned, running, failed."""
    return sorted(results, key=TrialResult.sort_key)


def _cells(rank: int, r: TrialResult) -> list[str]:
    return [
        str(rank),
        str(r.number),
        r.state,
        format_score(r.val_accuracy),
        format_score(r.val_loss),
        format_rate(r.learning_rate),
        format_hidden(r.hidden_units),
        "-" if r.batch_size is None else str(r.batch_size),
        r.optimizer or "-",
        f"{r.epochs_run}/{r.epochs or '?'}",
        "-" if r.seconds is None else f"{r.seconds:.1f}",
    ]


def format_table(results: list[TrialResult]) -> str:
    """The trials as an aligned text table, best first."""
    lines = [list(COLUMNS)] + [_cells(i, r) for i, r in enumerate(ranked(results), start=1)]
    widths = [max(len(line[i]) for line in lines) for i in range(len(COLUMNS))]
    return "\n".join("  ".join(cell.rjust(w) for cell, w in zip(line, widths)) for line in lines)


def _write_text(path: str, text: str) -> str:
    def write(tmp: str) -> None:
        with open(tmp, "w", encoding="utf-8", newline="") as f:
            f.write(text)

    atomic_write_file(path, write)
    return path


def write_tables(out_dir: str, results: list[TrialResult]) -> tuple[str, str]:
    """Writes tune_results.json (a list of rows, best first) and tune_results.csv; returns their paths."""
    rows = [r.row() for r in ranked(results)]
    json_path = _write_text(os.path.join(out_dir, "tune_results.json"), json.dumps(rows, indent=2) + "\n")
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, extrasaction="ignore")
    writer.writeheader()
    writer.writerows({**row, "hidden_units": format_hidden(row["hidden_units"])} for row in rows)
    csv_path = _write_text(os.path.join(out_dir, "tune_results.csv"), buffer.getvalue())
    return json_path, csv_path


def plot_scores(results: list[TrialResult]) -> Any:
    """Validation accuracy against trial number: complete trials, pruned ones, and the best so far.

    Raises:
        ImportError: naming the `plot` extra when matplotlib is missing.
    """
    fig, ax = pyplot().subplots(figsize=(8, 4.5))
    by_number = sorted((r for r in results if r.val_accuracy is not None), key=lambda r: r.number)
    for state, style in (
        (COMPLETE, {"marker": "o", "color": "C0"}),
        (PRUNED, {"marker": "x", "color": "0.5"}),
    ):
        points = [(r.number, r.val_accuracy) for r in by_number if r.state == state]
        if points:
            ax.scatter(*zip(*points), label=state, **style)
    best, steps = None, []
    for r in by_number:
        if r.state == COMPLETE and (best is None or r.val_accuracy > best):
            best = r.val_accuracy
        if best is not None:
            steps.append((r.number, best))
    if steps:
        ax.step(*zip(*steps), where="post", color="C1", label="best so far")
    ax.set_xlabel("trial")
    ax.set_ylabel(SCORE)
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right")
    fig.tight_layout()
    return fig


_STYLE = (
    "body{font-family:system-ui,sans-serif;margin:2em auto;max-width:1100px;color:#222}"
    "table{border-collapse:collapse}td,th{padding:.2em .6em;border:1px solid #ddd;text-align:right}"
    "tr.pruned td{color:#777}tr.failed td,tr.running td{color:#a33}img{max-width:100%}"
)


def render_report(
    title: str, results: list[TrialResult], summary: dict[str, Any], plot_png: bytes | None, note: str | None
) -> str:
    """The report page: the summary, the score-by-trial plot, and every trial best first."""
    esc = html.escape
    parts = [
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{esc(title)}</title>',
        f"<style>{_STYLE}</style></head><body><h1>{esc(title)}</h1><table>",
    ]
    parts += [f"<tr><th>{esc(k)}</th><td>{esc(str(v))}</td></tr>" for k, v in summary.items()]
    parts.append("</table><h2>Validation accuracy by trial</h2>")
    if plot_png is not None:
        parts.append(f'<img alt="score by trial" src="{png_uri(plot_png)}">')
    if note:
        parts.append(f"<p>{esc(note)}</p>")
    parts.append(f"<h2>Trials ({esc(plural(len(results), 'trial'))}, best first)</h2><table><tr>")
    parts += [f"<th>{esc(c)}</th>" for c in COLUMNS]
    parts.append("</tr>")
    for rank, r in enumerate(ranked(results), start=1):
        cells = "".join(f"<td>{esc(c)}</td>" for c in _cells(rank, r))
        parts.append(f'<tr class="{esc(r.state)}">{cells}</tr>')
    parts.append("</table></body></html>\n")
    return "".join(parts)


def write_report(out_dir: str, title: str, results: list[TrialResult], summary: dict[str, Any]) -> str:
    """Writes score_by_trial.png and report.html (the plot embedded) into `out_dir`; returns the page's path."""
    png, note = None, None
    try:
        png = figure_to_png(plot_scores(results))
    except ImportError as err:
        note = f"The plot was not drawn: {err}"
    if png is not None:
        atomic_write_file(os.path.join(out_dir, "score_by_trial.png"), lambda tmp: write_bytes(tmp, png))
    return _write_text(
        os.path.join(out_dir, "report.html"), render_report(title, results, summary, png, note)
    )
