"""`plot_model` and `model_to_dot`: a model's layer graph through pydot and Graphviz.

As Keras does (keras/src/utils/model_visualization.py), the graph is a
`pydot.Dot` with one box per layer and an edge per connection, and Graphviz's
`dot` program renders it in the format the file name asks for (PNG by
default, SVG, PDF, ...). Both are optional: `pip install "scratchnn[plot]"`
brings pydot, and Graphviz comes from the system (`apt-get install graphviz`).
"""

from __future__ import annotations

import os
from html import escape
from typing import Any

from scratchnn.utils.file_utils import atomic_write_file, write_bytes

_PYDOT_MISSING = (
    "`{function}` needs pydot and Graphviz: `pip install 'scratchnn[plot]'` (pydot) and the `dot` program "
    "(`apt-get install graphviz`, `brew install graphviz`)."
)


def _pydot(function: str) -> Any:
    """The pydot module (the `plot` extra), imported on first use so `import scratchnn` stays fast."""
    try:
        import pydot
    except ImportError as err:
        raise ImportError(_PYDOT_MISSING.format(function=function)) from err
    return pydot


def _check_graphviz(function: str) -> None:
    pydot = _pydot(function)
    try:
        # Rendering an empty graph is the cheapest way to learn whether `dot` runs.
        pydot.Dot().create(format="svg")
    except (OSError, pydot.PydotException) as err:
        raise ImportError(
            f"`{function}` found pydot but not Graphviz's `dot` program: install Graphviz "
            f"(`apt-get install graphviz`, `brew install graphviz`). Received: {err}"
        ) from err


def _check_built(model: Any) -> None:
    if not model.built:
        raise ValueError(
            "This model has not yet been built. Build the model first by calling `build()` or by calling "
            f"the model on a batch of data. Received: model={model.name!r}"
        )


def _check_kwargs(kwargs: dict[str, Any]) -> None:
    # Keras 3 refuses these the same way (layer_range was a tf.keras option).
    if kwargs.pop("layer_range", None) is not None:
        raise ValueError("Argument `layer_range` is no longer supported.")
    if kwargs:
        raise ValueError(f"Unrecognized keyword arguments: {kwargs}")


def _shape_text(tensors: Any) -> str:
    if isinstance(tensors, (list, tuple)):
        return ", ".join(_shape_text(t) for t in tensors) if tensors else "?"
    shape = getattr(tensors, "shape", None)
    return "?" if shape is None else str(tuple(shape))


def _symbolic(layer: Any, attribute: str) -> Any:
    """`layer.input` / `layer.output`, or None for a layer never called on symbolic tensors."""
    try:
        return getattr(layer, attribute)
    except (AttributeError, ValueError):
        return None


def _activation_name(activation: Any) -> str:
    return str(getattr(activation, "name", None) or getattr(activation, "__name__", None) or activation)


def _label(layer: Any, options: dict[str, bool]) -> str:
    """A Graphviz HTML-like label: the title, the activation, then one row of shapes, dtype, trainable."""
    kind = type(layer).__name__
    title = f"<b>{escape(layer.name)}</b> ({kind})" if options["show_layer_names"] else f"<b>{kind}</b>"
    lines = [f'<font color="white">{title}</font>']
    activation = getattr(layer, "activation", None)
    if options["show_layer_activations"] and activation is not None:
        lines.append(f"Activation: <b>{escape(_activation_name(activation))}</b>")
    cells = []
    output = _symbolic(layer, "output")
    if options["show_shapes"]:
        if kind != "InputLayer":  # an input layer's input is its output
            cells.append(f"Input shape: <b>{_shape_text(_symbolic(layer, 'input'))}</b>")
        cells.append(f"Output shape: <b>{_shape_text(output)}</b>")
    if options["show_dtype"]:
        dtypes = [str(t.dtype) for t in (output if isinstance(output, list) else [output]) if t is not None]
        cells.append(f"Output dtype: <b>{', '.join(dtypes) or '?'}</b>")
    if options["show_trainable"] and layer.weights:
        cells.append("<b>Trainable</b>" if layer.trainable else "<b>Non-trainable</b>")
    # The title and activation rows span the row of cells below them.
    span = max(1, len(cells))
    rows = [f'<tr><td colspan="{span}" bgcolor="black">{lines[0]}</td></tr>']
    rows += [f'<tr><td colspan="{span}">{line}</td></tr>' for line in lines[1:]]
    if cells:
        rows.append("<tr>" + "".join(f"<td>{cell}</td>" for cell in cells) + "</tr>")
    return '<<table border="0" cellborder="1" cellpadding="6">' + "".join(rows) + "</table>>"


def _graph(model: Any) -> tuple[list[Any], list[tuple[Any, Any]]]:
    """The layers to draw and the (source, destination) layer pairs between them."""
    # Ask the model what it is (the KerasSaveable protocol) rather than importing the model
    # classes, which sit above utils.
    kind = model._obj_type() if hasattr(model, "_obj_type") else "Layer"
    if kind == "Sequential":
        layers = list(model.layers)
        return layers, list(zip(layers, layers[1:]))
    if kind != "Functional":
        # A subclassed model's call is Python code, not a recorded graph: one box, as in Keras.
        return [model], []
    own_nodes = {id(node) for node in model._nodes}
    edges = []
    for layer in model.layers:
        for node in layer._inbound_nodes:
            if id(node) in own_nodes:  # a shared layer's calls in other models are not drawn
                edges.extend((tensor._keras_history[0], layer) for tensor in node.input_tensors)
    return list(model.layers), list(dict.fromkeys(edges, None))


