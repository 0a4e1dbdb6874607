"""`save_model` / `load_model`: choose the format from the path (keras/src/saving/saving_api.py).

Formats:
- `name.keras`: the Keras 3 native zip (`keras_file`), which real Keras 3 loads.
- `name.h5` / `name.hdf5` / `save_format="h5"`: the legacy HDF5 model (`h5_weights`).
- any other path, or `save_format="tf"` (Keras 2 tutorials' SavedModel): a
  **directory** holding the same three members as the `.keras` zip
  (config.json, metadata.json, model.weights.h5), as Keras's
  `save_model(..., zipped=False)` writes it. It is not a TensorFlow
  SavedModel (that would need TensorFlow); `load_model` on the directory
  gives the model back, and Keras 3 reads it the same way. Only those three
  files are written: any other file in the directory is left alone.

Every save is crash-safe (`utils.file_utils`): at any instant the path holds
the previous model or the new one. New files follow the umask, an
overwritten file keeps its mode, and saving through a symlink writes its
target.

Loading detects the format from the content (zip, HDF5 or directory), never
from the file name alone, and runs no code from the file unless `safe_mode=False` is asked for.
"""

from __future__ import annotations

import os
import zipfile
from typing import Any

from scratchnn.saving import h5_weights, keras_file
from scratchnn.utils.safe_mode import SafeModeScope, in_safe_mode

_SAVE_FORMATS = (None, "keras", "tf", "h5")


def save_model(
    model: Any,
    filepath: str,
    overwrite: bool = True,
    zipped: bool | None = None,
    include_optimizer: bool = True,
    save_format: str | None = None,
    **kwargs: Any,
) -> None:
    """Saves a model: architecture, weights and (by default) compile config and optimizer state.

    Args:
        model: the model to save.
        filepath: `.keras` (zip), `.h5` (legacy HDF5), or another path (a directory).
        overwrite: whether to replace an existing file (False raises if it exists).
        zipped: force the zip (True) or directory (False) form of the native format.
        include_optimizer: whether to save the compile config and optimizer state.
        save_format: "keras", "h5" or "tf" (Keras 2 spelling; gives the directory form).

    Raises:
        ValueError: for an unknown `save_format`, or an existing file with `overwrite=False`.
    """
    if save_format not in _SAVE_FORMATS:
        raise ValueError(
            f"Unknown save_format. Expected one of {list(_SAVE_FORMATS)}. Received: save_format={save_format!r}"
        )
    unknown = set(kwargs) - {"options", "signatures", "save_traces"}
    if unknown:
        raise ValueError(f"The following argument(s) are not supported: {sorted(unknown)}")
    filepath = os.fspath(filepath)
    if not overwrite and os.path.exists(filepath):
        raise ValueError(f"The file {filepath!r} already exists and overwrite=False.")
    is_h5 = save_format == "h5" or (save_format is None and filepath.endswith((".h5", ".hdf5")))
    if is_h5:
        h5_weights.save_legacy_h5(model, filepath, include_optimizer)
        return
    if zipped is None:
        zipped = save_format != "tf" and filepath.endswith(".keras")
    keras_file.save_model(model, filepath, include_optimizer=include_optimizer, zipped=zipped)


def load_model(
    filepath: str, custom_objects: dict[str, Any] | None = None, compile: bool = True, safe_mode: bool = True
) -> Any:
    """Loads a model saved by `save_model` or by Keras 3 (`.keras`, legacy `.h5`, or a directory).

    Args:
        filepath: the file or directory.
        custom_objects: `{name: class_or_function}` for user layers, losses, metrics, models.
        compile: whether to compile the model with its saved compile config
            (and restore the optimizer state).
        safe_mode: True (the default) refuses any code stored in the file (a `Lambda`
            layer's Python lambda). False loads it, as Keras does: do that only for
            files you trust, since the stored bytecode runs when the model is called.

    Raises:
        ValueError: naming the file when it is missing, truncated, corrupt or not
            a Keras file, and naming any unknown class with how to register it.
    """
    filepath = os.fspath(filepath)
    if not os.path.exists(filepath):
        raise ValueError(
            f"File not found: filepath={filepath}. Please ensure the file is an accessible `.keras` zip file."
        )
    # An enclosing SafeModeScope wins over the argument, as in Keras's deserialize_keras_object.
    scoped = in_safe_mode()
    with SafeModeScope(safe_mode if scoped is None else scoped):
        if os.path.isdir(filepath) or zipfile.is_zipfile(filepath):
            return keras_file.load_model(filepath, custom_objects, compile, safe_mode)
        if h5_weights.is_hdf5(filepath):
            return h5_weights.load_legacy_model(filepath, custom_objects, compile)
    with open(filepath, "rb") as fh:
        head = fh.read(8)
    if filepath.endswith(".keras") and head[:2] == b"PK":
        raise ValueError(
            f"The file {filepath!r} is a truncated or corrupt .keras archive (its zip directory is missing)."
        )
    raise ValueError(
        f"The file {filepath!r} is not a Keras model: expected a .keras zip archive, an HDF5 .h5 file or a saved "
        f"model directory. Its first bytes are {head!r}; it may be truncated, corrupt or of another format."
    )
