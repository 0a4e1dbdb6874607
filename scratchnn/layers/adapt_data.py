"""The data that preprocessing layers' `adapt()` accepts, as Keras's (keras/src/layers/preprocessing/).

`adapt` takes one array (NumPy, a Tensor, a nested list of numbers) or a source of
batches: a `tf.data`-style dataset (anything with `as_numpy_iterator()`, such as
`scratchnn.data.Dataset` or a real `tf.data.Dataset`), a `keras.utils.PyDataset`
(indexable, with a length), or any iterable of arrays such as a list or a generator.
A batch that is a tuple `(x, y[, sample_weight])` contributes its `x`, as in Keras.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from scratchnn import backend
from scratchnn.ops.tensor import Tensor


def _host(x: Any) -> Any:
    """A batch (or the x of an (x, y) tuple) as a host array."""
    if isinstance(x, tuple):
        x = x[0]
    if isinstance(x, dict):
        raise TypeError(
            "adapt() does not accept batches that are dicts; pass the array of one feature. "
            f"Received a dict with keys {sorted(x)}"
        )
    return backend.to_numpy(backend.asarray(x.data if isinstance(x, Tensor) else x))


def single_array(data: Any) -> Any:
    """`data` as one host array when it is a single array-like, else None (a source of batches)."""
    if hasattr(data, "as_numpy_iterator"):
        return None
    if isinstance(data, Tensor) or hasattr(data, "__array_interface__") or hasattr(data, "__array__"):
        return _host(data)
    if isinstance(data, (list, tuple)):
        first = data[0] if data else None
        # A list of numbers (or of lists of numbers) is one array; a list of arrays is a list of batches.
        if first is None or isinstance(first, (int, float, list)):
            return backend.to_numpy(backend.asarray(data))
    return None


def iter_batches(data: Any, steps: int | None = None) -> Iterator[Any]:
    """Yields the batches of `data` (see the module docstring) as host arrays, at most `steps` of them.

    Raises:
        TypeError: for data that is neither an array nor a source of batches.
    """
    array = single_array(data)
    if array is not None:
        yield array
        return
    if hasattr(data, "as_numpy_iterator"):
        source: Any = data.as_numpy_iterator()
    elif (
        hasattr(data, "__getitem__")
        and hasattr(data, "__len__")
        and not isinstance(data, (list, tuple, dict))
    ):
        source = (data[i] for i in range(len(data)))  # a PyDataset: batch i is data[i]
    elif hasattr(data, "__iter__") and not isinstance(data, (str, bytes, dict)):
        source = iter(data)
    else:
        raise TypeError(
            f"Unsupported data type: {type(data).__name__}. `adapt` supports NumPy arrays, tensors, "
            "tf.data-style datasets, `keras.utils.PyDataset`, and iterables of batches (e.g. a list or "
            "a generator)."
        )
    for i, batch in enumerate(source):
        if steps is not None and i >= steps:
            return
        yield _host(batch)
