"""The Keras 3 native `.keras` format: a zip of config.json, metadata.json, model.weights.h5.

Layout (keras/src/saving/saving_lib.py, see KERAS_NOTES section 1):
- `config.json`: the model's config dict (`serialization.serialize_model`),
  written with a conservative set of keys (plain-string dtypes, no keys that
  only recent Keras versions accept) so that old and new Keras 3 load it.
- `metadata.json`: `{"keras_version", "date_saved"}`; never needed to load.
- `model.weights.h5`: one `<path>/vars` group per object with state, holding
  datasets "0", "1", ... (trainable then non-trainable variables). Paths
  follow Keras's walk: the model's own `vars`; for Sequential and functional
  models the `layers` list first, each item named by the snake_case of its
  class with a counter (`layers/dense`, `layers/dense_1`, never the layer's
  own name); then public attributes in sorted order (a subclassed model's
  `hidden1`, its `layers` list, the `optimizer`).

`zipped=False` writes the same three members into a directory (what
`model.save("name", save_format="tf")` produces here, in place of a
TensorFlow SavedModel). Writes go to a temporary sibling first and are moved
into place with `os.replace`, so an interrupted save leaves the previous file
intact. Reading only parses JSON and HDF5: nothing in a file is executed.
h5py is imported inside the functions that need it.
"""

from __future__ import annotations

import datetime
import io
import json
import os
import shutil
import tempfile
import zipfile
from typing import Any

from scratchnn import backend
from scratchnn.utils import naming

CONFIG_NAME = "config.json"
METADATA_NAME = "metadata.json"
WEIGHTS_NAME = "model.weights.h5"
KERAS_VERSION = "3.3.3"  # the oldest Keras 3 that must load our files; written to metadata.json


# -- the walk over objects with state -------------------------------------------------------
def _is_saveable(obj: Any) -> bool:
    from scratchnn.layers.layer import Layer
    from scratchnn.optimizers.optimizer import Optimizer

    return isinstance(obj, (Layer, Optimizer))


def _children(obj: Any) -> list[tuple[str, Any]]:
    """Child attributes in Keras's visiting order (`_walk_saveable`)."""
    from scratchnn.layers.layer import Layer
    from scratchnn.models.functional import Functional
    from scratchnn.models.model import Model
    from scratchnn.models.sequential import Sequential

    if not isinstance(obj, Layer):
        return []  # an optimizer's slots are its own variables
    out: list[tuple[str, Any]] = []
    if isinstance(obj, (Sequential, Functional)):
        out.append(("layers", obj.layers))
    attrs = {k: v for k, v in vars(obj).items() if not k.startswith("_")}
    if isinstance(obj, Model) and not isinstance(obj, (Sequential, Functional)):
        attrs["layers"] = obj.layers
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
    from scratchnn.optimizers.optimizer import Optimizer

    if isinstance(obj, Optimizer):
        return obj.variables
    own = obj._own_variables
    return [v for v in own if v.trainable] + [v for v in own if not v.trainable]


def walk_saveables(model: Any, include_optimizer: bool = True) -> list[tuple[str, Any]]:
    """Every (path, object) pair whose variables go in the weights file, in Keras's order."""
    out: list[tuple[str, Any]] = []
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
        values = list(container.values()) if isinstance(container, dict) else list(container)
        for item in values:
            if _is_saveable(item):
                # Named by class, not by layer name (names are not reproducible across instances).
                visit(item, f"{path}/{_unique(naming.to_snake_case(type(item).__name__), used)}")
            elif isinstance(item, (list, tuple, dict)):
                visit_container(item, f"{path}/{_unique('container', used)}")

    visit(model, "")
    return out


def _unique(name: str, used: dict[str, int]) -> str:
    n = used.get(name, 0)
    used[name] = n + 1
    return name if n == 0 else f"{name}_{n}"


# -- HDF5 weights ---------------------------------------------------------------------------
def write_weights(model: Any, h5file: Any, include_optimizer: bool = True) -> None:
    """Writes the `<path>/vars/<i>` tree of `model` into an open h5py File."""
    for path, obj in walk_saveables(model, include_optimizer):
        group = h5file.require_group(f"{path}/vars" if path else "vars")
        group.attrs["name"] = str(getattr(obj, "name", ""))
        for i, var in enumerate(own_variables(obj)):
            group.create_dataset(str(i), data=backend.to_numpy(var.data))


