"""Lambda: an expression as a layer (keras/src/layers/core/lambda_layer.py).

Serialization follows Keras. A named function is saved by name, as
`{"module": "builtins", "class_name": "function", "config": name, "registered_name": "function"}`,
and found again among the registered objects, `custom_objects` and the built-in
activations and losses. A Python lambda is saved as its marshalled bytecode
(`{"class_name": "__lambda__", "config": {"code", "defaults", "closure"}}`), which
only loads with safe mode off (`safe_mode=False`, `SafeModeScope(False)` or
`keras.config.enable_unsafe_deserialization()`), because loading it runs that code.
Bytecode is specific to the Python version that wrote it, as in Keras.
"""

from __future__ import annotations

import builtins
import codecs
import inspect
import marshal
import types
from typing import Any

from scratchnn import activations, backend, losses
from scratchnn.layers.layer import Layer
from scratchnn.ops.tensor import Tensor
from scratchnn.saving.registry import get_registered_name, get_registered_object
from scratchnn.utils.safe_mode import in_safe_mode


class Lambda(Layer):
    """Wraps `function(inputs, **arguments)` as a layer without weights.

    Args:
        function: callable taking the input tensor first; it may also take `mask` and
            `training` keyword arguments, which are then passed.
        output_shape: None (found by running the function), a shape without the batch axis,
            or a callable mapping the full input shape to the full output shape.
        mask: None, a callable `(inputs, mask) -> mask`, or a fixed mask array.
        arguments: dict of keyword arguments passed to `function` on every call.

    Shapes:
        whatever `function` returns; the batch axis is the input's.

    Raises:
        TypeError: for a `function` or `output_shape` that is not callable, or `arguments`
            that is not a dict.
        ValueError: from `from_config`, for a Python lambda while safe mode is on.

    Example:
        >>> Lambda(lambda x: x ** 2)(np.array([[1.0, 2.0]])).numpy()
        array([[1., 4.]], dtype=float32)
    """

    def __init__(
        self, function: Any, output_shape: Any = None, mask: Any = None, arguments: Any = None, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        if not callable(function):
            raise TypeError(
                f"Layer {self.name!r}: `function` must be callable. Received: function={function!r}"
            )
        if arguments is not None and not isinstance(arguments, dict):
            raise TypeError(
                f"Layer {self.name!r}: `arguments` must be a dict. Received: arguments={arguments!r}"
            )
        if output_shape is not None and not callable(output_shape):
            if not isinstance(output_shape, (list, tuple)) or not all(
                d is None or (isinstance(d, int) and not isinstance(d, bool)) for d in output_shape
            ):
                raise TypeError(
                    f"Layer {self.name!r}: `output_shape` must be a tuple of ints (without the batch "
                    f"axis) or a callable. Received: output_shape={output_shape!r}"
                )
            output_shape = tuple(output_shape)
        self.function = function
        self.arguments = dict(arguments or {})
        self.mask = mask
        self.supports_masking = mask is not None
        self._output_shape = output_shape
        names = _argument_names(function)
        self._fn_expects_training_arg = "training" in names
        self._fn_expects_mask_arg = "mask" in names

    def call(self, inputs: Any, mask: Any = None, training: Any = None) -> Any:
        kwargs = dict(self.arguments)
        if self._fn_expects_mask_arg:
            kwargs["mask"] = mask
        if self._fn_expects_training_arg:
            kwargs["training"] = training
        out = self.function(inputs, **kwargs)
        # A function written with NumPy returns an array: wrap it (no gradient flows through NumPy).
        if not isinstance(out, (Tensor, list, tuple, dict)) and hasattr(out, "shape"):
            out = Tensor(backend.asarray(out))
        return out

    def compute_mask(self, inputs: Any, previous_mask: Any = None) -> Any:
        if callable(self.mask):
            return self.mask(inputs, previous_mask)
        return self.mask

    def compute_output_shape(self, input_shape: Any) -> Any:
        if self._output_shape is None:
            return super().compute_output_shape(input_shape)
        if callable(self._output_shape):
            return self._output_shape(input_shape)
        # A fixed output_shape excludes the batch axis; the input's batch axis leads it.
        first = input_shape
        while isinstance(first, (list, tuple)) and first and isinstance(first[0], (list, tuple)):
            first = first[0]
        return (first[0] if first else None, *self._output_shape)

    def get_config(self) -> dict[str, Any]:
        config = {**super().get_config(), "function": _serialize_function(self.function)}
        if self._output_shape is not None:
            shape = self._output_shape
            config["output_shape"] = _serialize_function(shape) if callable(shape) else shape
        if self.mask is not None:
            config["mask"] = (
                _serialize_function(self.mask) if callable(self.mask) else _serialize_value(self.mask)
            )
        config["arguments"] = {k: _serialize_value(v) for k, v in self.arguments.items()}
        return config

    @classmethod
    def from_config(
        cls,
        config: dict[str, Any],
        custom_objects: dict[str, Any] | None = None,
        safe_mode: bool | None = None,
    ) -> Lambda:
        """Rebuilds the layer; a Python lambda in `config` needs safe mode off (see the module docstring)."""
        if safe_mode is None:
            safe_mode = in_safe_mode()
        safe = safe_mode is not False  # unset counts as safe: fail closed
        config = dict(config)
        config["function"] = _deserialize_function(config["function"], custom_objects, safe)
        shape = config.get("output_shape")
        if isinstance(shape, dict):
            config["output_shape"] = _deserialize_function(shape, custom_objects, safe)
        elif isinstance(shape, list):
            config["output_shape"] = tuple(shape)
        if isinstance(config.get("mask"), dict):
            config["mask"] = _deserialize_mask(config["mask"], custom_objects, safe)
        config["arguments"] = {k: _deserialize_value(v) for k, v in (config.get("arguments") or {}).items()}
        return cls(**config)


def _argument_names(fn: Any) -> set[str]:
    try:
        return set(inspect.signature(fn).parameters)
    except (TypeError, ValueError):  # some builtins and ufuncs have no signature
        return set()


def _serialize_function(fn: Any) -> dict[str, Any]:
    if isinstance(fn, types.LambdaType) and fn.__name__ == "<lambda>":
        # python_utils.func_dump in Keras: base64 of the marshalled code, defaults, closure values.
        code = codecs.encode(marshal.dumps(fn.__code__), "base64").decode("ascii")
        closure = tuple(c.cell_contents for c in fn.__closure__) if fn.__closure__ else None
        return {
            "class_name": "__lambda__",
            "config": {"code": code, "defaults": fn.__defaults__, "closure": closure},
        }
    return {
        "module": "builtins",
        "class_name": "function",
        "config": get_registered_name(fn),
        "registered_name": "function",
    }


def _deserialize_function(config: Any, custom_objects: dict[str, Any] | None, safe: bool) -> Any:
    if callable(config):
        return config
    if isinstance(config, dict) and config.get("class_name") == "__lambda__":
        if safe:
            raise ValueError(
                "Requested the deserialization of a `Lambda` layer whose `function` is a Python lambda. "
                "This carries a potential risk of arbitrary code execution and thus it is disallowed by "
                "default. If you trust the source of the artifact, you can override this error by passing "
                "`safe_mode=False` to `Lambda.from_config`, loading inside "
                "`scratchnn.utils.safe_mode.SafeModeScope(False)`, or calling "
                "`keras.config.enable_unsafe_deserialization()`."
            )
        return _load_lambda(config["config"])
    name = config.get("config") if isinstance(config, dict) else config
    if not isinstance(name, str):
        raise ValueError(f"Could not deserialize the function of a Lambda layer. Received: {config!r}")
    found = get_registered_object(name, custom_objects)
    for family in (activations, losses):
        if found is None:
            try:
                found = family.get(name)
            except ValueError:
                found = None
    if not callable(found):
        raise ValueError(
            f"Could not find the function {name!r} of a Lambda layer. Pass it in "
            f"`custom_objects={{{name!r}: {name}}}` or decorate it with "
            "`@keras.saving.register_keras_serializable()`."
        )
    return found


def _load_lambda(config: dict[str, Any]) -> Any:
    try:
        code = marshal.loads(codecs.decode(config["code"].encode("ascii"), "base64"))
        defaults = config.get("defaults")
        closure = config.get("closure")
        return types.FunctionType(
            code,
            {"__builtins__": builtins},
            code.co_name,
            None if defaults is None else tuple(defaults),  # JSON turns the tuple into a list
            None if closure is None else tuple(types.CellType(v) for v in closure),
        )
    except (KeyError, TypeError, ValueError, EOFError) as err:
        raise ValueError(
            f"Could not load the Python lambda of a Lambda layer (bytecode from another Python version?): {err}"
        ) from err


def _deserialize_mask(config: dict[str, Any], custom_objects: dict[str, Any] | None, safe: bool) -> Any:
    if config.get("class_name") == "__numpy__":
        return _deserialize_value(config)
    return _deserialize_function(config, custom_objects, safe)


def _serialize_value(value: Any) -> Any:
    """Plain values as themselves; arrays as Keras's `__numpy__` dicts."""
    if isinstance(value, Tensor) or (hasattr(value, "dtype") and hasattr(value, "tolist")):
        array = backend.to_numpy(value)
        return {"class_name": "__numpy__", "config": {"value": array.tolist(), "dtype": str(array.dtype)}}
    return value


def _deserialize_value(value: Any) -> Any:
    if isinstance(value, dict) and value.get("class_name") == "__numpy__":
        inner = value["config"]
        return backend.asarray(inner["value"], dtype=inner["dtype"])
    return value
