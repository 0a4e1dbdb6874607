"""The `<path>/vars/<i>` weights tree of Keras 3 files: which objects, in which order, and loading it.

Paths follow Keras's walk (keras/src/saving/saving_lib.py `_walk_saveable`,
see KERAS_NOTES section 1), which asks each object its `_obj_type()`
(saving/keras_saveable.py) instead of knowing the model classes: the model's own `vars`; for Sequential and
functional models the `layers` list first, each item named by the snake_case
of its class with a counter (`layers/dense`, `layers/dense_1`, never the
layer's own name); then public attributes in sorted order (a subclassed
model's `hidden1`, its `layers` list, the `optimizer`). Each `vars` group holds
datasets "0", "1", ...: trainable then non-trainable variables.

Loading is all or nothing: every dataset is checked (no links or foreign
storage, numeric, the variable's shape, before it is read) and read first,
and the variables are assigned only when the whole file fits the model.
Keras assigns layer by layer and reports the failures at the end, so a file
that fails half way leaves a half-loaded model there.
"""

from __future__ import annotations

import warnings
from typing import Any

from scratchnn import backend
from scratchnn.saving import h5_reader
from scratchnn.saving.keras_saveable import KerasSaveable
from scratchnn.utils import naming


# -- the walk over objects with state -------------------------------------------------------
def _is_saveable(obj: Any) -> bool:
    # Layers, models and optimizers derive from KerasSaveable; metrics and losses are not saved here.
    return isinstance(obj, KerasSaveable)


def _children(obj: Any) -> list[tuple[str, Any]]:
    """Child attributes in Keras's visiting order (`_walk_saveable`), by the object's `_obj_type()`."""
    obj_type = obj._obj_type()
    if obj_type == "Optimizer":
        return []  # an optimizer's slots are its own variables
    out: list[tuple[str, Any]] = []
    if obj_type in ("Sequential", "Functional"):
        out.append(("layers", obj.layers))  # Keras visits a model's own layer list first
    attrs = {k: v for k, v in vars(obj).items() if not k.startswith("_")}
    if obj_type == "Model":
        attrs["layers"] = obj.layers  # a subclassed model: its layers list joins the attributes
    for key in sorted(attrs):
        value = attrs[key]
        if _is_saveable(value) or (isinstance(value, (list, tuple, dict)) and _has_saveable(value)):
            out.append((key, value))
    return out


def _has_saveable(container: Any) -> bool:
    values = container.values() if isinstance(container, dict) else container
    return any(_is_saveable(v) or (isinstance(v, (list, tuple, dict)) and _has_saveable(v)) for v in values)


def own_variables(obj: Any) -> list[Any]:
    """The variables an object saves itself: trainable then non-trainable (or an optimizer's list)."""
    if obj._obj_type() == "Optimizer":
        return obj.variables
    own = obj._own_variables
    return [v for v in own if v.trainable] + [v for v in own if not v.trainable]


def walk_saveables(model: Any, include_optimizer: bool = True) -> list[tuple[str, Any]]:
    """Every (path, object) pair whose variables go in the weights file, in Keras's order."""
    return _walk(model, include_optimizer)[0]


def _walk(model: Any, include_optimizer: bool) -> tuple[list[tuple[str, Any]], dict[str, set[str]]]:
    """The (path, object) pairs, and each container path's child names (`layers` -> {dense, dense_1})."""
    out: list[tuple[str, Any]] = []
    containers: dict[str, set[str]] = {}
    visited: set[int] = set()

    def visit(obj: Any, path: str) -> None:
        if id(obj) in visited:
            return
        visited.add(id(obj))
        out.append((path, obj))
        for attr, child in _children(obj):
            if attr == "optimizer" and not include_optimizer:
                continue
            child_path = f"{path}/{attr}" if path else attr
            if _is_saveable(child):
                visit(child, child_path)
            else:
                visit_container(child, child_path)

    def visit_container(container: Any, path: str) -> None:
        used: dict[str, int] = {}
        names = containers.setdefault(path, set())
        values = list(container.values()) if isinstance(container, dict) else list(container)
        for item in values:
            if _is_saveable(item):
                # Named by class, not by layer name (names are not reproducible across instances).
                name = _unique(naming.to_snake_case(type(item).__name__), used)
                names.add(name)
                visit(item, f"{path}/{name}")
            elif isinstance(item, (list, tuple, dict)):
                name = _unique("container", used)
                names.add(name)
                visit_container(item, f"{path}/{name}")

    visit(model, "")
    return out, containers


