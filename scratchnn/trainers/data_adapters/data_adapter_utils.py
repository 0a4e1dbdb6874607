"""Keras's data-packing convention: a batch is `x`, `(x,)`, `(x, y)` or `(x, y, sample_weight)`.

`fit` hands each batch to `train_step(data)` in this form, and a custom
`train_step` opens it with `unpack_x_y_sample_weight`
(keras/src/trainers/data_adapters/data_adapter_utils.py).
"""

from __future__ import annotations

from typing import Any

from scratchnn.trainers import data as data_utils


def unpack_x_y_sample_weight(data: Any) -> tuple[Any, Any, Any]:
    """Splits a batch into `(x, y, sample_weight)`, with None for the parts it lacks.

    Args:
        data: `x` (anything but a tuple or list), or a tuple/list `(x,)`,
            `(x, y)` or `(x, y, sample_weight)`.

    Returns:
        The triple `(x, y, sample_weight)`.

    Raises:
        ValueError: for a tuple or list of another length.

    Example:

    >>> x, y, sw = unpack_x_y_sample_weight((features, labels))
    >>> sw is None
    True
    """
    if isinstance(data, list):
        data = tuple(data)
    if not isinstance(data, tuple):
        return data, None, None
    if 1 <= len(data) <= 3:
        x, y, sw = (*data, None, None)[:3]
        return x, y, sw
    raise ValueError(
        "Data is expected to be in format `x`, `(x,)`, `(x, y)`, or `(x, y, sample_weight)`, "
        f"found a tuple of length {len(data)}: {str(data)[:200]}"
    )


def pack_x_y_sample_weight(x: Any, y: Any = None, sample_weight: Any = None) -> Any:
    """The inverse of `unpack_x_y_sample_weight`: the shortest tuple that holds what is given.

    A lone `x` is returned as is, unless it is itself a tuple or list (several
    inputs), which is wrapped as `(x,)` so that it cannot be read as `(x, y)`.
    """
    if y is None:
        return (x,) if isinstance(x, (tuple, list)) else x
    if sample_weight is None:
        return (x, y)
    return (x, y, sample_weight)


def class_weight_sample_weights(y: Any, sample_weight: Any, class_weight: dict[int, float]) -> Any:
    """The per-sample weights that `class_weight` gives a batch's targets.

    Raises:
        ValueError: when the batch already has sample weights, has no targets, or
            has several outputs (Keras's rules).
    """
    if sample_weight is not None:
        raise ValueError("You cannot `class_weight` and `sample_weight` at the same time.")
    if y is None:
        raise ValueError("`class_weight` needs targets, but the data has no `y`.")
    targets = data_utils.flatten(y)
    if len(targets) != 1:
        raise ValueError("`class_weight` is only supported for Models with a single output.")
    return data_utils.class_weights_to_sample_weights(targets[0], class_weight)
