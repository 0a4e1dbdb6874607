"""Model: a Layer that trains (keras/src/models/model.py).

`Model(inputs, outputs)` builds a functional model; subclassing `Model` with
layers created in `__init__` and a `call(inputs)` gives a subclassed model;
`Sequential` is a stack. All three share compile/fit/evaluate/predict from
`Trainer` and summary/get_layer from here.
"""

from __future__ import annotations

import inspect
import json
import warnings
from typing import Any

from scratchnn import optimizers
from scratchnn.layers.layer import Layer
from scratchnn.ops.symbolic import KerasTensor
from scratchnn.saving import h5_weights, pickling, saving_api
from scratchnn.saving.registry import register_builtins
from scratchnn.saving.serialization import (
    deserialize_compile_value,
    deserialize_layer,
    serialize_compile_value,
)
from scratchnn.saving.serialization_lib import serialize_keras_object
from scratchnn.trainers.trainer import Trainer
from scratchnn.utils.summary import print_summary


class Model(Trainer, Layer):
    """A trainable graph of layers.

    Called with `inputs` and `outputs` (symbolic tensors from `keras.Input`),
    it returns a functional model; subclasses define `__init__` (creating
    layers as attributes) and `call(inputs, training=False)`.
    """

    def __new__(cls, *args: Any, **kwargs: Any) -> Any:
        # Keras's dispatch (keras/src/models/model.py): `Model(inputs, outputs)` is a Functional,
        # and so is a subclass constructed functional-style, `CustomModel(inputs, outputs)`, which
        # keeps its own methods (train_step, ...) over Functional's. The import is lazy because
        # functional.py subclasses Model: the one import cycle left, models/model.py <-> models/functional.py.
        from scratchnn.models.functional import Functional

        if issubclass(cls, Functional):
            return object.__new__(cls)
        if cls is Model and (args or "inputs" in kwargs or "outputs" in kwargs):
            return object.__new__(Functional)
        if _functional_init_arguments(args, kwargs):
            return object.__new__(_functional_variant(cls, Functional))
        return object.__new__(cls)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        base = {k: kwargs.pop(k) for k in ("name", "trainable", "dtype") if k in kwargs}
        Layer.__init__(self, **base)
        if args or kwargs:
            raise TypeError(
                f"{type(self).__name__}.__init__ got unexpected arguments {list(args)} {sorted(kwargs)}. "
                "To build a functional model pass inputs= and outputs=."
            )
        self.optimizer: Any = None
        self.compiled = False
        self.stop_training = False
        self.history: Any = None
        self._compile_loss: Any = None
        self._compile_metrics: Any = None

    # -- structure -----------------------------------------------------------------
    @property
    def layers(self) -> list[Layer]:
        """The model's layers, in the order they were created or added."""
        return list(self._tracked_layers)

    def get_layer(self, name: str | None = None, index: int | None = None) -> Layer:
        """Returns a layer by name or by index.

        Raises:
            ValueError: if neither or both are given, or nothing matches.
        """
        if (name is None) == (index is None):
            raise ValueError("Provide exactly one of `name` or `index` to get_layer().")
        layers = self.layers
        if index is not None:
            if not -len(layers) <= index < len(layers):
                raise ValueError(f"Index {index} is out of range: the model has {len(layers)} layers.")
            return layers[index]
        for layer in layers:
            if layer.name == name:
                return layer
        raise ValueError(f"No such layer: {name}. Existing layers are: {[layer.name for layer in layers]}.")

    def build(self, input_shape: Any) -> None:
        """Creates the weights of a subclassed model by running `call` on zeros of `input_shape`."""
        self.built = True  # first: compute_output_shape would otherwise call build again
        if type(self).call is not Model.call:
            self.compute_output_shape(input_shape)

    def _expected_input_shape(self) -> Any:
        return None

    def _obj_type(self) -> str:
        return "Model"

    # -- summary ---------------------------------------------------------------------
    def _summary_layers(self) -> list[Layer]:
        return self.layers

    def _summary_output_shape(self, layer: Layer) -> Any:
        return getattr(self, "_layer_output_shapes", {}).get(id(layer))

    def summary(
        self,
        line_length: int | None = None,
        positions: Any = None,
        print_fn: Any = None,
        expand_nested: bool = False,
        show_trainable: bool = False,
        layer_range: Any = None,
    ) -> None:
        """Prints the layers, their output shapes and parameter counts (Keras 3 layout).

        Args:
            line_length, positions, expand_nested, layer_range: Keras's layout options; not
                implemented, so only their defaults (None, None, False, None) are accepted.
            print_fn: called with each line (default `print`).
            show_trainable: add a column saying whether each layer is trainable.

        Raises:
            NotImplementedError: if a layout option other than `print_fn` and `show_trainable`
                is set.
        """
        for option, value, is_set in (
            ("line_length", line_length, line_length is not None),
            ("positions", positions, positions is not None),
            ("expand_nested", expand_nested, bool(expand_nested)),
            ("layer_range", layer_range, layer_range is not None),
        ):
            if is_set:
                raise NotImplementedError(
                    f"Model.summary: `{option}` is not implemented in scratchnn (the table sizes its columns "
                    f"to fit and lists every layer); leave it unset. Received: {option}={value!r}"
                )
        print_summary(self, print_fn=print_fn, show_trainable=show_trainable)

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name, "trainable": self.trainable, "dtype": self.dtype}

    # -- saving (scratchnn/saving) -------------------------------------------------------
    def get_compile_config(self) -> dict[str, Any] | None:
        """The arguments of `compile()` in JSON-safe form (Keras's `compile_config`), or None."""
        if not getattr(self, "compiled", False):
            return None
        args = self._compile_config
        return {
            "optimizer": optimizers.serialize(self.optimizer),
            "loss": serialize_compile_value(args.get("loss"), "loss"),
            "loss_weights": args.get("loss_weights"),
            "metrics": serialize_compile_value(args.get("metrics"), "metric"),
            "weighted_metrics": serialize_compile_value(args.get("weighted_metrics"), "metric"),
            "run_eagerly": bool(args.get("run_eagerly", False)),
            "steps_per_execution": int(args.get("steps_per_execution", 1)),
            "jit_compile": args.get("jit_compile", "auto"),
        }

    def compile_from_config(
        self, config: dict[str, Any], custom_objects: dict[str, Any] | None = None
    ) -> None:
        """Compiles the model from `get_compile_config()` output (also Keras's and Keras 2's)."""
        opt = config.get("optimizer") or "rmsprop"
        if isinstance(opt, dict):
            cls = optimizers.ALL_OBJECTS_DICT.get(str(opt.get("class_name", "")).lower())
            if cls is not None:
                # Keras 2 configs carry keys (decay, is_legacy_optimizer, ...) the constructor refuses.
                allowed = set(inspect.signature(cls.__init__).parameters) | set(
                    inspect.signature(optimizers.Optimizer.__init__).parameters
                )
                opt = {**opt, "config": {k: v for k, v in (opt.get("config") or {}).items() if k in allowed}}
            opt = optimizers.deserialize(opt, custom_objects)
        loss = deserialize_compile_value(config.get("loss"), "loss", custom_objects)
        try:
            metrics = deserialize_compile_value(config.get("metrics"), "metric", custom_objects)
            weighted = deserialize_compile_value(config.get("weighted_metrics"), "metric", custom_objects)
        except (ValueError, TypeError) as err:
            warnings.warn(
                f"Could not restore the compiled metrics ({err}); compiling without them.", stacklevel=2
            )
            metrics = weighted = None
        self.compile(
            optimizer=opt,
            loss=loss,
            loss_weights=config.get("loss_weights"),
            metrics=metrics,
            weighted_metrics=weighted,
        )

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        """Pickles the model as its `.keras` archive built in memory (`scratchnn.saving.pickling`)."""
        return pickling.reduce_model(self)

    def save(self, filepath: str, overwrite: bool = True, zipped: bool | None = None, **kwargs: Any) -> None:
        """Saves the model (see `scratchnn.saving.save_model` for the formats).

        `model.save("m.keras")` writes the Keras 3 zip; `model.save("m.h5")` the
        legacy HDF5 model; `model.save("m", save_format="tf")` a directory with
        the same members as the zip.
        """
        saving_api.save_model(self, filepath, overwrite=overwrite, zipped=zipped, **kwargs)

    def save_weights(self, filepath: str, overwrite: bool = True, **kwargs: Any) -> None:
        """Writes the weights (and optimizer state) to `*.weights.h5` (or Keras 2 style `*.h5`)."""
        h5_weights.save_weights(self, filepath, overwrite=overwrite)

    def load_weights(self, filepath: str, skip_mismatch: bool = False, **kwargs: Any) -> None:
        """Loads weights from a `.weights.h5`, legacy `.h5` or `.keras` file.

        A subclassed model that has not been called yet is not built; call it on
        a batch (or `build(input_shape)`) first.
        """
        h5_weights.load_weights(self, filepath, skip_mismatch=skip_mismatch)

    def export(
        self,
        filepath: str,
        format: str = "tf_saved_model",
        verbose: bool | None = None,
        input_signature: Any = None,
        **kwargs: Any,
    ) -> None:
        """Exports the model for inference (Keras 3's `Model.export`); scratchnn writes `format="onnx"`.

        Example: `model.export("model.onnx", format="onnx")`, then run it with
        `onnxruntime.InferenceSession("model.onnx")`. See `scratchnn.export.export_model`.
        """
        # Imported here: the exporters (scratchnn/export) sit above the models and import this
        # module; Keras's Model.export imports its exporter lazily too (an allowed upward import).
        from scratchnn.export import export_model

        export_model(
            self, filepath, format=format, verbose=verbose, input_signature=input_signature, **kwargs
        )

    def to_json(self, **kwargs: Any) -> str:
        """The model's Keras 3 config (`serialize_keras_object(model)`) as a JSON string.

        As in Keras, it holds the architecture, the build config and, once
        compiled, the compile config; no weights. `keras.models.model_from_json`
        reads it back.

        Args:
            **kwargs: passed to `json.dumps` (e.g. `indent=2`).
        """
        return json.dumps(serialize_keras_object(self), **kwargs)

    @classmethod
    def from_config(cls, config: dict[str, Any], custom_objects: dict[str, Any] | None = None) -> Model:
        """Rebuilds a model from `get_config()` (keras/src/models/model.py `Model.from_config`).

        A functional config (with "layers", "input_layers", "output_layers")
        becomes a functional model when `cls` can be built as
        `cls(inputs, outputs, name=...)`; any other config is passed to the
        constructor, `cls(**config)`, as for a subclassed model whose
        `get_config()` returns its constructor arguments.

        Raises:
            TypeError: when the constructor refuses the config, naming the class and the fix.
        """
        # Lazy for the models/model.py <-> models/functional.py cycle (functional.py subclasses Model).
        from scratchnn.models.functional import Functional

        functional_keys = ("name", "layers", "input_layers", "output_layers")
        if all(key in config for key in functional_keys) and _functional_like(cls):
            return Functional.from_config.__func__(cls, config, custom_objects)
        try:
            return cls(**config)
        except TypeError as err:
            raise TypeError(
                f"Unable to revive {cls.__name__} from its config: {err}. The config must hold every "
                f"argument of {cls.__name__}.__init__ (which `get_config()` should return), or the class "
                f"must define `from_config(cls, config)`. Received: config={config!r}"
            ) from err

    def get_build_config(self) -> dict[str, Any] | None:
        """`{"input_shape": ...}` once built (Keras's `build_config`)."""
        shape = getattr(self, "_build_shapes", None)
        return {"input_shape": shape} if self.built and shape is not None else None


