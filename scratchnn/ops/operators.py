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


def attach() -> None:
    """Installs the operator methods on Tensor (and so on Variable)."""
    T = Tensor
    T.__add__ = m.add
    T.__radd__ = _reflected(m.add)
    T.__sub__ = m.subtract
    T.__rsub__ = _reflected(m.subtract)
    T.__mul__ = m.multiply
    T.__rmul__ = _reflected(m.multiply)
    T.__truediv__ = m.divide
    T.__rtruediv__ = _reflected(m.divide)
    T.__matmul__ = m.matmul
    T.__rmatmul__ = _reflected(m.matmul)
    T.__pow__ = m.power
    T.__rpow__ = _reflected(m.power)
    T.__mod__ = binary.mod
    T.__rmod__ = _reflected(binary.mod)
    T.__floordiv__ = binary.floor_divide
    T.__rfloordiv__ = _reflected(binary.floor_divide)
    T.__neg__ = m.negative
    T.__pos__ = lambda self: self
    T.__abs__ = m.abs
    T.__getitem__ = s.getitem
    T.__lt__ = m.less
    T.__le__ = m.less_equal
    T.__gt__ = m.greater
    T.__ge__ = m.greater_equal
    # __hash__ stays identity (set in the class), so tensors still key dicts and sets.
    T.__eq__ = _equal
    T.__ne__ = _not_equal
    T.__invert__ = m.logical_not
    T.__and__ = m.logical_and
    T.__or__ = m.logical_or
    # Keras-tensor conveniences used in custom layers.
    T.reshape = lambda self, *shape: s.reshape(self, shape[0] if len(shape) == 1 else shape)
    T.T = property(lambda self: s.transpose(self))
    T.astype = lambda self, dtype: m.cast(self, dtype)
    T.sum = lambda self, axis=None, keepdims=False: m.sum(self, axis, keepdims)
    T.mean = lambda self, axis=None, keepdims=False: m.mean(self, axis, keepdims)
