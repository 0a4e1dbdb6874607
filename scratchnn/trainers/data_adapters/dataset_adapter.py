"""A `scratchnn.data.Dataset` whose elements are batches (keras/src/trainers/data_adapters/tf_dataset_adapter.py)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from scratchnn.data import Dataset
from scratchnn.trainers.data_adapters.data_adapter import DataAdapter, Prepare, as_arrays, prepared
from scratchnn.trainers.data_adapters.data_adapter_utils import ClassCount


class DatasetAdapter(DataAdapter):
    """Each element of the dataset is one batch, in Keras's packing; every epoch iterates it anew.

    Args:
        dataset: the Dataset (already batched by the user); anything with
            `as_numpy_iterator()` and `cardinality()` is read the same way.
        class_weight: {class: weight} applied to every batch's targets.
        prepare: the trainer's per-batch conversion.
        num_classes: the model's class count for `class_weight`.
    """

    def __init__(
        self,
        dataset: Dataset | Any,
        class_weight: dict[int, float] | None = None,
        prepare: Prepare = as_arrays,
        num_classes: ClassCount | None = None,
    ) -> None:
        self._dataset = dataset
        self._class_weight = class_weight
        self._prepare = prepare
        self._num_classes = num_classes
        n = int(dataset.cardinality())
        self.num_batches = n if n >= 0 else None  # infinite and unknown both read as "unknown"

    def get_iterator(self) -> Iterator[Any]:
        # The NumPy elements directly: no Tensor wrapping for data that goes straight to the model.
        return prepared(
            self._dataset.as_numpy_iterator(), self._prepare, self._class_weight, self._num_classes
        )
