"""`keras.activations`: activation functions by name, built from `scratchnn.ops`.

Each function maps a Tensor to a Tensor of the same shape; its gradient comes
from the ops it uses. Signatures and defaults follow Keras 3
(`keras/src/activations/activations.py`): e.g. `leaky_relu` defaults to a
slope of 0.2 and `gelu` to the exact (erf) form.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from scratchnn import ops
from scratchnn.saving.object_family import ObjectFamily
from scratchnn.saving.registry import get_builtin_name


def relu(x: Any, negative_slope: float = 0.0, max_value: float | None = None, threshold: float = 0.0) -> Any:
    """max(x, 0), optionally leaky below `threshold` and capped at `max_value`."""
    if negative_slope == 0.0 and max_value is None and threshold == 0.0:
        return ops.relu(x)
    x = ops.convert_to_tensor(x)
    above = ops.greater_equal(x, threshold) if threshold else ops.greater(x, 0)
    shifted = ops.subtract(x, threshold) if threshold else x
    y = ops.where(above, x, ops.multiply(shifted, negative_slope))
    if max_value is not None:
        y = ops.minimum(y, max_value)
    return y


def leaky_relu(x: Any, negative_slope: float = 0.2) -> Any:
    """x if x > 0 else negative_slope * x."""
    return ops.leaky_relu(x, negative_slope=negative_slope)


def relu6(x: Any) -> Any:
    """min(max(x, 0), 6)."""
    return ops.relu6(x)


def softmax(x: Any, axis: int = -1) -> Any:
    """exp(x) / sum(exp(x)) along `axis` (max-shifted, so it never overflows)."""
    return ops.softmax(x, axis=axis)


def log_softmax(x: Any, axis: int = -1) -> Any:
    """x - logsumexp(x) along `axis`."""
    return ops.log_softmax(x, axis=axis)


def elu(x: Any, alpha: float = 1.0) -> Any:
    """x if x > 0 else alpha * (exp(x) - 1)."""
    return ops.elu(x, alpha=alpha)


def selu(x: Any) -> Any:
    """scale * elu(x, alpha), scale = 1.0507..., alpha = 1.6732..."""
    return ops.selu(x)


def softplus(x: Any) -> Any:
    """log(1 + exp(x))."""
    return ops.softplus(x)


def softsign(x: Any) -> Any:
    """x / (1 + |x|)."""
    return ops.softsign(x)


def silu(x: Any) -> Any:
    """x * sigmoid(x), also called swish."""
    return ops.silu(x)


swish = silu


def gelu(x: Any, approximate: bool = False) -> Any:
    """x * Phi(x) (exact, the Keras 3 activation default) or its tanh approximation."""
    return ops.gelu(x, approximate=approximate)


def tanh(x: Any) -> Any:
    """Hyperbolic tangent."""
    return ops.tanh(x)


def sigmoid(x: Any) -> Any:
    """1 / (1 + exp(-x))."""
    return ops.sigmoid(x)


def exponential(x: Any) -> Any:
    """exp(x)."""
    return ops.exp(x)


def hard_sigmoid(x: Any) -> Any:
    """clip(x / 6 + 0.5, 0, 1)."""
    return ops.hard_sigmoid(x)


def hard_silu(x: Any) -> Any:
    """x * hard_sigmoid(x)."""
    return ops.hard_silu(x)


hard_swish = hard_silu


def mish(x: Any) -> Any:
    """x * tanh(softplus(x))."""
    return ops.multiply(x, ops.tanh(ops.softplus(x)))


def linear(x: Any) -> Any:
    """The identity."""
    return x


_BY_NAME: dict[str, Callable[..., Any]] = {
    "relu": relu,
    "leaky_relu": leaky_relu,
    "relu6": relu6,
    "softmax": softmax,
    "log_softmax": log_softmax,
    "elu": elu,
    "selu": selu,
    "softplus": softplus,
    "softsign": softsign,
    "silu": silu,
    "swish": swish,
    "gelu": gelu,
    "tanh": tanh,
    "sigmoid": sigmoid,
    "exponential": exponential,
    "hard_sigmoid": hard_sigmoid,
    "hard_silu": hard_silu,
    "hard_swish": hard_swish,
    "mish": mish,
    "linear": linear,
}


_FAMILY = ObjectFamily("activation", "keras.activations", _BY_NAME, arg="activation")
ALL_OBJECTS_DICT = _BY_NAME


def get(identifier: Any) -> Callable[..., Any]:
    """Returns the activation function for a name, a config, a function, or None (linear).

    Raises:
        ValueError: for an unknown name, listing the valid ones.
    """
    if identifier is None:
        return linear
    return _FAMILY.get(identifier)


def serialize(activation: Callable[..., Any]) -> Any:
    """A built-in activation's name; Keras 3's config dict for any other (custom functions too).

    As keras/src/activations/__init__.py: built-ins are written as "relu", a
    custom function as {"module": "builtins", "class_name": "function",
    "config": its registered name, "registered_name": "function"}.
    """
    builtin = get_builtin_name(activation)
    if builtin is not None and builtin[0] == _FAMILY.module:
        return builtin[1]
    return _FAMILY.serialize(activation)


def deserialize(config: Any, custom_objects: dict[str, Any] | None = None) -> Callable[..., Any]:
    """The inverse of `serialize`: a name or config dict to the function (or custom object)."""
    return _FAMILY.deserialize(config, custom_objects)
