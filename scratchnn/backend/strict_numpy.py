"""A strict NumPy namespace: NumPy's maths, with arrays that refuse to meet plain NumPy arrays.

`set_backend("numpy_strict")` makes this module `backend.xp`. It proves the array seam
without a GPU: every function and creation routine reached through `xp` returns a
`StrictArray` (an `ndarray` subclass standing for device memory, as a CuPy array does),
and a `StrictArray` raises a `TypeError` when an operation, an index or an `xp` function
meets a plain NumPy array that is not 0-d. Such an array was made by calling NumPy
directly (`np.zeros`, an `np.random` draw, ...) instead of going through `xp` or
`backend.asarray`; on a GPU backend it would sit in host memory and the same line would
fail there. The error names the NumPy call and the line of scratchnn that made it.

Rules, mirroring CuPy's:
- `xp.asarray` / `xp.array` (and the other conversions) accept host arrays: they are the
  boundary, as `cupy.asarray` is.
- `np.<function>(strict_array)` dispatches here (`__array_function__`) and returns a
  `StrictArray`, as NumPy functions on CuPy arrays dispatch to CuPy.
- 0-d arrays and NumPy scalars combine freely (a reduction's result, `np.float32(2)`).
- `backend.to_numpy` returns a plain view: host arrays never flow back unconverted.

Only tests select it (`SCRATCHNN_BACKEND=numpy_strict`): every call pays a Python wrapper.
"""

from __future__ import annotations

import functools
import sys
import types
from collections.abc import Callable
from typing import Any

import numpy as _np

# Functions that turn host data into backend arrays: the boundary, where a plain array is the input.
_CONVERSIONS = frozenset(
    {"asarray", "array", "asanyarray", "ascontiguousarray", "asfortranarray", "frombuffer", "fromiter"}
)
# Index helpers whose results are arrays (np.ogrid[...], np.r_[...]).
_GRID_OBJECTS = frozenset({"ogrid", "mgrid", "r_", "c_"})


def _caller(skip: tuple[str, ...] = ()) -> tuple[str, str]:
    """The module and "path:line in function" of the first frame outside NumPy, this module and `skip`."""
    frame: types.FrameType | None = sys._getframe(1)
    while frame is not None:
        module = frame.f_globals.get("__name__", "")
        if module != __name__ and module.split(".")[0] != "numpy" and module not in skip:
            return module, f"{frame.f_code.co_filename}:{frame.f_lineno} in {frame.f_code.co_name}"
        frame = frame.f_back
    return "", "<unknown>"


def _refuse(array: _np.ndarray, call: str) -> None:
    """Raises when scratchnn's own code made `call` with a host array; tests and users may mix.

    Only the library is held to the seam: a test comparing a backend array with an expected
    NumPy array (`np.testing.assert_allclose(grad, [0.0, 1.0])`) is host code, as it would be
    after `.get()` on a GPU backend.
    """
    module, where = _caller()
    if module == "scratchnn" or module.startswith("scratchnn."):
        raise TypeError(
            f"numpy_strict backend: {call} received a plain NumPy array (shape {array.shape}, "
            f"dtype {array.dtype}) beside backend arrays, at {where}. An array made by NumPy "
            "directly would live in host memory on a GPU backend: create it through backend.xp, "
            "or convert it with backend.asarray."
        )


def _unwrap(value: Any, call: str) -> Any:
    """Plain-ndarray views of the StrictArrays in `value` (lists and tuples walked); refuses host arrays."""
    kind = type(value)
    if kind is StrictArray:
        return value.view(_np.ndarray)
    if kind is _np.ndarray:
        if value.ndim:
            _refuse(value, call)
        return value
    if kind is list or kind is tuple:
        return kind(_unwrap(v, call) for v in value)
    return value


def _wrap(value: Any) -> Any:
    """`value` with every plain ndarray in it (tuples, lists, named tuples) viewed as a StrictArray."""
    kind = type(value)
    if kind is _np.ndarray:
        return value.view(StrictArray)
    if kind is list or kind is tuple:
        return kind(_wrap(v) for v in value)
    if isinstance(value, tuple) and hasattr(value, "_fields"):  # linalg's EighResult, SVDResult, ...
        return kind(*(_wrap(v) for v in value))
    return value


def _call(fn: Callable[..., Any], call: str, args: tuple, kwargs: dict[str, Any]) -> Any:
    """Runs `fn` on plain views of the arguments and wraps its result; `out=` comes back as given."""
    plain_args = _unwrap(args, call)
    plain_kwargs = {k: _unwrap(v, call) for k, v in kwargs.items()} if kwargs else kwargs
    result = fn(*plain_args, **plain_kwargs)
    out = kwargs.get("out") if kwargs else None
    if out is not None:
        return out[0] if type(out) is tuple and len(out) == 1 else out
    return _wrap(result)


