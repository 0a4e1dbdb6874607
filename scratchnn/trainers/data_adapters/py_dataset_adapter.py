"""`keras.utils.PyDataset` (alias `Sequence`) and its adapter, with worker threads.

Follows keras/src/trainers/data_adapters/py_dataset_adapter.py: a PyDataset
returns whole batches by index, so an epoch can visit them in any order and
each sample is seen once. With `workers > 1` the batches are fetched by a
thread pool, in order, up to `max_queue_size` ahead of the training loop.
`use_multiprocessing=True` is accepted and also uses threads: NumPy releases the
GIL in its heavy loops, and threads need no pickling of the dataset.
"""

from __future__ import annotations

import collections
import itertools
import warnings
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import numpy as np

from scratchnn.backend import random
from scratchnn.trainers.data_adapters.data_adapter import DataAdapter, Prepare, as_arrays, prepared
from scratchnn.trainers.data_adapters.data_adapter_utils import ClassCount


class PyDataset:
    """Base class for a dataset of batches computed in Python.

    Subclasses implement `__len__` (the number of batches) and
    `__getitem__(index)`, which returns a complete batch: `x`, `(x,)`, `(x, y)`
    or `(x, y, sample_weight)`. `on_epoch_end` (and `on_epoch_begin`) may
    change the data between epochs. An infinite dataset defines the
    `num_batches` property to return None instead of defining `__len__`.

    Args:
        workers: threads fetching batches during `fit`/`evaluate`/`predict`
            (1: the training loop fetches them itself).
        use_multiprocessing: accepted for compatibility; threads are used.
        max_queue_size: batches fetched ahead when `workers > 1`.

    Example:

    ```python
    class Batches(keras.utils.PyDataset):
        def __init__(self, x, y, batch_size, **kwargs):
            super().__init__(**kwargs)
            self.x, self.y, self.batch_size = x, y, batch_size

        def __len__(self):
            return math.ceil(len(self.x) / self.batch_size)

        def __getitem__(self, idx):
            low = idx * self.batch_size
            return self.x[low : low + self.batch_size], self.y[low : low + self.batch_size]
    ```
    """

    def __init__(self, workers: int = 1, use_multiprocessing: bool = False, max_queue_size: int = 10) -> None:
        self._workers = workers
        self._use_multiprocessing = use_multiprocessing
        self._max_queue_size = max_queue_size

    def _warn_if_super_not_called(self) -> None:
        missing = [a for a in ("_workers", "_use_multiprocessing", "_max_queue_size") if not hasattr(self, a)]
        if missing:
            self._workers, self._use_multiprocessing, self._max_queue_size = (
                getattr(self, "_workers", 1),
                getattr(self, "_use_multiprocessing", False),
                getattr(self, "_max_queue_size", 10),
            )
            warnings.warn(
                "Your `PyDataset` class should call `super().__init__(**kwargs)` in its constructor. "
                "`**kwargs` can include `workers`, `use_multiprocessing`, `max_queue_size`. Do not pass "
                "these arguments to `fit()`, as they will be ignored.",
                stacklevel=3,
            )

    @property
    def workers(self) -> int:
        self._warn_if_super_not_called()
        return self._workers

    @workers.setter
    def workers(self, value: int) -> None:
        self._workers = value

    @property
    def use_multiprocessing(self) -> bool:
        self._warn_if_super_not_called()
        return self._use_multiprocessing

    @use_multiprocessing.setter
    def use_multiprocessing(self, value: bool) -> None:
        self._use_multiprocessing = value

    @property
    def max_queue_size(self) -> int:
        self._warn_if_super_not_called()
        return self._max_queue_size

    @max_queue_size.setter
    def max_queue_size(self, value: int) -> None:
        self._max_queue_size = value

    def __getitem__(self, index: int) -> Any:
        """The batch at position `index`."""
        raise NotImplementedError(f"{type(self).__name__} must implement `__getitem__(self, index)`.")

    @property
    def num_batches(self) -> int | None:
        """Batches per epoch (`len(self)`), or None for an infinite dataset."""
        if hasattr(self, "__len__"):
            return len(self)
        raise NotImplementedError(
            f"{type(self).__name__} must implement `__len__` or the `num_batches` property "
            "(returning None when the dataset is infinite)."
        )

    def __iter__(self) -> Iterator[Any]:
        n = self.num_batches
        for index in itertools.count() if n is None else range(n):
            yield self[index]

    def on_epoch_begin(self) -> None:
        """Called at the start of every epoch."""

    def on_epoch_end(self) -> None:
        """Called at the end of every epoch."""


