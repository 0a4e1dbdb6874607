"""tf.data semantics of scratchnn.data.Dataset: sources, transformations, cardinality, iteration.

The expected values are those of TensorFlow's documentation examples for each method.
"""

import collections

import numpy as np
import pytest

import scratchnn
from scratchnn import ops
from scratchnn.data import (
    AUTOTUNE,
    INFINITE_CARDINALITY,
    UNKNOWN_CARDINALITY,
    Dataset,
    TensorSpec,
    experimental,
)
from scratchnn.ops.tensor import Tensor


def values(ds):
    """The elements as plain Python values (lists for arrays)."""

    def plain(e):
        if isinstance(e, dict):
            return {k: plain(v) for k, v in e.items()}
        if isinstance(e, tuple):
            return tuple(plain(v) for v in e)
        return np.asarray(e).tolist()

    return [plain(e) for e in ds.as_numpy_iterator()]


# -- sources -----------------------------------------------------------------------------
def test_from_tensor_slices_python_lists_get_tensorflow_dtypes():
    ds = Dataset.from_tensor_slices([[1, 2], [3, 4]])
    assert values(ds) == [[1, 2], [3, 4]]
    assert next(ds.as_numpy_iterator()).dtype == np.int32
    assert next(Dataset.from_tensor_slices([1.5, 2.0]).as_numpy_iterator()).dtype == np.float32


def test_from_tensor_slices_keeps_numpy_dtypes():
    x = np.arange(6, dtype=np.float64).reshape(3, 2)
    first = next(Dataset.from_tensor_slices(x).as_numpy_iterator())
    assert first.dtype == np.float64 and first.shape == (2,)


def test_from_tensor_slices_tuple_dict_and_nested():
    assert values(Dataset.from_tensor_slices(([1, 2], [3, 4], [5, 6]))) == [(1, 3, 5), (2, 4, 6)]
    assert values(Dataset.from_tensor_slices({"a": [1, 2], "b": [3, 4]})) == [
        {"a": 1, "b": 3},
        {"a": 2, "b": 4},
    ]
    nested = Dataset.from_tensor_slices(({"a": np.arange(3), "b": np.ones((3, 2))}, np.arange(3) * 10))
    (features, label) = list(nested.as_numpy_iterator())[2]
    assert features["a"] == 2 and features["b"].shape == (2,) and label == 20


def test_from_tensor_slices_namedtuple_elements_keep_their_type():
    Point = collections.namedtuple("Point", ["x", "y"])
    first = next(Dataset.from_tensor_slices(Point(np.arange(3), np.arange(3) * 2)).as_numpy_iterator())
    assert isinstance(first, Point) and (first.x, first.y) == (0, 0)


def test_from_tensor_slices_of_tensors():
    ds = Dataset.from_tensor_slices(Tensor(np.arange(4.0)))
    assert values(ds) == [0.0, 1.0, 2.0, 3.0]


@pytest.mark.parametrize(
    "tensors, match",
    [((np.arange(3), np.arange(4)), "same size in their first dimension"), (np.float32(1.0), "rank >= 1")],
)
def test_from_tensor_slices_rejects_bad_input(tensors, match):
    with pytest.raises(ValueError, match=match):
        Dataset.from_tensor_slices(tensors)


def test_from_tensors_is_one_element():
    ds = Dataset.from_tensors(([1, 2, 3], "A"))
    assert len(ds) == 1
    (a, b) = next(ds.as_numpy_iterator())
    assert a.tolist() == [1, 2, 3] and str(b) == "A"


@pytest.mark.parametrize(
    "args, expected",
    [
        ((5,), [0, 1, 2, 3, 4]),
        ((2, 5), [2, 3, 4]),
        ((1, 5, 2), [1, 3]),
        ((5, 1, -2), [5, 3]),
        ((1, 5, -2), []),
    ],
)
def test_range(args, expected):
    ds = Dataset.range(*args)
    assert values(ds) == expected and len(ds) == len(expected)
    if expected:
        assert next(ds.as_numpy_iterator()).dtype == np.int64


def test_zip_forms_and_shortest_length():
    a, b, d = Dataset.range(1, 4), Dataset.range(4, 7), Dataset.range(13, 15)
    assert values(Dataset.zip(a, b)) == [(1, 4), (2, 5), (3, 6)]
    assert values(Dataset.zip((a, b))) == [(1, 4), (2, 5), (3, 6)]
    assert values(Dataset.zip(a, d)) == [(1, 13), (2, 14)]
    assert Dataset.zip(a, d).cardinality() == 2
    assert values(Dataset.zip({"x": a, "y": b}))[0] == {"x": 1, "y": 4}
    mixed = Dataset.zip(a.map(lambda v: v * 2), Dataset.range(3).repeat())
    assert values(mixed) == [(2, 0), (4, 1), (6, 2)] and mixed.cardinality() == 3