def _unique(name: str, used: dict[str, int]) -> str:
    n = used.get(name, 0)
    used[name] = n + 1
    return name if n == 0 else f"{name}_{n}"


def weights_byte_limit(model: Any) -> int:
    """The most bytes a weights file for `model` may declare before it is read.

    Eight times the model's own variables (room for optimizer slots, EMA copies
    and float64 storage) plus 64 MiB of HDF5 metadata: a bound on the work the
    file can ask for, proportional to the model and not to the file's claims.
    """
    total = sum(int(v.data.nbytes) for _, obj in walk_saveables(model) for v in own_variables(obj))
    return 8 * total + (64 << 20)


# -- writing ------------------------------------------------------------------------------
def write_weights(model: Any, h5file: Any, include_optimizer: bool = True) -> None:
    """Writes the `<path>/vars/<i>` tree of `model` into an open h5py File."""
    for path, obj in walk_saveables(model, include_optimizer):
        group = h5file.require_group(f"{path}/vars" if path else "vars")
        group.attrs["name"] = str(getattr(obj, "name", ""))
        for i, var in enumerate(own_variables(obj)):
            group.create_dataset(str(i), data=backend.to_numpy(var.data))


# -- reading ------------------------------------------------------------------------------
def read_weights(
    model: Any, h5file: Any, filepath: str, skip_optimizer: bool = False, skip_mismatch: bool = False
) -> None:
    """Loads the `<path>/vars/<i>` tree into `model` (the inverse of `write_weights`), all or nothing.

    Args:
        model: the built model to load into.
        h5file: an open h5py File (or the group holding the tree).
        filepath: the file's name, for error messages.
        skip_optimizer: leave the optimizer state alone.
        skip_mismatch: skip (with a warning) a layer whose variable count or
            shapes differ, and extra layers in the file, instead of raising.

    Raises:
        ValueError: naming the file and the layer when a group is missing, a
            variable count or shape differs, the file holds more layers than
            the model, or a dataset is not plain numeric data of this file.
            The model is then unchanged.
    """
    legacy = "layers" not in h5file and "_layer_checkpoint_dependencies" in h5file

    def file_path(path: str) -> str:
        if legacy and path.startswith("layers"):
            return "_layer_checkpoint_dependencies" + path[len("layers") :]  # Keras 2.13-2.15 files
        return path

    saveables, containers = _walk(model, include_optimizer=not skip_optimizer)
    plan: list[tuple[Any, Any]] = []
    optimizers = []
    for path, obj in saveables:
        key = f"{file_path(path)}/vars" if path else "vars"
        group = h5_reader.get_group(h5file, key, filepath)
        if obj._obj_type() == "Optimizer":
            optimizers.append((obj, group, key))
            continue
        variables = own_variables(obj)
        if variables:
            plan.extend(_layer_plan(obj, variables, group, key, filepath, skip_mismatch))
    _check_no_extra_layers(h5file, containers, file_path, filepath, skip_mismatch)
    for optimizer, group, key in optimizers:
        if group is not None:
            plan.extend(_optimizer_plan(optimizer, model, group, key, filepath))
    # Every check has passed and every array is in memory: only now is the model changed.
    for var, value in plan:
        var.assign(value.astype(var.data.dtype, copy=False))


