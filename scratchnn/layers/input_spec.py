"""`InputSpec` and the one input check that `Layer.__call__` runs (keras/src/layers/input_spec.py).

A layer that sets `self.input_spec` has every call's inputs checked against it
before `call` runs: rank (`ndim`, `min_ndim`, `max_ndim`), sizes of given axes
(`axes`), and the full shape (`shape`, the batch axis never compared). Models
set it from their inputs with `allow_last_axis_squeeze=True`, which accepts one
trailing size-1 axis more or less (Keras 3's `_adjust_input_rank`: a (N,) array
feeds an input of shape (None, 1)); the model's `call` then adds or drops that
axis with `adjust_input_rank`. The trainer runs the same check once on the
whole array before the first batch, so a wrong input fails before training.
"""

from __future__ import annotations

from typing import Any

from scratchnn.ops.tensor import Tensor
from scratchnn.utils import tree


class InputSpec:
    """What a layer accepts as input: rank, dtype and the sizes of some axes.

    Args:
        dtype: expected dtype (not checked, kept for Keras configs).
        shape: expected shape with the batch axis, None for any size; sets `ndim`.
        ndim: expected rank.
        max_ndim: largest accepted rank.
        min_ndim: smallest accepted rank.
        axes: `{axis: size}` for axes whose size is fixed (negative axes count from the end).
        allow_last_axis_squeeze: accept a rank one more or less than `shape`'s when
            the extra trailing axis has size 1.
        name: the input's name (a model's input layer), matched against dict keys.
        optional: whether the input may be None.

    Example:
        >>> layer.input_spec = InputSpec(ndim=4, axes={-1: 3})  # NHWC images with 3 channels
    """

    def __init__(
        self,
        dtype: Any = None,
        shape: Any = None,
        ndim: int | None = None,
        max_ndim: int | None = None,
        min_ndim: int | None = None,
        axes: dict[int, int] | None = None,
        allow_last_axis_squeeze: bool = False,
        name: str | None = None,
        optional: bool = False,
    ) -> None:
        self.dtype = dtype
        self.shape = tuple(shape) if shape is not None else None
        self.ndim = len(self.shape) if self.shape is not None else ndim
        self.max_ndim = max_ndim
        self.min_ndim = min_ndim
        self.name = name
        self.optional = optional
        self.allow_last_axis_squeeze = allow_last_axis_squeeze
        try:
            self.axes = {int(k): v for k, v in (axes or {}).items()}
        except (ValueError, TypeError) as err:
            raise TypeError(
                f"Argument `axes` must be a dict with integer keys. Received: axes={axes}"
            ) from err
        if self.axes and (self.ndim is not None or self.max_ndim is not None):
            max_dim = (self.ndim if self.ndim is not None else self.max_ndim) - 1
            if max(self.axes) > max_dim:
                raise ValueError(
                    f"Axis {max(self.axes)} is greater than the maximum allowed value: {max_dim}"
                )
        # The sizes after the batch axis when all are known: the whole check is then one
        # tuple comparison (this runs on every call of a model during `fit`).
        tail = self.shape[1:] if self.shape else None
        self._fixed_tail = tail if tail is not None and None not in tail else None

    def __repr__(self) -> str:
        spec = [
            f"dtype={self.dtype}" if self.dtype else "",
            f"shape={self.shape}" if self.shape else "",
            f"ndim={self.ndim}" if self.ndim is not None else "",
            f"max_ndim={self.max_ndim}" if self.max_ndim is not None else "",
            f"min_ndim={self.min_ndim}" if self.min_ndim is not None else "",
            f"axes={self.axes}" if self.axes else "",
        ]
        return f"InputSpec({', '.join(x for x in spec if x)})"

    def get_config(self) -> dict[str, Any]:
        return {
            "dtype": self.dtype,
            "shape": self.shape,
            "ndim": self.ndim,
            "max_ndim": self.max_ndim,
            "min_ndim": self.min_ndim,
            "axes": self.axes,
        }

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> InputSpec:
        return cls(**config)


