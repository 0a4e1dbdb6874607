"""The transformations: batch, unbatch, map, filter, take, skip, repeat, shuffle, cache, enumerate.

Each node keeps its input's index plan where the transformation only selects or
reorders rows (take, skip, repeat, shuffle, cache), and otherwise produces
elements one at a time. Cardinalities follow TensorFlow's kernels
(tensorflow/core/kernels/data/*_dataset_op.cc): unknown stays unknown, and
repeating a non-empty dataset forever is infinite.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from scratchnn.data import plan as plan_lib
from scratchnn.data import structure
from scratchnn.data.node import INFINITE, UNKNOWN, Node
from scratchnn.data.plan import Plan
from scratchnn.data.shuffle import EpochSeeds, shuffle_blocks, shuffle_elements
from scratchnn.data.sources import TensorSlices
from scratchnn.data.spec import TensorSpec
from scratchnn.ops.tensor import no_grad


def _ceil_div(a: int, b: int) -> int:
    return -(-a // b)


def stack(elements: list[Any]) -> Any:
    """Elements of one structure -> one element whose leaves gain a leading batch axis.

    Raises:
        ValueError: when the elements nest differently or a component's shapes differ.
    """
    first = elements[0]
    for j, element in enumerate(elements[1:], 1):
        if not structure.same_structure(first, element):
            raise ValueError(
                "Cannot batch elements of different structures: element 0 is "
                f"{structure.describe(first)} and element {j} is {structure.describe(element)}."
            )
    columns = zip(*(structure.flatten(e) for e in elements))
    leaves = []
    for c, column in enumerate(columns):
        shape = np.shape(column[0])
        for j, value in enumerate(column):
            if np.shape(value) != shape:
                raise ValueError(
                    f"Cannot batch tensors with different shapes in component {c}. First element had "
                    f"shape {shape} and element {j} had shape {np.shape(value)}. Use `map` to resize "
                    "the elements to one shape first."
                )
        leaves.append(np.stack(column))
    return structure.pack_as(first, leaves)


class Transform(Node):
    """A node over one input node; unless a subclass says otherwise, it has the input's count and specs."""

    def __init__(self, node: Node) -> None:
        self.node = node

    def cardinality(self) -> int:
        return self.node.cardinality()

    def spec(self) -> Any:
        return self.node.spec()


class Batch(Transform):
    """Consecutive elements stacked into batches of `batch_size` (the last may be smaller)."""

    def __init__(self, node: Node, batch_size: int, drop_remainder: bool) -> None:
        self.node, self.batch_size, self.drop_remainder = node, batch_size, drop_remainder

    def generate(self) -> Iterator[Any]:
        p = self.node.plan()
        if p is not None:
            # The fast path: the row stream cut into batch-size index blocks, one gather each:
            # component (N, ...) -> batch (batch_size, ...).
            for block in plan_lib.rechunk(p.blocks(), self.batch_size, self.drop_remainder):
                yield plan_lib.gather(p.source, block)
            return
        pending: list[Any] = []
        for element in self.node.elements():
            pending.append(element)
            if len(pending) == self.batch_size:
                yield stack(pending)
                pending = []
        if pending and not self.drop_remainder:
            yield stack(pending)

    def unbatched_plan(self) -> Plan | None:
        # Batching then unbatching index rows is the identity on the rows (`batch(n).unbatch()`).
        """The rows this node batches, for an `unbatch` that follows (all rows are kept)."""
        return None if self.drop_remainder else self.node.plan()

    def cardinality(self) -> int:
        n = self.node.cardinality()
        if n < 0:
            return n
        return n // self.batch_size if self.drop_remainder else _ceil_div(n, self.batch_size)

    def spec(self) -> Any:
        dim = self.batch_size if self.drop_remainder else None
        inner = self.node.spec()
        return None if inner is None else structure.map_structure(lambda s: s.batched(dim), inner)


