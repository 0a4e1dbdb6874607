"""`tf.config`: the devices scratchnn computes on, and the settings Keras code commonly calls.

scratchnn computes with NumPy on the CPU, so `list_physical_devices()` lists the CPU, and a GPU
only while a GPU array backend is active (none exists yet). Device placement and memory settings
are accepted and change nothing, which is what they mean here.
"""

from __future__ import annotations

from collections import namedtuple
from typing import Any

from scratchnn import backend
from scratchnn.tf_compat import missing
from scratchnn.tf_compat.config import experimental

# TensorFlow's record types, with the same fields.
PhysicalDevice = namedtuple("PhysicalDevice", ["name", "device_type"])
LogicalDevice = namedtuple("LogicalDevice", ["name", "device_type"])

# Array backends that compute on a GPU (scratchnn.backend registers "numpy" only today).
GPU_BACKENDS = ("cupy",)


def _device_types() -> list[str]:
    return ["CPU", "GPU"] if backend.get_backend() in GPU_BACKENDS else ["CPU"]


def list_physical_devices(device_type: str | None = None) -> list[PhysicalDevice]:
    """The devices scratchnn can compute on: the CPU, and the GPU of a GPU backend.

    Args:
        device_type: "CPU" or "GPU" to list only those; None lists all.
    """
    return [
        PhysicalDevice(f"/physical_device:{kind}:0", kind)
        for kind in _device_types()
        if device_type is None or kind == str(device_type).upper()
    ]


def list_logical_devices(device_type: str | None = None) -> list[LogicalDevice]:
    """Like `list_physical_devices`, with TensorFlow's logical device names ("/device:CPU:0")."""
    return [
        LogicalDevice(f"/device:{d.device_type}:0", d.device_type) for d in list_physical_devices(device_type)
    ]


def get_visible_devices(device_type: str | None = None) -> list[PhysicalDevice]:
    """The devices in use: all of `list_physical_devices`."""
    return list_physical_devices(device_type)


def set_visible_devices(devices: Any, device_type: str | None = None) -> None:
    """Accepted and ignored: scratchnn computes on the array backend's device (hiding a GPU with
    `set_visible_devices([], "GPU")` is already true)."""


def run_functions_eagerly(run_eagerly: bool) -> None:
    """Accepted: scratchnn always runs eagerly (tf.function runs the Python function as is)."""


def functions_run_eagerly() -> bool:
    """True: scratchnn has no graph mode."""
    return True


def __getattr__(name: str) -> Any:
    raise missing("tf.config", name)


__all__ = [
    "LogicalDevice",
    "PhysicalDevice",
    "experimental",
    "functions_run_eagerly",
    "get_visible_devices",
    "list_logical_devices",
    "list_physical_devices",
    "run_functions_eagerly",
    "set_visible_devices",
]
