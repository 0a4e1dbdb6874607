"""`keras.ops`: differentiable array operations on Tensors.

Every function takes Tensors, backend arrays or Python numbers and returns a
Tensor; when an input requires a gradient the op records its backward on the
tape, so layers and losses written with these ops train without a hand-written
backward pass.
"""

from scratchnn.ops import operators as _operators
from scratchnn.ops.math import (
    abs,
    absolute,
    add,
    amax,
    amin,
    argmax,
    argmin,
    cast,
    clip,
    divide,
    equal,
    exp,
    expm1,
    floor,
    greater,
    greater_equal,
    isfinite,
    isnan,
    less,
    less_equal,
    log,
    log1p,
    logical_and,
    logical_not,
    logical_or,
    matmul,
    max,
    maximum,
    mean,
    min,
    minimum,
    multiply,
    negative,
    not_equal,
    power,
    round,
    sign,
    sqrt,
    square,
    std,
    stop_gradient,
    subtract,
    sum,
    true_divide,
    var,
)
from scratchnn.ops.nn import (
    elu,
    erf,
    gelu,
    hard_sigmoid,
    hard_silu,
    hard_swish,
    leaky_relu,
    linear,
    log_softmax,
    logsumexp,
    relu,
    relu6,
    selu,
    sigmoid,
    sigmoid_cross_entropy,
    silu,
    softmax,
    softmax_cross_entropy,
    softplus,
    softsign,
    sparse_softmax_cross_entropy,
    swish,
    tanh,
)
from scratchnn.ops.shape import (
    arange,
    concatenate,
    convert_to_numpy,
    convert_to_tensor,
    expand_dims,
    getitem,
    one_hot,
    ones,
    ones_like,
    reshape,
    shape,
    squeeze,
    stack,
    take,
    transpose,
    where,
    zeros,
    zeros_like,
)
from scratchnn.ops.tensor import (
    GradientTape,
    Tensor,
    Variable,
    grad_enabled,
    gradient,
    is_tensor,
    no_grad,
    record,
)

_operators.attach()

exponential = exp

__all__ = [name for name in dir() if not name.startswith("_")]

# Convolution, pooling, batch normalization and spatial resizing (issue 4).
from scratchnn.ops.convolution import conv, conv1d, conv2d, depthwise_conv, depthwise_conv2d  # noqa: E402
from scratchnn.ops.normalization import batch_norm_train, batch_normalization  # noqa: E402
from scratchnn.ops.pooling import average_pool, avg_pool2d, max_pool, max_pool2d  # noqa: E402
from scratchnn.ops.spatial import crop2d, upsample_nearest2d, zero_pad2d  # noqa: E402

__all__ += [
    "average_pool",
    "avg_pool2d",
    "batch_norm_train",
    "batch_normalization",
    "conv",
    "conv1d",
    "conv2d",
    "crop2d",
    "depthwise_conv",
    "depthwise_conv2d",
    "max_pool",
    "max_pool2d",
    "upsample_nearest2d",
    "zero_pad2d",
]

# Transposed convolution (issue 13). The function keras.ops.conv_transpose hides the module of the
# same name as an attribute of scratchnn.ops; import the module by its full path.
from scratchnn.ops.conv_transpose import conv_transpose, conv_transpose1d, conv_transpose2d  # noqa: E402

__all__ += ["conv_transpose", "conv_transpose1d", "conv_transpose2d"]