def test_zip_rejects_non_datasets():
    with pytest.raises(TypeError, match="takes datasets"):
        Dataset.zip(Dataset.range(3), [1, 2, 3])


def test_from_generator_is_called_each_iteration_and_casts_to_the_signature():
    def gen(stop):
        for i in range(stop):
            yield i, [1.0] * i

    ds = Dataset.from_generator(gen, args=(3,), output_types=("int64", "float64"))
    assert [(int(i), v.tolist()) for i, v in ds.as_numpy_iterator()] == [(0, []), (1, [1.0]), (2, [1.0, 1.0])]
    assert len(list(ds.as_numpy_iterator())) == 3  # a fresh generator per iteration
    assert next(ds.as_numpy_iterator())[1].dtype == np.float64
    assert ds.cardinality() == UNKNOWN_CARDINALITY
    with pytest.raises(TypeError, match="callable"):
        Dataset.from_generator(gen(3))


# -- transformations ----------------------------------------------------------------------
@pytest.mark.parametrize(
    "drop, expected", [(False, [[0, 1, 2], [3, 4, 5], [6, 7]]), (True, [[0, 1, 2], [3, 4, 5]])]
)
def test_batch(drop, expected):
    ds = Dataset.range(8).batch(3, drop_remainder=drop)
    assert values(ds) == expected and len(ds) == len(expected)


def test_batch_of_mapped_elements_stacks_them():
    ds = Dataset.range(5).map(lambda v: (v, ops.multiply(v, 10))).batch(2)
    assert values(ds) == [([0, 1], [0, 10]), ([2, 3], [20, 30]), ([4], [40])]


def test_batch_rejects_different_shapes_naming_the_component():
    ds = Dataset.range(1, 4).map(lambda v: ops.ones((int(v),))).batch(2)
    with pytest.raises(ValueError, match="different shapes in component 0"):
        list(ds.as_numpy_iterator())


@pytest.mark.parametrize("bad", [0, -3])
def test_batch_size_must_be_positive(bad):
    with pytest.raises(ValueError, match="batch_size"):
        Dataset.range(3).batch(bad)


def test_batch_size_must_be_an_integer():
    with pytest.raises(TypeError, match="batch_size"):
        Dataset.range(3).batch(2.5)


@pytest.mark.parametrize("mapped", [False, True])
def test_unbatch_inverts_batch(mapped):
    ds = Dataset.from_tensor_slices((np.arange(10).reshape(5, 2), np.arange(5)))
    if mapped:
        ds = ds.map(lambda a, b: (a, b))
    back = ds.batch(2).unbatch()
    assert values(back) == values(ds)


def test_map_unpacks_tuples_and_passes_tensors():
    seen = []

    def fn(x, y):
        seen.append((type(x), type(y)))
        return ops.cast(x, "float32") / 255.0, y

    x = np.full((4, 2, 2), 255, dtype=np.uint8)
    ds = Dataset.from_tensor_slices((x, np.arange(4))).map(fn, num_parallel_calls=AUTOTUNE)
    (xb, yb) = next(ds.batch(4).as_numpy_iterator())
    assert seen[0] == (Tensor, Tensor)
    assert xb.dtype == np.float32 and np.all(xb == 1.0) and yb.tolist() == [0, 1, 2, 3]


def test_map_dict_element_is_one_argument_and_list_result_becomes_tuple():
    ds = Dataset.from_tensor_slices({"a": [1, 2], "b": [3, 4]}).map(lambda d: [d["a"], d["b"]])
    assert values(ds) == [(1, 3), (2, 4)]


def test_map_python_number_results_get_tensorflow_dtypes():
    first = next(Dataset.range(2).map(lambda v: (1, 2.0)).as_numpy_iterator())
    assert first[0].dtype == np.int32 and first[1].dtype == np.float32


def test_map_does_not_record_the_tape():
    w = scratchnn.Variable(np.ones(2, dtype=np.float32))
    out = next(iter(Dataset.from_tensors(np.ones(2, dtype=np.float32)).map(lambda v: v * w)))
    assert isinstance(out, Tensor) and not out.requires_grad


def test_map_with_a_keras_layer():
    layer = scratchnn.keras.layers.Rescaling(1.0 / 255)
    x = np.full((6, 3), 51, dtype=np.float32)
    (xb,) = [b for b in Dataset.from_tensor_slices(x).batch(6).map(lambda b: layer(b)).as_numpy_iterator()]
    np.testing.assert_allclose(xb, 0.2, rtol=1e-6)


