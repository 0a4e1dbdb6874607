"""Where elements come from: array slices, ranges, Python generators, zips and concatenations."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from scratchnn.data import structure
from scratchnn.data.node import INFINITE, UNKNOWN, Node
from scratchnn.data.plan import Plan
from scratchnn.data.spec import TensorSpec

# A range longer than this is produced lazily instead of as an index plan over np.arange.
_MAX_MATERIALIZED_RANGE = 1 << 24


class TensorSlices(Node):
    """Element i is row i of every array of `source` (`Dataset.from_tensor_slices`).

    Raises:
        ValueError: when a component is a scalar or the components' first
            dimensions differ.
    """

    def __init__(self, source: Any) -> None:
        source = structure.to_numpy_element(source)
        leaves = structure.flatten(source)
        if not leaves:
            raise ValueError("`from_tensor_slices` needs at least one array. Received an empty structure.")
        for leaf in leaves:
            if leaf.ndim == 0:
                raise ValueError(
                    "`from_tensor_slices` slices its arrays along their first dimension, so every "
                    f"component needs rank >= 1. Received a scalar of dtype {leaf.dtype}: use "
                    "`from_tensors` for a dataset of one element."
                )
        sizes = [int(leaf.shape[0]) for leaf in leaves]
        if len(set(sizes)) > 1:
            raise ValueError(
                "All components of `from_tensor_slices` must have the same size in their first dimension. "
                f"Received sizes {sizes} for the structure {structure.describe(source)}"
            )
        self.source = source
        self.size = sizes[0]

    def plan(self) -> Plan:
        n = self.size
        return Plan(self.source, lambda: iter((slice(0, n),) if n else ()), n)

    def cardinality(self) -> int:
        return self.size

    def spec(self) -> Any:
        return structure.map_structure(lambda a: TensorSpec(a.shape[1:], a.dtype.name), self.source)


def from_tensors(tensors: Any) -> TensorSlices:
    """A one-element dataset: the slices of `tensors` with a new leading axis of length 1 (views)."""
    element = structure.to_numpy_element(tensors)
    return TensorSlices(structure.map_structure(lambda a: np.asarray(a)[np.newaxis], element))


class Range(Node):
    """`Dataset.range(start, stop, step)`: int64 scalars (an index plan unless very long)."""

    def __init__(self, start: int, stop: int, step: int, dtype: Any) -> None:
        if step == 0:
            raise ValueError("`Dataset.range` needs a non-zero step. Received: step=0")
        self.start, self.stop, self.step, self.dtype = start, stop, step, np.dtype(dtype)
        self.size = len(range(start, stop, step))
        self._slices: TensorSlices | None = None

    def plan(self) -> Plan | None:
        if self.size > _MAX_MATERIALIZED_RANGE:
            return None
        if self._slices is None:
            self._slices = TensorSlices(np.arange(self.start, self.stop, self.step, dtype=self.dtype))
        return self._slices.plan()

    def generate(self) -> Iterator[Any]:
        for value in range(self.start, self.stop, self.step):
            yield self.dtype.type(value)

    def cardinality(self) -> int:
        return self.size

    def spec(self) -> Any:
        return TensorSpec((), self.dtype.name)


class FromGenerator(Node):
    """`Dataset.from_generator`: calls `generator(*args)` afresh for every iteration.

    Args:
        generator: a callable returning an iterable (not the generator object itself,
            which could be iterated only once).
        args: arguments for the call.
        dtypes: an element structure of dtypes to convert the yielded leaves to, or None.
    """

    def __init__(self, generator: Callable[..., Any], args: tuple[Any, ...], dtypes: Any) -> None:
        if not callable(generator):
            raise TypeError(
                "`from_generator` needs a callable that returns an iterator (e.g. the generator "
                f"function, not the generator it returns). Received: generator={generator!r}"
            )
        self.generator, self.args, self.dtypes = generator, args, dtypes

    def generate(self) -> Iterator[Any]:
        for element in self.generator(*self.args):
            element = structure.to_numpy_element(element, list_is_tuple=True)
            if self.dtypes is not None:
                element = structure.map_structure(lambda a, d: a.astype(d, copy=False), element, self.dtypes)
            yield element


def declared_dtypes(signature: Any) -> Any:
    """`output_types` / `output_signature` -> a structure of NumPy dtypes, or None if not all convertible."""
    if signature is None:
        return None
    if isinstance(signature, list):
        signature = tuple(signature)
    try:
        return structure.map_structure(lambda s: np.dtype(getattr(s, "dtype", s)), signature)
    except TypeError:
        return None


class Zip(Node):
    """`Dataset.zip`: elements are the components' elements packed in `layout` (a tuple or dict)."""

    def __init__(self, layout: Any, nodes: list[Node]) -> None:
        self.layout, self.nodes = layout, nodes

    def plan(self) -> Plan | None:
        # Zipping sliced arrays is slicing the zipped arrays: keep the index plan.
        if not all(isinstance(n, TensorSlices) for n in self.nodes):
            return None
        n = min(node.size for node in self.nodes)
        sliced = [structure.map_structure(lambda a: a[:n], node.source) for node in self.nodes]
        return TensorSlices(structure.pack_as(self.layout, sliced)).plan()

    def generate(self) -> Iterator[Any]:
        for parts in zip(*(node.elements() for node in self.nodes)):
            yield structure.pack_as(self.layout, list(parts))

    def spec(self) -> Any:
        return structure.pack_as(self.layout, [node.spec() for node in self.nodes])

    def cardinality(self) -> int:
        counts = [node.cardinality() for node in self.nodes]
        if UNKNOWN in counts:
            return UNKNOWN
        finite = [c for c in counts if c != INFINITE]
        return min(finite) if finite else INFINITE


class Concatenate(Node):
    """`a.concatenate(b)`: the elements of `a`, then those of `b`."""

    def __init__(self, first: Node, second: Node) -> None:
        self.first, self.second = first, second

    def generate(self) -> Iterator[Any]:
        return itertools.chain(self.first.elements(), self.second.elements())

    def cardinality(self) -> int:
        a, b = self.first.cardinality(), self.second.cardinality()
        if INFINITE in (a, b):
            return INFINITE
        if UNKNOWN in (a, b):
            return UNKNOWN
        return a + b