class StrictArray(_np.ndarray):
    """The numpy_strict backend's array: an ndarray that refuses to combine with plain ones.

    Views, slices, `astype` and methods keep the subclass (NumPy's own rules); ufuncs and
    NumPy functions run on plain views of their operands and return StrictArrays.
    """

    is_backend_array = True  # `backend.to_numpy` hands back a plain view, the "host copy"

    def __array_ufunc__(self, ufunc: _np.ufunc, method: str, *inputs: Any, **kwargs: Any) -> Any:
        call = f"numpy.{ufunc.__name__}" + ("" if method == "__call__" else f".{method}")
        if "out" in kwargs and len(kwargs["out"]) == 1:
            kwargs["out"] = kwargs["out"][0]  # ufuncs receive out as a tuple; return it unpacked
        return _call(getattr(ufunc, method), call, inputs, kwargs)

    def __array_function__(self, func: Any, types: Any, args: Any, kwargs: Any) -> Any:
        return _call(func, f"{func.__module__}.{func.__name__}", args, kwargs)

    def __repr__(self) -> str:
        return repr(self.view(_np.ndarray))  # prints as `array(...)`, like the NumPy backend

    def __getitem__(self, key: Any) -> Any:
        _unwrap(key, "indexing")
        return super().__getitem__(key)

    def __setitem__(self, key: Any, value: Any) -> None:
        _unwrap(key, "indexing")
        _unwrap(value, "item assignment")
        super().__setitem__(key, value)


def _checked_method(name: str) -> Callable[..., Any]:
    method = getattr(_np.ndarray, name)

    @functools.wraps(method)
    def checked(self: StrictArray, *args: Any, **kwargs: Any) -> Any:
        return _call(method, f"ndarray.{name}", (self, *args), kwargs)

    return checked


# The methods that take array arguments without a ufunc or __array_function__ underneath.
for _name in ("dot", "take", "put", "repeat", "searchsorted", "choose", "compress"):
    setattr(StrictArray, _name, _checked_method(_name))


def check_array(value: Any, where: str) -> None:
    """Raises TypeError when `value` is a plain NumPy array that is not 0-d (`where` names the use).

    ops.tensor installs it in `Tensor.__init__` while this backend is active
    (`backend.on_backend_change`): an op whose output NumPy made directly fails here even
    when nothing combines it with a backend array afterwards.
    """
    if type(value) is _np.ndarray and value.ndim:
        _, at = _caller(skip=("scratchnn.backend", "scratchnn.ops.tensor"))
        raise TypeError(
            f"numpy_strict backend: {where} received a plain NumPy array (shape {value.shape}, "
            f"dtype {value.dtype}), made at {at}. Create it through backend.xp, or convert it "
            "with backend.asarray."
        )


def _strict_function(fn: Callable[..., Any], name: str) -> Callable[..., Any]:
    call = f"xp.{name}"
    if name.rsplit(".", 1)[-1] in _CONVERSIONS:

        @functools.wraps(fn)
        def convert(*args: Any, **kwargs: Any) -> Any:
            return _wrap(fn(*args, **kwargs))

        return convert

    @functools.wraps(fn)
    def strict(*args: Any, **kwargs: Any) -> Any:
        return _call(fn, call, args, kwargs)

    return strict


class _StrictUfunc:
    """A ufunc whose call and methods (`at`, `reduce`, `outer`, ...) take and give StrictArrays."""

    def __init__(self, ufunc: _np.ufunc) -> None:
        self._ufunc = ufunc
        self.__name__ = ufunc.__name__

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return _call(self._ufunc, f"xp.{self.__name__}", args, kwargs)

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._ufunc, name)
        if name in ("at", "reduce", "accumulate", "reduceat", "outer"):
            call = f"xp.{self.__name__}.{name}"
            return lambda *args, **kwargs: _call(attr, call, args, kwargs)
        return attr


class _StrictGrid:
    """`xp.ogrid[...]` and friends, with StrictArray results."""

    def __init__(self, grid: Any) -> None:
        self._grid = grid

    def __getitem__(self, key: Any) -> Any:
        return _wrap(self._grid[key])


class _StrictModule(types.ModuleType):
    """A NumPy submodule (`xp.linalg`, `xp.lib.stride_tricks`) seen through the strict wrappers."""

    def __init__(self, module: types.ModuleType, prefix: str) -> None:
        super().__init__(module.__name__)
        self._module = module
        self._prefix = prefix

    def __getattr__(self, name: str) -> Any:
        value = _strict_attribute(getattr(self._module, name), f"{self._prefix}{name}")
        setattr(self, name, value)
        return value


def _strict_attribute(value: Any, name: str) -> Any:
    if name == "ndarray":
        return StrictArray
    if isinstance(value, _np.ufunc):
        return _StrictUfunc(value)
    if isinstance(value, types.ModuleType):
        return _StrictModule(value, f"{name}.")
    if name in _GRID_OBJECTS:
        return _StrictGrid(value)
    # Types (dtypes, errstate, finfo, exceptions) and constants pass through; functions are wrapped.
    if callable(value) and not isinstance(value, type):
        return _strict_function(value, name)
    return value


_attributes: dict[str, Any] = {}  # not globals(): NumPy's `sum`, `abs`, ... would shadow builtins here


def __getattr__(name: str) -> Any:
    """Module attribute hook (PEP 562): `xp.<name>` is NumPy's `<name>` behind the strict wrappers."""
    if name not in _attributes:
        _attributes[name] = _strict_attribute(getattr(_np, name), name)
    return _attributes[name]
