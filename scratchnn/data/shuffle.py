"""`Dataset.shuffle`'s buffer, on row indices (vectorised) and on arbitrary elements.

TensorFlow's shuffle keeps a buffer of `buffer_size` elements. It fills the
buffer from the input, then repeats: pick a slot uniformly, emit its element,
put the next input element in that slot. When the input ends it emits what is
left in random order. So with `buffer_size >= len(dataset)` the output is a
uniform permutation, and with `buffer_size=1` it is the input order.

The index version runs many steps of that loop in one pass of NumPy (see
`buffer_step`); the element version is the plain loop, for elements that a
`map` or a `batch` has already produced one at a time.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import numpy as np

from scratchnn.backend import random
from scratchnn.data.plan import Block, as_indices, block_len

_PIECE = 1 << 16  # indices processed per vectorised step (bounds the temporaries)


class EpochSeeds:
    """One generator per iteration of a shuffled dataset, reproducible from one base seed.

    Args:
        seed: the `seed` argument of `shuffle`; None draws the base seed from
            scratchnn's global generator, so `keras.utils.set_random_seed` before
            building the pipeline fixes every epoch's order.
        reshuffle_each_iteration: False gives every iteration the same order.
    """

    def __init__(self, seed: Any, reshuffle_each_iteration: bool) -> None:
        if seed is None:
            seed = int(random.generator().integers(2**63))
        self.base = int(seed) % 2**63
        self.reshuffle = bool(reshuffle_each_iteration)
        self.iterations = 0

    def next_generator(self) -> np.random.Generator:
        # Iteration k draws from a generator seeded with (base, k): reproducible, and
        # unaffected by whatever else draws from the global generator in between.
        k = self.iterations if self.reshuffle else 0
        self.iterations += 1
        return np.random.default_rng([self.base, k])


def buffer_step(buf: np.ndarray, incoming: np.ndarray, picks: np.ndarray) -> np.ndarray:
    """Runs `len(incoming)` steps of the full shuffle buffer at once.

    Step t emits `buf[picks[t]]` and then stores `incoming[t]` in that slot. What
    step t reads from slot s is what the latest earlier step that picked s wrote
    there, or the slot's content before this call if none did. A stable sort of
    the steps by slot puts each step right after the previous step on the same
    slot, so one gather answers every read.

    Args:
        buf: (B,) the buffer's contents; updated in place to its state after the steps.
        incoming: (m,) the next input elements (row indices).
        picks: (m,) the slot picked at each step, uniform in [0, B).

    Returns:
        (m,) the emitted elements in step order.
    """
    order = np.argsort(picks, kind="stable")  # steps grouped by slot, in time order within a slot
    slots = picks[order]
    first = np.ones(len(slots), dtype=bool)  # the first step on its slot reads the old content
    first[1:] = slots[1:] != slots[:-1]
    # Otherwise the read is the value the previous step on the slot (one place earlier) wrote.
    read = np.where(first, buf[slots], incoming[np.roll(order, 1)])
    out = np.empty_like(read)
    out[order] = read
    last = np.ones(len(slots), dtype=bool)  # the last step on each slot leaves its value behind
    last[:-1] = slots[:-1] != slots[1:]
    buf[slots[last]] = incoming[order[last]]
    return out


def _pieces(blocks: Iterable[Block]) -> Iterator[np.ndarray]:
    # Long slices become index arrays a piece at a time, so memory stays bounded.
    for block in blocks:
        if isinstance(block, slice):
            for start in range(block.start, block.stop, _PIECE):
                yield as_indices(slice(start, min(start + _PIECE, block.stop)))
        elif block_len(block):
            for start in range(0, len(block), _PIECE):
                yield block[start : start + _PIECE]


def shuffle_blocks(
    blocks: Iterable[Block], buffer_size: int, rng: np.random.Generator, size: int
) -> Iterator[Block]:
    """TensorFlow's buffered shuffle of a row stream.

    Args:
        blocks: the input stream.
        buffer_size: the shuffle buffer's capacity.
        rng: this iteration's generator.
        size: rows in the stream, or -1 when it is infinite.
    """
    if 0 <= size <= buffer_size:
        # The buffer takes the whole input before emitting anything, then empties in
        # random order: exactly a uniform permutation, drawn in one call.
        everything = [as_indices(b) for b in blocks]
        if everything:
            yield rng.permutation(np.concatenate(everything))
        return
    buf = np.empty(buffer_size, dtype=np.int64)  # slot -> row index it holds
    filled = 0
    for piece in _pieces(blocks):
        # Filling phase: the first buffer_size rows only enter the buffer, nothing is emitted.
        if filled < buffer_size:
            k = min(buffer_size - filled, len(piece))
            buf[filled : filled + k] = piece[:k]
            filled += k
            piece = piece[k:]
        if len(piece):
            # Steady phase: one emission per arriving row, the slot uniform over the full buffer.
            yield buffer_step(buf, piece, rng.integers(0, buffer_size, size=len(piece)))
    if filled:
        # Input exhausted: TF keeps picking uniformly among what is left, i.e. a random order.
        yield buf[:filled][rng.permutation(filled)]


def shuffle_elements(elements: Iterable[Any], buffer_size: int, rng: np.random.Generator) -> Iterator[Any]:
    """The same buffer over elements that arrive one at a time."""
    buf: list[Any] = []
    picks: Iterator[int] = iter(())
    for element in elements:
        if len(buf) < buffer_size:
            buf.append(element)
            continue
        j = next(picks, None)
        if j is None:  # draw the slot picks 1024 at a time
            picks = iter(rng.integers(0, buffer_size, size=1024).tolist())
            j = next(picks)
        out, buf[j] = buf[j], element
        yield out
    for j in rng.permutation(len(buf)).tolist():
        yield buf[j]
