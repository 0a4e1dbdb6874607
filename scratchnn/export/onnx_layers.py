"""ONNX converters of the core, activation, normalization, preprocessing and merge layers.

A converter takes the builder, the layer, the ONNX names of its inputs and
their Keras shapes (batch axis None), and returns the names of its outputs. It
writes the layer's inference-time computation (Dropout is the identity, and
BatchNormalization uses its moving statistics) with the same formula as the
layer's `call`, so that onnxruntime's outputs match `model.predict`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from scratchnn import backend, layers
from scratchnn.export.onnx_graph import GraphBuilder

Shape = tuple[Any, ...]
Converter = Callable[[GraphBuilder, Any, list[str], list[Shape]], list[str]]

# Keras's SELU constants (keras/src/activations/activations.py).
_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


class UnsupportedLayerError(ValueError):
    """A layer (or an activation inside one) that the ONNX export cannot write."""


def activation(b: GraphBuilder, name: Any, x: str, base: str, layer: Any) -> str:
    """The nodes of the activation called `name` (a Keras activation name) applied to `x`."""
    if callable(name) and hasattr(name, "__name__"):
        name = name.__name__
    if not isinstance(name, str):
        raise UnsupportedLayerError(
            f"Cannot export layer {layer.name!r} ({type(layer).__name__}) to ONNX: its activation is not a "
            f"built-in one. Received: activation={name!r}"
        )
    key = name.lower()
    simple = {"relu": "Relu", "sigmoid": "Sigmoid", "tanh": "Tanh", "softplus": "Softplus",
              "softsign": "Softsign", "exponential": "Exp"}  # fmt: skip
    if key in ("linear", "none"):
        return x
    if key in simple:
        return b.op(simple[key], [x], base)
    if key == "softmax":
        return b.op("Softmax", [x], base, axis=-1)
    if key == "log_softmax":
        return b.op("LogSoftmax", [x], base, axis=-1)
    if key == "elu":
        return b.op("Elu", [x], base, alpha=1.0)
    if key == "selu":
        return b.op("Selu", [x], base, alpha=_SELU_ALPHA, gamma=_SELU_SCALE)
    if key == "leaky_relu":
        return b.op("LeakyRelu", [x], base, alpha=0.2)
    if key == "relu6":
        return b.op("Clip", [x, b.const(0.0, f"{base}/zero"), b.const(6.0, f"{base}/six")], base)
    if key == "hard_sigmoid":
        # Keras 3: relu6(x + 3) / 6 = clip(x / 6 + 0.5, 0, 1)
        return b.op("HardSigmoid", [x], base, alpha=1.0 / 6.0, beta=0.5)
    if key in ("hard_silu", "hard_swish"):
        return b.op("Mul", [x, b.op("HardSigmoid", [x], base, alpha=1.0 / 6.0, beta=0.5)], base)
    if key in ("silu", "swish"):
        return b.op("Mul", [x, b.op("Sigmoid", [x], base)], base)
    if key == "mish":
        return b.op("Mul", [x, b.op("Tanh", [b.op("Softplus", [x], base)], base)], base)
    if key == "gelu":
        # exact GELU (Keras 3's default): 0.5 * x * (1 + erf(x / sqrt(2)))
        erf = b.op("Erf", [b.op("Mul", [x, b.const(1 / np.sqrt(2.0), f"{base}/inv_sqrt2")], base)], base)
        half_x = b.op("Mul", [x, b.const(0.5, f"{base}/half")], base)
        return b.op("Mul", [half_x, b.op("Add", [erf, b.const(1.0, f"{base}/one")], base)], base)
    raise UnsupportedLayerError(
        f"Cannot export layer {layer.name!r} ({type(layer).__name__}) to ONNX: activation {name!r} is not "
        "supported. Supported: linear, relu, sigmoid, tanh, softmax, log_softmax, elu, selu, leaky_relu, relu6, "
        "softplus, softsign, exponential, hard_sigmoid, hard_silu, silu/swish, mish, gelu"
    )


def _broadcast(value: Any, axes: tuple[int, ...], rank: int) -> np.ndarray:
    """A per-feature vector reshaped to broadcast along `axes` of a rank-`rank` tensor (1 elsewhere)."""
    array = np.asarray(value, np.float32)
    if array.ndim == 0 or axes == (rank - 1,):
        return array  # trailing axis (or a scalar): NumPy/ONNX broadcasting lines it up already
    shape = [1] * rank
    for axis, size in zip(axes, array.shape):
        shape[axis] = size
    return array.reshape(shape)


# -- core layers -------------------------------------------------------------------------
def dense(b: GraphBuilder, layer: Any, x: list[str], shapes: list[Shape]) -> list[str]:
    # (N, ..., d_in) @ (d_in, units) + (units,): MatMul broadcasts over the leading axes as Dense does.
    y = b.op("MatMul", [x[0], b.const(layer.kernel.numpy(), f"{layer.name}/kernel")], layer.name)
    if layer.use_bias:
        y = b.op("Add", [y, b.const(layer.bias.numpy(), f"{layer.name}/bias")], layer.name)
    return [activation(b, layer.activation, y, layer.name, layer)]


def identity(b: GraphBuilder, layer: Any, x: list[str], shapes: list[Shape]) -> list[str]:
    """Dropout and SpatialDropout2D: the identity at inference."""
    return [x[0]]


def flatten(b: GraphBuilder, layer: Any, x: list[str], shapes: list[Shape]) -> list[str]:
    # (N, d1, d2, ...) -> (N, d1 * d2 * ...) in row-major order, which is Keras's channels-last Flatten.
    return [b.op("Flatten", x, layer.name, axis=1)]


def reshape(b: GraphBuilder, layer: Any, x: list[str], shapes: list[Shape]) -> list[str]:
    # 0 copies the batch dimension; -1 in the target is inferred, as in Keras.
    target = b.const([0, *layer.get_config()["target_shape"]], f"{layer.name}/shape", np.int64)
    return [b.op("Reshape", [x[0], target], layer.name)]


def activation_layer(b: GraphBuilder, layer: Any, x: list[str], shapes: list[Shape]) -> list[str]:
    return [activation(b, layer.activation, x[0], layer.name, layer)]


def softmax_layer(b: GraphBuilder, layer: Any, x: list[str], shapes: list[Shape]) -> list[str]:
    axis = layer.axis
    if isinstance(axis, (list, tuple)):
        if len(axis) != 1:
            raise UnsupportedLayerError(
                f"Cannot export layer {layer.name!r} (Softmax) to ONNX: a softmax over several axes is not "
                f"supported. Received: axis={axis!r}"
            )
        axis = axis[0]
    return [b.op("Softmax", x, layer.name, axis=int(axis))]


def relu_layer(b: GraphBuilder, layer: Any, x: list[str], shapes: list[Shape]) -> list[str]:
    # activations.relu: where(x >= threshold (x > 0 if threshold is 0), x, slope * (x - threshold)), min max_value
    slope, threshold, cap = float(layer.negative_slope), float(layer.threshold), layer.max_value
    name = layer.name
    if slope == 0.0 and threshold == 0.0:
        y = b.op("Relu", x, name)
    else:
        t = b.const(threshold, f"{name}/threshold")
        above = b.op("GreaterOrEqual" if threshold else "Greater", [x[0], t], name)
        below = b.op("Mul", [b.op("Sub", [x[0], t], name), b.const(slope, f"{name}/negative_slope")], name)
        y = b.op("Where", [above, x[0], below], name)
    if cap is not None:
        y = b.op("Min", [y, b.const(float(cap), f"{name}/max_value")], name)
    return [y]


def leaky_relu_layer(b: GraphBuilder, layer: Any, x: list[str], shapes: list[Shape]) -> list[str]:
    return [b.op("LeakyRelu", x, layer.name, alpha=float(layer.negative_slope))]


def elu_layer(b: GraphBuilder, layer: Any, x: list[str], shapes: list[Shape]) -> list[str]:
    return [b.op("Elu", x, layer.name, alpha=float(layer.alpha))]


# -- normalization and preprocessing --------------------------------------------------------
def batch_normalization(b: GraphBuilder, layer: Any, x: list[str], shapes: list[Shape]) -> list[str]:
    # Inference: y = gamma * (x - moving_mean) / sqrt(moving_variance + epsilon) + beta = x * scale + shift,
    # scale = gamma / sqrt(var + eps), shift = beta - mean * scale (folded here in float64).
    mean = layer.moving_mean.numpy().astype(np.float64)
    variance = layer.moving_variance.numpy().astype(np.float64)
    gamma = layer.gamma.numpy().astype(np.float64) if layer.scale else np.ones_like(mean)
    beta = layer.beta.numpy().astype(np.float64) if layer.center else np.zeros_like(mean)
    scale = gamma / np.sqrt(variance + layer.epsilon)
    shift = beta - mean * scale
    rank = len(shapes[0])
    axes = (layer.axis % rank,)
    y = b.op("Mul", [x[0], b.const(_broadcast(scale, axes, rank), f"{layer.name}/scale")], layer.name)
    return [b.op("Add", [y, b.const(_broadcast(shift, axes, rank), f"{layer.name}/shift")], layer.name)]


def rescaling(b: GraphBuilder, layer: Any, x: list[str], shapes: list[Shape]) -> list[str]:
    y = b.op("Mul", [x[0], b.const(layer.scale, f"{layer.name}/scale")], layer.name)
    if np.any(np.asarray(layer.offset) != 0):
        y = b.op("Add", [y, b.const(layer.offset, f"{layer.name}/offset")], layer.name)
    return [y]


def normalization(b: GraphBuilder, layer: Any, x: list[str], shapes: list[Shape]) -> list[str]:
    # The layer's own statistics, already shaped to broadcast (`_stats`, what its `call` uses):
    # y = (x - mean) / max(sqrt(variance), epsilon), or x * max(sqrt(variance), epsilon) + mean inverted.
    mean, variance = (np.asarray(a, np.float32) for a in layer._stats())
    scale = np.maximum(np.sqrt(variance), backend.epsilon()).astype(np.float32)
    mean_name, scale_name = b.const(mean, f"{layer.name}/mean"), b.const(scale, f"{layer.name}/scale")
    if layer.invert:
        return [b.op("Add", [b.op("Mul", [x[0], scale_name], layer.name), mean_name], layer.name)]
    return [b.op("Div", [b.op("Sub", [x[0], mean_name], layer.name), scale_name], layer.name)]


# -- merge layers -------------------------------------------------------------------------
def _folding(op_type: str) -> Converter:
    """The converter of a merge layer that combines its inputs pairwise: ((x0 op x1) op x2) ..."""

    def fold(b: GraphBuilder, layer: Any, x: list[str], shapes: list[Shape]) -> list[str]:
        y = x[0]
        for other in x[1:]:
            y = b.op(op_type, [y, other], layer.name)
        return [y]

    return fold


add, multiply, maximum, minimum = (_folding(op) for op in ("Add", "Mul", "Max", "Min"))


def subtract(b: GraphBuilder, layer: Any, x: list[str], shapes: list[Shape]) -> list[str]:
    return [b.op("Sub", x[:2], layer.name)]


def average(b: GraphBuilder, layer: Any, x: list[str], shapes: list[Shape]) -> list[str]:
    (total,) = add(b, layer, x, shapes)
    return [b.op("Div", [total, b.const(float(len(x)), f"{layer.name}/count")], layer.name)]


def concatenate(b: GraphBuilder, layer: Any, x: list[str], shapes: list[Shape]) -> list[str]:
    return [b.op("Concat", x, layer.name, axis=int(layer.axis))]


def dot(b: GraphBuilder, layer: Any, x: list[str], shapes: list[Shape]) -> list[str]:
    # As Dot._merge: move x's contracted axis last and y's to position 1, then a batched MatMul;
    # rank-2 inputs get a unit axis, removed again afterwards.
    (rx, ry), name = (len(s) for s in shapes), layer.name
    ax, ay = layer._axes_pair[0] % rx, layer._axes_pair[1] % ry
    left, right = x
    if layer.normalize:
        left, right = _l2_normalize(b, left, ax, name), _l2_normalize(b, right, ay, name)
    if rx == 2:
        left = b.op("Unsqueeze", [left, b.const([1], f"{name}/axis1", np.int64)], name)
    elif ax != 2:
        left = b.op("Transpose", [left], name, perm=[0, 2, 1])
    if ry == 2:
        right = b.op("Unsqueeze", [right, b.const([2], f"{name}/axis2", np.int64)], name)
    elif ay != 1:
        right = b.op("Transpose", [right], name, perm=[0, 2, 1])
    out = b.op("MatMul", [left, right], name)
    if rx == 2 and ry == 2:
        return [b.op("Reshape", [out, b.const([-1, 1], f"{name}/shape", np.int64)], name)]
    if rx == 2 or ry == 2:
        return [b.op("Squeeze", [out, b.const([1 if rx == 2 else 2], f"{name}/squeeze", np.int64)], name)]
    return [out]


def _l2_normalize(b: GraphBuilder, x: str, axis: int, base: str) -> str:
    # x / sqrt(max(sum(x^2, axis), 1e-12)), as merging._l2_normalize
    squares = b.op("ReduceSum", [b.op("Mul", [x, x], base), b.const([axis], f"{base}/axis", np.int64)], base,
                   keepdims=1)  # fmt: skip
    norm = b.op("Sqrt", [b.op("Max", [squares, b.const(1e-12, f"{base}/eps")], base)], base)
    return b.op("Div", [x, norm], base)


CONVERTERS = {
    layers.Dense: dense,
    layers.Dropout: identity,
    layers.SpatialDropout2D: identity,
    layers.Flatten: flatten,
    layers.Reshape: reshape,
    layers.Activation: activation_layer,
    layers.Softmax: softmax_layer,
    layers.ReLU: relu_layer,
    layers.LeakyReLU: leaky_relu_layer,
    layers.ELU: elu_layer,
    layers.BatchNormalization: batch_normalization,
    layers.Rescaling: rescaling,
    layers.Normalization: normalization,
    layers.Add: add,
    layers.Subtract: subtract,
    layers.Multiply: multiply,
    layers.Average: average,
    layers.Maximum: maximum,
    layers.Minimum: minimum,
    layers.Concatenate: concatenate,
    layers.Dot: dot,
}
