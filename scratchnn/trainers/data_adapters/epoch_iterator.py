"""Epochs of batches from any adapter, with Keras's `steps_per_epoch` rules (keras/src/trainers/epoch_iterator.py).

Without `steps_per_epoch` an epoch is one full pass over the data.

With it, an epoch is that many batches, and the pass **continues across
epochs**: epoch 2 starts where epoch 1 stopped, which is what lets an
infinite (`repeat()`) dataset train with `steps_per_epoch`. When a finite
input runs out before the epoch is complete, Keras warns and ends the epoch
there; the next epoch starts a new pass.

A one-shot input (a generator) that has nothing left at the start of an epoch
cannot start a new pass: the iterator then warns and sets `exhausted`, and
the trainer stops (tf.keras did the same).
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Iterator
from typing import Any

import numpy as np

from scratchnn.trainers.data_adapters.data_adapter import DataAdapter

RAN_OUT_OF_DATA = (
    "Your input ran out of data; interrupting training. Make sure that your dataset or generator can "
    "generate at least `steps_per_epoch * epochs` batches. You may need to use the `.repeat()` function "
    "when building your dataset."
)


@contextlib.contextmanager
def steps_per_epoch_as_a_cap() -> Iterator[None]:
    """Silences the ran-out-of-data warning inside the block.

    For callers whose `steps_per_epoch` means "at most this many batches" (the
    CLI's `--max-steps`): there an epoch cut short where the pass over the data
    ends is expected, not a mistake to warn about.
    """
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Your input ran out of data", category=UserWarning)
        yield


class EpochIterator:
    """Iterates an adapter epoch by epoch.

    Args:
        adapter: the DataAdapter of the input.
        steps_per_epoch: batches per epoch, or None for one full pass.

    Attributes:
        exhausted: True once an epoch found no data at all; training should stop.
    """

    def __init__(self, adapter: DataAdapter, steps_per_epoch: int | None = None) -> None:
        if steps_per_epoch is not None:
            if (
                isinstance(steps_per_epoch, (bool, np.bool_))
                or not isinstance(steps_per_epoch, (int, np.integer))
                or steps_per_epoch <= 0
            ):
                raise ValueError(
                    "`steps_per_epoch` (or `steps`) must be a positive integer or None. "
                    f"Received: steps_per_epoch={steps_per_epoch!r}"
                )
            steps_per_epoch = int(steps_per_epoch)
        self.adapter = adapter
        self.steps_per_epoch = steps_per_epoch
        self.exhausted = False
        self._num_batches = adapter.num_batches
        self._iterator: Iterator[Any] | None = None
        self._seen = 0  # batches taken from the current pass

    @property
    def num_batches(self) -> int | None:
        """Batches per epoch: `steps_per_epoch`, else the adapter's count (None while unknown)."""
        return self.steps_per_epoch or self._num_batches

    def enumerate_epoch(self) -> Iterator[tuple[int, Any]]:
        """Yields `(step, data)` for the batches of one epoch, calling the adapter's epoch hooks around them."""
        self.adapter.on_epoch_begin()
        try:
            if self.steps_per_epoch:
                yield from self._steps_epoch(self.steps_per_epoch)
            else:
                yield from self._full_epoch()
        finally:
            self.adapter.on_epoch_end()

    def _full_epoch(self) -> Iterator[tuple[int, Any]]:
        # A fresh pass every epoch; a one-shot input that has nothing left yields no step.
        step = -1
        for step, data in enumerate(self.adapter.get_iterator()):
            yield step, data
        if step < 0:
            self._ran_out(at_start=True)
        elif self._num_batches is None:
            self._num_batches = step + 1  # learned from the first pass, for the next progress bars

    def _steps_epoch(self, steps: int) -> Iterator[tuple[int, Any]]:
        # The pass is kept between epochs (Keras's `_current_iterator`): epoch e+1 resumes it.
        if self._iterator is None:
            self._iterator, self._seen = iter(self.adapter.get_iterator()), 0
        for step in range(steps):
            # A known-size pass is used up: Keras warns and ends the epoch early.
            if self._num_batches is not None and self._seen >= self._num_batches:
                self._ran_out(at_start=step == 0)
                self._iterator = None
                return
            try:
                data = next(self._iterator)
            except StopIteration:  # an unknown-size input ended: its size is now known
                if self._num_batches is None:
                    self._num_batches = self._seen
                self._iterator = None
                self._ran_out(at_start=step == 0)
                return
            self._seen += 1
            yield step, data
        if self._num_batches is not None and self._seen >= self._num_batches:
            self._iterator = None  # this pass is used up: the next epoch starts a new one

    def _ran_out(self, at_start: bool) -> None:
        warnings.warn(RAN_OUT_OF_DATA, stacklevel=4)
        if at_start:
            self.exhausted = True

    def close(self) -> None:
        """Ends a pass kept open between epochs (with `steps_per_epoch`), stopping any worker threads."""
        if self._iterator is not None and hasattr(self._iterator, "close"):
            self._iterator.close()
        self._iterator = None
