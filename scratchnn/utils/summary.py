"""`model.summary()` in Keras 3's table layout (keras/src/utils/summary_utils.py).

Rows are `name (ClassName)`, the output shape and the parameter count with
thousands separators; the footer gives total, trainable and non-trainable
counts with their size in bytes (base 1024), plus optimizer parameters once the
optimizer has been built.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

_MIN_WIDTHS = (31, 22, 13)


def format_bytes(n: int) -> str:
    """Human-readable size: 868.59 KB, 8.00 B (base 1024, as Keras prints)."""
    size = float(n)
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.2f} {unit}"
        size /= 1024
    return f"{size:.2f} GB"


def _shape_text(shape: Any) -> str:
    if shape is None:
        return "?"
    if isinstance(shape, tuple):
        return (
            "("
            + ", ".join("None" if d is None else str(d) for d in shape)
            + (",)" if len(shape) == 1 else ")")
        )
    if isinstance(shape, list):
        return "[" + ", ".join(_shape_text(s) for s in shape) + "]"
    if isinstance(shape, dict):
        return "{" + ", ".join(f"{k}: {_shape_text(v)}" for k, v in shape.items()) + "}"
    return str(shape)


def _weight_bytes(variables: list[Any]) -> int:
    return int(sum(v.data.nbytes for v in variables))


def _table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> list[str]:
    widths = [
        max([m, len(h)] + [len(r[i]) for r in rows]) for i, (m, h) in enumerate(zip(_MIN_WIDTHS, header))
    ]
    right = {len(header) - 1} if header[-1] == "Param #" else {2}

    def line(cells: tuple[str, ...], bar: str) -> str:
        parts = []
        for i, (c, w) in enumerate(zip(cells, widths)):
            parts.append(" " + (c.rjust(w) if i in right else c.ljust(w)) + " ")
        return bar + bar.join(parts) + bar

    def rule(left: str, mid: str, end: str, fill: str) -> str:
        return left + mid.join(fill * (w + 2) for w in widths) + end

    out = [rule("┏", "┳", "┓", "━"), line(header, "┃"), rule("┡", "╇", "┩", "━")]
    for i, r in enumerate(rows):
        out.append(line(r, "│"))
        if i < len(rows) - 1:
            out.append(rule("├", "┼", "┤", "─"))
    out.append(rule("└", "┴", "┘", "─"))
    return out


def print_summary(
    model: Any, print_fn: Callable[..., Any] | None = None, show_trainable: bool = False
) -> None:
    """Prints the summary table of `model` (through `print_fn` if given)."""
    emit = print_fn or print
    rows = []
    for layer in model._summary_layers():
        shape = model._summary_output_shape(layer)
        if layer.built:
            count = f"{layer.count_params():,}"
        else:
            count = "0 (unbuilt)"
        row = (f"{layer.name} ({type(layer).__name__})", _shape_text(shape), count)
        if show_trainable:
            row = row + ("Y" if layer.trainable else "N",)
        rows.append(row)
    header = ("Layer (type)", "Output Shape", "Param #") + (("Trainable",) if show_trainable else ())
    lines = [f'Model: "{model.name}"', *_table(header, rows)]
    trainable = model.trainable_weights if model.built else []
    non_trainable = model.non_trainable_weights if model.built else []
    optimizer_vars = []
    opt = getattr(model, "optimizer", None)
    if opt is not None and getattr(opt, "built", False):
        optimizer_vars = list(opt.variables)
    n_tr = sum(v.size for v in trainable)
    n_nt = sum(v.size for v in non_trainable)
    n_opt = sum(v.size for v in optimizer_vars)
    total_bytes = _weight_bytes(trainable) + _weight_bytes(non_trainable) + _weight_bytes(optimizer_vars)
    lines.append(f" Total params: {n_tr + n_nt + n_opt:,} ({format_bytes(total_bytes)})")
    lines.append(f" Trainable params: {n_tr:,} ({format_bytes(_weight_bytes(trainable))})")
    lines.append(f" Non-trainable params: {n_nt:,} ({format_bytes(_weight_bytes(non_trainable))})")
    if optimizer_vars:
        lines.append(f" Optimizer params: {n_opt:,} ({format_bytes(_weight_bytes(optimizer_vars))})")
    if print_fn is None:
        print("\n".join(lines))
    else:
        for text in lines:
            emit(text)
