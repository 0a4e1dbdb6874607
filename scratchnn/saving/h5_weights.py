"""HDF5 weight files: `save_weights`/`load_weights` and legacy Keras 2 `.h5` models.

Two layouts are read:
- Keras 3 (`.weights.h5`, also inside `.keras`): the `<path>/vars/<i>` tree
  described in `keras_file`. `save_weights` always writes this one, whether
  the name ends in `.weights.h5` (Keras 3) or just `.h5` (the Keras 2
  tutorials' `ModelCheckpoint("my_keras_model.h5", save_weights_only=True)`,
  which Keras 3 refuses and scratchnn accepts).
- Legacy (Keras 2 / tf.keras `.h5`, and Keras 3's `save_format="h5"`):
  `model_weights/<layer name>/<weight name>` with `layer_names` and
  `weight_names` attributes (keras/src/legacy/saving/legacy_h5_format.py).
  Weights are matched by order, as Keras does: the layers that have weights,
  in file order, against the model's layers that have weights.

`save_legacy_h5` writes that legacy layout for `model.save("x.h5")`, with
`model_config` and `training_config` attributes as JSON.
"""

from __future__ import annotations

import json
import os
import zipfile
from typing import Any

from scratchnn import backend
from scratchnn.layers.input_layer import InputLayer
from scratchnn.saving import config_checks, h5_reader, keras_file, weights_tree
from scratchnn.saving.registry import CustomObjectScope
from scratchnn.saving.serialization import deserialize_layer, serialize_model
from scratchnn.utils import file_utils

HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"


def is_hdf5(filepath: str) -> bool:
    """Whether the file starts with the HDF5 signature."""
    try:
        with open(filepath, "rb") as fh:
            return fh.read(8) == HDF5_SIGNATURE
    except OSError:
        return False


def _open(filepath: str, mode: str = "r") -> Any:
    import h5py

    try:
        return h5py.File(filepath, mode)
    except FileNotFoundError as err:
        raise ValueError(
            f"File not found: filepath={filepath}. Please ensure the file is an accessible file."
        ) from err
    except OSError as err:
        raise ValueError(
            f"The file {filepath!r} is not a readable HDF5 file (truncated, corrupt or foreign): {err}"
        ) from err


def _check_weights_name(filepath: str) -> None:
    if not filepath.endswith((".weights.h5", ".h5", ".hdf5")):
        raise ValueError(
            "The filename must end in `.weights.h5` (Keras 3), or `.h5` (Keras 2 style, accepted by scratchnn). "
            f"Received: filepath={filepath}"
        )


def save_weights(model: Any, filepath: str, overwrite: bool = True) -> None:
    """Writes the model's weights (and optimizer state) in Keras 3's `.weights.h5` layout, atomically."""
    filepath = os.fspath(filepath)
    _check_weights_name(filepath)
    if not overwrite and os.path.exists(filepath):
        raise ValueError(f"The file {filepath!r} exists and overwrite=False.")
    import h5py

    def write(tmp: str) -> None:
        with h5py.File(tmp, "w") as f:
            weights_tree.write_weights(model, f, include_optimizer=True)

    file_utils.atomic_write_file(filepath, write)


def load_weights(model: Any, filepath: str, skip_mismatch: bool = False) -> None:
    """Loads weights from a `.weights.h5`, a legacy `.h5` or a `.keras` file.

    Raises:
        ValueError: naming the file, when it is missing, not HDF5/zip, or does
            not match the model.
    """
    filepath = os.fspath(filepath)
    if not os.path.exists(filepath):
        raise ValueError(
            f"File not found: filepath={filepath}. Please ensure the file is an accessible file."
        )
    if (
        os.path.isdir(filepath)
        or filepath.endswith(".keras")
        or (not is_hdf5(filepath) and zipfile.is_zipfile(filepath))
    ):
        keras_file.load_weights(model, filepath, skip_mismatch)
        return
    if not is_hdf5(filepath):
        raise ValueError(
            f"The file {filepath!r} is not an HDF5 weights file (wrong signature; truncated or foreign)."
        )
    with _open(filepath) as f:
        if "model_weights" in f or "layer_names" in f.attrs:
            group = h5_reader.get_group(f, "model_weights", filepath) if "model_weights" in f else f
            load_legacy_weights(model, group, filepath, skip_mismatch)
        else:
            weights_tree.read_weights(model, f, filepath, skip_mismatch=skip_mismatch)


# -- legacy layout ------------------------------------------------------------------------
def _attr_list(group: Any, name: str) -> list[str]:
    """A string-list attribute, joining Keras's `name0`, `name1`, ... chunks (64 KB attribute limit)."""
    if name in group.attrs:
        values = list(group.attrs[name])
    else:
        values, i = [], 0
        while f"{name}{i}" in group.attrs:
            values.extend(group.attrs[f"{name}{i}"])
            i += 1
    return [v.decode("utf8") if isinstance(v, bytes) else str(v) for v in values]


def _model_layers(model: Any) -> list[Any]:
    return [layer for layer in model.layers if not isinstance(layer, InputLayer)]


