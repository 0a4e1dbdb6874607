"""Turning user arrays into batches: validation, one-time conversion, splitting, gathering.

Inputs and targets may be arrays, or lists/tuples/dicts of arrays (several
inputs or outputs). They are converted to backend arrays **once** per `fit`
(float inputs and integer images to the model's float dtype), so a training
step only gathers its batch with one `take` per array.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from scratchnn import backend
from scratchnn.backend import random, xp
from scratchnn.ops.tensor import Tensor
from scratchnn.utils import tree


def _is_array_like_list(data: Any) -> bool:
    # A list of numbers (or of lists of numbers) is one array, not a structure of arrays.
    return (
        isinstance(data, (list, tuple))
        and bool(data)
        and isinstance(data[0], (int, float, np.integer, np.floating, list))
    )


def map_structure(fn: Callable[[Any], Any], data: Any) -> Any:
    """Applies `fn` to every array in a nested list/tuple/dict, keeping the structure (None stays None)."""
    if data is None:
        return None
    return tree.map_structure(fn, data, is_leaf=_is_array_like_list)


def flatten(data: Any) -> list[Any]:
    """The arrays of a nested structure, in order (none for None)."""
    if data is None:
        return []
    return tree.flatten(data, is_leaf=_is_array_like_list)


def to_backend(x: Any, float_dtype: str, name: str, cast_ints: bool, check_finite: bool = True) -> Any:
    """Converts one array to a backend array, checking it is non-empty and finite.

    Args:
        x: array-like.
        float_dtype: dtype for floating data (and for integers when `cast_ints`).
        name: argument name for error messages ("x", "y", ...).
        cast_ints: convert integer/bool data too (inputs: images stored as uint8).
        check_finite: reject NaN/inf (training on them ruins the weights); `predict`
            skips this pass over the data, since there a NaN only gives NaN outputs.

    Raises:
        ValueError: for empty arrays or, with `check_finite`, arrays containing NaN or inf.
    """
    arr = x.data if hasattr(x, "data") and not isinstance(x, np.ndarray) else x
    arr = backend.asarray(arr)
    if arr.dtype.kind in "USO":
        # Checked before any cast: NumPy would turn the strings "1", "2" into numbers silently.
        sample = arr.reshape(-1)[:3].tolist() if arr.size else []
        hint = (
            " Encode string labels as integers first (e.g. np.unique(y, return_inverse=True))."
            if name == "y"
            else ""
        )
        raise TypeError(
            f"`{name}` must be numeric. Received: {name} of dtype {arr.dtype} (first values {sample!r}).{hint}"
        )
    if arr.ndim == 0 or arr.shape[0] == 0:
        raise ValueError(
            f"Expected a non-empty array for `{name}`. Received: {name}.shape={tuple(arr.shape)}"
        )
    kind = arr.dtype.kind
    if kind == "f" or (cast_ints and kind in "iub"):
        arr = arr.astype(float_dtype, copy=False)
    if check_finite and arr.dtype.kind == "f" and not bool(xp.isfinite(arr).all()):
        bad = int((~xp.isfinite(arr)).sum())
        raise ValueError(
            f"`{name}` contains {bad} NaN or infinite values; training on them would give NaN weights. "
            "Clean or impute the data first."
        )
    return arr


def num_samples(*structures: Any) -> int:
    """The shared first-axis length of every array.

    Raises:
        ValueError: if the lengths differ, naming each argument's length.
    """
    sizes = {}
    for label, data in zip(("x", "y", "sample_weight"), structures):
        for arr in flatten(data):
            sizes.setdefault(label, set()).add(int(arr.shape[0]))
    distinct = {n for s in sizes.values() for n in s}
    if len(distinct) > 1:
        detail = ", ".join(f"{k} sizes: {sorted(v)}" for k, v in sizes.items())
        raise ValueError(
            f"Data cardinality is ambiguous: make sure all arrays contain the same number of samples. {detail}"
        )
    return distinct.pop()


def take(data: Any, index: Any) -> Any:
    """Gathers rows `index` (an int array or a slice) of every array in the structure."""
    # tree.map_structure directly (not this module's wrapper): this runs for every batch.
    if data is None:
        return None
    if isinstance(index, slice):
        return tree.map_structure(lambda a: a[index], data, is_leaf=_is_array_like_list)
    return tree.map_structure(lambda a: xp.take(a, index, axis=0), data, is_leaf=_is_array_like_list)


def split_validation(
    x: Any, y: Any, sw: Any, fraction: float
) -> tuple[tuple[Any, Any, Any], tuple[Any, Any, Any]]:
    """Keras's validation_split: the **last** `fraction` of the samples, before shuffling."""
    if not 0 < fraction < 1:
        raise ValueError(f"`validation_split` must be in (0, 1). Received: validation_split={fraction}")
    n = num_samples(x, y, sw)
    cut = int(n * (1 - fraction))
    if cut == 0 or cut == n:
        raise ValueError(
            f"validation_split={fraction} leaves an empty training or validation set for {n} samples."
        )
    first, last = slice(0, cut), slice(cut, n)
    return (take(x, first), take(y, first), take(sw, first)), (take(x, last), take(y, last), take(sw, last))


