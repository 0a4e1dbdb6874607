"""Safe mode for deserialization: whether a config may carry Python code (keras/src/saving/serialization_lib.py).

Keras saves a `Lambda` layer's Python lambda as marshalled bytecode and refuses to
rebuild it unless safe mode is off: by `safe_mode=False` where a loader takes it,
inside `SafeModeScope(False)`, or after `keras.config.enable_unsafe_deserialization()`.
An unset mode counts as safe, so a direct `from_config` call fails closed.
"""

from __future__ import annotations

import threading

_state = threading.local()
# `enable_unsafe_deserialization()` sets the process-wide default; scopes override it per thread.
_global = {"safe_mode": None}


def in_safe_mode() -> bool | None:
    """The active safe-mode setting: True, False, or None when nothing set it (read as safe)."""
    stack = getattr(_state, "stack", None)
    if stack:
        return stack[-1]
    return _global["safe_mode"]


class SafeModeScope:
    """Sets safe mode for the deserialization calls inside a `with` block.

    Example:
        >>> with SafeModeScope(False):
        ...     layer = keras.layers.Lambda.from_config(config)  # a trusted config with a lambda
    """

    def __init__(self, safe_mode: bool | None = True) -> None:
        self.safe_mode = safe_mode

    def __enter__(self) -> SafeModeScope:
        if not hasattr(_state, "stack"):
            _state.stack = []
        _state.stack.append(self.safe_mode)
        return self

    def __exit__(self, *exc: object) -> None:
        _state.stack.pop()


def enable_unsafe_deserialization() -> None:
    """Turns safe mode off for the whole process, so configs holding Python lambdas load.

    Only do this for files you trust: rebuilding a lambda runs code that the file carries.
    """
    _global["safe_mode"] = False