class Unbatch(Transform):
    """Each element's rows as separate elements."""

    def plan(self) -> Plan | None:
        unbatched = getattr(self.node, "unbatched_plan", None)
        return unbatched() if unbatched is not None else None

    def generate(self) -> Iterator[Any]:
        for element in self.node.elements():
            leaves = structure.flatten(element)
            sizes = {np.shape(a)[0] if np.ndim(a) else None for a in leaves}
            if None in sizes or len(sizes) != 1:
                raise ValueError(
                    "`unbatch` needs every component to have rank >= 1 and the same first dimension. "
                    f"Received an element {structure.describe(element)}"
                )
            for i in range(sizes.pop()):
                yield structure.pack_as(element, [a[i] for a in leaves])

    def cardinality(self) -> int:
        p = self.plan()
        return p.size if p is not None else UNKNOWN

    def spec(self) -> Any:
        inner = self.node.spec()
        return (
            None
            if inner is None
            else structure.map_structure(lambda s: TensorSpec(s.shape[1:], s.dtype), inner)
        )


def call_with_element(fn: Callable[..., Any], element: Any) -> Any:
    """Calls `fn` as tf.data does: a tuple element is unpacked into arguments, anything else is one argument.

    The leaves arrive as scratchnn Tensors, so functions written with `tf` ops
    (`import scratchnn as tf`) or Keras layers work on them. No tape is recorded:
    preprocessing is not part of any gradient.
    """
    args = structure.to_tensor_element(element)
    with no_grad():
        return fn(*args) if type(args) is tuple else fn(args)


class Map(Transform):
    """`map(map_func)`: the function's result for every element."""

    spec = Node.spec  # the function may change the structure: read it from the first element

    def __init__(self, node: Node, fn: Callable[..., Any]) -> None:
        self.node, self.fn = node, fn

    def generate(self) -> Iterator[Any]:
        for element in self.node.elements():
            out = call_with_element(self.fn, element)
            if out is None or (structure.is_nested(out) and any(v is None for v in structure.flatten(out))):
                raise TypeError(
                    f"The function given to `map` returned {out!r}; it must return tensors or arrays "
                    "(or a tuple/dict of them)."
                )
            yield structure.to_numpy_element(out, list_is_tuple=True)


class Filter(Transform):
    """`filter(predicate)`: the elements for which the predicate is True."""

    cardinality = Node.cardinality  # unknown, as in TensorFlow

    def __init__(self, node: Node, predicate: Callable[..., Any]) -> None:
        self.node, self.predicate = node, predicate

    def generate(self) -> Iterator[Any]:
        for element in self.node.elements():
            keep = structure.to_array(call_with_element(self.predicate, element))
            if keep.shape != ():
                raise ValueError(
                    "The predicate given to `filter` must return a scalar boolean. "
                    f"Received a value of shape {keep.shape} and dtype {keep.dtype}."
                )
            if bool(keep):
                yield element


class Take(Transform):
    """The first `count` elements (all of them when count is -1)."""

    def __init__(self, node: Node, count: int) -> None:
        self.node, self.count = node, count

    def plan(self) -> Plan | None:
        p = self.node.plan()
        if p is None or self.count < 0:
            return p
        size = self.count if p.size == INFINITE else min(p.size, self.count)
        return Plan(p.source, lambda: plan_lib.take_blocks(p.blocks(), self.count), size)

    def generate(self) -> Iterator[Any]:
        it = self.node.elements()
        return it if self.count < 0 else itertools.islice(it, self.count)

    def cardinality(self) -> int:
        # take_dataset_op.cc: taking from an unknown size stays unknown.
        n = self.node.cardinality()
        if self.count < 0 or n == UNKNOWN:
            return n
        return self.count if n == INFINITE else min(n, self.count)


class Skip(Transform):
    """All but the first `count` elements (none when count is -1)."""

    def __init__(self, node: Node, count: int) -> None:
        self.node, self.count = node, count

    def plan(self) -> Plan | None:
        p = self.node.plan()
        if p is None:
            return None
        if self.count < 0:
            return Plan(p.source, lambda: iter(()), 0 if p.size != INFINITE else INFINITE)
        size = INFINITE if p.size == INFINITE else max(0, p.size - self.count)
        return Plan(p.source, lambda: plan_lib.skip_blocks(p.blocks(), self.count), size)

    def generate(self) -> Iterator[Any]:
        if self.count < 0:
            return iter(())
        return itertools.islice(self.node.elements(), self.count, None)

    def cardinality(self) -> int:
        n = self.node.cardinality()
        if n < 0:
            return n
        return 0 if self.count < 0 else max(0, n - self.count)


