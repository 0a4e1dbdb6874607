"""The Keras 3 native `.keras` format: a zip of config.json, metadata.json, model.weights.h5.

Layout (keras/src/saving/saving_lib.py, see KERAS_NOTES section 1):
- `config.json`: the model's config dict (`serialization.serialize_model`),
  written with a conservative set of keys (plain-string dtypes, no keys that
  only recent Keras versions accept) so that old and new Keras 3 load it.
- `metadata.json`: `{"keras_version", "date_saved"}`; never needed to load.
- `model.weights.h5`: the `<path>/vars/<i>` tree of `weights_tree`.

`zipped=False` writes the same three members into a directory (what
`model.save("name", save_format="tf")` produces here, in place of a
TensorFlow SavedModel). Only those three files are written: everything else
in the directory is left alone, as Keras does. Writes go through
`utils.file_utils`: the zip replaces the previous file in one atomic rename,
and the three files of a directory are replaced as one unit, so a crash at
any instant leaves the old model or the new one.

Reading only parses JSON and HDF5 (nothing in a file is executed), and
bounds its work: the config is checked before anything is built
(`config_checks`), the archive's members before they are read
(`keras_archive`), and each weight's shape before it is read (`weights_tree`).
h5py is imported inside the functions that need it.
"""

from __future__ import annotations

import datetime
import io
import json
import os
import zipfile
from typing import Any

from scratchnn.saving import config_checks, weights_tree
from scratchnn.saving.keras_archive import CONFIG_NAME, METADATA_NAME, WEIGHTS_NAME, KerasArchive
from scratchnn.saving.registry import CustomObjectScope
from scratchnn.saving.serialization import deserialize_model, serialize_model
from scratchnn.utils import file_utils

KERAS_VERSION = "3.3.3"  # the oldest Keras 3 that must load our files; written to metadata.json
__all__ = ["CONFIG_NAME", "KERAS_VERSION", "METADATA_NAME", "WEIGHTS_NAME", "load_model", "save_model"]


# -- save ---------------------------------------------------------------------------------
def _metadata() -> bytes:
    now = datetime.datetime.now().strftime("%Y-%m-%d@%H:%M:%S")
    return json.dumps({"keras_version": KERAS_VERSION, "date_saved": now}).encode()


def _weights_bytes(model: Any, include_optimizer: bool) -> bytes:
    import h5py

    buffer = io.BytesIO()
    with h5py.File(buffer, "w") as f:
        weights_tree.write_weights(model, f, include_optimizer)
    return buffer.getvalue()


def _zip_bytes(members: list[tuple[str, bytes]]) -> bytes:
    # ZIP_STORED, in Keras's member order (metadata, config, weights).
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as zf:
        for name, data in members:
            zf.writestr(name, data)
    return buffer.getvalue()


def _members(model: Any, include_optimizer: bool) -> list[tuple[str, bytes]]:
    """The three members of a `.keras` file, in Keras's order (metadata, config, weights)."""
    config = json.dumps(serialize_model(model, include_compile=include_optimizer)).encode()
    weights = _weights_bytes(model, include_optimizer)
    return [(METADATA_NAME, _metadata()), (CONFIG_NAME, config), (WEIGHTS_NAME, weights)]


def model_to_bytes(model: Any, include_optimizer: bool = True) -> bytes:
    """The bytes of the `.keras` zip `save_model` would write, built in memory (for pickling)."""
    return _zip_bytes(_members(model, include_optimizer))


def save_model(model: Any, filepath: str, include_optimizer: bool = True, zipped: bool = True) -> None:
    """Writes `model` in the `.keras` format (a zip, or a directory when `zipped=False`).

    Raises:
        ValueError: when a directory save meets an existing file of that name.
        OSError: from the file system; the previous model is still in place.
    """
    members = _members(model, include_optimizer)
    filepath = os.fspath(filepath)
    if zipped:
        data = _zip_bytes(members)
        file_utils.atomic_write_file(filepath, lambda tmp: file_utils.write_bytes(tmp, data))
        return
    if os.path.exists(filepath) and not os.path.isdir(filepath):
        raise ValueError(f"Cannot save the model directory: {filepath!r} exists and is a file.")
    file_utils.atomic_write_files(
        filepath, [(name, lambda tmp, data=data: file_utils.write_bytes(tmp, data)) for name, data in members]
    )


