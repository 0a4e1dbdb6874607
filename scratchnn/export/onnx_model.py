"""Walking a model into one ONNX graph, checking it, and writing the file.

Sequential models are a chain of layer calls; functional models are walked
node by node in the order `Functional` runs them; a nested model is inlined.
Subclassed models (a Python `call`) have no graph to walk and are refused.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from scratchnn.export import onnx_conv, onnx_layers
from scratchnn.export.onnx_graph import IR_VERSION, OPSET, GraphBuilder
from scratchnn.export.onnx_layers import UnsupportedLayerError
from scratchnn.layers.input_layer import InputLayer
from scratchnn.models.functional import Functional
from scratchnn.models.model import Model
from scratchnn.models.sequential import Sequential
from scratchnn.utils import file_utils
from scratchnn.version import __version__

CONVERTERS = {**onnx_layers.CONVERTERS, **onnx_conv.CONVERTERS}


def supported_layers() -> list[str]:
    """The class names of the layers the ONNX export writes."""
    return sorted({cls.__name__ for cls in CONVERTERS})


def _layer_outputs(b: GraphBuilder, layer: Any, inputs: list[str], shapes: list[Any]) -> list[str]:
    if isinstance(layer, Model):
        return _model_outputs(b, layer, inputs, shapes)
    # The exact class, not a subclass: a subclass may compute something else in its own `call`.
    converter = CONVERTERS.get(type(layer))
    if converter is None:
        raise UnsupportedLayerError(
            f"Cannot export layer {layer.name!r} ({type(layer).__name__}) to ONNX: this layer is not supported. "
            f"Supported layers: {', '.join(supported_layers())}."
        )
    return converter(b, layer, inputs, shapes)


def _model_outputs(b: GraphBuilder, model: Any, inputs: list[str], shapes: list[Any]) -> list[str]:
    """The ONNX names of `model`'s outputs computed from `inputs` (whose Keras shapes are `shapes`)."""
    if isinstance(model, Sequential):
        value, shape = inputs, shapes
        for layer in model.layers:
            if isinstance(layer, InputLayer):
                continue
            value = _layer_outputs(b, layer, value, shape)
            shape = [tuple(layer.compute_output_shape(shape[0] if len(shape) == 1 else shape))]
        return value
    if isinstance(model, Functional):
        values = {id(kt): name for kt, name in zip(model._flat_inputs, inputs)}
        for node in model._nodes:
            if isinstance(node.layer, InputLayer):
                continue
            names = [values[id(t)] for t in node.input_tensors]
            outputs = _layer_outputs(b, node.layer, names, [tuple(t.shape) for t in node.input_tensors])
            for kt, name in zip(node.output_tensors, outputs):
                values[id(kt)] = name
        return [values[id(t)] for t in model._flat_outputs]
    raise UnsupportedLayerError(
        f"Cannot export model {model.name!r} ({type(model).__name__}) to ONNX: a subclassed model's call() is "
        "Python code with no layer graph to write. Build it as a Sequential or functional model."
    )


def _input_specs(model: Any, input_signature: Any) -> list[tuple[str, tuple[Any, ...]]]:
    """`(name, shape)` of each model input; shapes from `input_signature` when given."""
    if isinstance(model, Functional):
        specs = [(t._keras_history[0].name, tuple(t.shape)) for t in model._flat_inputs]
    elif isinstance(model, Sequential):
        shape = model._expected_input_shape()
        if shape is None:
            raise ValueError(
                f"Cannot export model {model.name!r}: its input shape is unknown. Give it an Input layer or "
                "build it (model.build(input_shape)) first."
            )
        first = model._input_layer.name if getattr(model, "_input_layer", None) is not None else "input"
        specs = [(first, tuple(shape))]
    else:
        _model_outputs(GraphBuilder(), model, [], [])  # raises the subclassed-model error
        specs = []
    if input_signature is not None:
        signature = input_signature if isinstance(input_signature, (list, tuple)) and not all(
            isinstance(d, (int, type(None))) for d in input_signature
        ) else [input_signature]  # fmt: skip
        shapes = [tuple(getattr(s, "shape", s)) for s in signature]
        if len(shapes) != len(specs):
            raise ValueError(
                f"`input_signature` must give one shape per model input ({len(specs)}). "
                f"Received: input_signature={input_signature!r}"
            )
        specs = [(name, shape) for (name, _), shape in zip(specs, shapes)]
    return specs


