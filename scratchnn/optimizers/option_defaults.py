"""Whether an optimizer's update is exactly its class's: options at their defaults, no method overridden.

SGD's `_minimize` takes a shortcut (the backward pass seeded with the learning
rate) only when its update is `w -= lr * g`: every constructor option keeps its
default and no method of the update path is overridden. Both tests read the
class itself (the signature of `__init__`, the methods on the class), so an
option or a method added later is covered without editing a list. They run
every step, so each is cached per class and reads the options with one
C-level `attrgetter` call.
"""

from __future__ import annotations

import functools
import inspect
import operator
from collections.abc import Callable
from typing import Any


@functools.cache
def constructor_defaults(
    cls: type, excluded: frozenset[str]
) -> tuple[Callable[[Any], tuple[Any, ...]], tuple[Any, ...]]:
    """(a getter of the options' current values as a tuple, their defaults as a tuple) for the
    options of `cls.__init__` that have a default, without `excluded` and **kwargs."""
    params = inspect.signature(cls.__init__).parameters.values()
    names = [
        p.name
        for p in params
        if p.name not in excluded and p.kind is not p.VAR_KEYWORD and p.default is not p.empty
    ]
    defaults = tuple(inspect.signature(cls.__init__).parameters[n].default for n in names)

    def read(optimizer: Any) -> tuple[Any, ...]:
        return tuple(getattr(optimizer, n, d) for n, d in zip(names, defaults))

    if names and all(n.isidentifier() for n in names):
        getter = operator.attrgetter(*names)
        plain_read = (lambda o: (getter(o),)) if len(names) == 1 else getter
        return _tolerant(plain_read, read), defaults
    return read, defaults


def _tolerant(fast: Any, slow: Any) -> Any:
    """`fast(o)`, or `slow(o)` when an option attribute is missing (a subclass that skipped it)."""

    def read(optimizer: Any) -> tuple[Any, ...]:
        try:
            return fast(optimizer)
        except AttributeError:
            return slow(optimizer)

    return read


@functools.cache
def overrides_any(cls: type, owner: type, methods: tuple[str, ...]) -> bool:
    """Whether `cls` (a subclass of `owner`) replaces any of `methods`."""
    return any(getattr(cls, name) is not getattr(owner, name) for name in methods)