def _functional_init_arguments(args: tuple[Any, ...], kwargs: dict[str, Any]) -> bool:
    """Whether a Model subclass is being constructed as `Subclass(inputs, outputs)` (symbolic)."""
    if len(args) == 2 or (len(args) == 1 and "outputs" in kwargs):
        inputs = args[0]
    elif "inputs" in kwargs and "outputs" in kwargs:
        inputs = kwargs["inputs"]
    else:
        return False
    flat = (
        inputs
        if isinstance(inputs, (list, tuple))
        else list(inputs.values())
        if isinstance(inputs, dict)
        else [inputs]
    )
    return bool(flat) and all(isinstance(t, KerasTensor) for t in flat)


_FUNCTIONAL_VARIANTS: dict[type, type] = {}


def _functional_variant(cls: type, functional: type) -> type:
    """`cls` with Functional mixed in under it (one class per `cls`, so types compare equal).

    Keras rewrites `cls.__bases__` instead; a separate subclass leaves the user's class as
    written, so the same class can still be constructed subclass-style.
    """
    variant = _FUNCTIONAL_VARIANTS.get(cls)
    if variant is None:
        variant = type(cls.__name__, (cls, functional), {"__module__": cls.__module__})
        variant.__qualname__ = cls.__qualname__
        _FUNCTIONAL_VARIANTS[cls] = variant
    return variant


