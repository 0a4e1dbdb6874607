"""Pickling models: `Model.__reduce__` sends the `.keras` format, built in memory.

Keras 3 pickles a model by saving it to an in-memory `.keras` archive
(keras/src/saving/keras_saveable.py); scratchnn does the same, for these reasons:
- the payload is the format `model.save` writes and `load_model` reads, so a
  pickle carries exactly what a saved file carries: the config, the weights
  (float32, bit for bit) and the optimizer's slots, so a fitted scikit-learn
  wrapper that is unpickled predicts the same and `warm_start` training
  continues where it stopped;
- nothing transient travels: no History callback, no metric state, no cache
  of a fit in progress, no reference to a callback's open file;
- `pickle`, `cloudpickle` (joblib's loky, Dask) and `copy.deepcopy` all go
  through `__reduce__`, so there is one path to test.

A model holding a user-defined class or function (a custom layer, loss,
activation, ...) is pickled as its object graph instead: the `.keras` loader
finds such classes only by registration in the receiving process, whereas
pickle imports them by module and cloudpickle even ships classes defined in
`__main__` by value to a Dask worker.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from scratchnn.saving import keras_file

# Modules whose objects the `.keras` loader rebuilds in any process that has scratchnn.
_BUILTIN_MODULES = ("scratchnn.", "numpy", "builtins")


def _is_builtin(value: Any) -> bool:
    """Whether `value` (shallowly: containers are opened, objects only named) comes from scratchnn."""
    if value is None or isinstance(value, (bool, int, float, str, bytes, np.ndarray, np.generic)):
        return True
    if isinstance(value, (list, tuple, set, frozenset)):
        return all(_is_builtin(v) for v in value)
    if isinstance(value, dict):
        return all(_is_builtin(k) and _is_builtin(v) for k, v in value.items())
    # A class or function names its own module; an instance inherits its class's.
    module = getattr(value, "__module__", None) or type(value).__module__
    return isinstance(module, str) and module.startswith(_BUILTIN_MODULES)


def uses_only_builtins(model: Any) -> bool:
    """Whether every layer of `model`, and every value they and the model hold, is scratchnn's own."""
    return all(
        _is_builtin(type(layer)) and all(_is_builtin(v) for v in vars(layer).values())
        for layer in [model, *model._flatten_layers()]
    )


def reduce_model(model: Any) -> tuple[Any, tuple[Any, ...]]:
    """`Model.__reduce__`: `.keras` bytes when the model is built-in only, else its object state."""
    if uses_only_builtins(model):
        return load_pickled_model, (keras_file.model_to_bytes(model),)
    return restore_object, (type(model), dict(vars(model)))


def load_pickled_model(data: bytes) -> Any:
    """Rebuilds a pickled model from its `.keras` bytes (compiled, with its optimizer state)."""
    return keras_file.load_model_from_bytes(data, label="<pickled model>")


def restore_object(cls: type, state: dict[str, Any]) -> Any:
    """Rebuilds an object from its `__dict__`, as pickle's default path does."""
    obj = object.__new__(cls)
    obj.__dict__.update(state)
    return obj