Sequence = PyDataset  # Keras 3 exports the same class under both names


def standardize_batch(batch: Any) -> Any:
    """A PyDataset batch in Keras's packing: a dict stays, an array is `(x,)`, a list is a tuple.

    Raises:
        ValueError: for anything but a dict, an array or a tuple of 1 to 3 items.
    """
    if isinstance(batch, dict):
        return batch
    if isinstance(batch, np.ndarray) or hasattr(batch, "numpy"):
        return (batch,)
    if isinstance(batch, list):
        batch = tuple(batch)
    if not isinstance(batch, tuple) or not 1 <= len(batch) <= 3:
        raise ValueError(
            "PyDataset.__getitem__() must return a tuple or a dict. If a tuple, it must be ordered either "
            "(input,) or (inputs, targets) or (inputs, targets, sample_weights). "
            f"Received: {str(batch)[:100]}... of type {type(batch)}"
        )
    return batch


def _fetch_in_order(dataset: PyDataset, indices: Iterable[int], workers: int, ahead: int) -> Iterator[Any]:
    """`dataset[i]` for each index, computed by `workers` threads at most `ahead` batches in advance."""
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="PyDataset")
    pending: collections.deque[Future[Any]] = collections.deque()
    index_iter = iter(indices)
    try:
        # Keep `ahead` batches in flight; each one handed out is replaced by the next index,
        # and results are taken in submission order whatever order the threads finish in.
        for index in itertools.islice(index_iter, max(ahead, 1)):
            pending.append(pool.submit(dataset.__getitem__, index))
        while pending:
            batch = pending.popleft().result()  # re-raises the worker's exception here
            for index in itertools.islice(index_iter, 1):
                pending.append(pool.submit(dataset.__getitem__, index))
            yield batch
    finally:
        # Reached at the end of the epoch or when the loop stops early: drop what was not started.
        for future in pending:
            future.cancel()
        pool.shutdown(wait=True)


class PyDatasetAdapter(DataAdapter):
    """Batches of a PyDataset; with `shuffle` a finite one is visited in a new random order each epoch.

    The order is drawn from scratchnn's global generator, so a seed fixes it.
    """

    def __init__(
        self,
        dataset: PyDataset,
        class_weight: dict[int, float] | None = None,
        shuffle: Any = False,
        prepare: Prepare = as_arrays,
        num_classes: ClassCount | None = None,
    ) -> None:
        self._dataset = dataset
        self._num_classes = num_classes
        self._class_weight = class_weight
        self._shuffle = bool(shuffle)
        self._prepare = prepare
        self.num_batches = dataset.num_batches
        workers, multiprocessing = dataset.workers, dataset.use_multiprocessing
        self._workers = workers if workers > 1 or (workers > 0 and multiprocessing) else 0
        self._ahead = dataset.max_queue_size

    def _indices(self) -> Iterable[int]:
        n = self._dataset.num_batches
        if n is None:
            return itertools.count()
        if self._shuffle:
            return random.generator().permutation(n).tolist()
        return range(n)

    def get_iterator(self) -> Iterator[Any]:
        indices = self._indices()
        if self._workers:
            batches = _fetch_in_order(self._dataset, indices, self._workers, self._ahead)
        else:
            batches = (self._dataset[i] for i in indices)
        batches = (standardize_batch(b) for b in batches)
        return prepared(batches, self._prepare, self._class_weight, self._num_classes)

    def on_epoch_begin(self) -> None:
        self._dataset.on_epoch_begin()

    def on_epoch_end(self) -> None:
        self._dataset.on_epoch_end()
