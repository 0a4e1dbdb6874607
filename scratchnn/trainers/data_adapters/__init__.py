"""What `fit`, `evaluate` and `predict` accept as data, each kind turned into epochs of batches.

`get_data_adapter` picks the adapter (keras/src/trainers/data_adapters/__init__.py):

- a `scratchnn.data.Dataset` of batches (or any object with a tf.data-style
  `as_numpy_iterator()` and `cardinality()`, such as a real `tf.data.Dataset`) -> DatasetAdapter;
- a `keras.utils.PyDataset` -> PyDatasetAdapter;
- a generator or any other iterator -> GeneratorDataAdapter;
- anything else is array data (arrays, lists of numbers, tuples/lists/dicts of
  arrays) -> ArrayDataAdapter, the fast path.

`EpochIterator` then runs epochs over the adapter with Keras's `steps_per_epoch` rules.
"""

from __future__ import annotations

from typing import Any

from scratchnn.data import Dataset
from scratchnn.trainers import data as data_utils
from scratchnn.trainers.data_adapters.array_data_adapter import ArrayDataAdapter
from scratchnn.trainers.data_adapters.data_adapter import DataAdapter, Prepare, as_arrays, as_is
from scratchnn.trainers.data_adapters.data_adapter_utils import (
    ClassCount,
    pack_x_y_sample_weight,
    unpack_x_y_sample_weight,
)
from scratchnn.trainers.data_adapters.dataset_adapter import DatasetAdapter
from scratchnn.trainers.data_adapters.epoch_iterator import EpochIterator, steps_per_epoch_as_a_cap
from scratchnn.trainers.data_adapters.generator_data_adapter import GeneratorDataAdapter
from scratchnn.trainers.data_adapters.py_dataset_adapter import PyDataset, PyDatasetAdapter, Sequence


def input_kind(x: Any) -> str | None:
    """The kind of a streaming input ("Dataset", "PyDataset" or "generator"); None for array data."""
    if isinstance(x, Dataset) or (hasattr(x, "as_numpy_iterator") and hasattr(x, "cardinality")):
        return "Dataset"
    if isinstance(x, PyDataset):
        return "PyDataset"
    if hasattr(x, "__next__") and hasattr(x, "__iter__"):
        return "generator"
    return None


def is_array_data(x: Any) -> bool:
    """Whether `x` is in-memory array data (the kind that `validation_split` and `batch_size` apply to)."""
    return input_kind(x) is None


def raise_unsupported_arg(arg_name: str, arg_description: str, input_type: str) -> None:
    raise ValueError(
        f"When providing `x` as a {input_type}, `{arg_name}` should not be passed. Instead, "
        f"{arg_description} should be included as part of the {input_type}."
    )


def get_data_adapter(
    x: Any,
    y: Any = None,
    sample_weight: Any = None,
    batch_size: int | None = None,
    steps_per_epoch: int | None = None,
    shuffle: Any = False,
    class_weight: dict[int, float] | None = None,
    prepare: Prepare = as_arrays,
    num_classes: ClassCount | None = None,
) -> DataAdapter:
    """The adapter for `x` (and `y`, `sample_weight` when `x` holds arrays).

    Args:
        x, y, sample_weight, batch_size, steps_per_epoch, shuffle, class_weight:
            as given to `fit` / `evaluate` / `predict`.
        prepare: the trainer's conversion of `(x, y, sample_weight)` for the model;
            applied once to array data and to every batch of the other kinds.
        num_classes: gives the model's class count from inputs, for `class_weight`.

    Raises:
        ValueError: for `y` or `sample_weight` next to a Dataset, PyDataset or
            generator (they belong inside it), `class_weight` with a generator,
            or a generator function passed instead of its generator.
    """
    if isinstance(x, DataAdapter):
        return x
    kind = input_kind(x)
    if kind is None:
        if callable(x) and not hasattr(x, "shape"):
            raise ValueError(
                f"Unrecognized data type: x={x!r} (of type {type(x).__name__}). To train on a generator, "
                "pass the generator itself, e.g. `fit(batches())` rather than `fit(batches)`."
            )
        return ArrayDataAdapter(
            x, y, sample_weight, batch_size, steps_per_epoch, shuffle, class_weight, prepare, num_classes
        )
    if y is not None:
        raise_unsupported_arg("y", "the targets", kind)
    if sample_weight is not None:
        raise_unsupported_arg("sample_weights", "the sample weights", kind)
    # A `batch_size` is ignored, silently, as Keras 3 does: the stream yields whole batches, and
    # Keras's own guide passes `batch_size=64` next to a PyDataset (training_with_built_in_methods).
    if kind == "Dataset":
        return DatasetAdapter(x, class_weight, prepare, num_classes)
    if kind == "PyDataset":
        return PyDatasetAdapter(x, class_weight, shuffle, prepare, num_classes)
    if class_weight is not None:
        raise ValueError(
            "Argument `class_weight` is not supported for Python generator inputs. "
            f"Received: class_weight={class_weight}"
        )
    return GeneratorDataAdapter(x, prepare=prepare)