def test_map_returning_none_is_an_error():
    with pytest.raises(TypeError, match="returned None"):
        list(Dataset.range(2).map(lambda v: None).as_numpy_iterator())


def test_map_and_filter_need_callables():
    with pytest.raises(TypeError, match="map_func"):
        Dataset.range(2).map(3)
    with pytest.raises(TypeError, match="predicate"):
        Dataset.range(2).filter("x")


def test_filter():
    assert values(Dataset.from_tensor_slices([1, 2, 3]).filter(lambda x: x < 3)) == [1, 2]
    # `==` on the Tensor arguments is elementwise: an identity comparison would keep nothing.
    assert values(
        Dataset.from_tensor_slices((np.arange(6), np.arange(6) % 3)).filter(lambda x, y: y == 2)
    ) == [
        (2, 2),
        (5, 2),
    ]
    not_three = Dataset.range(6).filter(lambda v: ops.not_equal(v, 3))
    assert values(not_three) == [0, 1, 2, 4, 5]
    assert not_three.cardinality() == UNKNOWN_CARDINALITY


def test_filter_needs_a_scalar_predicate():
    with pytest.raises(ValueError, match="scalar boolean"):
        list(Dataset.from_tensor_slices(np.ones((2, 3))).filter(lambda v: v > 0).as_numpy_iterator())


def test_take_skip_repeat():
    ds = Dataset.range(10)
    assert values(ds.take(2)) == [0, 1]
    assert values(ds.take(-1)) == list(range(10))
    assert values(ds.skip(7)) == [7, 8, 9]
    assert values(ds.skip(-1)) == []
    assert values(Dataset.from_tensor_slices([1, 2, 3]).repeat(3)) == [1, 2, 3] * 3
    assert values(ds.take(3).repeat().take(7)) == [0, 1, 2, 0, 1, 2, 0]
    assert values(Dataset.range(0).repeat()) == []


@pytest.mark.parametrize("mapped", [False, True])
def test_take_skip_repeat_agree_on_both_paths(mapped):
    ds = Dataset.range(11)
    if mapped:
        ds = ds.map(lambda v: v)
    got = values(ds.skip(3).repeat(2).take(13).batch(4))
    expected = (list(range(3, 11)) * 2)[:13]
    assert got == [expected[i : i + 4] for i in range(0, 13, 4)]


def test_concatenate_enumerate_apply():
    a = Dataset.range(1, 4)
    assert values(a.concatenate(Dataset.range(4, 8))) == [1, 2, 3, 4, 5, 6, 7]
    assert values(Dataset.from_tensor_slices([1, 2, 3]).enumerate(start=5)) == [(5, 1), (6, 2), (7, 3)]
    assert values(a.apply(lambda d: d.map(lambda v: v * 2))) == [2, 4, 6]


def test_cache_replays_the_first_shuffled_order():
    ds = Dataset.range(20).shuffle(20, seed=3).cache()
    first = values(ds)
    assert sorted(first) == list(range(20))
    assert values(ds) == first == values(ds.repeat(2))[:20] == values(ds.repeat(2))[20:]


def test_cache_of_mapped_elements_runs_the_map_once():
    calls = []

    def fn(v):
        calls.append(1)
        return v * 2

    ds = Dataset.range(6).map(fn).cache()
    assert values(ds.batch(4)) == [[0, 2, 4, 6], [8, 10]]
    assert values(ds.batch(4)) == [[0, 2, 4, 6], [8, 10]]
    assert len(calls) == 6


def test_cache_stopped_early_stores_nothing():
    calls = []
    ds = Dataset.range(6).map(lambda v: calls.append(1) or v).cache()
    assert values(ds.take(2)) == [0, 1]
    assert values(ds) == list(range(6))
    assert len(calls) == 8


def test_prefetch_changes_nothing():
    ds = Dataset.range(5).batch(2)
    assert values(ds.prefetch(AUTOTUNE)) == values(ds) and values(ds.prefetch(2)) == values(ds)