def _functional_like(cls: type) -> bool:
    """Whether `cls(inputs, outputs, name=...)` builds it (Keras's `functional_like_constructor`)."""
    if cls is Model:
        return True
    spec = inspect.getfullargspec(cls.__init__)
    return spec.args[1:3] == ["inputs", "outputs"] or (spec.varargs is not None and spec.varkw is not None)


def model_from_json(json_string: str, custom_objects: dict[str, Any] | None = None) -> Model:
    """Rebuilds a model from `model.to_json()` (fresh weights; compiled if the JSON holds a compile config).

    Args:
        json_string: the JSON text.
        custom_objects: `{name: class_or_function}` for custom layers, functions and models.

    Raises:
        ValueError: for text that is not JSON or not a model config, or an unknown class.

    Example:
        >>> model = keras.models.model_from_json(model.to_json())
    """
    try:
        config = json.loads(json_string)
    except (TypeError, json.JSONDecodeError) as err:
        raise ValueError(f"model_from_json expects the JSON text of `model.to_json()`: {err}") from err
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(
            f"The JSON does not describe a model (no 'class_name'). Received: {json_string[:200]!r}"
        )
    return deserialize_layer(config, custom_objects)


# Configs name Model by "keras" (its Keras 3 export), and `keras.models.Model` reads the same.
register_builtins("keras", [Model])
register_builtins("keras.models", [Model])
