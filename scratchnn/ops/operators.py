"""Python operators on Tensor (`a + b`, `a @ b`, `-a`, `a[i]`, comparisons), mapped to ops."""

from __future__ import annotations

from scratchnn.ops import binary
from scratchnn.ops import math as m
from scratchnn.ops import shape as s
from scratchnn.ops.tensor import Tensor


def _reflected(op):
    return lambda self, other: op(other, self)


def _equal(self, other):
    # Elementwise, as `==` on a Keras variable or a TensorFlow tensor; the default (identity)
    # made `y_true == y_pred` in a custom metric a silent False. `t == None` is False as in TF.
    return False if other is None else m.equal(self, other)


def _not_equal(self, other):
    return True if other is None else m.not_equal(self, other)


def _reshape(self, *shape):
    return s.reshape(self, shape[0] if len(shape) == 1 else shape)


# name -> what it does on a Tensor. Installed by `attach` rather than written in the Tensor
# class because these ops are built on ops/tensor.py; ops/tensor.py declares them for the
# type checker.
_METHODS = {
    "__add__": m.add,
    "__radd__": _reflected(m.add),
    "__sub__": m.subtract,
    "__rsub__": _reflected(m.subtract),
    "__mul__": m.multiply,
    "__rmul__": _reflected(m.multiply),
    "__truediv__": m.divide,
    "__rtruediv__": _reflected(m.divide),
    "__matmul__": m.matmul,
    "__rmatmul__": _reflected(m.matmul),
    "__pow__": m.power,
    "__rpow__": _reflected(m.power),
    "__mod__": binary.mod,
    "__rmod__": _reflected(binary.mod),
    "__floordiv__": binary.floor_divide,
    "__rfloordiv__": _reflected(binary.floor_divide),
    "__neg__": m.negative,
    "__pos__": lambda self: self,
    "__abs__": m.abs,
    "__getitem__": s.getitem,
    "__lt__": m.less,
    "__le__": m.less_equal,
    "__gt__": m.greater,
    "__ge__": m.greater_equal,
    # __hash__ stays identity (set in the class), so tensors still key dicts and sets.
    "__eq__": _equal,
    "__ne__": _not_equal,
    "__invert__": m.logical_not,
    "__and__": m.logical_and,
    "__or__": m.logical_or,
    # Keras-tensor conveniences used in custom layers.
    "reshape": _reshape,
    "T": property(lambda self: s.transpose(self)),
    "astype": lambda self, dtype: m.cast(self, dtype),
    "sum": lambda self, axis=None, keepdims=False: m.sum(self, axis, keepdims),
    "mean": lambda self, axis=None, keepdims=False: m.mean(self, axis, keepdims),
}


def attach() -> None:
    """Installs the operator methods on Tensor (and so on Variable)."""
    for name, method in _METHODS.items():
        setattr(Tensor, name, method)
