"""Argument checks shared by the optimizers (ValueError/TypeError naming the argument)."""

from __future__ import annotations

import math
from typing import Any


def is_number(x: Any) -> bool:
    """True for a real Python number (not a bool) or a 0-d numeric array."""
    if isinstance(x, (int, float)):
        return not isinstance(x, bool)
    return hasattr(x, "dtype") and getattr(x, "ndim", 1) == 0 and x.dtype.kind in "iuf"


def check_number(
    name: str, value: Any, low: float = 0.0, high: float = math.inf, owner: str = "", open_high: bool = False
) -> None:
    """Raises ValueError unless `low <= value <= high` (or `< high` when `open_high`)."""
    ok = is_number(value) and low <= float(value) <= high and not (open_high and float(value) == high)
    if not ok:
        bounds = f"in [{low}, {high}{')' if open_high else ']'}" if high != math.inf else f">= {low}"
        raise ValueError(f"{owner}Argument `{name}` must be a number {bounds}. Received: {name}={value!r}")


def check_optional_int(name: str, value: Any, low: int, owner: str) -> None:
    """Raises ValueError unless `value` is None or an int >= low."""
    if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < low):
        raise ValueError(f"{owner}`{name}` must be an integer >= {low} or None. Received: {name}={value!r}")


def check_base_arguments(owner: str, args: dict[str, Any], kwargs: dict[str, Any]) -> None:
    """Validates the keyword arguments every optimizer shares (see `Optimizer`).

    Raises:
        ValueError: for unknown keyword arguments, negative values, out-of-range
            EMA or accumulation settings, or more than one clipping argument.
        TypeError: if `use_ema` is not a bool or `name` not a string.
    """
    if kwargs:
        raise ValueError(f"{owner}Argument(s) not recognized: {kwargs}. Received: kwargs={kwargs}")
    for arg in ("weight_decay", "clipnorm", "clipvalue", "global_clipnorm", "loss_scale_factor"):
        if args[arg] is not None:
            check_number(arg, args[arg], owner=owner)
    clips = {k: args[k] for k in ("clipnorm", "clipvalue", "global_clipnorm")}
    if sum(v is not None for v in clips.values()) > 1:
        received = ", ".join(f"{k}={v}" for k, v in clips.items())
        raise ValueError(
            f"{owner}Only one of `clipnorm`, `clipvalue` and `global_clipnorm` can be set. "
            f"Received: {received}"
        )
    if not isinstance(args["use_ema"], bool):
        raise TypeError(f"{owner}Argument `use_ema` must be a bool. Received: use_ema={args['use_ema']!r}")
    check_number("ema_momentum", args["ema_momentum"], 0.0, 1.0, owner=owner)
    check_optional_int("ema_overwrite_frequency", args["ema_overwrite_frequency"], 1, owner)
    check_optional_int("gradient_accumulation_steps", args["gradient_accumulation_steps"], 2, owner)
    if args["name"] is not None and not isinstance(args["name"], str):
        raise TypeError(f"{owner}Argument `name` must be a string. Received: name={args['name']!r}")
