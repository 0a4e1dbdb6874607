"""`keras.models.clone_model`: the same architecture with new layers and fresh weights.

Follows keras/src/models/cloning.py: a Sequential model is rebuilt from
clones of its layers; a functional model by replaying its graph on new
inputs with cloned layers (a shared layer is cloned once and stays shared);
a subclassed model through its config, `serialize_keras_object` then
`deserialize_keras_object`. A compiled model's clone is compiled with the
same compile config (a new optimizer, no state carried over).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from scratchnn.layers.input_layer import Input, InputLayer
from scratchnn.layers.layer import Layer
from scratchnn.models.functional import Functional
from scratchnn.models.model import Model, _functional_like
from scratchnn.models.sequential import Sequential
from scratchnn.ops.symbolic import KerasTensor, keras_tensors
from scratchnn.saving.serialization_lib import deserialize_keras_object, serialize_keras_object
from scratchnn.utils import tree


def clone_model(
    model: Model,
    input_tensors: Any = None,
    clone_function: Callable[[Layer], Layer] | None = None,
    call_function: Callable[..., Any] | None = None,
    recursive: bool = False,
    **kwargs: Any,
) -> Model:
    """Returns a copy of `model` with new layers (new, freshly initialized weights).

    Args:
        model: a Sequential, functional or subclassed model.
        input_tensors: KerasTensor(s) from `keras.Input` to build the copy on
            (the structure of the model's inputs); new `Input`s by default.
            Sequential and functional models only.
        clone_function: `fn(layer) -> layer` applied to each non-input layer;
            default `layer.__class__.from_config(layer.get_config())`. Return
            the layer itself to share it. Sequential and functional models only.
        call_function: `fn(layer, *args, **kwargs) -> outputs` used to call
            each cloned layer (functional models only), e.g. to add a layer after it.
        recursive: also clone nested Sequential/functional models layer by
            layer with the same functions (else they go through `clone_function`).

    Returns:
        A model of the same architecture; compiled like `model` if it was compiled.

    Raises:
        ValueError: for unknown keyword arguments, `clone_function` / `input_tensors`
            with a subclassed model, `call_function` with a Sequential model,
            or `input_tensors` of the wrong structure.

    Example:
        >>> new_model = keras.models.clone_model(model)
        >>> new_model.set_weights(model.get_weights())  # to copy the weights too
    """
    cache = kwargs.pop("cache", None)
    if kwargs:
        raise ValueError(f"Unexpected keyword argument(s): {tuple(kwargs)}")
    if isinstance(model, Sequential):
        if call_function is not None:
            raise ValueError(
                "`call_function` is not supported with Sequential models: their layers are listed, not "
                f"called, when the model is built. Use it with functional models. Received: model={model.name!r}"
            )
        fn = _wrap_clone_function(clone_function, None, recursive, cache)
        return _clone_sequential_model(model, fn, input_tensors)
    if isinstance(model, Functional):
        fn = _wrap_clone_function(clone_function, call_function, recursive, cache)
        return _clone_functional_model(model, fn, input_tensors, call_function)
    if clone_function is not None or input_tensors is not None or call_function is not None:
        raise ValueError(
            "Arguments `clone_function`, `call_function` and `input_tensors` are only supported for "
            f"Sequential and functional models. Received a model of type {type(model).__name__!r}."
        )
    if not isinstance(model, Model):
        raise ValueError(f"Expected a keras Model instance. Received: model={model!r}")
    # A subclassed model: its config is all that is known about its layers.
    config = serialize_keras_object(model)
    return deserialize_keras_object(config, custom_objects={type(model).__name__: type(model)})


def _wrap_clone_function(
    clone_function: Callable[[Layer], Layer] | None,
    call_function: Callable[..., Any] | None,
    recursive: bool,
    cache: dict[int, Layer] | None,
) -> Callable[[Layer], Layer]:
    """`clone_function` with the default, recursion into nested models, and one clone per layer."""
    if clone_function is None:

        def clone_function(layer: Layer) -> Layer:
            return type(layer).from_config(layer.get_config())

    if not callable(clone_function):
        raise ValueError(
            f"Expected `clone_function` to be a callable. Received: clone_function={clone_function!r}"
        )
    cache = {} if cache is None else cache

    def wrapped(layer: Layer) -> Layer:
        if id(layer) not in cache:
            if recursive and isinstance(layer, (Sequential, Functional)):
                # A Sequential model takes no call_function: its layers are listed, not called.
                call = None if isinstance(layer, Sequential) else call_function
                cache[id(layer)] = clone_model(
                    layer, clone_function=clone_function, call_function=call, recursive=True, cache=cache
                )
            else:
                cache[id(layer)] = clone_function(layer)
        return cache[id(layer)]

    return wrapped


def _clone_sequential_model(
    model: Sequential, clone_function: Callable[[Layer], Layer], input_tensors: Any
) -> Sequential:
    new_layers: list[Any] = [clone_function(layer) for layer in model.layers]
    ref = model._input_layer
    if input_tensors is not None:
        if isinstance(input_tensors, (list, tuple)):
            if len(input_tensors) != 1:
                raise ValueError(
                    f"A Sequential model has one input: `input_tensors` must hold a single tensor. "
                    f"Received: input_tensors={input_tensors!r}"
                )
            input_tensors = input_tensors[0]
        if not _is_input_tensor(input_tensors):
            raise ValueError(
                f"Argument `input_tensors` must be a KerasTensor from `keras.Input`. "
                f"Received: input_tensors={input_tensors!r}"
            )
        new_layers.insert(0, input_tensors)
    elif ref is not None:
        new_layers.insert(0, Input(batch_shape=ref.batch_shape, dtype=ref.dtype, name=ref.name))
    clone = Sequential(new_layers, name=model.name, trainable=model.trainable)
    if clone._input_layer is None and model.built and model.input_shape is not None:
        clone.build(model.input_shape)  # a model built from `build(shape)` or `input_shape=`
    _compile_like(model, clone)
    return clone


def _clone_functional_model(
    model: Functional,
    clone_function: Callable[[Layer], Layer],
    input_tensors: Any,
    call_function: Callable[..., Any] | None,
) -> Model:
    if input_tensors is None:
        input_tensors = tree.map_structure(
            lambda kt: Input(batch_shape=kt.shape, dtype=kt.dtype, name=kt._keras_history[0].name),
            model._inputs_struct,
        )
    else:
        flat = keras_tensors(input_tensors)
        if not all(_is_input_tensor(t) for t in flat) or len(flat) != len(model.inputs):
            raise ValueError(
                f"`input_tensors` must hold {len(model.inputs)} KerasTensor(s) from `keras.Input`, in the "
                f"structure of the model's inputs. Reference structure: {model._inputs_struct}. "
                f"Received: input_tensors={input_tensors!r}"
            )
    outputs = model._run_through_graph(input_tensors, operation_fn=clone_function, call_fn=call_function)
    cls = type(model) if _functional_like(type(model)) else Functional
    clone = cls(input_tensors, outputs, name=model.name)
    _compile_like(model, clone)
    return clone


def _is_input_tensor(x: Any) -> bool:
    return (
        isinstance(x, KerasTensor)
        and x._keras_history is not None
        and isinstance(x._keras_history[0], InputLayer)
    )


def _compile_like(model: Model, clone: Model) -> None:
    if getattr(model, "compiled", False):
        clone.compile_from_config(model.get_compile_config())
