"""A metric's accumulated state, found generically, so that data-parallel ranks can sum it.

Built-in metrics keep their state in Python numbers and small arrays, Keras-style
ones in `add_variable` variables. The state is what `reset_state` zeroes (or
empties): a copy of the metric is reset and compared with it, attribute by
attribute. Summing the states of the ranks gives the metric over all their rows
(means, accuracies, confusion counts, AUC); a configuration value that happens
to be zero is summed too, harmlessly, since it is zero on every rank. A custom
metric whose `reset_state` sets a state to something other than zero (a running
maximum at -inf) is not covered.
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np

from scratchnn.utils import tree


def state_slots(metric: Any) -> list[tuple[Any, Any]]:
    """(read, write) pairs of a metric's state: what `reset_state` zeroes (or empties), found on a reset copy.

    State may be a number, an array, a list or tuple of arrays (AUC's counts),
    a variable, or a metric held by the metric.
    """
    probe = copy.deepcopy(metric)
    probe.reset_state()
    slots: list[tuple[Any, Any]] = []
    for name in sorted(vars(metric)):
        value, reset = getattr(metric, name), getattr(probe, name, None)
        inner = _metrics_in(value)
        if inner:
            for sub in inner:  # the compiled metrics hold their metrics in lists per output
                slots += state_slots(sub)
        elif _is_state(value, reset):
            slots.append(_attribute_slot(metric, name, value))
    for variable in getattr(metric, "variables", []):
        slots.append(
            (
                lambda v=variable: v.data,
                lambda x, v=variable: v.data.__setitem__(..., x.reshape(v.data.shape)),
            )
        )
    return slots


def _metrics_in(value: Any) -> list[Any]:
    """The metrics that `value` is or holds (in lists, tuples and dicts, at any depth)."""
    return [m for m in tree.flatten(value) if hasattr(m, "reset_state") and hasattr(m, "update_state")]


def _is_number(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, (int, float, np.number)):
        return True
    return isinstance(value, np.ndarray) and value.dtype.kind in "iuf"


def _is_state(value: Any, reset: Any) -> bool:
    """Whether `value` is accumulated state: numeric, and zero (or None: not yet shaped) once reset.

    A configuration value that is zero is summed too, harmlessly: it is zero on every rank.
    """
    if isinstance(value, (list, tuple)) and value and all(_is_number(v) for v in value):
        if reset is None:
            return True
        return (
            isinstance(reset, (list, tuple))
            and len(reset) == len(value)
            and all(_is_state(v, r) for v, r in zip(value, reset))
        )
    if not _is_number(value):
        return False
    return reset is None or (_is_number(reset) and np.shape(value) == np.shape(reset) and not np.any(reset))


def _like(template: Any, flat: np.ndarray) -> Any:
    """`flat` (float64) back in the type, shape and dtype of `template`."""
    if isinstance(template, np.ndarray):
        return flat.reshape(template.shape).astype(template.dtype)
    if isinstance(template, (int, np.integer)):
        return type(template)(round(float(flat[0])))
    return type(template)(flat[0])


def _attribute_slot(metric: Any, name: str, value: Any) -> tuple[Any, Any]:
    def get() -> np.ndarray:
        current = getattr(metric, name)
        if isinstance(current, (list, tuple)):
            return np.concatenate([np.asarray(v, dtype=np.float64).ravel() for v in current])
        return current

    def put(flat: np.ndarray) -> None:
        current = getattr(metric, name)
        if isinstance(current, (list, tuple)):
            parts, offset = [], 0
            for item in current:
                size = int(np.size(item))
                parts.append(_like(item, flat[offset : offset + size]))
                offset += size
            setattr(metric, name, type(current)(parts))
        else:
            setattr(metric, name, _like(current, flat))

    return get, put
