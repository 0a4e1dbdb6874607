"""HTML building blocks of the report pages, and the generic one-page report (`render_report`).

Every page is self-contained: images are embedded as `data:image/png;base64,...`
URIs and the style sheet is inline, so a page can be mailed or archived alone.
Every value is HTML-escaped here, in one place.
"""

from __future__ import annotations

import base64
import html
import os
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

# One style sheet for every page: readable at 1280 px, nothing wider than the page (wide tables scroll).
STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0 auto; padding: 1.5em 2em;
       max-width: 1120px; color: #222; line-height: 1.45; box-sizing: border-box; }
h1 { font-size: 1.6em; margin-bottom: .2em; } .subtitle { color: #555; margin-top: 0; }
h2 { font-size: 1.25em; border-bottom: 1px solid #ddd; padding-bottom: .2em; margin-top: 1.8em; }
h3 { font-size: 1.05em; margin-bottom: .4em; }
table { border-collapse: collapse; margin: .4em 0 1em; }
td, th { padding: .25em .7em; border: 1px solid #ddd; text-align: left; vertical-align: top; }
th { background: #f4f6f8; font-weight: 600; } td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.scroll { overflow-x: auto; max-width: 100%; }
pre { background: #f6f6f6; padding: .8em; overflow-x: auto; font-size: .9em; }
img { max-width: 100%; height: auto; } .note { color: #a33; } .muted { color: #666; }
.headline { font-size: 1.15em; background: #f3f8f3; border-left: 4px solid #4a4; padding: .6em 1em; }
.headline.warn { background: #fbf6ec; border-left-color: #c80; }
.gallery { display: flex; flex-wrap: wrap; gap: 10px; margin: .5em 0 1em; }
.card { width: 112px; text-align: center; font-size: 13px; line-height: 1.3; }
.card img { width: 84px; height: 84px; image-rendering: pixelated; border: 1px solid #ccc; display: block;
            margin: 0 auto 3px; }
.card .pred { font-weight: 600; } .card.wrong .pred { color: #b00; } .card .true { color: #333; }
table.cm td { text-align: right; min-width: 2.6em; } table.cm th { font-size: .85em; }
.two { display: flex; flex-wrap: wrap; gap: 2em; align-items: flex-start; }
.two > * { min-width: 0; max-width: 100%; }
"""


def escape(value: Any) -> str:
    """The text of `value`, formatted by `fmt` and HTML-escaped."""
    return html.escape(fmt(value))


def fmt(value: Any) -> str:
    """A value as the pages print it: floats to 6 significant digits, lists comma-separated, None empty."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, (list, tuple)):
        return ", ".join(fmt(v) for v in value)
    return "" if value is None else str(value)


def png_uri(path_or_bytes: str | os.PathLike | bytes) -> str:
    """A PNG file (or PNG bytes) as a `data:image/png;base64,...` URI."""
    if isinstance(path_or_bytes, bytes):
        data = path_or_bytes
    else:
        with open(path_or_bytes, "rb") as f:
            data = f.read()
    return "data:image/png;base64," + base64.b64encode(data).decode("ascii")


def image(path_or_bytes: str | os.PathLike | bytes, alt: str) -> str:
    return f'<img src="{png_uri(path_or_bytes)}" alt="{html.escape(alt)}">'


def kv_table(rows: Mapping[str, Any] | Iterable[tuple[str, Any]]) -> str:
    """A two-column table: a heading cell and a value cell per row (rows with value None are left out)."""
    items = rows.items() if isinstance(rows, Mapping) else rows
    cells = "".join(
        f"<tr><th>{html.escape(str(k))}</th><td>{escape(v)}</td></tr>" for k, v in items if v is not None
    )
    return f'<div class="scroll"><table>{cells}</table></div>'


def table(
    header: Sequence[str], rows: Iterable[Sequence[Any]], numeric: Iterable[int] = (), cls: str = ""
) -> str:
    """A table with a header row; the columns in `numeric` are right-aligned."""
    right = set(numeric)

    def cell(tag: str, i: int, value: Any) -> str:
        return f"<{tag}{' class=num' if i in right else ''}>{escape(value)}</{tag}>"

    head = "".join(cell("th", i, h) for i, h in enumerate(header))
    body = "".join("<tr>" + "".join(cell("td", i, v) for i, v in enumerate(r)) + "</tr>" for r in rows)
    attrs = f' class="{cls}"' if cls else ""
    return (
        f'<div class="scroll"><table{attrs}><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>'
    )


def paragraph(text: str, cls: str = "") -> str:
    attrs = f' class="{cls}"' if cls else ""
    return f"<p{attrs}>{html.escape(text)}</p>"


def preformatted(text: str) -> str:
    return f"<pre>{html.escape(text)}</pre>"


def model_summary_table(summary: dict[str, Any]) -> str:
    """The model's summary table (what `reports.facts.model_summary` returns) with its parameter totals."""
    rows = [(f"{name} ({kind})", shape, f"{params:,}") for name, kind, shape, params in summary["rows"]]
    totals = (
        f"Total params: {summary['total']:,} (trainable {summary['trainable']:,}, "
        f"non-trainable {summary['non_trainable']:,})"
    )
    return (
        f'<p>Model: "{escape(summary["name"])}"</p>'
        + table(["Layer (type)", "Output Shape", "Param #"], rows, numeric=[2])
        + paragraph(totals)
    )


def document(title: str, body: Iterable[str]) -> str:
    """A complete HTML page: `body` parts (already HTML) under the inline style sheet."""
    return "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="en"><head><meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>{html.escape(title)}</title><style>{STYLE}</style></head><body>",
            *body,
            "</body></html>\n",
        ]
    )


def write_page(path: str | os.PathLike, page: str) -> str:
    """Writes the page (UTF-8) and returns the path."""
    with open(path, "w", encoding="utf-8") as f:
        f.write(page)
    return os.fspath(path)


def render_report(
    title: str,
    config: Mapping[str, Any],
    results: Mapping[str, Any],
    images: Mapping[str, str | os.PathLike | None] | None = None,
    classification_report: str | None = None,
    notes: list[str] | None = None,
) -> str:
    """A generic one-page report: results and configuration tables, images, a classification report.

    (`scratchnn train` writes the richer page of `reports.train_page`.)

    Args:
        title: page heading.
        config: the run's settings, shown as a table.
        results: headline numbers, shown as a table.
        images: section heading -> PNG path (None shows a "not drawn" note),
            in display order. Defaults to None.
        classification_report: the report text, shown preformatted. Defaults to None.
        notes: lines shown in red under the title.

    Returns:
        The complete HTML document.
    """
    parts = [f"<h1>{html.escape(title)}</h1>"]
    parts += [paragraph(note, "note") for note in notes or []]
    parts += ["<h2>Results</h2>", kv_table(results), "<h2>Configuration</h2>", kv_table(config)]
    for heading, path in (images or {}).items():
        parts.append(f"<h2>{html.escape(heading)}</h2>")
        if path is None or not os.path.exists(path):
            parts.append(paragraph("not drawn (see the notes above)", "note"))
        else:
            parts.append(image(path, heading))
    if classification_report:
        parts += ["<h2>Classification report</h2>", preformatted(classification_report)]
    return document(title, parts)


def write_report(path: str | os.PathLike, *args: Any, **kwargs: Any) -> str:
    """Writes `render_report(*args, **kwargs)` to `path` (UTF-8) and returns the path."""
    return write_page(path, render_report(*args, **kwargs))
