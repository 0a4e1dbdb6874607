"""`report.html`: one self-contained page for a run (configuration, curves, metrics, images).

Images are read from PNG files and embedded as `data:image/png;base64,...`,
so the page needs nothing beside it. Every value is HTML-escaped.
"""

from __future__ import annotations

import base64
import html
import os
from collections.abc import Mapping
from typing import Any

_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 960px; color: #222; }
h1 { font-size: 1.5em; } h2 { font-size: 1.2em; border-bottom: 1px solid #ddd; padding-bottom: .2em; }
table { border-collapse: collapse; } td, th { padding: .2em .8em; border: 1px solid #ddd; text-align: left; }
pre { background: #f6f6f6; padding: .8em; overflow-x: auto; }
img { max-width: 100%; } .note { color: #a33; }
"""


def _png_uri(path: str | os.PathLike) -> str:
    with open(path, "rb") as f:
        return "data:image/png;base64," + base64.b64encode(f.read()).decode("ascii")


def _table(rows: Mapping[str, Any]) -> str:
    cells = "".join(
        f"<tr><th>{html.escape(str(k))}</th><td>{html.escape(_fmt(v))}</td></tr>" for k, v in rows.items()
    )
    return f"<table>{cells}</table>"


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, (list, tuple)):
        return ", ".join(_fmt(v) for v in value)
    return "" if value is None else str(value)


def render_report(
    title: str,
    config: Mapping[str, Any],
    results: Mapping[str, Any],
    images: Mapping[str, str | os.PathLike | None] | None = None,
    classification_report: str | None = None,
    notes: list[str] | None = None,
) -> str:
    """The report page as an HTML string.

    Args:
        title: page heading.
        config: the run's settings (recipe, epochs, optimizer, ...), shown as a table.
        results: headline numbers (test loss/accuracy, wall time, ...), shown as a table.
        images: section heading -> PNG path (None skips the section with a note),
            in display order. Defaults to None.
        classification_report: the report text, shown preformatted. Defaults to None.
        notes: lines shown in red under the title (interrupted run, missing plots).

    Returns:
        The complete HTML document.
    """
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head><body>",
        f"<h1>{html.escape(title)}</h1>",
    ]
    parts += [f'<p class="note">{html.escape(note)}</p>' for note in notes or []]
    parts += ["<h2>Results</h2>", _table(results), "<h2>Configuration</h2>", _table(config)]
    for heading, path in (images or {}).items():
        parts.append(f"<h2>{html.escape(heading)}</h2>")
        if path is None or not os.path.exists(path):
            parts.append('<p class="note">not drawn (see the notes above)</p>')
        else:
            parts.append(f'<img src="{_png_uri(path)}" alt="{html.escape(heading)}">')
        if heading.lower().startswith("confusion") and classification_report:
            parts += ["<h2>Classification report</h2>", f"<pre>{html.escape(classification_report)}</pre>"]
    if classification_report and not any(h.lower().startswith("confusion") for h in images or {}):
        parts += ["<h2>Classification report</h2>", f"<pre>{html.escape(classification_report)}</pre>"]
    parts.append("</body></html>\n")
    return "\n".join(parts)


def write_report(path: str | os.PathLike, *args: Any, **kwargs: Any) -> str:
    """Writes `render_report(*args, **kwargs)` to `path` (UTF-8) and returns the path."""
    with open(path, "w", encoding="utf-8") as f:
        f.write(render_report(*args, **kwargs))
    return os.fspath(path)