def load_legacy_weights(model: Any, group: Any, filepath: str, skip_mismatch: bool = False) -> None:
    """Loads `model_weights`-style weights by order (layers with weights, then each layer's weights).

    All or nothing: every dataset is checked (shape before reading, no links or
    foreign storage) and read before the first weight is assigned.

    Raises:
        ValueError: naming the file, when the layer count or a shape differs or
            a dataset is not plain numeric data of this file.
    """
    saved = []
    for name in _attr_list(group, "layer_names"):
        g = h5_reader.get_group(group, name, filepath)
        if g is None:
            raise ValueError(f"The weights file {filepath!r} lists layer {name!r} but has no group for it.")
        datasets = []
        for w in _attr_list(g, "weight_names"):
            ds = h5_reader.get_dataset(g, w, filepath, f"{name}/{w}")
            if ds is None:
                raise ValueError(
                    f"The weights file {filepath!r} lists weight {name}/{w} but has no dataset for it."
                )
            datasets.append((f"{name}/{w}", ds))
        if datasets:
            saved.append((name, datasets))
    layers = [layer for layer in _model_layers(model) if layer.weights]
    if len(saved) != len(layers):
        raise ValueError(
            f"The weights file {filepath!r} holds weights for {len(saved)} layers ({[n for n, _ in saved]}), "
            f"but the model has {len(layers)} layers with weights ({[layer.name for layer in layers]})."
        )
    plan = []
    for (name, datasets), layer in zip(saved, layers):
        expected = [v.shape for v in layer.weights]
        got = [tuple(ds.shape) for _, ds in datasets]
        if expected != got:
            if skip_mismatch:
                continue
            raise ValueError(
                f"Layer {layer.name!r} expects weights of shapes {expected}, but the weights file "
                f"{filepath!r} holds shapes {got} for layer {name!r}."
            )
        for var, (where, ds) in zip(layer.weights, datasets):
            plan.append((var, h5_reader.read_array(ds, var.shape, filepath, where, f"Layer {layer.name!r}")))
    for var, value in plan:  # every shape matched and every array was read: now the model changes
        var.assign(value.astype(var.data.dtype, copy=False))


def save_legacy_h5(model: Any, filepath: str, include_optimizer: bool = True) -> None:
    """Writes a legacy `.h5` model: `model_config`, `training_config` and `model_weights/`."""
    import h5py

    config = serialize_model(model, include_compile=False)

    def write(tmp: str) -> None:
        with h5py.File(tmp, "w") as f:
            f.attrs["keras_version"] = keras_file.KERAS_VERSION
            f.attrs["backend"] = "numpy"
            f.attrs["model_config"] = json.dumps(
                {"class_name": config["class_name"], "config": config["config"]}
            )
            if include_optimizer and getattr(model, "compiled", False) and model.optimizer is not None:
                f.attrs["training_config"] = json.dumps(_training_config(model))
            weights = f.create_group("model_weights")
            layers = _model_layers(model)
            weights.attrs["layer_names"] = [layer.name.encode("utf8") for layer in layers]
            weights.attrs["backend"] = "numpy"
            weights.attrs["keras_version"] = keras_file.KERAS_VERSION
            for layer in layers:
                g = weights.create_group(layer.name)
                names = [f"{layer.name}/{v.name}" for v in layer.weights]
                g.attrs["weight_names"] = [n.encode("utf8") for n in names]
                for n, v in zip(names, layer.weights):
                    g.create_dataset(n, data=backend.to_numpy(v.data))

    file_utils.atomic_write_file(filepath, write)


def _training_config(model: Any) -> dict[str, Any]:
    compile_config = model.get_compile_config()
    optimizer = compile_config.pop("optimizer")
    compile_config["optimizer_config"] = {
        "class_name": optimizer["class_name"],
        "config": optimizer["config"],
    }
    return compile_config


def load_legacy_model(
    filepath: str, custom_objects: dict[str, Any] | None = None, compile: bool = True
) -> Any:
    """Rebuilds a model from a legacy `.h5` file (Keras 2, or Keras 3's `save_format="h5"`)."""
    with _open(filepath) as f:
        raw = f.attrs.get("model_config")
        if raw is None:
            raise ValueError(
                f"The HDF5 file {filepath!r} holds no model config (no 'model_config' attribute): it is a "
                "weights-only file. Build the model in code and call model.load_weights() instead."
            )
        config = config_checks.parse_config_json(raw, filepath, "model_config attribute")
        config_checks.validate_model_config(config, filepath, "model_config attribute")
        try:
            with CustomObjectScope(custom_objects or {}):
                model = deserialize_layer(config, custom_objects)
        except RecursionError:
            raise ValueError(f"The model config in {filepath!r} is nested too deeply to rebuild.") from None
        group = h5_reader.get_group(f, "model_weights", filepath) if "model_weights" in f else f
        load_legacy_weights(model, group, filepath)
        training = f.attrs.get("training_config")
        if compile and training is not None:
            training = config_checks.parse_config_json(training, filepath, "training_config attribute")
            if not isinstance(training, dict):
                raise ValueError(
                    f"The training_config in {filepath!r} is not a dict. Received: {training!r:.200}"
                )
            optimizer = training.pop("optimizer_config", None)
            compile_config = {
                k: training.get(k) for k in ("loss", "loss_weights", "metrics", "weighted_metrics")
            }
            compile_config["optimizer"] = optimizer
            model.compile_from_config(compile_config, custom_objects)
    return model
