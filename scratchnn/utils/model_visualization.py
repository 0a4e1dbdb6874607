"""`plot_model`: draw a model's layer graph (keras/src/utils/model_visualization.py).

SVG is written by hand, with no dependency: one box per layer ("name
(ClassName)", optionally the output shape), placed in rows by depth from the
inputs, with an arrow for each connection. PNG and other raster formats need
Graphviz: they are produced with `pydot` (optional, `pip install pydot` and
the `dot` program), from the same graph.
"""

from __future__ import annotations

import os
from html import escape
from typing import Any

_BOX_W, _BOX_H, _GAP_X, _GAP_Y = 220, 44, 30, 40


def _graph(model: Any) -> tuple[list[Any], list[tuple[int, int]]]:
    """The layers and (from, to) edges between their indices."""
    layers = list(getattr(model, "layers", []))
    input_layer = getattr(model, "_input_layer", None)
    if input_layer is not None:
        layers.insert(0, input_layer)
    index = {id(layer): i for i, layer in enumerate(layers)}
    edges: list[tuple[int, int]] = []
    nodes = getattr(model, "_nodes", None)
    if nodes is not None:  # functional: edges from the recorded calls
        for node in nodes:
            for t in node.input_tensors:
                src = t._keras_history[0]
                if id(src) in index and id(node.layer) in index:
                    edges.append((index[id(src)], index[id(node.layer)]))
    else:  # Sequential and subclassed models: a chain in layer order
        edges = [(i, i + 1) for i in range(len(layers) - 1)]
    return layers, edges


def _label(layer: Any, model: Any, show_shapes: bool, show_layer_names: bool) -> str:
    text = f"{layer.name} ({type(layer).__name__})" if show_layer_names else type(layer).__name__
    if show_shapes:
        shapes = getattr(model, "_layer_output_shapes", {})
        shape = getattr(layer, "batch_shape", None) or shapes.get(id(layer))
        if shape is not None:
            text += f" → {tuple(shape)}"
    return text


def model_to_svg(model: Any, show_shapes: bool = False, show_layer_names: bool = True) -> str:
    """The layer graph as an SVG document."""
    layers, edges = _graph(model)
    depth = [0] * len(layers)
    for _ in layers:  # longest path from an input; the edges are few, so repeat relaxation
        for a, b in edges:
            depth[b] = max(depth[b], depth[a] + 1)
    rows: dict[int, list[int]] = {}
    for i, d in enumerate(depth):
        rows.setdefault(d, []).append(i)
    width = max(len(r) for r in rows.values()) * (_BOX_W + _GAP_X) + _GAP_X if rows else _BOX_W
    pos = {}
    for d, members in rows.items():
        row_w = len(members) * (_BOX_W + _GAP_X) - _GAP_X
        for k, i in enumerate(members):
            pos[i] = ((width - row_w) / 2 + k * (_BOX_W + _GAP_X), _GAP_Y + d * (_BOX_H + _GAP_Y))
    height = (max(rows) + 1) * (_BOX_H + _GAP_Y) + _GAP_Y if rows else _BOX_H
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}" '
        'font-family="sans-serif" font-size="12">',
        '<defs><marker id="arrow" markerWidth="8" markerHeight="8" refX="8" refY="4" orient="auto">'
        '<path d="M0,0 L8,4 L0,8 z"/></marker></defs>',
    ]
    for a, b in edges:
        (xa, ya), (xb, yb) = pos[a], pos[b]
        parts.append(
            f'<line x1="{xa + _BOX_W / 2:.0f}" y1="{ya + _BOX_H:.0f}" x2="{xb + _BOX_W / 2:.0f}" y2="{yb:.0f}" '
            'stroke="black" marker-end="url(#arrow)"/>'
        )
    for i, layer in enumerate(layers):
        x, y = pos[i]
        label = escape(_label(layer, model, show_shapes, show_layer_names))
        parts.append(
            f'<rect x="{x:.0f}" y="{y:.0f}" width="{_BOX_W}" height="{_BOX_H}" fill="#f2f2f2" stroke="black"/>'
        )
        parts.append(
            f'<text x="{x + _BOX_W / 2:.0f}" y="{y + _BOX_H / 2 + 4:.0f}" text-anchor="middle">{label}</text>'
        )
    parts.append("</svg>")
    return "\n".join(parts)


def plot_model(
    model: Any,
    to_file: str = "model.png",
    show_shapes: bool = False,
    show_dtype: bool = False,
    show_layer_names: bool = True,
    rankdir: str = "TB",
    expand_nested: bool = False,
    dpi: int = 200,
    show_layer_activations: bool = False,
    show_trainable: bool = False,
    **kwargs: Any,
) -> str:
    """Draws the model's layers and connections to `to_file`; returns the path.

    Args:
        model: a built model.
        to_file: output path; `.svg` is written without dependencies, other
            extensions (`.png`, `.pdf`, ...) need `pydot` and Graphviz.
        show_shapes: add each layer's output shape.
        show_layer_names: label boxes with layer names (else class names only).
        rankdir, dpi: passed to Graphviz for raster output.
        show_dtype, expand_nested, show_layer_activations, show_trainable:
            accepted for compatibility; not drawn.

    Raises:
        ImportError: for a non-SVG file when pydot/Graphviz is not installed.
    """
    to_file = os.fspath(to_file)
    extension = os.path.splitext(to_file)[1].lower().lstrip(".") or "png"
    if extension == "svg":
        with open(to_file, "w", encoding="utf8") as fh:
            fh.write(model_to_svg(model, show_shapes, show_layer_names))
        return to_file
    try:
        import pydot
    except ImportError as err:
        raise ImportError(
            "plot_model needs `pydot` and Graphviz for PNG output (`pip install pydot` and install Graphviz), "
            f"or use a .svg file name, which needs nothing. Received: to_file={to_file!r}"
        ) from err
    layers, edges = _graph(model)
    graph = pydot.Dot(graph_type="digraph", rankdir=rankdir, dpi=dpi)
    for i, layer in enumerate(layers):
        graph.add_node(
            pydot.Node(str(i), label=_label(layer, model, show_shapes, show_layer_names), shape="record")
        )
    for a, b in edges:
        graph.add_edge(pydot.Edge(str(a), str(b)))
    graph.write(to_file, format=extension)
    return to_file