def read_weights(model: Any, h5file: Any, filepath: str, skip_optimizer: bool = False) -> None:
    """Loads the `<path>/vars/<i>` tree into `model` (the inverse of `write_weights`).

    Raises:
        ValueError: naming the file and the layer when a group is missing or a
            variable count or shape differs.
    """
    from scratchnn.optimizers.optimizer import Optimizer

    legacy_layers = "layers" not in h5file and "_layer_checkpoint_dependencies" in h5file
    for path, obj in walk_saveables(model, include_optimizer=not skip_optimizer):
        if legacy_layers and path.startswith("layers"):
            path = "_layer_checkpoint_dependencies" + path[len("layers") :]  # Keras 2.13-2.15 files
        key = f"{path}/vars" if path else "vars"
        group = h5file.get(key)
        if isinstance(obj, Optimizer):
            if group is not None:
                _load_optimizer(obj, model, group)
            continue
        variables = own_variables(obj)
        if not variables:
            continue
        if group is None:
            raise ValueError(
                f"The weights file {filepath!r} has no weights for layer {obj.name!r} (expected group {key!r}). "
                "It was saved from a different model architecture."
            )
        if len(group) != len(variables):
            raise ValueError(
                f"Layer {obj.name!r} expects {len(variables)} variables, but the weights file {filepath!r} "
                f"holds {len(group)} at {key!r}."
            )
        for i, var in enumerate(variables):
            value = group[str(i)][()]
            if tuple(value.shape) != var.shape:
                raise ValueError(
                    f"Layer {obj.name!r} weight {var.name!r} has shape {var.shape}, but the weights file "
                    f"{filepath!r} holds shape {tuple(value.shape)} at {key}/{i}."
                )
            var.assign(backend.asarray(value).astype(var.data.dtype, copy=False))


def _load_optimizer(optimizer: Any, model: Any, group: Any) -> None:
    # The optimizer creates its slots lazily: build it for the model's variables
    # first, so the saved slots have somewhere to go (Keras does the same on load).
    if not optimizer.built and len(group) > len(optimizer.variables):
        optimizer.build(model.trainable_weights)
    optimizer.load_own_variables(group)


# -- atomic writes ------------------------------------------------------------------------
def atomic_write_file(filepath: str, write: Any) -> None:
    """Calls `write(tmp_path)` on a temporary sibling, then moves it over `filepath`.

    A crash or a full disk during `write` leaves any previous `filepath` untouched.
    """
    filepath = os.fspath(filepath)
    directory = os.path.dirname(os.path.abspath(filepath))
    os.makedirs(directory, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{os.path.basename(filepath)}.", suffix=".tmp")
    os.close(fd)
    try:
        write(tmp)
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, filepath)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def _atomic_write_dir(dirpath: str, write: Any) -> None:
    """Like `atomic_write_file` for a directory: builds a sibling, then swaps it in."""
    dirpath = os.path.abspath(os.fspath(dirpath))
    parent = os.path.dirname(dirpath)
    os.makedirs(parent, exist_ok=True)
    tmp = tempfile.mkdtemp(dir=parent, prefix=f".{os.path.basename(dirpath)}.", suffix=".tmp")
    old = None
    try:
        write(tmp)
        if os.path.exists(dirpath):
            if not os.path.isdir(dirpath):
                raise ValueError(f"Cannot save the model directory: {dirpath!r} exists and is a file.")
            old = tempfile.mkdtemp(dir=parent, prefix=f".{os.path.basename(dirpath)}.", suffix=".old")
            os.rmdir(old)
            os.replace(dirpath, old)
        os.replace(tmp, dirpath)
    finally:
        if os.path.exists(tmp):
            shutil.rmtree(tmp, ignore_errors=True)
        if old is not None and os.path.exists(old):
            shutil.rmtree(old, ignore_errors=True)


# -- save ---------------------------------------------------------------------------------
def _metadata() -> bytes:
    now = datetime.datetime.now().strftime("%Y-%m-%d@%H:%M:%S")
    return json.dumps({"keras_version": KERAS_VERSION, "date_saved": now}).encode()


def _weights_bytes(model: Any, include_optimizer: bool) -> bytes:
    import h5py

    buffer = io.BytesIO()
    with h5py.File(buffer, "w") as f:
        write_weights(model, f, include_optimizer)
    return buffer.getvalue()


def _members(model: Any, include_optimizer: bool) -> list[tuple[str, bytes]]:
    """The three members of a `.keras` file, in Keras's order (metadata, config, weights)."""
    from scratchnn.saving.serialization import serialize_model

    config = json.dumps(serialize_model(model, include_compile=include_optimizer)).encode()
    weights = _weights_bytes(model, include_optimizer)
    return [(METADATA_NAME, _metadata()), (CONFIG_NAME, config), (WEIGHTS_NAME, weights)]


def _write_zip(target: Any, members: list[tuple[str, bytes]]) -> None:
    # ZIP_STORED: the weights are float arrays, which deflate barely shrinks.
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_STORED) as zf:
        for name, data in members:
            zf.writestr(name, data)


def save_model(model: Any, filepath: str, include_optimizer: bool = True, zipped: bool = True) -> None:
    """Writes `model` in the `.keras` format (a zip, or a directory when `zipped=False`)."""
    members = _members(model, include_optimizer)

    if zipped:
        atomic_write_file(filepath, lambda tmp: _write_zip(tmp, members))
    else:

        def write_dir(tmp: str) -> None:
            for name, data in members:
                with open(os.path.join(tmp, name), "wb") as fh:
                    fh.write(data)

        _atomic_write_dir(filepath, write_dir)