def model_to_dot(
    model: Any,
    show_shapes: bool = False,
    show_dtype: bool = False,
    show_layer_names: bool = True,
    rankdir: str = "TB",
    expand_nested: bool = False,
    dpi: int = 200,
    subgraph: bool = False,
    show_layer_activations: bool = False,
    show_trainable: bool = False,
    splines: str = "ortho",
    **kwargs: Any,
) -> Any:
    """The model's layer graph as a `pydot.Dot` (Keras's `keras.utils.model_to_dot`).

    Sequential models draw as a chain, functional models as their recorded
    graph (shared layers once, with an edge per call), subclassed models as
    one box.

    Args:
        model: a built model.
        show_shapes: add each layer's input and output shapes.
        show_dtype: add each layer's output dtype.
        show_layer_names: title boxes "name (ClassName)" (else the class only).
        rankdir: Graphviz's direction, "TB" (top to bottom) or "LR".
        expand_nested: Keras draws nested models as clusters; not implemented.
        dpi: the resolution of raster output.
        subgraph: return a `pydot.Cluster` instead of a `pydot.Dot`.
        show_layer_activations: add the activation of layers that have one.
        show_trainable: mark layers with weights "Trainable" or "Non-trainable".
        splines: how Graphviz draws edges ("ortho", "spline", "line", ...).

    Returns:
        A `pydot.Dot` (or `pydot.Cluster` when `subgraph=True`).

    Raises:
        ValueError: for a model that is not built, or an unknown keyword argument.
        ImportError: when pydot is missing (the `plot` extra).
        NotImplementedError: for `expand_nested=True`.

    Example:
        >>> dot = keras.utils.model_to_dot(model, show_shapes=True)  # doctest: +SKIP
        >>> dot.write("model.svg", format="svg")  # doctest: +SKIP
    """
    _check_built(model)
    pydot = _pydot("model_to_dot")
    _check_kwargs(kwargs)
    if expand_nested:
        raise NotImplementedError(
            "model_to_dot: drawing nested models as clusters is not implemented in scratchnn; "
            "a nested model is drawn as one box. Received: expand_nested=True"
        )
    if subgraph:
        dot = pydot.Cluster(graph_name=model.name, style="dashed", label=model.name, labeljust="l")
    else:
        dot = pydot.Dot(graph_type="digraph", rankdir=rankdir, concentrate=True, dpi=dpi, splines=splines)
        dot.set_node_defaults(shape="record")
    options = {
        "show_shapes": show_shapes,
        "show_dtype": show_dtype,
        "show_layer_names": show_layer_names,
        "show_layer_activations": show_layer_activations,
        "show_trainable": show_trainable,
    }
    layers, edges = _graph(model)
    for layer in layers:
        dot.add_node(pydot.Node(str(id(layer)), label=_label(layer, options), fontname="Helvetica", margin=0))
    for source, destination in edges:
        dot.add_edge(pydot.Edge(str(id(source)), str(id(destination)), penwidth=2))
    return dot


def plot_model(
    model: Any,
    to_file: str = "model.png",
    show_shapes: bool = False,
    show_dtype: bool = False,
    show_layer_names: bool = False,
    rankdir: str = "TB",
    expand_nested: bool = False,
    dpi: int = 200,
    show_layer_activations: bool = False,
    show_trainable: bool = False,
    splines: str = "ortho",
    **kwargs: Any,
) -> Any:
    """Draws the model's layer graph into `to_file` (Keras's `keras.utils.plot_model`).

    The format is the file's extension (`.png`, the default; `.svg`, `.pdf`,
    any format Graphviz writes); a name without one is written as PNG.

    Args:
        model: a built model.
        to_file: the image file to write.
        show_shapes, show_dtype, show_layer_names, rankdir, expand_nested, dpi,
            show_layer_activations, show_trainable, splines: as in `model_to_dot`
            (`show_layer_names` defaults to False here, as in Keras 3).

    Returns:
        An `IPython.display.Image` of the file when IPython is installed (so a
        notebook shows it) and the format is not PDF, else None.

    Raises:
        ValueError: for a model that is not built, an unknown keyword argument, or a file
            extension that is no Graphviz format.
        ImportError: when pydot (the `plot` extra) or Graphviz's `dot` program is missing.
        NotImplementedError: for `expand_nested=True`.
        RuntimeError: when Graphviz fails; the file is then left as it was.

    Example:
        >>> keras.utils.plot_model(model, to_file="model.png", show_shapes=True)  # doctest: +SKIP
    """
    _check_built(model)
    _check_graphviz("plot_model")
    dot = model_to_dot(
        model,
        show_shapes=show_shapes,
        show_dtype=show_dtype,
        show_layer_names=show_layer_names,
        rankdir=rankdir,
        expand_nested=expand_nested,
        dpi=dpi,
        show_layer_activations=show_layer_activations,
        show_trainable=show_trainable,
        splines=splines,
        **kwargs,
    )
    to_file = os.fspath(to_file)
    extension = os.path.splitext(to_file)[1][1:] or "png"
    formats = sorted(dot.formats)
    if extension not in formats:
        raise ValueError(
            f"plot_model: Graphviz writes no {extension!r} files; the extension of `to_file` is the format, "
            f"one of {', '.join(formats)}. Received: to_file={to_file!r}"
        )
    # Rendered in memory first, then replaced in one step: a Graphviz error keeps the previous file.
    try:
        image = dot.create(format=extension)
    except (AssertionError, OSError) as err:  # pydot reports a failing `dot` with an AssertionError
        raise RuntimeError(
            f"plot_model: Graphviz failed to draw {to_file!r} (a previous file there is unchanged): {err}"
        ) from err
    atomic_write_file(to_file, lambda path: write_bytes(path, image))
    if extension == "pdf":
        return None
    try:
        from IPython import display
    except ImportError:
        return None
    return display.Image(filename=to_file)