def fit_adapters(
    x: Any,
    y: Any,
    sample_weight: Any,
    batch_size: Any,
    steps_per_epoch: Any,
    shuffle: Any,
    class_weight: Any,
    validation_split: float,
    validation_data: Any,
    validation_batch_size: Any,
    prepare: Prepare,
    num_classes: ClassCount | None = None,
) -> tuple[DataAdapter, DataAdapter | None]:
    """The adapters of one `fit` call: for the training data, and for the validation data (or None).

    `validation_split` takes the last samples of array data, converted once
    (Keras refuses it for the other kinds). `validation_data` is a tuple of
    arrays, batched by `validation_batch_size or batch_size`, or a Dataset,
    PyDataset or generator. Validation data gets no class weights, as in Keras.
    """
    if validation_data is None and validation_split:
        if not is_array_data(x):
            train_validation_split(x, y, sample_weight, validation_split)  # raises Keras's error
        # Converted before the split, so both halves are prepared once and no more.
        (x, y, sample_weight), validation_data = train_validation_split(
            *prepare(x, y, sample_weight), validation_split
        )
        prepare = as_is
    train = get_data_adapter(
        x, y, sample_weight, batch_size, steps_per_epoch, shuffle, class_weight, prepare, num_classes
    )
    if validation_data is None:
        return train, None
    if is_array_data(validation_data):
        val_x, val_y, val_sw = data_utils.unpack_validation(validation_data)
        val_batch_size = validation_batch_size or batch_size
    else:
        val_x, val_y, val_sw, val_batch_size = validation_data, None, None, None
    return train, get_data_adapter(val_x, val_y, val_sw, val_batch_size, None, False, None, prepare)


def require_arrays(adapter: DataAdapter, purpose: str) -> ArrayDataAdapter:
    """`adapter` itself when it holds array data.

    Raises:
        ValueError: for streamed data, naming `purpose` (what needs the rows at hand).
    """
    if not isinstance(adapter, ArrayDataAdapter):
        raise ValueError(
            f"{purpose} needs array data (it splits the rows between the ranks). "
            f"Received data of type {type(adapter).__name__.replace('Adapter', '')}: pass NumPy arrays."
        )
    return adapter


def train_validation_split(x: Any, y: Any, sample_weight: Any, validation_split: float) -> tuple[Any, Any]:
    """Keras's `validation_split`: the last fraction of array data, before shuffling.

    Returns:
        `((x, y, sample_weight), (x_val, y_val, sample_weight_val))`.

    Raises:
        ValueError: when `x` is a Dataset, PyDataset or generator (Keras's error),
            or the split leaves an empty side.
    """
    if not is_array_data(x):
        raise ValueError(
            "Argument `validation_split` is only supported for tensors or NumPy arrays. "
            f"Found incompatible type in the input: {[type(x)]}"
        )
    return data_utils.split_validation(x, y, sample_weight, validation_split)


__all__ = [
    "ArrayDataAdapter",
    "as_is",
    "DataAdapter",
    "DatasetAdapter",
    "EpochIterator",
    "fit_adapters",
    "GeneratorDataAdapter",
    "PyDataset",
    "PyDatasetAdapter",
    "Sequence",
    "get_data_adapter",
    "input_kind",
    "is_array_data",
    "pack_x_y_sample_weight",
    "require_arrays",
    "steps_per_epoch_as_a_cap",
    "train_validation_split",
    "unpack_x_y_sample_weight",
]