# -- cardinality, length, specs, iteration --------------------------------------------------
@pytest.mark.parametrize(
    "make, expected",
    [
        (lambda: Dataset.range(42), 42),
        (lambda: Dataset.range(42).repeat(), INFINITE_CARDINALITY),
        (lambda: Dataset.range(42).filter(lambda v: True), UNKNOWN_CARDINALITY),
        (lambda: Dataset.range(42).repeat().take(5), 5),
        (lambda: Dataset.range(42).filter(lambda v: True).take(5), UNKNOWN_CARDINALITY),
        (lambda: Dataset.range(42).filter(lambda v: True).repeat(), INFINITE_CARDINALITY),
        (lambda: Dataset.range(42).skip(40), 2),
        (lambda: Dataset.range(42).skip(50), 0),
        (lambda: Dataset.range(42).repeat(3).batch(10), 13),
        (lambda: Dataset.range(42).batch(10, drop_remainder=True), 4),
        (lambda: Dataset.range(42).repeat().batch(10), INFINITE_CARDINALITY),
        (lambda: Dataset.range(42).shuffle(5).map(lambda v: v).cache().prefetch(1), 42),
        (lambda: Dataset.range(4).concatenate(Dataset.range(3)), 7),
        (lambda: Dataset.range(4).batch(3).unbatch(), 4),
    ],
)
def test_cardinality(make, expected):
    ds = make()
    n = ds.cardinality()
    assert n == expected and int(n.numpy()) == expected
    assert experimental.cardinality(ds) == expected


@pytest.mark.parametrize(
    "ds, message",
    [
        (Dataset.range(3).repeat(), "The dataset is infinite."),
        (Dataset.range(3).filter(lambda v: True), "The dataset length is unknown."),
    ],
)
def test_len_raises_type_error_like_tensorflow(ds, message):
    with pytest.raises(TypeError, match=message):
        len(ds)
    assert bool(ds)


def test_cardinality_works_in_arithmetic_and_take():
    ds = Dataset.range(50).batch(5)
    n = experimental.cardinality(ds)
    assert len(ds.take(n // 5)) == 2 and f"{n:d}" == "10"


def test_element_spec():
    ds = Dataset.from_tensor_slices((np.zeros((10, 28, 28), np.uint8), np.zeros(10, np.int64)))
    assert ds.element_spec == (TensorSpec((28, 28), "uint8"), TensorSpec((), "int64"))
    assert ds.batch(32).element_spec == (TensorSpec((None, 28, 28), "uint8"), TensorSpec((None,), "int64"))
    assert ds.batch(2, drop_remainder=True).element_spec[1] == TensorSpec((2,), "int64")
    assert Dataset.from_tensor_slices([1, 2, 3]).element_spec == TensorSpec((), "int32")
    assert ds.map(lambda x, y: x).element_spec == TensorSpec((28, 28), "uint8")
    assert Dataset.range(3).batch(2).unbatch().element_spec == TensorSpec((), "int64")


def test_iteration_yields_tensors_and_as_numpy_iterator_arrays():
    ds = Dataset.from_tensor_slices((np.arange(12.0).reshape(6, 2), np.arange(6))).batch(4)
    images, labels = next(iter(ds))
    assert isinstance(images, Tensor) and images.shape == (4, 2)
    assert labels.numpy().tolist() == [0, 1, 2, 3]
    assert float(images[1][0].numpy()) == 2.0
    xb, yb = next(ds.as_numpy_iterator())
    assert isinstance(xb, np.ndarray) and isinstance(yb, np.ndarray)
    assert [int(v) for v in Dataset.range(3)] == [0, 1, 2]


def test_iteration_can_restart():
    ds = Dataset.range(4).map(lambda v: v + 1)
    assert values(ds) == values(ds) == [1, 2, 3, 4]


def test_arguments_may_be_numpy_or_tensor_integers():
    ds = Dataset.range(np.int64(6)).batch(Tensor(np.array(4))).take(np.int32(1))
    assert values(ds) == [[0, 1, 2, 3]]


def test_tf_namespace_exposes_the_dataset():
    import scratchnn as tf
    import scratchnn.data as data

    assert tf.data.Dataset is data.Dataset is Dataset and tf.data.AUTOTUNE == -1
    assert tf.keras.utils.PyDataset is tf.keras.utils.Sequence
    assert data.Dataset is Dataset and data.experimental.AUTOTUNE == data.AUTOTUNE == -1
    assert data.experimental.INFINITE_CARDINALITY == -1 and data.UNKNOWN_CARDINALITY == -2


def test_batching_dicts_inserted_in_different_orders_pairs_values_by_key():
    def gen():
        yield {"a": 1, "b": 10}
        yield {"b": 20, "a": 2}

    (batch,) = Dataset.from_generator(gen).batch(2).as_numpy_iterator()
    assert batch["a"].tolist() == [1, 2] and batch["b"].tolist() == [10, 20]


def test_batching_elements_of_different_structures_is_an_error():
    def gen():
        yield {"a": 1}
        yield {"b": 2}

    with pytest.raises(ValueError, match="different structures"):
        list(Dataset.from_generator(gen).batch(2).as_numpy_iterator())