def batch_indices(n: int, batch_size: int, shuffle: bool, steps: int | None = None) -> Iterator[Any]:
    """Yields the row selection of each batch: slices in order, or a shuffled permutation's chunks.

    The permutation comes from scratchnn's global generator, so a seed fixes the order.
    """
    if shuffle:
        order = backend.asarray(random.generator().permutation(n))
        chunks = (order[i : i + batch_size] for i in range(0, n, batch_size))
    else:
        chunks = (slice(i, min(i + batch_size, n)) for i in range(0, n, batch_size))
    for step, chunk in enumerate(chunks):
        if steps is not None and step >= steps:
            return
        yield chunk


def class_weights_to_sample_weights(y: Any, class_weight: Any, num_classes: int | None = None) -> Any:
    """Per-sample weights class_weight[label] for sparse or one-hot targets (N,) -> (N,).

    Labels are read as Keras reads them (keras/src/trainers/data_adapters/
    data_adapter_utils.py): the argmax of one-hot rows, otherwise the rounded
    label; classes missing from `class_weight` weigh 1. Unlike Keras, which
    looks each label up with `class_weight.get` (so a key -1 or 99 is silently
    ignored), every key must name a class.

    Args:
        y: targets of one output, (N,), (N, 1) or one-hot (N, num_classes).
        class_weight: `{class index: weight}`.
        num_classes: the number of classes (the model's output width, 2 for a
            width-1 sigmoid output); by default the one-hot width, or for
            sparse labels the largest label + 1 (at least 2).

    Raises:
        ValueError: for a key that is not a class index in `range(num_classes)`,
            a weight that is not a finite number, or a label outside the classes.
    """
    if not isinstance(class_weight, dict):
        raise ValueError(
            "`class_weight` must be a dict mapping class indices to weights. "
            f"Received: class_weight of type {type(class_weight).__name__}"
        )
    labels = backend.to_numpy(y)
    one_hot = labels.ndim > 1 and labels.shape[-1] > 1
    if one_hot:
        if num_classes is None:
            num_classes = int(labels.shape[-1])
        labels = labels.argmax(axis=-1)
    labels = np.rint(labels.reshape(labels.shape[0], -1)[:, 0]).astype(np.int64)
    if num_classes is None:
        # Sparse labels without the model's width: the classes seen, and at least the two of a
        # binary (sigmoid, width 1) problem, so a batch of only 0s still accepts a weight for 1.
        num_classes = max(int(labels.max()) + 1 if labels.size else 0, 2)
    table = np.ones(max(num_classes, 1), dtype=np.float64)
    for key, weight in class_weight.items():
        if (
            isinstance(key, (bool, np.bool_))
            or not isinstance(key, (int, np.integer))
            or not 0 <= key < num_classes
        ):
            raise ValueError(
                f"`class_weight` keys must be class indices in range({num_classes}) (the classes of `y`). "
                f"Received: class_weight key {key!r}"
            )
        if isinstance(weight, (bool, np.bool_)) or not isinstance(
            weight, (int, float, np.integer, np.floating)
        ):
            raise ValueError(
                f"`class_weight` values must be numbers. Received: class_weight[{key!r}]={weight!r}"
            )
        if not np.isfinite(weight):
            raise ValueError(
                f"`class_weight` values must be finite. Received: class_weight[{key!r}]={weight!r}"
            )
        table[int(key)] = weight
    if labels.size and (labels.min() < 0 or labels.max() >= num_classes):
        raise ValueError(
            f"`y` holds labels outside range({num_classes}) (from {int(labels.min())} to {int(labels.max())}), "
            "so `class_weight` cannot weigh them."
        )
    return backend.asarray(table[labels].astype(backend.floatx()))


