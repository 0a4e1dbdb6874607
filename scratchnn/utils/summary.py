"""`model.summary()` in Keras 3's table layout (keras/src/utils/summary_utils.py).

Rows are `name (ClassName)`, the output shape and the parameter count with
thousands separators; the footer gives total, trainable and non-trainable
counts with their size in bytes (base 1024), plus optimizer parameters once the
optimizer has been built.
"""

from __future__ import annotations

import shutil
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
    """The plain table: each column as wide as its widest cell (or its minimum), the counts right-aligned."""
    widths = [
        max([m, len(h)] + [len(r[i]) for r in rows]) for i, (m, h) in enumerate(zip(_MIN_WIDTHS, header))
    ]
    return _wrapped_table(header, rows, widths, {2})


def _graph_nodes(model: Any) -> list[Any] | None:
    """The nodes of a functional model that is not a plain chain (None otherwise)."""
    nodes = getattr(model, "_nodes", None)
    if nodes is None or not hasattr(model, "_flat_inputs"):
        return None
    consumed = [id(t) for n in nodes for t in n.input_tensors]
    chain = (
        len(model._flat_inputs) == 1
        and len(model._flat_outputs) == 1
        and all(len(n.input_tensors) <= 1 for n in nodes)
        and len(consumed) == len(set(consumed))
        and len({id(n.layer) for n in nodes}) == len(nodes)
    )
    return None if chain else nodes


def _connections(layer: Any, nodes: list[Any]) -> str:
    own = {id(n) for n in nodes}
    parts = []
    for node in layer._inbound_nodes:
        if id(node) in own:
            for t in node.input_tensors:
                inbound, node_index, tensor_index = t._keras_history
                parts.append(f"{inbound.name}[{node_index}][{tensor_index}]")
    return ", ".join(parts) or "-"


def _column_widths(line_length: int, positions: list[float]) -> list[int]:
    """Cell widths as rich lays out Keras's table: the columns' requested widths
    (from `positions`) minus the borders and padding, the excess taken evenly."""
    widths, current = [], 0
    for pos in positions:
        widths.append(int(pos * line_length) - current)
        current += widths[-1]
    excess = sum(widths) + 3 * len(widths) + 1 - line_length
    remaining = len(widths)
    for i in range(len(widths)):
        cut = round(excess / remaining)
        widths[i] -= cut
        excess -= cut
        remaining -= 1
    return widths


def _wrap(text: str, width: int) -> list[str]:
    """Greedy word wrap at spaces; words longer than `width` are folded."""
    if len(text) <= width:
        return [text]  # fits as it is (leading and repeated spaces kept)
    lines: list[str] = []
    current = ""
    for word in text.split(" "):
        while len(word) > width:
            if current:
                lines.append(current)
                current = ""
            lines.append(word[:width])
            word = word[width:]
        if not current:
            current = word
        elif len(current) + 1 + len(word) <= width:
            current += " " + word
        else:
            lines.append(current)
            current = word
    lines.append(current)
    return lines


def _wrapped_table(
    header: tuple[str, ...], rows: list[tuple[str, ...]], widths: list[int], right: set[int]
) -> list[str]:
    def cells(row: tuple[str, ...], bar: str) -> list[str]:
        wrapped = [_wrap(c, w) for c, w in zip(row, widths)]
        out = []
        for k in range(max(len(w) for w in wrapped)):
            parts = []
            for i, (lines, w) in enumerate(zip(wrapped, widths)):
                text = lines[k] if k < len(lines) else ""
                parts.append(" " + (text.rjust(w) if i in right else text.ljust(w)) + " ")
            out.append(bar + bar.join(parts) + bar)
        return out

    def rule(left: str, mid: str, end: str, fill: str) -> str:
        return left + mid.join(fill * (w + 2) for w in widths) + end

    out = [rule("┏", "┳", "┓", "━"), *cells(header, "┃"), rule("┡", "╇", "┩", "━")]
    for i, r in enumerate(rows):
        out.extend(cells(r, "│"))
        if i < len(rows) - 1:
            out.append(rule("├", "┼", "┤", "─"))
    out.append(rule("└", "┴", "┘", "─"))
    return out


def print_summary(
    model: Any, print_fn: Callable[..., Any] | None = None, show_trainable: bool = False
) -> None:
    """Prints the summary table of `model` (through `print_fn` if given).

    A functional model that is not a plain chain gets Keras's fourth column,
    "Connected to" (`layer[node][tensor]` of each input), in a 108-column table
    narrowed to the terminal width minus 4 and with wrapping cells, as Keras
    prints it (keras/src/utils/summary_utils.py, laid out by rich).
    """
    emit = print_fn or print
    nodes = _graph_nodes(model)
    rows = []
    for layer in model._summary_layers():
        shape = model._summary_output_shape(layer)
        if layer.built:
            count = f"{layer.count_params():,}"
        else:
            count = "0 (unbuilt)"
        row = (f"{layer.name} ({type(layer).__name__})", _shape_text(shape), count)
        if nodes is not None:
            row = row + (_connections(layer, nodes),)
        if show_trainable:
            row = row + ("Y" if layer.trainable else "N",)
        rows.append(row)
    header = ("Layer (type)", "Output Shape", "Param #")
    header = header + (("Connected to",) if nodes is not None else ())
    header = header + (("Trainable",) if show_trainable else ())
    if nodes is None:
        table = _table(header, rows)
    else:
        positions = [0.3, 0.56, 0.74, 1.0]
        line_length = 108
        if show_trainable:
            line_length += 12
            positions = [p * 0.9 for p in positions] + [1.0]
        line_length = min(line_length, shutil.get_terminal_size().columns - 4)
        table = _wrapped_table(header, rows, _column_widths(line_length, positions), {2})
    lines = [f'Model: "{model.name}"', *table]
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