# -- load ---------------------------------------------------------------------------------
def parse_config(data: bytes, filepath: str) -> dict[str, Any]:
    """Parses and checks config.json, with an error naming the file when it is not a model config."""
    config = config_checks.parse_config_json(data, filepath, CONFIG_NAME)
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(f"The {CONFIG_NAME} in {filepath!r} does not describe a model (no 'class_name').")
    config_checks.validate_model_config(config, filepath, CONFIG_NAME)
    return config


def _check_members(archive: KerasArchive, filepath: str) -> None:
    names = set(archive.names())
    if archive.is_dir and not archive.has(CONFIG_NAME):
        if "saved_model.pb" in names:
            raise ValueError(
                f"{filepath!r} is a TensorFlow SavedModel directory, which scratchnn cannot read "
                "(it would need TensorFlow). Save it with Keras as a `.keras` file instead."
            )
        raise ValueError(f"The directory {filepath!r} is not a saved model: it has no {CONFIG_NAME}.")
    if CONFIG_NAME not in names and not archive.is_dir:
        raise ValueError(
            f"The file {filepath!r} is a zip archive but not a Keras model: it has no {CONFIG_NAME} "
            f"(members: {sorted(names)[:10]})."
        )
    if "model.weights.npz" in names and WEIGHTS_NAME not in names:
        raise ValueError(
            f"The file {filepath!r} stores its weights as model.weights.npz, which scratchnn does not "
            "read. Save it with Keras's default weights format (HDF5)."
        )


def deserialize(config: dict[str, Any], filepath: str, custom_objects: Any, compile: bool) -> Any:
    """Builds the model a checked config describes; a RecursionError becomes a ValueError naming the file."""
    try:
        with CustomObjectScope(custom_objects or {}):
            return deserialize_model(config, custom_objects, compile=compile)
    except RecursionError:
        raise ValueError(f"The model config in {filepath!r} is nested too deeply to rebuild.") from None


def load_model(
    filepath: str, custom_objects: dict[str, Any] | None = None, compile: bool = True, safe_mode: bool = True
) -> Any:
    """Rebuilds a model from a `.keras` zip or directory written by scratchnn or Keras 3.

    Raises:
        ValueError: naming the file for an archive, config or weights file that
            is corrupt, crafted, or does not fit the model it describes.
    """
    filepath = os.fspath(filepath)
    with KerasArchive(filepath) as archive:
        _check_members(archive, filepath)
        config = parse_config(archive.read_config(), filepath)
        model = deserialize(config, filepath, custom_objects, compile)
        with archive.open_weights(weights_tree.weights_byte_limit(model)) as f:
            weights_tree.read_weights(model, f, filepath, skip_optimizer=not compile)
    return model


def load_model_from_bytes(
    data: bytes,
    custom_objects: dict[str, Any] | None = None,
    compile: bool = True,
    label: str = "<in memory>",
) -> Any:
    """The model in the `.keras` zip `data` (what `model_to_bytes` returns), read in memory.

    For pickles, which are trusted by nature (unpickling runs code): the size and
    member checks that `load_model` applies to files from elsewhere are skipped.
    """
    import h5py

    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        config_bytes, weights = zf.read(CONFIG_NAME), zf.read(WEIGHTS_NAME)
    model = deserialize(parse_config(config_bytes, label), label, custom_objects, compile)
    with h5py.File(io.BytesIO(weights), "r") as f:
        weights_tree.read_weights(model, f, label, skip_optimizer=not compile)
    return model


def load_weights(model: Any, filepath: str, skip_mismatch: bool = False) -> None:
    """Loads the weights member of a `.keras` zip or directory into `model` (all or nothing)."""
    with KerasArchive(filepath) as archive:
        with archive.open_weights(weights_tree.weights_byte_limit(model)) as f:
            weights_tree.read_weights(model, f, filepath, skip_mismatch=skip_mismatch)