class Repeat(Transform):
    """The input's iterations one after another, `count` times (None: forever)."""

    def __init__(self, node: Node, count: int | None) -> None:
        self.node, self.count = node, count

    def plan(self) -> Plan | None:
        p = self.node.plan()
        if p is None:
            return None
        if p.size == 0 or self.count == 0:
            size = 0
        elif self.count is None or p.size == INFINITE:
            size = INFINITE
        else:
            size = p.size * self.count
        return Plan(p.source, lambda: plan_lib.repeat_blocks(p.blocks, self.count), size)

    def generate(self) -> Iterator[Any]:
        # The loop that repeats a block stream repeats elements as well (an empty input stays empty).
        return plan_lib.repeat_blocks(self.node.elements, self.count)

    def cardinality(self) -> int:
        # repeat_dataset_op.cc: forever is infinite unless the input is empty, even when
        # the input's own size is unknown.
        n = self.node.cardinality()
        if self.count is None:
            return 0 if n == 0 else INFINITE
        if self.count == 0:
            return 0
        return n if n < 0 else n * self.count


class Shuffle(Transform):
    """TensorFlow's buffered shuffle (shuffle.py), reshuffled at every iteration unless told not to."""

    def __init__(self, node: Node, buffer_size: int, seed: Any, reshuffle_each_iteration: bool) -> None:
        self.node, self.buffer_size = node, buffer_size
        self.seeds = EpochSeeds(seed, reshuffle_each_iteration)

    def plan(self) -> Plan | None:
        p = self.node.plan()
        if p is None:
            return None

        def blocks() -> Iterator[Any]:
            return shuffle_blocks(p.blocks(), self.buffer_size, self.seeds.next_generator(), p.size)

        return Plan(p.source, blocks, p.size)

    def generate(self) -> Iterator[Any]:
        return shuffle_elements(self.node.elements(), self.buffer_size, self.seeds.next_generator())


class Cache(Transform):
    """`cache()`: the first complete iteration is stored in memory and replayed afterwards.

    A cache after a `shuffle` therefore replays the first order, as in TensorFlow.
    Over an index plan only the row indices are stored. Elements that a `map`
    produced are stacked into arrays once the first iteration is complete (when
    they share their shapes), so later iterations take the vectorised path.
    An iteration stopped early stores nothing; an infinite input is not cached.
    """

    def __init__(self, node: Node) -> None:
        super().__init__(node)
        self._blocks: list[Any] | None = None
        self._elements: list[Any] | None = None
        self._stacked: TensorSlices | None = None

    def plan(self) -> Plan | None:
        if self._stacked is not None:
            return self._stacked.plan()
        p = self.node.plan()
        if p is None or p.size == INFINITE:
            return p

        def blocks() -> Iterator[Any]:
            return iter(self._blocks) if self._blocks is not None else self._record_blocks(p)

        return Plan(p.source, blocks, p.size)

    def _record_blocks(self, p: Plan) -> Iterator[Any]:
        seen = []
        for block in p.blocks():
            seen.append(block)
            yield block
        self._blocks = seen

    def generate(self) -> Iterator[Any]:
        if self._elements is not None:
            yield from self._elements
            return
        if self.node.cardinality() == INFINITE:
            yield from self.node.elements()
            return
        seen = []
        for element in self.node.elements():
            seen.append(element)
            yield element
        try:
            self._stacked = TensorSlices(stack(seen)) if seen else None
        except ValueError:  # elements of different shapes stay a list
            self._stacked = None
        if self._stacked is None:
            self._elements = seen


class Enumerate(Transform):
    """`enumerate(start)`: (int64 position, element) pairs."""

    spec = Node.spec  # read from the first (position, element) pair

    def __init__(self, node: Node, start: int) -> None:
        self.node, self.start = node, start

    def generate(self) -> Iterator[Any]:
        for i, element in enumerate(self.node.elements(), self.start):
            yield (np.int64(i), element)
