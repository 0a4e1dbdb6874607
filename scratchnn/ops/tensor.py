"""Tensor, Variable and the reverse-mode autodiff engine.

A `Tensor` wraps one backend array (`.data`). When an op runs on tensors of
which at least one `requires_grad`, the op records on its output the parent
tensors and a `backward` closure that maps the output's gradient to the
parents' gradients. That chain of records is the tape: `gradient()` walks it
once in reverse topological order, and the records are dropped afterwards, so a
training step's memory is freed with the step.

Every primitive op lives in `scratchnn.ops` (math.py, shape.py, nn.py) and is
written as::

    out = <forward on arrays>
    def backward(g):            # g has out's shape
        return (<dL/da>, <dL/db>)
    return record(out, (a, b), backward)
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

from scratchnn import backend
from scratchnn.backend import xp

_mode = threading.local()
_creation_counter = itertools.count(1)


def grad_enabled() -> bool:
    """True when ops record the tape (the default)."""
    return getattr(_mode, "enabled", True)


class no_grad:  # noqa: N801 - a context manager named like torch's and used like a function
    """Context manager that stops ops from recording the tape (inference)."""

    def __enter__(self) -> no_grad:
        self._previous = grad_enabled()
        _mode.enabled = False
        return self

    def __exit__(self, *exc: object) -> None:
        _mode.enabled = self._previous


class Tensor:
    """An array with an optional place in the tape.

    Attributes:
        data: the backend array.
        requires_grad: whether gradients flow to this tensor.
    """

    __slots__ = (
        "data",
        "requires_grad",
        "_parents",
        "_backward",
        "_keras_logits",
        "_softmax_stats",
        "_keras_mask",
        "_seq",
        "__weakref__",
    )
    # Makes `ndarray <op> Tensor` call the Tensor's reflected operator.
    __array_priority__ = 1000

    if TYPE_CHECKING:
        # Installed by ops/operators.py (they are ops built on this module); declared here so
        # that the type checker knows a Tensor can be indexed and combined.
        def __getitem__(self, key: Any) -> Tensor: ...
        def __add__(self, other: Any) -> Tensor: ...
        def __radd__(self, other: Any) -> Tensor: ...
        def __sub__(self, other: Any) -> Tensor: ...
        def __rsub__(self, other: Any) -> Tensor: ...
        def __mul__(self, other: Any) -> Tensor: ...
        def __rmul__(self, other: Any) -> Tensor: ...
        def __truediv__(self, other: Any) -> Tensor: ...
        def __rtruediv__(self, other: Any) -> Tensor: ...
        def __matmul__(self, other: Any) -> Tensor: ...
        def __rmatmul__(self, other: Any) -> Tensor: ...
        def __pow__(self, other: Any) -> Tensor: ...
        def __rpow__(self, other: Any) -> Tensor: ...
        def __mod__(self, other: Any) -> Tensor: ...
        def __rmod__(self, other: Any) -> Tensor: ...
        def __floordiv__(self, other: Any) -> Tensor: ...
        def __rfloordiv__(self, other: Any) -> Tensor: ...
        def __neg__(self) -> Tensor: ...
        def __pos__(self) -> Tensor: ...
        def __abs__(self) -> Tensor: ...
        def __lt__(self, other: Any) -> Tensor: ...
        def __le__(self, other: Any) -> Tensor: ...
        def __gt__(self, other: Any) -> Tensor: ...
        def __ge__(self, other: Any) -> Tensor: ...
        def __invert__(self) -> Tensor: ...
        def __and__(self, other: Any) -> Tensor: ...
        def __or__(self, other: Any) -> Tensor: ...
        def reshape(self, *shape: Any) -> Tensor: ...
        def astype(self, dtype: Any) -> Tensor: ...
        def sum(self, axis: Any = None, keepdims: bool = False) -> Tensor: ...
        def mean(self, axis: Any = None, keepdims: bool = False) -> Tensor: ...
        @property
        def T(self) -> Tensor: ...

    def __init__(self, data: Any, requires_grad: bool = False) -> None:
        self.data = data
        self.requires_grad = requires_grad
        self._parents: tuple[Tensor, ...] = ()
        self._backward: Callable[[Any], Sequence[Any]] | None = None
        # Set by softmax and sigmoid to their input, as Keras does: a cross-entropy on these
        # probabilities is then computed from the logits. Softmax also leaves its
        # `ops.nn.SoftmaxStats` (axis, shift, normalizer), which the cross-entropy reuses.
        self._keras_logits: Tensor | None = None
        self._softmax_stats: Any = None
        # A boolean (batch, steps) array marking valid timesteps (Embedding(mask_zero=True),
        # Masking); layers pass it on and losses weight by it.
        self._keras_mask: Any = None
        self._seq = 0  # creation order of recorded tensors (set by `record`); leaves stay 0

    # -- array protocol -------------------------------------------------------
    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(self.data.shape)

    @property
    def dtype(self) -> str:
        return backend.standardize_dtype(self.data.dtype)

    @property
    def ndim(self) -> int:
        return self.data.ndim

    @property
    def size(self) -> int:
        return int(self.data.size)

    def numpy(self) -> Any:
        """Returns the value as a host NumPy array."""
        return backend.to_numpy(self.data)

    def __array__(self, dtype: Any = None, copy: Any = None) -> Any:
        arr = backend.to_numpy(self.data)
        return arr if dtype is None else arr.astype(dtype)

    def __len__(self) -> int:
        return len(self.data)

    def __float__(self) -> float:
        return float(self.data)

    def __int__(self) -> int:
        return int(self.data)

    def __bool__(self) -> bool:
        return bool(self.data)

    def __repr__(self) -> str:
        return f"<Tensor shape={self.shape} dtype={self.dtype}\n{self.data!r}>"

    def __format__(self, format_spec: str) -> str:
        # f"{loss:.4f}" on a scalar, as TensorFlow's and JAX's arrays allow (Keras guides print
        # losses so); a spec is applied by NumPy, which refuses it for arrays of several values.
        if not format_spec:
            return str(self)
        return format(backend.to_numpy(self.data), format_spec)

    def __hash__(self) -> int:
        return id(self)

    # Operators are attached by scratchnn.ops.operators (avoids an import cycle).


_unchecked_init = Tensor.__init__


def _install_array_check(module: Any) -> None:
    """Gives Tensor.__init__ the backend's `check_array` when it has one (numpy_strict), else none.

    numpy_strict refuses a Tensor whose data NumPy made directly, even when nothing combines it
    with a backend array afterwards. Swapping __init__ once per `set_backend`, rather than testing
    for a check in every Tensor creation, keeps the NumPy backend's op path exactly as it was.
    """
    check = getattr(module, "check_array", None)
    if check is None:
        setattr(Tensor, "__init__", _unchecked_init)  # noqa: B010 (setattr: mypy refuses assigning a method)
        return

    def checked_init(self: Tensor, data: Any, requires_grad: bool = False) -> None:
        check(data, "Tensor")
        _unchecked_init(self, data, requires_grad)

    setattr(Tensor, "__init__", checked_init)  # noqa: B010


backend.on_backend_change(_install_array_check)


class Variable(Tensor):
    """A mutable leaf tensor holding a layer or optimizer weight.

    Args:
        initializer: an array, or a callable `(shape, dtype) -> array`.
        shape: needed when `initializer` is callable.
        dtype: dtype name; defaults to `floatx()` for floating values.
        trainable: whether optimizers update it (and gradients flow to it).
        name: the short name, e.g. "kernel".
        path: the full path, e.g. "sequential/dense/kernel".
        initial_value: TensorFlow's (and tf.keras's) keyword for `initializer`, so
            `Variable(initial_value=...)` works; give one of the two.

    Raises:
        ValueError: if both or neither of `initializer` and `initial_value` are given.
    """

    __slots__ = ("name", "path", "trainable", "constraint", "regularizer", "aggregation")

    def __init__(
        self,
        initializer: Any = None,
        shape: Sequence[int] | None = None,
        dtype: Any = None,
        trainable: bool = True,
        name: str | None = "variable",
        path: str | None = None,
        initial_value: Any = None,
    ) -> None:
        if (initializer is None) == (initial_value is None):
            raise ValueError(
                "Variable needs its value as `initializer` (Keras) or `initial_value` (TensorFlow), "
                f"exactly one of them. Received: initializer={initializer!r}, initial_value={initial_value!r}"
            )
        if initializer is None:
            initializer = initial_value
        name = "variable" if name is None else name
        if callable(initializer):
            if shape is None:
                raise ValueError(f"Variable {name!r}: a callable initializer needs a shape.")
            value = initializer(tuple(shape), dtype=backend.standardize_dtype(dtype))
        else:
            value = initializer.data if isinstance(initializer, Tensor) else initializer
        value = backend.asarray(value)
        if dtype is not None:
            value = value.astype(backend.standardize_dtype(dtype), copy=False)
        elif value.dtype.kind == "f":
            value = value.astype(backend.floatx(), copy=False)
        if not value.flags.writeable or not value.flags.c_contiguous:
            value = value.copy()
        super().__init__(value, requires_grad=bool(trainable))
        self.name = name
        self.path = path or name
        self.trainable = bool(trainable)
        self.constraint: Callable[[Any], Any] | None = None
        self.regularizer: Callable[[Any], Any] | None = None
        self.aggregation = "none"

    @property
    def value(self) -> Any:
        """The current backend array (Keras's `Variable.value`)."""
        return self.data

    def assign(self, value: Any) -> Variable:
        """Overwrites the value in place; the shape must not change.

        Raises:
            ValueError: naming the variable, if the shapes differ.
        """
        value = value.data if isinstance(value, Tensor) else value
        value = backend.asarray(value)
        if tuple(value.shape) != tuple(self.data.shape):
            raise ValueError(
                f"Variable {self.path!r}: cannot assign a value of shape {tuple(value.shape)}; "
                f"expected shape {tuple(self.data.shape)}."
            )
        self.data[...] = value
        return self

    def assign_add(self, value: Any) -> Variable:
        self.data += value.data if isinstance(value, Tensor) else value
        return self

    def assign_sub(self, value: Any) -> Variable:
        self.data -= value.data if isinstance(value, Tensor) else value
        return self

    def __repr__(self) -> str:
        return f"<Variable path={self.path}, shape={self.shape}, dtype={self.dtype}, value={self.data!r}>"


def is_tensor(x: Any) -> bool:
    return isinstance(x, Tensor)


def record(data: Any, parents: tuple[Tensor, ...], backward: Callable[[Any], Sequence[Any]]) -> Tensor:
    """Wraps an op's output; records the tape when a parent needs a gradient.

    Args:
        data: the op's output array.
        parents: the op's tensor inputs, in the order `backward` returns grads.
        backward: maps the output gradient (shape of `data`) to one gradient per
            parent (None where a parent needs none).

    The contract of `backward`: it is the op's vector-Jacobian product, g -> g^T J, so it
    is linear in g (backward(a * g) == a * backward(g)). The engine relies on it: plain
    SGD seeds the backward pass with the learning rate instead of 1 to get lr * dL/dw
    directly (`SGD._minimize`). The op table in tests/ops checks it for every op.
    """
    out = Tensor(data)
    if grad_enabled():
        for p in parents:
            if p.requires_grad:
                out.requires_grad = True
                out._parents = parents
                out._backward = backward
                out._seq = next(_creation_counter)
                break
    return out


def convert(x: Any, like: Tensor | None = None, dtype: Any = None) -> Tensor:
    """Converts an array-like or Python number to a Tensor.

    Python numbers take the dtype of `like` when it is a float tensor, so that
    `float32_tensor * 2.0` stays float32; other inputs keep their own dtype
    unless `dtype` is given.
    """
    if isinstance(x, Tensor):
        if dtype is not None and x.dtype != backend.standardize_dtype(dtype):
            # ops/math.py builds on this module: the cycle ops/tensor.py <-> ops/math.py, closed here.
            from scratchnn.ops.math import cast

            return cast(x, dtype)
        return x
    if isinstance(x, (list, tuple)) and any(isinstance(v, Tensor) for v in x):
        # A list of tensors (`ops.sum(model.losses)`) is stacked by an op, so gradients flow to
        # each item; converting it to an array would silently cut it from the tape. ops/shape.py
        # builds on this module: the cycle ops/tensor.py <-> ops/shape.py, closed here.
        from scratchnn.ops.shape import stack

        out = stack(x)
        return out if dtype is None else convert(out, dtype=dtype)
    if dtype is None and isinstance(x, (int, float)) and not isinstance(x, bool):
        if like is not None and like.data.dtype.kind == "f":
            dtype = like.data.dtype
        elif isinstance(x, float):
            dtype = backend.floatx()
    return Tensor(backend.asarray(x, dtype=dtype))


def unbroadcast(g: Any, shape: tuple[int, ...]) -> Any:
    """Sums a broadcast gradient back down to an operand's shape.

    If `a` of shape (3, 1) was broadcast to (N, 3, 5) in the forward pass, each
    element of `a` contributed to N*5 outputs, so its gradient is the sum of
    `g` over the leading axis and over axis 2 (kept as size 1).
    """
    if g.shape == shape:
        return g
    extra = g.ndim - len(shape)
    if extra > 0:
        g = g.sum(axis=tuple(range(extra)))
    axes = tuple(i for i, n in enumerate(shape) if n == 1 and g.shape[i] != 1)
    if axes:
        g = g.sum(axis=axes, keepdims=True)
    return g.reshape(shape)


def _topological_order(target: Tensor) -> list[Tensor]:
    """The recorded tensors that `target` depends on, each after all of its parents.

    Every recorded tensor carries the step at which it was made (`_seq`), and a
    tensor is always made after its parents, so sorting by `_seq` is a valid order.
    """
    nodes = [target]
    seen = {id(target)}
    stack = [target]
    while stack:
        for p in stack.pop()._parents:
            if p.requires_grad and id(p) not in seen:
                seen.add(id(p))
                nodes.append(p)
                stack.append(p)
    nodes.sort(key=_seq_of)
    return nodes


def _seq_of(t: Tensor) -> int:
    return t._seq


def gradient(
    target: Tensor,
    sources: Iterable[Tensor],
    output_gradient: Any = None,
    retain_graph: bool = False,
) -> list[Any]:
    """Reverse-mode differentiation: d(target)/d(source) for each source.

    Args:
        target: the tensor to differentiate, usually a scalar loss.
        sources: tensors (typically Variables) to differentiate with respect to.
        output_gradient: dL/d(target); defaults to ones (so a scalar gives 1).
        retain_graph: keep the tape so `gradient` can run again on it.

    Returns:
        One backend array per source, shaped like it; zeros where the target
        does not depend on the source.
    """
    sources = list(sources)
    if output_gradient is None:
        output_gradient = xp.ones_like(target.data)
    elif isinstance(output_gradient, Tensor):
        output_gradient = output_gradient.data
    else:
        output_gradient = backend.asarray(output_gradient)  # a host array or list seeds the pass too
    grads: dict[int, Any] = {id(target): output_gradient}
    wanted = {id(s) for s in sources}
    for node in reversed(_topological_order(target)):
        backward = node._backward
        if backward is None:
            continue
        g = grads.get(id(node)) if id(node) in wanted else grads.pop(id(node), None)
        if g is None:
            continue
        for parent, pg in zip(node._parents, backward(g)):
            if pg is None or not parent.requires_grad:
                continue
            key = id(parent)
            grads[key] = pg if key not in grads else grads[key] + pg
        if not retain_graph:
            node._parents = ()
            node._backward = None
    return [grads[id(s)] if id(s) in grads else xp.zeros_like(s.data) for s in sources]


class GradientTape:
    """Records ops inside a `with` block and differentiates them (tf.GradientTape).

    Args:
        persistent: allow more than one `gradient` call (the tape is kept).
        watch_accessed_variables: TensorFlow's default True is the only behaviour here: every
            trainable Variable is watched.

    Raises:
        NotImplementedError: for `watch_accessed_variables=False` (watching only what
            `tape.watch` names is not implemented).

    Example:
        >>> with GradientTape() as tape:
        ...     loss = ops.mean(ops.square(model(x) - y))
        >>> grads = tape.gradient(loss, model.trainable_variables)
    """

    def __init__(self, persistent: bool = False, watch_accessed_variables: bool = True) -> None:
        if not watch_accessed_variables:
            # Gradients would still flow to every trainable Variable: a silently different result.
            raise NotImplementedError(
                "GradientTape: watching only the tensors given to `tape.watch` is not implemented in "
                "scratchnn; every trainable Variable is watched. Received: watch_accessed_variables=False"
            )
        self.persistent = persistent
        self._watched: list[Tensor] = []

    def __enter__(self) -> GradientTape:
        self._previous = grad_enabled()
        _mode.enabled = True
        return self

    def __exit__(self, *exc: object) -> None:
        _mode.enabled = self._previous

    def watch(self, tensor: Tensor) -> None:
        """Makes gradients flow to a tensor that is not a trainable Variable."""
        tensor.requires_grad = True
        self._watched.append(tensor)

    def gradient(self, target: Tensor, sources: Any) -> Any:
        """Returns gradients as Tensors, structured like `sources` (a list or a single tensor)."""
        single = isinstance(sources, Tensor)
        src = [sources] if single else list(sources)
        grads = [Tensor(g) for g in gradient(target, src, retain_graph=self.persistent)]
        return grads[0] if single else grads
