"""What actually ran, read off the objects themselves: the model's layers, its optimizer and loss, versions.

A report built from these describes the run, not the recipe it started from:
a `--model FILE.py` network shows its own layers, and a model compiled in that
file shows its own optimizer.
"""

from __future__ import annotations

import datetime
import platform
import sys
from importlib import metadata
from typing import Any

from scratchnn.utils.summary import _shape_text

# Optimizer settings worth showing when they differ from these values (Keras's defaults).
_QUIET_DEFAULTS = {
    "weight_decay": None,
    "clipnorm": None,
    "global_clipnorm": None,
    "clipvalue": None,
    "use_ema": False,
    "ema_momentum": 0.99,
    "ema_overwrite_frequency": None,
    "loss_scale_factor": None,
    "gradient_accumulation_steps": None,
    "name": None,
}


def model_summary(model: Any) -> dict[str, Any]:
    """The rows and totals of `model.summary()` as data.

    Returns:
        `{"name", "rows": [(layer name, class name, output shape text, params)],
        "total", "trainable", "non_trainable"}` (parameter counts).
    """
    rows = []
    for layer in model._summary_layers():
        shape = model._summary_output_shape(layer)
        params = layer.count_params() if layer.built else 0
        rows.append((layer.name, type(layer).__name__, _shape_text(shape), params))
    trainable = sum(int(v.size) for v in model.trainable_weights) if model.built else 0
    non_trainable = sum(int(v.size) for v in model.non_trainable_weights) if model.built else 0
    return {
        "name": model.name,
        "rows": rows,
        "total": trainable + non_trainable,
        "trainable": trainable,
        "non_trainable": non_trainable,
    }


def learning_rate(optimizer: Any) -> Any:
    """The optimizer's current learning rate as a float, or its schedule's class name."""
    value = getattr(optimizer, "_learning_rate", None)
    value = getattr(optimizer, "learning_rate", None) if value is None else value
    try:
        return float(value)
    except (TypeError, ValueError):
        return type(value).__name__


def optimizer_facts(model: Any) -> dict[str, Any]:
    """`{"optimizer": "SGD", "learning_rate": 0.01, "settings": "momentum=0.9, ..."}` of a compiled model."""
    optimizer = getattr(model, "optimizer", None)
    if optimizer is None:
        return {"optimizer": None, "learning_rate": None, "settings": None}
    try:
        config = optimizer.get_config()
    except Exception:  # a user optimizer without get_config: the class name still says what ran
        config = {}
    settings = [
        f"{key}={value:.4g}" if isinstance(value, float) else f"{key}={value}"
        for key, value in config.items()
        if key != "learning_rate" and _QUIET_DEFAULTS.get(key, object()) != value and key != "name"
    ]
    return {
        "optimizer": type(optimizer).__name__,
        "learning_rate": learning_rate(optimizer),
        "settings": ", ".join(settings) or None,
    }


def loss_name(model: Any) -> str | None:
    """The loss the model was compiled with, as a name."""
    config = model.get_compile_config() if hasattr(model, "get_compile_config") else None
    loss = (config or {}).get("loss")
    if isinstance(loss, dict):
        return str(loss.get("class_name") or loss.get("config", {}).get("name") or loss)
    return None if loss is None else str(loss)


def version_of(name: str) -> str | None:
    """The package's `__version__` when it is imported, else its installed version, else None."""
    module = sys.modules.get(name)
    version = getattr(module, "__version__", None)
    if version:
        return str(version)
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def environment() -> dict[str, Any]:
    """Library versions, Python, the platform, and the date (local time with its offset)."""
    return {
        "scratchnn": version_of("scratchnn"),  # its __version__ (sys.modules holds it), else the metadata
        "Python": platform.python_version(),
        "NumPy": version_of("numpy"),
        "h5py": version_of("h5py"),
        "matplotlib": version_of("matplotlib"),
        "platform": f"{platform.system()} {platform.machine()}",
        "date": datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M:%S %z"),
    }
