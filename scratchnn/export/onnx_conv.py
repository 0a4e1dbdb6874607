"""ONNX converters of the convolution, pooling, padding, cropping and up-sampling layers.

Keras keeps images channels-last, (N, H, W, C); ONNX's Conv and pooling
operators take channels-first, (N, C, H, W). Each converter here wraps its
operator in a Transpose to channels-first and one back, so every tensor
between layers stays in Keras's layout (Flatten and Dense then need no
change); onnxruntime's optimizer removes the transposes that cancel.
"same" padding is TensorFlow's, the extra pixel after (`ops.conv_geometry.same_pads`),
written as explicit pads.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from scratchnn import layers
from scratchnn.export.onnx_graph import GraphBuilder
from scratchnn.export.onnx_layers import Shape, UnsupportedLayerError, activation
from scratchnn.ops.conv_geometry import same_pads

# channels-last <-> channels-first permutations, per number of spatial axes
_TO_FIRST = {1: [0, 2, 1], 2: [0, 3, 1, 2]}
_TO_LAST = {1: [0, 2, 1], 2: [0, 2, 3, 1]}


def _pads(layer: Any, spatial: tuple[Any, ...], kernel: tuple[int, ...], strides: tuple[int, ...],
          dilation: tuple[int, ...]) -> list[int]:  # fmt: skip
    """ONNX pads [begin_1, ..., begin_n, end_1, ..., end_n] for the layer's padding."""
    if layer.padding == "valid":
        return [0] * (2 * len(kernel))
    if layer.padding != "same" or any(d is None for d in spatial):
        raise UnsupportedLayerError(
            f"Cannot export layer {layer.name!r} ({type(layer).__name__}) to ONNX: padding={layer.padding!r} "
            f"with input size {spatial} is not supported (valid, or same with known sizes)."
        )
    pairs = [same_pads(int(n), k, s, d) for n, k, s, d in zip(spatial, kernel, strides, dilation)]
    return [p[0] for p in pairs] + [p[1] for p in pairs]


def _channels_first(b: GraphBuilder, x: str, rank: int, base: str) -> str:
    return b.op("Transpose", [x], base, perm=_TO_FIRST[rank - 2])


def _channels_last(b: GraphBuilder, x: str, rank: int, base: str) -> str:
    return b.op("Transpose", [x], base, perm=_TO_LAST[rank - 2])


def convolution(b: GraphBuilder, layer: Any, x: list[str], shapes: list[Shape]) -> list[str]:
    """Conv1D, Conv2D and DepthwiseConv2D."""
    rank, name = len(shapes[0]), layer.name
    weights = layer.get_weights()
    kernel = np.asarray(weights[0], np.float32)
    n = rank - 2
    groups = int(getattr(layer, "groups", 1) or 1)
    if isinstance(layer, layers.DepthwiseConv2D):
        # (kh, kw, C, m) -> (C*m, 1, kh, kw): output channel c*m + j is input channel c times kernel j,
        # which is a grouped convolution with one group per input channel.
        kh, kw, channels, multiplier = kernel.shape
        onnx_kernel = kernel.transpose(2, 3, 0, 1).reshape(channels * multiplier, 1, kh, kw)
        groups = channels
    else:
        # (k..., C_in/groups, C_out) -> (C_out, C_in/groups, k...)
        onnx_kernel = kernel.transpose(n + 1, n, *range(n))
    if getattr(layer, "padding", "valid") == "causal":
        raise UnsupportedLayerError(
            f"Cannot export layer {name!r} ({type(layer).__name__}) to ONNX: padding='causal' is not supported."
        )
    kernel_size = tuple(int(k) for k in kernel.shape[:n])
    strides, dilation = tuple(layer.strides), tuple(layer.dilation_rate)
    inputs = [_channels_first(b, x[0], rank, name), b.const(onnx_kernel, f"{name}/kernel")]
    if layer.use_bias:
        inputs.append(b.const(weights[1], f"{name}/bias"))
    y = b.op("Conv", inputs, name, kernel_shape=list(kernel_size), strides=list(strides),
             dilations=list(dilation), group=groups, pads=_pads(layer, shapes[0][1:-1], kernel_size, strides,
                                                                 dilation))  # fmt: skip
    y = _channels_last(b, y, rank, name)
    return [activation(b, layer.activation, y, name, layer)]


