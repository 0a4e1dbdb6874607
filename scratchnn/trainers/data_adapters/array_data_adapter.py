"""Arrays (and lists/tuples/dicts of arrays): converted once, then one `take` per array per batch."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from scratchnn.trainers import data as data_utils
from scratchnn.trainers.data_adapters.data_adapter import DataAdapter, Prepare, as_arrays, as_is
from scratchnn.trainers.data_adapters.data_adapter_utils import (
    ClassCount,
    class_weight_sample_weights,
    pack_x_y_sample_weight,
)


class ArrayDataAdapter(DataAdapter):
    """In-memory arrays, batched by index (keras/src/trainers/data_adapters/array_data_adapter.py).

    The whole data is converted for the model once, here; each batch is then a
    slice (in order) or a chunk of one permutation per epoch (shuffled), gathered
    with one `take` per array.

    Args:
        x, y, sample_weight: arrays or structures of arrays with N rows.
        batch_size: rows per batch; None gives ceil(N / steps) when `steps` is
            given (Keras's rule), else 32.
        steps: the fit's `steps_per_epoch`, used only to choose the batch size.
        shuffle: a new permutation every epoch, drawn from scratchnn's global generator.
        class_weight: {class: weight} turned into sample weights, once.
        num_classes: the model's class count for `class_weight` (see data_adapter_utils).
        prepare: the trainer's conversion of (x, y, sample_weight).

    Raises:
        ValueError: for `class_weight` with `sample_weight` or several outputs, for
            arrays of different lengths, and whatever `prepare` rejects.
    """

    def __init__(
        self,
        x: Any,
        y: Any = None,
        sample_weight: Any = None,
        batch_size: int | None = None,
        steps: int | None = None,
        shuffle: Any = False,
        class_weight: dict[int, float] | None = None,
        prepare: Prepare = as_arrays,
        num_classes: ClassCount | None = None,
    ) -> None:
        x, y, sample_weight = prepare(x, y, sample_weight)
        if class_weight is not None:
            sample_weight = class_weight_sample_weights(x, y, sample_weight, class_weight, num_classes)
        self._n = data_utils.num_samples(x, y, sample_weight)
        if batch_size is None and steps:
            batch_size = -(-self._n // int(steps))
        self.batch_size = data_utils.check_batch_size(batch_size)
        self.num_batches = -(-self._n // self.batch_size)
        self._data = (x, y, sample_weight)
        self._shuffle = bool(shuffle)
        # (n, batch_size, shuffle, steps) -> each batch's rows; a DataParallel fit swaps in the
        # version that gives this rank its share of every batch (distribution/data_parallel.py).
        self.batch_indices: Callable[..., Iterator[Any]] = data_utils.batch_indices

    @property
    def size(self) -> int:
        """The number of samples."""
        return self._n

    def subset(self, rows: slice) -> ArrayDataAdapter:
        """The same batching over rows `rows` of the data (a DataParallel rank's part of an evaluation)."""
        x, y, sample_weight = (data_utils.take(part, rows) for part in self._data)
        return ArrayDataAdapter(x, y, sample_weight, self.batch_size, shuffle=self._shuffle, prepare=as_is)

    def build_data(self) -> tuple[Any, Any]:
        # The whole data is at hand: the model is built before the first shuffle is drawn.
        return self._data[0], self._data[1]

    def get_iterator(self) -> Iterator[Any]:
        x, y, sample_weight = self._data
        take = data_utils.take
        for index in self.batch_indices(self._n, self.batch_size, self._shuffle, None):
            yield pack_x_y_sample_weight(take(x, index), take(y, index), take(sample_weight, index))