def adjust_input_rank(value: Any, shape: tuple[Any, ...]) -> Any:
    """`value` with a trailing size-1 axis added or dropped to give it the rank of `shape`.

    Keras 3 does this for model inputs (functional.py `_adjust_input_rank`): a (N,) array
    fed to a model whose input is (None, 1) becomes (N, 1), and (N, 1) fed to (None,)
    becomes (N,). Anything else is returned unchanged, for the shape check to refuse.
    """
    ndim = len(getattr(value, "shape", ()))
    if ndim == len(shape) - 1 and shape[-1] == 1:
        return value[..., None]
    if ndim == len(shape) + 1 and ndim and value.shape[-1] == 1:
        return value[..., 0]
    return value


def _squeezed_shape(shape: tuple[Any, ...], spec_shape: tuple[Any, ...]) -> tuple[Any, ...]:
    """The shape `adjust_input_rank` would give an input of `shape` for `spec_shape`."""
    if len(shape) == len(spec_shape) - 1 and spec_shape[-1] == 1:
        return (*shape, 1)
    if len(shape) == len(spec_shape) + 1 and shape and shape[-1] == 1:
        return shape[:-1]
    return shape


def assert_input_compatibility(input_spec: Any, inputs: Any, layer_name: str) -> None:
    """Checks `inputs` against a layer's `input_spec` (one InputSpec, or one per input).

    Dict inputs are matched to the specs by name; other structures are
    flattened and matched in order.

    Raises:
        ValueError: naming the layer and the input, for a missing input, a wrong
            number of inputs, or a rank or axis size the spec does not accept.
    """
    if input_spec is None:
        return
    if type(input_spec) is InputSpec and type(inputs) is Tensor:
        # The common case, a model of one input with every size known: a tuple comparison.
        tail = input_spec._fixed_tail
        if tail is not None and inputs.data.shape[1:] == tail:
            return
        _check_one(input_spec, inputs, 0, layer_name)
        return
    specs = tree.flatten(input_spec)
    names = [spec.name for spec in specs]
    if isinstance(inputs, dict) and all(names):
        missing = [n for n in names if n not in inputs]
        if missing:
            raise ValueError(f"Missing inputs {missing}. The model's inputs are {names}.")
        inputs = [inputs[n] for n in names]
    flat = tree.flatten(inputs)
    if len(flat) != len(specs):
        raise ValueError(
            f'Layer "{layer_name}" expects {len(specs)} input(s) ({names}), but it received '
            f"{len(flat)} input tensors."
        )
    for index, (x, spec) in enumerate(zip(flat, specs)):
        if spec is not None and not (x is None and spec.optional):
            _check_one(spec, x, index, layer_name)


def _check_one(spec: InputSpec, x: Any, index: int, layer_name: str) -> None:
    if not hasattr(x, "shape"):
        return  # Python numbers and other values: nothing to check (Keras converts them first)
    shape = tuple(x.shape)
    where = f"Input {index}" + (f" ({spec.name!r})" if spec.name else "")
    prefix = f'{where} of layer "{layer_name}" is incompatible with the layer'
    ndim = len(shape)
    if spec.ndim is not None and not spec.allow_last_axis_squeeze and ndim != spec.ndim:
        raise ValueError(
            f"{prefix}: expected ndim={spec.ndim}, found ndim={ndim}. Full shape received: {shape}"
        )
    if spec.max_ndim is not None and ndim > spec.max_ndim:
        raise ValueError(f"{prefix}: expected max_ndim={spec.max_ndim}, found ndim={ndim}")
    if spec.min_ndim is not None and ndim < spec.min_ndim:
        raise ValueError(
            f"{prefix}: expected min_ndim={spec.min_ndim}, found ndim={ndim}. Full shape received: {shape}"
        )
    for axis, value in spec.axes.items():
        if value is None:
            continue
        if not -ndim <= axis < ndim or shape[axis] not in (value, None):
            raise ValueError(
                f"{prefix}: expected axis {axis} of input shape to have value {value}, but received input "
                f"with shape {shape}"
            )
    if spec.shape is not None:
        if spec.allow_last_axis_squeeze:
            shape = _squeezed_shape(shape, spec.shape)
        if len(shape) != len(spec.shape) or any(
            e is not None and e != g for e, g in zip(spec.shape[1:], shape[1:])
        ):
            raise ValueError(f"{prefix}: expected shape={spec.shape}, found shape={shape}")