def _layer_plan(
    layer: Any, variables: list[Any], group: Any, key: str, filepath: str, skip_mismatch: bool
) -> list[tuple[Any, Any]]:
    try:
        if group is None:
            raise ValueError(
                f"The weights file {filepath!r} has no weights for layer {layer.name!r} (expected group "
                f"{key!r}). It was saved from a different model architecture."
            )
        if len(group) != len(variables):
            raise ValueError(
                f"Layer {layer.name!r} expects {len(variables)} variables, but the weights file {filepath!r} "
                f"holds {len(group)} at {key!r}."
            )
        datasets = []
        for i, var in enumerate(variables):
            dataset = h5_reader.get_dataset(group, str(i), filepath, f"{key}/{i}")
            if dataset is None:
                raise ValueError(
                    f"The weights file {filepath!r} has no dataset {key}/{i} for layer {layer.name!r}."
                )
            if tuple(dataset.shape) != var.shape:  # every shape is checked before anything is read
                raise ValueError(
                    f"Layer {layer.name!r} weight {var.name!r} has shape {var.shape}, but the weights file "
                    f"{filepath!r} holds shape {tuple(dataset.shape)} at {key}/{i}."
                )
            datasets.append(dataset)
    except ValueError as err:
        if not skip_mismatch:
            raise
        warnings.warn(f"Skipping variable loading for layer {layer.name!r}: {err}", stacklevel=4)
        return []
    return [
        (var, h5_reader.read_array(ds, var.shape, filepath, f"{key}/{i}", f"Layer {layer.name!r}"))
        for i, (var, ds) in enumerate(zip(variables, datasets))
    ]


def _check_no_extra_layers(
    h5file: Any, containers: dict[str, set[str]], file_path: Any, filepath: str, skip_mismatch: bool
) -> None:
    """Refuses a file whose `layers` lists hold weights for layers the model does not have.

    Extra entries that hold no dataset (a Dropout) lose nothing and are ignored.
    """
    for path, expected in containers.items():
        group = h5_reader.get_group(h5file, file_path(path), filepath)
        if group is None:
            continue
        extra = sorted(
            name for name in group if name not in expected and _holds_weights(group, name, filepath)
        )
        if not extra:
            continue
        message = (
            f"The weights file {filepath!r} holds weights for {len(expected) + len(extra)} entries at {path!r}, "
            f"but the model has {len(expected)}: {extra} have no counterpart. It was saved from a bigger "
            "model; load it into the same architecture, or pass skip_mismatch=True to ignore them."
        )
        if not skip_mismatch:
            raise ValueError(message)
        warnings.warn(message, stacklevel=4)


def _holds_weights(group: Any, name: str, filepath: str) -> bool:
    import h5py

    h5_reader.check_link(group, name, filepath, name)  # never follow a link out of the file
    child = group[name]
    return isinstance(child, h5py.Dataset) or h5_reader.holds_weights(child)


def _optimizer_plan(optimizer: Any, model: Any, group: Any, key: str, filepath: str) -> list[tuple[Any, Any]]:
    # The optimizer creates its slots lazily: build it for the model's variables
    # first, so the saved slots have somewhere to go (Keras does the same on load).
    # Building early is what the first training step would do anyway.
    if not optimizer.built and len(group) > len(optimizer.variables):
        optimizer.build(model.trainable_weights)
    variables = optimizer.variables
    if len(group) != len(variables):
        optimizer.load_own_variables(group)  # warns and skips, as Keras does for a count mismatch
        return []
    owner = f"Optimizer {optimizer.name!r} variable"
    plan = []
    for i, var in enumerate(variables):
        dataset = h5_reader.get_dataset(group, str(i), filepath, f"{key}/{i}")
        if dataset is None:
            raise ValueError(f"The weights file {filepath!r} has no dataset {key}/{i} for the optimizer.")
        plan.append((var, dataset))
    return [
        (var, h5_reader.read_array(ds, var.shape, filepath, f"{key}/{i}", f"{owner} {i}"))
        for i, (var, ds) in enumerate(plan)
    ]
