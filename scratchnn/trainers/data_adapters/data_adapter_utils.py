"""Keras's data-packing convention, and class weights applied to one batch.

A batch is `x`, `(x,)`, `(x, y)` or `(x, y, sample_weight)`: `fit` hands each
batch to `train_step(data)` in this form, and a custom `train_step` opens it
with `unpack_x_y_sample_weight` (keras/src/trainers/data_adapters/data_adapter_utils.py).
The two functions live in trainers/data.py; `keras.utils` exports them from here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from scratchnn.trainers import data as data_utils
from scratchnn.trainers.data import pack_x_y_sample_weight as pack_x_y_sample_weight
from scratchnn.trainers.data import unpack_x_y_sample_weight as unpack_x_y_sample_weight

# num_classes(x) -> the class count of the model's first output for inputs like x (or None).
ClassCount = Callable[[Any], "int | None"]


def class_weight_sample_weights(
    x: Any, y: Any, sample_weight: Any, class_weight: dict[int, float], num_classes: ClassCount | None = None
) -> Any:
    """The per-sample weights that `class_weight` gives a batch's targets.

    Args:
        x, y, sample_weight: one batch (or all of the array data).
        class_weight: `{class index: weight}`.
        num_classes: gives the model's class count from `x`, so that a batch
            missing the highest classes still accepts their keys.

    Raises:
        ValueError: when the batch already has sample weights, has no targets, or
            has several outputs (Keras's rules), and for keys or labels outside the classes.
    """
    if sample_weight is not None:
        raise ValueError("You cannot `class_weight` and `sample_weight` at the same time.")
    if y is None:
        raise ValueError("`class_weight` needs targets, but the data has no `y`.")
    targets = data_utils.flatten(y)
    if len(targets) != 1:
        raise ValueError("`class_weight` is only supported for Models with a single output.")
    count = num_classes(x) if num_classes is not None else None
    return data_utils.class_weights_to_sample_weights(targets[0], class_weight, num_classes=count)


__all__ = ["class_weight_sample_weights", "pack_x_y_sample_weight", "unpack_x_y_sample_weight"]
