"""Builds the re-export modules of the Keras namespace (`keras.layers`, `keras.layers.core`, ...).

Two kinds: `forward` makes a module show every public name of a scratchnn package (and names
added there later); `select` makes one of Keras 2's submodules (`keras.layers.core`, ...) list
the classes Keras 2 kept there, taking whichever of them scratchnn has, so a layer added to
scratchnn.layers appears under its Keras 2 path without an edit here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from types import ModuleType
from typing import Any


def forward(namespace: dict[str, Any], source: ModuleType) -> tuple[list[str], Callable[[str], Any]]:
    """Copies `source.__all__` into `namespace`; returns that list and a module `__getattr__` that
    looks up any other name on `source` (which raises AttributeError with the Keras name).

    The re-exporting package must import its own submodules before installing this `__getattr__`:
    `from pkg import sub` asks `__getattr__` first and would otherwise get `source.sub`.
    """
    public = list(getattr(source, "__all__", [n for n in vars(source) if not n.startswith("_")]))
    namespace.update({n: getattr(source, n) for n in public})
    module_name = namespace["__name__"]

    def __getattr__(name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(f"module {namespace['__name__']!r} has no attribute {name!r}")
        value = getattr(source, name, None)
        # The implementation's own submodules (scratchnn.layers.dense, ...) are not Keras names.
        if value is None or isinstance(value, ModuleType):
            raise AttributeError(f"module {module_name!r} has no attribute {name!r}")
        return value

    return public, __getattr__


def select(
    namespace: dict[str, Any], source: ModuleType, names: Iterable[str], aliases: dict[str, str] | None = None
) -> tuple[list[str], Callable[[str], Any]]:
    """Copies the `names` that `source` has (an alias maps a Keras 2 name to scratchnn's) into
    `namespace`; returns the names present and a `__getattr__` that says which are not there."""
    aliases = aliases or {}
    present = []
    for name in names:
        target = aliases.get(name, name)
        if hasattr(source, target):
            namespace[name] = getattr(source, target)
            present.append(name)
    module_name = namespace["__name__"]
    absent = set(names) - set(present)

    def __getattr__(name: str) -> Any:
        if name in absent:
            raise AttributeError(
                f"module {module_name!r} has no attribute {name!r}: Keras 2 exported {name} here, and "
                f"scratchnn does not implement it. Available here: {', '.join(present)}."
            )
        raise AttributeError(f"module {module_name!r} has no attribute {name!r}")

    return present, __getattr__
