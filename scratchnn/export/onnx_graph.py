"""A small builder of ONNX graphs on top of the `onnx` package's helpers (`onnx.helper`, `onnx.numpy_helper`).

The converters of `onnx_layers` add nodes through `GraphBuilder.op` and
weights through `GraphBuilder.const`; the builder keeps every name unique and
collects the nodes and initializers that `onnx_model` turns into a model.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np

# Operator set 17 (ONNX 1.12, 2022): read by every onnxruntime since 1.12; ReduceMean/ReduceMax
# still take `axes` as an attribute there (opset 18 moved it to an input).
OPSET = 17
# The IR version that goes with opset 17; newer runtimes read older IR versions, not the reverse.
IR_VERSION = 8
ONNX_EXTRA_HINT = 'the onnx package is needed to export ONNX files: pip install "scratchnn[onnx]"'


def import_onnx() -> Any:
    """The `onnx` module, or an ImportError that names the extra to install."""
    try:
        import onnx
    except ImportError as err:
        raise ImportError(ONNX_EXTRA_HINT) from err
    return onnx


class GraphBuilder:
    """Collects the nodes and initializers of one ONNX graph; every value gets a unique, readable name."""

    def __init__(self) -> None:
        self.onnx = import_onnx()
        self.helper = self.onnx.helper
        self.nodes: list[Any] = []
        self.initializers: list[Any] = []
        self._used: set[str] = set()

    def name(self, base: str) -> str:
        """`base` made a valid, unused value name (`dense/MatMul`, then `dense/MatMul_1`, ...)."""
        base = re.sub(r"[^A-Za-z0-9_./:-]", "_", base) or "value"
        candidate, k = base, 0
        while candidate in self._used:
            k += 1
            candidate = f"{base}_{k}"
        self._used.add(candidate)
        return candidate

    def reserve(self, name: str) -> str:
        """Marks a name (a graph input) as used and returns it."""
        self._used.add(name)
        return name

    def const(self, value: Any, base: str, dtype: Any = np.float32) -> str:
        """Adds `value` as an initializer (float32 by default, int64 for shapes and axes); returns its name."""
        array = np.ascontiguousarray(np.asarray(value, dtype=dtype))
        name = self.name(base)
        self.initializers.append(self.onnx.numpy_helper.from_array(array, name=name))
        return name

    def op(self, op_type: str, inputs: list[str], base: str, **attributes: Any) -> str:
        """Adds one node with one output; returns the output's name."""
        output = self.name(f"{base}/{op_type}")
        self.nodes.append(
            self.helper.make_node(
                op_type, inputs, [output], name=self.name(f"{base}/{op_type}/node"), **attributes
            )
        )
        return output

    def identity(self, value: str, output: str) -> None:
        """Copies `value` to the graph output `output` (its final, user-facing name)."""
        self.nodes.append(
            self.helper.make_node("Identity", [value], [output], name=self.name(f"{output}/node"))
        )