def pooling(b: GraphBuilder, layer: Any, x: list[str], shapes: list[Shape]) -> list[str]:
    """MaxPooling1D/2D and AveragePooling1D/2D; an average over 'same' padding counts real cells only."""
    rank, name = len(shapes[0]), layer.name
    pool, strides = tuple(layer.pool_size), tuple(layer.strides)
    op_type = "MaxPool" if isinstance(layer, (layers.MaxPooling2D, layers.MaxPooling1D)) else "AveragePool"
    extra = {"count_include_pad": 0} if op_type == "AveragePool" else {}
    pads = _pads(layer, shapes[0][1:-1], pool, strides, (1,) * len(pool))
    y = b.op(op_type, [_channels_first(b, x[0], rank, name)], name, kernel_shape=list(pool),
             strides=list(strides), pads=pads, **extra)  # fmt: skip
    return [_channels_last(b, y, rank, name)]


def global_pooling(b: GraphBuilder, layer: Any, x: list[str], shapes: list[Shape]) -> list[str]:
    rank = len(shapes[0])
    kind = (
        "ReduceMax"
        if isinstance(layer, (layers.GlobalMaxPooling2D, layers.GlobalMaxPooling1D))
        else "ReduceMean"
    )
    axes = list(range(1, rank - 1))  # every spatial axis of (N, ..., C)
    return [b.op(kind, x, layer.name, axes=axes, keepdims=int(bool(layer.keepdims)))]


def zero_padding(b: GraphBuilder, layer: Any, x: list[str], shapes: list[Shape]) -> list[str]:
    (top, bottom), (left, right) = layer.padding
    # ONNX pads of (N, H, W, C): all begins, then all ends.
    pads = b.const([0, top, left, 0, 0, bottom, right, 0], f"{layer.name}/pads", np.int64)
    return [b.op("Pad", [x[0], pads], layer.name, mode="constant")]


def cropping(b: GraphBuilder, layer: Any, x: list[str], shapes: list[Shape]) -> list[str]:
    (top, bottom), (left, right) = layer.cropping
    end = np.iinfo(np.int64).max
    starts = b.const([top, left], f"{layer.name}/starts", np.int64)
    # A negative end counts from the axis's end; 0 cropped means "to the end".
    ends = b.const([-bottom if bottom else end, -right if right else end], f"{layer.name}/ends", np.int64)
    axes = b.const([1, 2], f"{layer.name}/axes", np.int64)
    return [b.op("Slice", [x[0], starts, ends, axes], layer.name)]


def up_sampling(b: GraphBuilder, layer: Any, x: list[str], shapes: list[Shape]) -> list[str]:
    if layer.interpolation != "nearest":
        raise UnsupportedLayerError(
            f"Cannot export layer {layer.name!r} (UpSampling2D) to ONNX: interpolation={layer.interpolation!r} "
            "is not supported (nearest is)."
        )
    (_, h, w, c), (sh, sw) = shapes[0], layer.size
    if None in (h, w, c):
        raise UnsupportedLayerError(f"Cannot export layer {layer.name!r} (UpSampling2D): unknown input size.")
    # Nearest by integer factors is a repeat: (N, H, 1, W, 1, C) -> tile -> (N, H*sh, W*sw, C).
    name = layer.name
    six = b.op("Reshape", [x[0], b.const([-1, h, 1, w, 1, c], f"{name}/split", np.int64)], name)
    tiled = b.op("Tile", [six, b.const([1, 1, sh, 1, sw, 1], f"{name}/repeats", np.int64)], name)
    return [b.op("Reshape", [tiled, b.const([-1, h * sh, w * sw, c], f"{name}/shape", np.int64)], name)]


CONVERTERS = {
    layers.Conv1D: convolution,
    layers.Conv2D: convolution,
    layers.DepthwiseConv2D: convolution,
    layers.MaxPooling1D: pooling,
    layers.MaxPooling2D: pooling,
    layers.AveragePooling1D: pooling,
    layers.AveragePooling2D: pooling,
    layers.GlobalAveragePooling1D: global_pooling,
    layers.GlobalAveragePooling2D: global_pooling,
    layers.GlobalMaxPooling1D: global_pooling,
    layers.GlobalMaxPooling2D: global_pooling,
    layers.ZeroPadding2D: zero_padding,
    layers.Cropping2D: cropping,
    layers.UpSampling2D: up_sampling,
}