# -- load ---------------------------------------------------------------------------------
def model_to_bytes(model: Any, include_optimizer: bool = True) -> bytes:
    """The bytes of the `.keras` zip `save_model` would write, built in memory (for pickling)."""
    buffer = io.BytesIO()
    _write_zip(buffer, _members(model, include_optimizer))
    return buffer.getvalue()


def load_model_from_bytes(
    data: bytes,
    custom_objects: dict[str, Any] | None = None,
    compile: bool = True,
    label: str = "<in memory>",
) -> Any:
    """`load_model` of the `.keras` zip held in `data` (what `model_to_bytes` returns)."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        config_bytes, weights = zf.read(CONFIG_NAME), zf.read(WEIGHTS_NAME)
    return _model_from_members(config_bytes, weights, label, custom_objects, compile)


def _read_members(filepath: str) -> tuple[bytes, bytes]:
    """(config.json, model.weights.h5) bytes of a `.keras` zip or directory, with clear errors."""
    if os.path.isdir(filepath):
        names = set(os.listdir(filepath))
        if CONFIG_NAME not in names:
            if "saved_model.pb" in names:
                raise ValueError(
                    f"{filepath!r} is a TensorFlow SavedModel directory, which scratchnn cannot read "
                    "(it would need TensorFlow). Save it with Keras as a `.keras` file instead."
                )
            raise ValueError(f"The directory {filepath!r} is not a saved model: it has no {CONFIG_NAME}.")
        with open(os.path.join(filepath, CONFIG_NAME), "rb") as fh:
            config = fh.read()
        weights_path = os.path.join(filepath, WEIGHTS_NAME)
        weights = b""
        if os.path.exists(weights_path):
            with open(weights_path, "rb") as fh:
                weights = fh.read()
        return config, weights
    try:
        with zipfile.ZipFile(filepath) as zf:
            names = set(zf.namelist())
            if CONFIG_NAME not in names:
                raise ValueError(
                    f"The file {filepath!r} is a zip archive but not a Keras model: it has no {CONFIG_NAME} "
                    f"(members: {sorted(names)[:10]})."
                )
            config = zf.read(CONFIG_NAME)
            if "model.weights.npz" in names and WEIGHTS_NAME not in names:
                raise ValueError(
                    f"The file {filepath!r} stores its weights as model.weights.npz, which scratchnn does not "
                    "read. Save it with Keras's default weights format (HDF5)."
                )
            weights = zf.read(WEIGHTS_NAME) if WEIGHTS_NAME in names else b""
    except zipfile.BadZipFile as err:
        raise ValueError(
            f"The file {filepath!r} is not a valid .keras archive: {err}. It may be truncated, corrupt, "
            "or a different kind of file."
        ) from err
    except zipfile.LargeZipFile as err:  # pragma: no cover - zip64 is handled by zipfile
        raise ValueError(f"The file {filepath!r} could not be read: {err}") from err
    return config, weights


def parse_config(data: bytes, filepath: str) -> dict[str, Any]:
    """Parses config.json, with an error naming the file when it is not a model config."""
    try:
        config = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise ValueError(f"The {CONFIG_NAME} in {filepath!r} is not valid JSON: {err}") from err
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(f"The {CONFIG_NAME} in {filepath!r} does not describe a model (no 'class_name').")
    return config


def open_h5_bytes(data: bytes, filepath: str, member: str = WEIGHTS_NAME) -> Any:
    """Opens HDF5 bytes with h5py, turning h5py's errors into one naming the file."""
    import h5py

    try:
        return h5py.File(io.BytesIO(data), "r")
    except OSError as err:
        raise ValueError(
            f"The {member} in {filepath!r} is not a readable HDF5 file (truncated or corrupt): {err}"
        ) from err


def load_model(
    filepath: str, custom_objects: dict[str, Any] | None = None, compile: bool = True, safe_mode: bool = True
) -> Any:
    """Rebuilds a model from a `.keras` zip or directory written by scratchnn or Keras 3."""
    filepath = os.fspath(filepath)
    config_bytes, weights = _read_members(filepath)
    return _model_from_members(config_bytes, weights, filepath, custom_objects, compile)


def _model_from_members(
    config_bytes: bytes, weights: bytes, label: str, custom_objects: dict[str, Any] | None, compile: bool
) -> Any:
    """The model described by config.json and model.weights.h5 (`label` names the source in errors)."""
    from scratchnn.saving.registry import CustomObjectScope
    from scratchnn.saving.serialization import deserialize_model

    config = parse_config(config_bytes, label)
    with CustomObjectScope(custom_objects or {}):
        model = deserialize_model(config, custom_objects, compile=compile)
    if not weights:
        raise ValueError(f"The saved model {label!r} has no {WEIGHTS_NAME}.")
    with open_h5_bytes(weights, label) as f:
        read_weights(model, f, label, skip_optimizer=not compile)
    return model