def check_sample_weight(sample_weight: Any, y: Any) -> None:
    """Checks that each sample-weight array fits its targets (after `to_backend`; call once per fit).

    A weight array must be (N,) or follow the leading axes of its targets:
    after dropping trailing axes of size 1 its shape must be a prefix of the
    target's shape ((N,), (N, T) for targets (N, T, C)). One array weighs every
    output; otherwise one array per output array, in the same structure.
    Keras fails inside the loss with "Incompatible shapes for broadcasting".

    Raises:
        ValueError: naming both shapes, for a weight array that does not fit, or
            a structure with a different number of arrays than the targets.
    """
    weights, targets = flatten(sample_weight), flatten(y)
    if not weights or not targets:
        return
    if len(weights) == 1:
        pairs = [(weights[0], t) for t in targets]
    elif len(weights) == len(targets):
        pairs = list(zip(weights, targets))
    else:
        raise ValueError(
            f"`sample_weight` holds {len(weights)} arrays, but there are {len(targets)} target arrays; pass one "
            "array for all outputs or one per output."
        )
    for w, t in pairs:
        shape = tuple(w.shape)
        while len(shape) > 1 and shape[-1] == 1:
            shape = shape[:-1]
        if shape != tuple(t.shape[: len(shape)]):
            raise ValueError(
                "`sample_weight` must have shape (N,) or the leading axes of its targets. "
                f"Received: sample_weight.shape={tuple(w.shape)} for y.shape={tuple(t.shape)}"
            )


def check_batch_size(batch_size: Any) -> int:
    """fit/evaluate/predict's batch_size: None -> 32; anything but a positive integer is a ValueError.

    NumPy integers are accepted, as Keras accepts them (`np.int64(8)` from a computation).
    """
    if batch_size is None:
        return 32
    if (
        isinstance(batch_size, (bool, np.bool_))
        or not isinstance(batch_size, (int, np.integer))
        or batch_size <= 0
    ):
        raise ValueError(f"`batch_size` must be a positive integer. Received: batch_size={batch_size!r}")
    return int(batch_size)


def pack_x_y_sample_weight(x: Any, y: Any = None, sample_weight: Any = None) -> Any:
    """One batch as `fit` hands it to `train_step`: `x`, `(x, y)` or `(x, y, sample_weight)`.

    Keras's convention (keras/src/trainers/data_adapters/data_adapter_utils.py): without
    targets a batch is `x` itself, or `(x,)` when `x` is a tuple or list of inputs, so that
    unpacking it never mistakes the inputs for (x, y).
    """
    if y is None:
        return (x,) if isinstance(x, (list, tuple)) else x
    if sample_weight is None:
        return (x, y)
    return (x, y, sample_weight)


def unpack_x_y_sample_weight(data: Any) -> tuple[Any, Any, Any]:
    """The inverse of `pack_x_y_sample_weight`: (x, y or None, sample_weight or None).

    Raises:
        ValueError: for a tuple of more than three items.
    """
    if isinstance(data, list):
        data = tuple(data)
    if not isinstance(data, tuple):
        return data, None, None
    if len(data) == 1:
        return data[0], None, None
    if len(data) == 2:
        return data[0], data[1], None
    if len(data) == 3:
        return data[0], data[1], data[2]
    raise ValueError(
        "Data is expected to be in format `x`, `(x,)`, `(x, y)`, or `(x, y, sample_weight)`. "
        f"Received a tuple of {len(data)} items: {data!r:.200}"
    )


def unpack_validation(validation_data: Any) -> tuple[Any, Any, Any]:
    """(x_val, y_val) or (x_val, y_val, sample_weight) -> a triple, the weight None when absent."""
    if not isinstance(validation_data, (list, tuple)) or len(validation_data) not in (2, 3):
        raise ValueError(
            "`validation_data` must be a tuple (x_val, y_val) or (x_val, y_val, val_sample_weight). "
            f"Received: validation_data of type {type(validation_data).__name__}"
        )
    x, y, *rest = validation_data
    return x, y, rest[0] if rest else None


def batch_len(x: Any) -> int:
    """Samples in one batch: the first axis of the first array in the structure."""
    return int(tree.flatten(x, is_leaf=_is_array_like_list)[0].shape[0])


def _to_numpy(value: Any) -> Any:
    return backend.to_numpy(value.data if isinstance(value, Tensor) else value)


def to_numpy_structure(out: Any) -> Any:
    """Tensors/backend arrays (alone, or in a dict, list or tuple) -> NumPy arrays (tuples become lists)."""
    if isinstance(out, Tensor):  # one output: no walk (this runs for every predicted batch)
        return backend.to_numpy(out.data)
    return tree.map_structure_as_lists(_to_numpy, out)


def concat_batches(outputs: list[Any]) -> Any:
    """Per-batch outputs (arrays, lists or dicts of arrays) -> one structure concatenated on axis 0."""
    first = outputs[0]
    if isinstance(first, dict):
        return {k: np.concatenate([o[k] for o in outputs]) for k in first}
    if isinstance(first, list):
        return [np.concatenate([o[i] for o in outputs]) for i in range(len(first))]
    return np.concatenate(outputs)
