"""Index plans: datasets whose elements are rows of in-memory arrays, handled as index arrays.

`from_tensor_slices(arrays)` has element i = row i of every array. Until a
`map` or `filter` needs the elements themselves, every transformation in front
of `batch` (`shuffle`, `take`, `skip`, `repeat`, `cache`, `prefetch`) only
reorders or selects rows, so it is carried out on **row indices**. An epoch of
such a dataset is a stream of *blocks*: a `slice` for consecutive rows, or a
1-D int64 array. `batch` then cuts the stream into batch-size blocks and
gathers each batch with one `take` per array, so
`from_tensor_slices((x, y)).shuffle(60000).batch(32)` costs a permutation per
epoch and one gather per batch, never a Python step per sample.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any, NamedTuple

import numpy as np

from scratchnn.data import structure

Block = Any  # a slice(start, stop) or a 1-D int64 array of row positions
INFINITE = -1


class Plan(NamedTuple):
    """A dataset seen as rows of `source`.

    Attributes:
        source: an element structure whose leaves are arrays with the same first dimension.
        blocks: called once per iteration; returns that iteration's row stream, in blocks.
        size: rows per iteration, or `INFINITE` (-1).
    """

    source: Any
    blocks: Callable[[], Iterator[Block]]
    size: int


def block_len(block: Block) -> int:
    return block.stop - block.start if isinstance(block, slice) else len(block)


def as_indices(block: Block) -> np.ndarray:
    if isinstance(block, slice):
        return np.arange(block.start, block.stop, dtype=np.int64)
    return block


def _split(block: Block, k: int) -> tuple[Block, Block]:
    """The first `k` rows of a block, and the rest."""
    # Both halves are views (a slice stays a slice, an array splits into array views),
    # so cutting a 60,000-row permutation into batches copies no indices.
    if isinstance(block, slice):
        return slice(block.start, block.start + k), slice(block.start + k, block.stop)
    return block[:k], block[k:]


def take_blocks(blocks: Iterable[Block], count: int) -> Iterator[Block]:
    """The first `count` rows of a stream."""
    left = count  # rows still to emit
    for block in blocks:
        if left <= 0:
            return
        n = block_len(block)
        if n > left:
            block, _ = _split(block, left)
            n = left
        left -= n
        if n:
            yield block


def skip_blocks(blocks: Iterable[Block], count: int) -> Iterator[Block]:
    """The stream without its first `count` rows."""
    left = count  # rows still to drop
    for block in blocks:
        n = block_len(block)
        if left >= n:  # the whole block is skipped without being looked at
            left -= n
            continue
        if left:
            _, block = _split(block, left)
            left = 0
        yield block


def repeat_blocks(blocks: Callable[[], Iterator[Block]], count: int | None) -> Iterator[Block]:
    """`count` iterations of a stream one after the other (None: forever).

    Each repetition calls `blocks()` again, so an upstream `shuffle` reshuffles,
    as in TensorFlow. A repetition that yields nothing ends the stream: repeating
    an empty dataset gives an empty dataset, not an endless loop.
    """
    done = 0
    while count is None or done < count:
        empty = True
        for block in blocks():
            empty = False
            yield block
        if empty:
            return
        done += 1


def rechunk(blocks: Iterable[Block], size: int, drop_remainder: bool) -> Iterator[Block]:
    """Cuts a stream into blocks of exactly `size` rows (the last may be shorter).

    Consecutive rows stay a slice, so an unshuffled batch is a view of the arrays;
    a batch that straddles two blocks becomes one index array.
    """
    pending: list[Block] = []  # pieces of the batch being assembled, `have` rows in all
    have = 0
    for block in blocks:
        while block_len(block):
            need = size - have
            # Take what the current batch still needs; the rest of the block carries on.
            head, block = _split(block, min(need, block_len(block)))
            pending.append(head)
            have += block_len(head)
            if have == size:
                yield pending[0] if len(pending) == 1 else np.concatenate([as_indices(b) for b in pending])
                pending, have = [], 0
    if have and not drop_remainder:
        yield pending[0] if len(pending) == 1 else np.concatenate([as_indices(b) for b in pending])


def gather(source: Any, block: Block) -> Any:
    """The rows `block` of every array of `source`: a view for a slice, one `take` otherwise."""
    if isinstance(block, slice):
        return structure.map_structure(lambda a: a[block], source)
    # (N, ...) -> (len(block), ...) for every component, one vectorised gather each.
    return structure.map_structure(lambda a: np.take(a, block, axis=0), source)


def rows(plan: Plan) -> Iterator[Any]:
    """The elements of a plan one by one (what iterating an unbatched dataset yields)."""
    leaves = structure.flatten(plan.source)  # flattened once; each row is packed back into the structure
    for block in plan.blocks():
        for i in range(block.start, block.stop) if isinstance(block, slice) else block:
            yield structure.pack_as(plan.source, [leaf[i] for leaf in leaves])
