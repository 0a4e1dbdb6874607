"""The array seam: every array operation in scratchnn goes through `xp`.

`xp` is the active array namespace (NumPy by default). Layers, losses, metrics
and optimizers never import NumPy as their array library; they use `xp` (or,
better, `scratchnn.ops`), so a CuPy backend can replace NumPy in one place.

Also here: the default float type (`floatx`), the fuzz factor (`epsilon`),
conversions between host NumPy arrays and backend arrays, seeded
random-number generation (`scratchnn.backend.random`), and the execution layer
that runs the heavy ops' chunks on several threads (`scratchnn.backend.parallel`;
`num_threads()` / `set_num_threads(n)`).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from types import ModuleType
from typing import Any

import numpy as _np

from scratchnn.backend.host_memory import keep_freed_memory
from scratchnn.backend.parallel import num_threads as num_threads
from scratchnn.backend.parallel import set_num_threads as set_num_threads

# "numpy_strict" (backend/strict_numpy.py) is NumPy whose arrays refuse plain NumPy arrays: the tests
# run under it to prove that every array goes through `xp` (SCRATCHNN_BACKEND=numpy_strict in tests/).
_BACKENDS = {"numpy": "numpy", "numpy_strict": "scratchnn.backend.strict_numpy"}
_state: dict[str, Any] = {
    "name": "numpy",
    "module": _np,
    "floatx": "float32",
    "epsilon": 1e-7,
}
# Called with the new array module on every set_backend (see `on_backend_change`).
_backend_listeners: list[Callable[[ModuleType], None]] = []


class _Namespace:
    """Forwards attribute access to the active array module.

    The first access of a name caches it on the instance, so later look-ups are
    plain attribute reads; `set_backend` clears that cache.
    """

    def __getattr__(self, name: str) -> Any:
        value = getattr(_state["module"], name)
        self.__dict__[name] = value
        return value

    def __repr__(self) -> str:
        return f"<scratchnn array namespace: {_state['name']}>"


xp = _Namespace()

# NumPy arrays are malloc'd: keep freed large blocks for the next training step.
keep_freed_memory()


def get_backend() -> str:
    """Returns the name of the active array backend (`"numpy"`)."""
    return _state["name"]


def set_backend(name: str) -> None:
    """Selects the array backend used by every op.

    Args:
        name: one of the registered backends: `"numpy"`, or `"numpy_strict"` (NumPy whose
            arrays refuse to meet arrays not made through `xp`; for tests).

    Raises:
        ValueError: if `name` is not a registered backend.
    """
    if name not in _BACKENDS:
        raise ValueError(f"Unknown backend. Expected one of {sorted(_BACKENDS)}. Received: name={name!r}")
    module = importlib.import_module(_BACKENDS[name])
    _state["module"] = module
    _state["name"] = name
    xp.__dict__.clear()
    for listener in _backend_listeners:
        listener(module)


def on_backend_change(listener: Callable[[ModuleType], None]) -> None:
    """Calls `listener(module)` with the active array module now and after every `set_backend`.

    For code above the backend that adapts to it once per switch rather than once per call:
    ops.tensor installs numpy_strict's `check_array` in `Tensor.__init__` this way, so the
    NumPy backend's Tensors pay nothing for the check.
    """
    _backend_listeners.append(listener)
    listener(_state["module"])


def backend_module() -> ModuleType:
    """Returns the active array module itself (e.g. `numpy`)."""
    return _state["module"]


def floatx() -> str:
    """Returns the default float type as a string, `"float32"` unless changed."""
    return _state["floatx"]


def set_floatx(value: str) -> None:
    """Sets the default float type: `"float16"`, `"float32"` or `"float64"`.

    Raises:
        ValueError: for any other value.
    """
    allowed = ("float16", "float32", "float64")
    if value not in allowed:
        raise ValueError(f"Unknown floatx type. Expected one of {allowed}. Received: value={value!r}")
    _state["floatx"] = str(value)


def epsilon() -> float:
    """Returns the fuzz factor used to keep logs and divisions finite (1e-7)."""
    return _state["epsilon"]


def set_epsilon(value: float) -> None:
    """Sets the fuzz factor returned by `epsilon()`."""
    _state["epsilon"] = float(value)


def image_data_format() -> str:
    """Returns `"channels_last"`: scratchnn stores images as (N, H, W, C), like Keras."""
    return "channels_last"


def standardize_dtype(dtype: Any) -> str:
    """Returns a dtype's canonical name, e.g. `np.float32` -> `"float32"`; None -> floatx()."""
    if dtype is None:
        return floatx()
    if hasattr(dtype, "name") and not isinstance(dtype, str):
        return str(dtype.name)
    return str(_np.dtype(dtype).name)


def is_float_dtype(dtype: Any) -> bool:
    """True for floating-point dtypes."""
    return _np.dtype(standardize_dtype(dtype)).kind == "f"


def asarray(x: Any, dtype: Any = None) -> Any:
    """Converts `x` (list, NumPy array, backend array) to a backend array.

    Args:
        x: array-like of any shape.
        dtype: target dtype, or None to keep the dtype of `x`.

    Returns:
        A backend array with the same shape as `x`; no copy when nothing changes.
    """
    return _state["module"].asarray(x, dtype=dtype)


def to_numpy(x: Any) -> _np.ndarray:
    """Converts a backend array (or a Tensor) to a host NumPy array."""
    if hasattr(x, "data") and not isinstance(x, _np.ndarray):
        x = x.data
    if type(x) is _np.ndarray:
        return x
    if isinstance(x, _np.ndarray):  # a subclass; numpy_strict's arrays stand for device memory
        return x.view(_np.ndarray) if getattr(x, "is_backend_array", False) else x
    if hasattr(x, "get"):  # CuPy arrays copy to the host with .get()
        return x.get()
    return _np.asarray(x)
