"""Exporting models for inference elsewhere: ONNX (`model.export(path, format="onnx")`).

`export_model` is what `Model.export` calls. The ONNX graph is written with
the `onnx` package's helpers (the `onnx` extra); onnxruntime, in the same
extra, runs it. `supported_layers()` lists the layers that can be exported;
any other layer raises `UnsupportedLayerError` naming it.
"""

from __future__ import annotations

import os
from typing import Any

from scratchnn.export.onnx_layers import UnsupportedLayerError as UnsupportedLayerError
from scratchnn.export.onnx_model import export_onnx as export_onnx
from scratchnn.export.onnx_model import supported_layers as supported_layers
from scratchnn.export.onnx_model import to_onnx as to_onnx

FORMATS = ("onnx",)

__all__ = ["FORMATS", "UnsupportedLayerError", "export_model", "export_onnx", "supported_layers", "to_onnx"]


def export_model(
    model: Any,
    filepath: str | os.PathLike,
    format: str = "tf_saved_model",
    verbose: bool | None = None,
    input_signature: Any = None,
    **kwargs: Any,
) -> str:
    """`Model.export`: writes `model` for inference in `format` (only `"onnx"` here).

    Args:
        model: a Sequential or functional model with known input shapes.
        filepath: the file to write (`model.onnx`).
        format: Keras 3's format name; scratchnn writes `"onnx"`. Keras's default,
            `"tf_saved_model"`, needs TensorFlow and is refused with a message.
        verbose: print a line when the file is written. Defaults to None (silent).
        input_signature: optional shapes (tuples with None for the batch axis, or
            objects with a `.shape`), one per input, replacing the model's.
        **kwargs: `metadata` (a dict of strings stored in the file's metadata_props).

    Returns:
        The path written.

    Raises:
        ValueError: an unsupported `format`, an unsupported layer
            (`UnsupportedLayerError`, naming it), or unknown input shapes.
        ImportError: the onnx package is missing (`pip install "scratchnn[onnx]"`).
    """
    if format != "onnx":
        raise ValueError(
            f"scratchnn exports models in ONNX format only: call model.export(path, format='onnx'). "
            f"Received: format={format!r}"
        )
    unknown = set(kwargs) - {"metadata"}
    if unknown:
        raise ValueError(f"Unknown arguments to export(format='onnx'): {sorted(unknown)}. Known: metadata")
    return export_onnx(model, filepath, input_signature=input_signature, verbose=verbose, **kwargs)
