"""A Python generator or iterator of batches (keras/src/trainers/data_adapters/generator_data_adapter.py)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from scratchnn.trainers.data_adapters.data_adapter import DataAdapter, Prepare, as_arrays, prepared


class GeneratorDataAdapter(DataAdapter):
    """Batches drawn from a one-shot iterator; its length is unknown.

    A generator can be read only once: every epoch continues where the last one
    stopped, so once it is exhausted the epoch iterator reports that the input
    ran out and training stops. Each batch must be a tuple `(x,)`, `(x, y)` or
    `(x, y, sample_weight)` (a list is read as a tuple), as Keras requires.

    Raises:
        ValueError: when iterating, if the generator yields nothing at all or
            yields something other than a tuple.
    """

    def __init__(self, generator: Iterator[Any], prepare: Prepare = as_arrays) -> None:
        self._generator = generator
        self._prepare = prepare
        self._started = False
        self.num_batches = None

    def _checked(self) -> Iterator[Any]:
        first = not self._started
        self._started = True
        for batch in self._generator:
            if not isinstance(batch, (tuple, list)):
                raise ValueError(
                    "When passing a Python generator to a Keras model, the generator must return a tuple, "
                    "either (input,) or (inputs, targets) or (inputs, targets, sample_weights). "
                    f"Received a {type(batch).__name__}: {str(batch)[:200]}"
                )
            first = False
            yield tuple(batch)
        if first:
            raise ValueError(
                "When passing a Python generator to a Keras model, the generator must yield at least one "
                "batch. Received an empty generator."
            )

    def get_iterator(self) -> Iterator[Any]:
        return prepared(self._checked(), self._prepare, None)
