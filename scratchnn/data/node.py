"""The pipeline's nodes: what each `Dataset` holds, and the cardinality constants.

A `Dataset` is a thin public object around one node; each transformation
returns a new `Dataset` around a new node that points at its input's node.
A node answers three questions: its index plan if it has one (plan.py), its
elements one by one, and how many there are.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from scratchnn.data import plan as plan_lib
from scratchnn.data import structure
from scratchnn.data.spec import TensorSpec

INFINITE = -1  # tf.data.INFINITE_CARDINALITY
UNKNOWN = -2  # tf.data.UNKNOWN_CARDINALITY


class Node:
    """Base class of the pipeline's nodes."""

    def plan(self) -> plan_lib.Plan | None:
        """The index plan of this node's elements, or None when they must be produced one by one."""
        return None

    def elements(self) -> Iterator[Any]:
        """One iteration's elements, as NumPy structures."""
        p = self.plan()
        return plan_lib.rows(p) if p is not None else self.generate()

    def generate(self) -> Iterator[Any]:
        """The elements of a node without an index plan."""
        raise NotImplementedError(f"{type(self).__name__} has neither an index plan nor a generator.")

    def cardinality(self) -> int:
        """Elements per iteration: a count, `INFINITE` or `UNKNOWN`."""
        return UNKNOWN

    def spec(self) -> Any:
        """The structure of TensorSpecs of the elements, read from the first element.

        Nodes that know their shapes without running the pipeline override this;
        the rest produce one element (TensorFlow traces the functions instead).
        None for an empty dataset.
        """
        first = next(iter(self.elements()), None)
        return None if first is None else structure.map_structure(TensorSpec.of, first)
