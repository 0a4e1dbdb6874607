"""`tf.data.Dataset` on NumPy: input pipelines that `fit`, `evaluate` and `predict` consume.

    import scratchnn as tf
    ds = tf.data.Dataset.from_tensor_slices((x_train, y_train))
    ds = ds.shuffle(buffer_size=1024, seed=0).batch(64).prefetch(tf.data.AUTOTUNE)
    model.fit(ds, epochs=3)

Iterating a dataset yields its elements with scratchnn Tensors as leaves (what
TensorFlow code expects: `.numpy()`, `.shape`, tf ops); `as_numpy_iterator()`
yields NumPy arrays. The pipeline runs in the calling thread: `prefetch` and
`num_parallel_calls` are accepted for compatibility and change nothing, since
the work would compete with the training step for the same cores.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from scratchnn.data import sources, structure, transforms
from scratchnn.data.node import INFINITE, UNKNOWN, Node
from scratchnn.data.spec import Cardinality

AUTOTUNE = -1  # tf.data.AUTOTUNE: "let the runtime choose"; here every value means the same


def _as_int(value: Any, name: str) -> int:
    """An integer argument given as int, NumPy integer or a scalar integer tensor."""
    arr = structure.to_array(value)
    if arr.shape != () or arr.dtype.kind not in "iu" or isinstance(value, bool):
        raise TypeError(f"`{name}` must be an integer. Received: {name}={value!r}")
    return int(arr)


def _check_callable(fn: Any, name: str) -> None:
    if not callable(fn):
        raise TypeError(f"`{name}` must be callable. Received: {name}={fn!r} of type {type(fn).__name__}")


class Dataset:
    """A sequence of elements (arrays, or tuples/dicts of arrays) built from sources and transformations.

    Build one with `from_tensor_slices`, `from_tensors`, `range`, `zip` or
    `from_generator`, then chain transformations; each returns a new Dataset
    and leaves its input unchanged.

    Example:

    >>> ds = Dataset.range(10).map(lambda v: v * 2).batch(4)
    >>> [b.tolist() for b in ds.as_numpy_iterator()]
    [[0, 2, 4, 6], [8, 10, 12, 14], [16, 18]]
    """

    def __init__(self, node: Node) -> None:
        self._node = node

    # -- sources -----------------------------------------------------------------
    @staticmethod
    def from_tensor_slices(tensors: Any, name: str | None = None) -> Dataset:
        """Element i is row i of every array of `tensors` (an array, or a tuple/dict nesting of arrays).

        Lists are one array each (`from_tensor_slices([1, 2, 3])` has three int32
        scalars). NumPy arrays keep their dtype; Python floats become float32 and
        ints int32, as in TensorFlow.

        Raises:
            ValueError: if a component is a scalar or the first dimensions differ.
        """
        return Dataset(sources.TensorSlices(tensors))

    @staticmethod
    def from_tensors(tensors: Any, name: str | None = None) -> Dataset:
        """A dataset with exactly one element, `tensors`."""
        return Dataset(sources.from_tensors(tensors))

    @staticmethod
    def range(*args: Any, dtype: Any = "int64", name: str | None = None) -> Dataset:
        """`range(stop)`, `range(start, stop)` or `range(start, stop, step)` as int64 scalars."""
        if not 1 <= len(args) <= 3:
            raise TypeError(f"`Dataset.range` takes 1 to 3 integers (start, stop, step). Received: {args}")
        bounds = [_as_int(a, "range argument") for a in args]
        start, stop, step = (0, bounds[0], 1) if len(bounds) == 1 else (*bounds, 1)[:3]
        return Dataset(sources.Range(start, stop, step, getattr(dtype, "name", dtype)))

    @staticmethod
    def zip(*datasets: Any, name: str | None = None) -> Dataset:
        """Pairs up the elements of several datasets: `zip(a, b)`, `zip((a, b))` or `zip({"x": a, "y": b})`.

        The result is as long as the shortest input.
        """
        layout = datasets[0] if len(datasets) == 1 else tuple(datasets)
        if isinstance(layout, list):
            layout = tuple(layout)
        parts = structure.flatten(layout)
        bad = [type(p).__name__ for p in parts if not isinstance(p, Dataset)]
        if bad or not parts:
            raise TypeError(
                "`Dataset.zip` takes datasets, or a tuple/dict of datasets. "
                f"Received components of types {bad or 'none'}"
            )
        return Dataset(sources.Zip(layout, [p._node for p in parts]))

    @staticmethod
    def from_generator(
        generator: Callable[..., Any],
        output_types: Any = None,
        output_shapes: Any = None,
        args: Any = None,
        output_signature: Any = None,
        name: str | None = None,
    ) -> Dataset:
        """Elements yielded by `generator(*args)`, called afresh for every iteration.

        `output_signature` / `output_types` give the dtypes the yielded values are
        converted to; shapes are not checked. The cardinality is unknown.
        """
        dtypes = sources.declared_dtypes(output_signature if output_signature is not None else output_types)
        return Dataset(sources.FromGenerator(generator, tuple(args or ()), dtypes))

    # -- transformations -----------------------------------------------------------
    def batch(
        self,
        batch_size: Any,
        drop_remainder: bool = False,
        num_parallel_calls: Any = None,
        deterministic: Any = None,
        name: str | None = None,
    ) -> Dataset:
        """Stacks `batch_size` consecutive elements into one (a new leading axis on every component).

        Args:
            batch_size: elements per batch, a positive integer.
            drop_remainder: drop the last batch when it is smaller.

        Raises:
            ValueError: if `batch_size` is not positive; when iterating, if the
                elements of a batch have different shapes.
        """
        batch_size = _as_int(batch_size, "batch_size")
        if batch_size <= 0:
            raise ValueError(f"`batch_size` must be greater than zero. Received: batch_size={batch_size}")
        return Dataset(transforms.Batch(self._node, batch_size, bool(drop_remainder)))

    def unbatch(self, name: str | None = None) -> Dataset:
        """Splits every element along its first axis into separate elements (the inverse of `batch`)."""
        return Dataset(transforms.Unbatch(self._node))

    def shuffle(
        self,
        buffer_size: Any,
        seed: Any = None,
        reshuffle_each_iteration: Any = True,
        name: str | None = None,
    ) -> Dataset:
        """Shuffles with TensorFlow's buffer: keep `buffer_size` elements, emit a uniformly chosen one.

        `buffer_size >= len(dataset)` gives a uniform permutation; a smaller
        buffer only mixes nearby elements.

        Args:
            buffer_size: elements held in the buffer, a positive integer.
            seed: an integer for a reproducible order; None takes one from
                scratchnn's global generator (fixed by `keras.utils.set_random_seed`).
            reshuffle_each_iteration: a new order for every iteration (epoch);
                False repeats the first order.

        Raises:
            ValueError: if `buffer_size` is not positive.
        """
        buffer_size = _as_int(buffer_size, "buffer_size")
        if buffer_size <= 0:
            raise ValueError(f"`buffer_size` must be greater than zero. Received: buffer_size={buffer_size}")
        seed = None if seed is None else _as_int(seed, "seed")
        reshuffle = True if reshuffle_each_iteration is None else bool(reshuffle_each_iteration)
        return Dataset(transforms.Shuffle(self._node, buffer_size, seed, reshuffle))

    def map(
        self,
        map_func: Callable[..., Any],
        num_parallel_calls: Any = None,
        deterministic: Any = None,
        name: str | None = None,
    ) -> Dataset:
        """Applies `map_func` to every element: `fn(*element)` for a tuple element, `fn(element)` otherwise.

        The arguments are scratchnn Tensors; the function may return Tensors,
        arrays or Python numbers, alone or in a tuple/dict (a list counts as a tuple).
        """
        _check_callable(map_func, "map_func")
        return Dataset(transforms.Map(self._node, map_func))

    def filter(self, predicate: Callable[..., Any], name: str | None = None) -> Dataset:
        """Keeps the elements for which `predicate` (called like `map`'s function) returns True."""
        _check_callable(predicate, "predicate")
        return Dataset(transforms.Filter(self._node, predicate))

    def take(self, count: Any, name: str | None = None) -> Dataset:
        """The first `count` elements; -1 keeps all of them."""
        return Dataset(transforms.Take(self._node, _as_int(count, "count")))

    def skip(self, count: Any, name: str | None = None) -> Dataset:
        """All but the first `count` elements; -1 skips all of them."""
        return Dataset(transforms.Skip(self._node, _as_int(count, "count")))

    def repeat(self, count: Any = None, name: str | None = None) -> Dataset:
        """The dataset `count` times in a row; None or -1 repeats it forever."""
        count = None if count is None else _as_int(count, "count")
        return Dataset(transforms.Repeat(self._node, None if count is not None and count < 0 else count))

    def cache(self, filename: str = "", name: str | None = None) -> Dataset:
        """Keeps the first complete iteration in memory and replays it (`filename` is accepted, not used)."""
        return Dataset(transforms.Cache(self._node))

    def prefetch(self, buffer_size: Any, name: str | None = None) -> Dataset:
        """Returns the same pipeline: elements are produced when the training loop asks for them."""
        return Dataset(self._node)

    def concatenate(self, dataset: Dataset, name: str | None = None) -> Dataset:
        """The elements of this dataset followed by those of `dataset`."""
        if not isinstance(dataset, Dataset):
            raise TypeError(
                f"`concatenate` takes a Dataset. Received: dataset of type {type(dataset).__name__}"
            )
        return Dataset(sources.Concatenate(self._node, dataset._node))

    def enumerate(self, start: Any = 0, name: str | None = None) -> Dataset:
        """(index, element) pairs, the index an int64 counting from `start`."""
        return Dataset(transforms.Enumerate(self._node, _as_int(start, "start")))

    def apply(self, transformation_func: Callable[[Dataset], Dataset]) -> Dataset:
        """`transformation_func(self)`, for chaining reusable transformations."""
        return transformation_func(self)

    # -- reading ----------------------------------------------------------------------
    def __iter__(self) -> Iterator[Any]:
        return (structure.to_tensor_element(e) for e in self._node.elements())

    def as_numpy_iterator(self) -> Iterator[Any]:
        """Iterates the elements with NumPy arrays (or NumPy scalars) as leaves."""
        return iter(self._node.elements())

    def get_single_element(self, name: str | None = None) -> Any:
        """The one element of a one-element dataset (with Tensor leaves).

        Raises:
            ValueError: if the dataset is empty or has more than one element.
        """
        it = iter(self)
        first = next(it, None)
        if first is None or next(it, None) is not None:
            raise ValueError(
                "`get_single_element` needs a dataset of exactly one element. "
                f"Received one with {'no' if first is None else 'more than one'} element."
            )
        return first

    def cardinality(self) -> Cardinality:
        """Elements per iteration, or `INFINITE_CARDINALITY` (-1) / `UNKNOWN_CARDINALITY` (-2)."""
        return Cardinality(self._node.cardinality())

    def __len__(self) -> int:
        n = self._node.cardinality()
        if n == INFINITE:
            raise TypeError("The dataset is infinite.")
        if n == UNKNOWN:
            raise TypeError("The dataset length is unknown.")
        return n

    def __bool__(self) -> bool:
        return True  # as in TensorFlow: `if ds:` must not need the length

    @property
    def element_spec(self) -> Any:
        """The structure of `TensorSpec`s of one element.

        Read from the arrays for sliced data and what batches them; after a `map`
        it comes from producing the first element.
        """
        return self._node.spec()

    def __repr__(self) -> str:
        n = self._node.cardinality()
        size = {INFINITE: "infinite", UNKNOWN: "unknown"}.get(n, str(n))
        return f"<Dataset {type(self._node).__name__} cardinality={size}>"


def cardinality(dataset: Dataset) -> Cardinality:
    """`tf.data.experimental.cardinality(dataset)`."""
    return dataset.cardinality()


__all__ = ["AUTOTUNE", "Dataset", "cardinality"]