def _value_info(b: GraphBuilder, name: str, shape: Any) -> Any:
    dims = [("batch" if i == 0 else f"{name}_dim{i}") if d is None else int(d) for i, d in enumerate(shape)]
    return b.helper.make_tensor_value_info(name, b.onnx.TensorProto.FLOAT, dims)


def to_onnx(model: Any, input_signature: Any = None, metadata: dict[str, str] | None = None) -> Any:
    """The `onnx.ModelProto` of `model`: inputs float32 with a symbolic batch axis, checked.

    Raises:
        UnsupportedLayerError: a layer or activation the export cannot write (named in the message).
        ValueError: a model whose input shape is unknown.
        ImportError: the onnx package is missing.
    """
    b = GraphBuilder()
    specs = _input_specs(model, input_signature)
    inputs = [b.reserve(name) for name, _ in specs]
    outputs = _model_outputs(b, model, inputs, [shape for _, shape in specs])
    output_names = list(getattr(model, "output_names", None) or [model.layers[-1].name])
    if len(output_names) != len(outputs):
        output_names = [f"output_{i}" for i in range(len(outputs))]
    final = []
    for value, wanted in zip(outputs, output_names):
        name = b.name(wanted)
        b.identity(value, name)
        final.append(name)
    out_shapes = model.compute_output_shape(specs[0][1] if len(specs) == 1 else [s for _, s in specs])
    out_shapes = out_shapes if isinstance(out_shapes, list) else [out_shapes]
    graph = b.helper.make_graph(
        b.nodes,
        model.name,
        [_value_info(b, name, shape) for name, shape in specs],
        [_value_info(b, name, tuple(shape)) for name, shape in zip(final, out_shapes)],
        initializer=b.initializers,
    )
    proto = b.helper.make_model(
        graph, producer_name="scratchnn", producer_version=str(__version__),
        opset_imports=[b.helper.make_opsetid("", OPSET)],
        doc_string=f"{type(model).__name__} {model.name!r} exported by scratchnn",
    )  # fmt: skip
    proto.ir_version = IR_VERSION
    for key, value in (metadata or {}).items():
        entry = proto.metadata_props.add()
        entry.key, entry.value = str(key), str(value)
    b.onnx.checker.check_model(proto, full_check=True)
    return proto


def export_onnx(
    model: Any,
    filepath: str | os.PathLike,
    input_signature: Any = None,
    verbose: bool | None = None,
    metadata: dict[str, str] | None = None,
) -> str:
    """Writes `model` as an ONNX file (atomically: a temporary file beside it, then a rename).

    The write is `utils.file_utils.atomic_write_file`'s, as for model files: a new
    file follows the umask, an overwritten one keeps its mode.

    Returns:
        The path written.
    """
    proto = to_onnx(model, input_signature=input_signature, metadata=metadata)
    path = os.fspath(filepath)
    data = proto.SerializeToString()
    file_utils.atomic_write_file(path, lambda tmp: file_utils.write_bytes(tmp, data))
    if verbose:
        print(f"Saved ONNX model at {path!r} ({len(proto.graph.node)} nodes, opset {OPSET}).")
    return path


def max_difference(model: Any, path: str, x: Any) -> float:
    """The largest |onnxruntime output - model.predict| on the batch `x` (single-input models)."""
    import onnxruntime

    session = onnxruntime.InferenceSession(path, providers=["CPUExecutionProvider"])
    feed = {session.get_inputs()[0].name: np.asarray(x, np.float32)}
    ours = model.predict(x, verbose=0)
    ours = ours if isinstance(ours, list) else [ours]
    theirs = session.run(None, feed)
    return float(max(np.max(np.abs(np.asarray(a, np.float64) - np.asarray(o))) for a, o in zip(ours, theirs)))
