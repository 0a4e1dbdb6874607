"""`scratchnn export MODEL --format onnx [--output FILE]`: write a model as an ONNX file.

The file holds the inference graph (Dropout off, BatchNormalization with its
moving statistics) with a float32 input whose batch axis is free. When
onnxruntime is installed, the file is run on random inputs and compared with
scratchnn's own predictions before the command reports success.
"""

from __future__ import annotations

import argparse
import json
import os

import numpy as np

from scratchnn.apps.cli import _common, _model_files


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "export",
        help="write a saved model as an ONNX file (for onnxruntime and other runtimes)",
        description=__doc__.split("\n\n", 1)[1],
    )
    _model_files.add_model_argument(parser)
    parser.add_argument("--format", choices=["onnx"], default="onnx", help="the file format (default onnx)")
    parser.add_argument(
        "--output", metavar="FILE", help="the file to write (default: model.onnx beside the model)"
    )
    parser.set_defaults(func=run)


def default_output(model_path: str) -> str:
    resolved = _model_files.resolve_model_path(model_path)
    if os.path.isdir(resolved):
        return os.path.join(resolved, "model.onnx")
    return os.path.splitext(resolved)[0] + ".onnx"


@_common.command("export")
def run(args: argparse.Namespace) -> int:
    from scratchnn.export import UnsupportedLayerError, export_model

    model = _model_files.load_model(args.model)
    output = args.output or default_output(args.model)
    if os.path.isdir(output):
        raise _common.CliError(f"--output {output!r} is a folder; give a file name such as model.onnx", 2)
    config = _model_files.run_config_beside(args.model)
    metadata = {"source": os.path.normpath(args.model)}
    if config.get("class_names"):
        metadata["class_names"] = json.dumps(config["class_names"])
    try:
        export_model(model, output, format=args.format, metadata=metadata)
    except UnsupportedLayerError as err:
        raise _common.CliError(str(err)) from None
    except OSError as err:
        raise _common.CliError(f"cannot write {output!r}: {err.strerror or err}") from None
    print(f"wrote {output} ({os.path.getsize(output):,} bytes, ONNX)")
    print(check_with_onnxruntime(model, output))
    return 0


def check_with_onnxruntime(model: object, path: str, n: int = 16) -> str:
    """A line saying how closely onnxruntime's outputs match `model.predict` on `n` random inputs."""
    try:
        import onnxruntime  # noqa: F401 (only whether it is installed)
    except ImportError:
        return 'not checked: onnxruntime is missing (pip install "scratchnn[onnx]")'
    from scratchnn.export.onnx_model import max_difference

    shape = model._expected_input_shape()  # type: ignore[attr-defined]
    if shape is None or any(d is None for d in shape[1:]):
        return "not checked: the model's input shape is not fixed"
    x = np.random.default_rng(0).random((n, *shape[1:]), dtype=np.float32)
    difference = max_difference(model, path, x)
    if not difference <= 1e-4:
        raise _common.CliError(
            f"the ONNX file gives different outputs: largest difference {difference:.3g} from "
            "scratchnn's predictions; please report this"
        )
    return f"checked with onnxruntime: largest difference from scratchnn's predictions {difference:.2g} ({n} inputs)"
