"""`tf.config.experimental`: only the calls Keras code commonly makes on start-up."""

from __future__ import annotations

from typing import Any

from scratchnn.tf_compat import missing

_memory_growth: dict[str, bool] = {}


def _gpu_name(device: Any, fn: str) -> str:
    if getattr(device, "device_type", None) != "GPU":
        # TensorFlow refuses memory growth on a CPU too.
        raise ValueError(
            f"tf.config.experimental.{fn} applies to GPU devices only. Received: device={device!r}"
        )
    return device.name


def set_memory_growth(device: Any, enable: bool) -> None:
    """Records the flag for a GPU device; NumPy allocates as it goes, so there is nothing to change.

    Raises:
        ValueError: for a device that is not a GPU, as TensorFlow does.
    """
    _memory_growth[_gpu_name(device, "set_memory_growth")] = bool(enable)


def get_memory_growth(device: Any) -> bool:
    """The flag set by `set_memory_growth` (False until set)."""
    return _memory_growth.get(_gpu_name(device, "get_memory_growth"), False)


def list_physical_devices(device_type: str | None = None) -> list:
    """The older name of `tf.config.list_physical_devices`."""
    # The cycle tf_compat/config/__init__.py <-> tf_compat/config/experimental.py: the parent
    # package imports this module first.
    from scratchnn.tf_compat import config

    return config.list_physical_devices(device_type)


def __getattr__(name: str) -> Any:
    raise missing("tf.config.experimental", name)


__all__ = ["get_memory_growth", "list_physical_devices", "set_memory_growth"]
