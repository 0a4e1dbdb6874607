"""The adapter interface: one kind of input (arrays, Dataset, PyDataset, generator) as epochs of batches."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

from scratchnn import backend
from scratchnn.trainers import data as data_utils
from scratchnn.trainers.data_adapters.data_adapter_utils import (
    ClassCount,
    class_weight_sample_weights,
    pack_x_y_sample_weight,
    unpack_x_y_sample_weight,
)

# prepare(x, y, sample_weight) -> the same triple converted for the model (the trainer supplies it).
Prepare = Callable[[Any, Any, Any], tuple[Any, Any, Any]]


def as_arrays(x: Any, y: Any, sample_weight: Any) -> tuple[Any, Any, Any]:
    """The default preparation: every leaf as a backend array (no copy for arrays)."""
    return tuple(data_utils.map_structure(backend.asarray, part) for part in (x, y, sample_weight))


def as_is(x: Any, y: Any, sample_weight: Any) -> tuple[Any, Any, Any]:
    """No preparation, for data the trainer has converted already."""
    return x, y, sample_weight


class DataAdapter:
    """Base class (keras/src/trainers/data_adapters/data_adapter.py).

    Attributes:
        num_batches: batches in one pass over the data, or None when unknown or infinite.
    """

    num_batches: int | None = None

    def get_iterator(self) -> Iterator[Any]:
        """A new pass over the data, yielding batches packed as `(x, y, sample_weight)` prefixes."""
        raise NotImplementedError

    def build_data(self) -> tuple[Any, Any] | None:
        """`(x, y)` to build the model from before the first step, or None to build from the first batch."""
        return None

    def on_epoch_begin(self) -> None:
        """Called before each epoch."""

    def on_epoch_end(self) -> None:
        """Called after each epoch."""


def prepared(
    batches: Iterable[Any],
    prepare: Prepare,
    class_weight: dict[int, float] | None,
    num_classes: ClassCount | None = None,
) -> Iterator[Any]:
    """Converts each streamed batch for the model and adds the class weights, keeping Keras's packing."""
    for data in batches:
        x, y, sample_weight = prepare(*unpack_x_y_sample_weight(data))
        if class_weight is not None:
            sample_weight = class_weight_sample_weights(x, y, sample_weight, class_weight, num_classes)
        yield pack_x_y_sample_weight(x, y, sample_weight)
