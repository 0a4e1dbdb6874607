"""Bad training inputs get clear errors naming the argument (issue 12, item 10)."""

import re

import numpy as np
import pytest

import scratchnn.keras as sk
from scratchnn.trainers import data as data_utils


def classifier():
    model = sk.Sequential([sk.Input((4,)), sk.layers.Dense(3, activation="softmax")])
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    return model


@pytest.fixture
def xy(rng):
    return rng.standard_normal((12, 4)).astype("float32"), np.arange(12) % 3


@pytest.mark.parametrize(
    "class_weight,match",
    [
        ({-1: 5.0, 0: 1.0}, r"range\(3\).*key -1"),
        ({99: 5.0}, r"range\(3\).*key 99"),
        ({"a": 5.0}, r"key 'a'"),
        ({True: 2.0}, r"key True"),
        ({0: "heavy"}, r"values must be numbers.*'heavy'"),
        ({0: float("nan")}, r"values must be finite"),
        ([1.0, 2.0, 3.0], r"must be a dict"),
    ],
)
def test_class_weight_keys_and_values_are_checked(class_weight, match, xy):
    x, y = xy
    with pytest.raises(ValueError, match=match):
        classifier().fit(x, y, class_weight=class_weight, epochs=1, verbose=0)


def test_class_weight_reads_labels_like_keras():
    weights = {0: 1.0, 1: 2.0, 2: 3.0}
    np.testing.assert_array_equal(
        data_utils.class_weights_to_sample_weights(np.array([0.0, 1.0, 2.0, 0.9999]), weights), [1, 2, 3, 2]
    )  # rounded (Keras rounds), not truncated
    one_hot = np.eye(3)[[2, 0, 1]]
    np.testing.assert_array_equal(data_utils.class_weights_to_sample_weights(one_hot, weights), [3, 1, 2])
    np.testing.assert_array_equal(
        data_utils.class_weights_to_sample_weights(np.array([[1], [0]]), {1: 4.0}), [4, 1]
    )
    # With the model's width given, a class absent from this batch may still be weighted.
    np.testing.assert_array_equal(
        data_utils.class_weights_to_sample_weights(np.array([0, 1]), {0: 1.0, 9: 5.0}, num_classes=10), [1, 1]
    )
    # A batch of only 0s in a binary problem still takes a weight for class 1.
    np.testing.assert_array_equal(
        data_utils.class_weights_to_sample_weights(np.array([0, 0]), {1: 5.0}), [1, 1]
    )
    with pytest.raises(ValueError, match=r"labels outside range\(2\)"):
        data_utils.class_weights_to_sample_weights(np.array([0, 5]), {0: 1.0}, num_classes=2)


@pytest.mark.parametrize("name", ["x", "y", "sample_weight"])
@pytest.mark.parametrize("strings", [["a", "b", "c"], ["1", "2", "0"], [b"1", b"2", b"0"]])
def test_string_arrays_are_refused_before_any_cast(name, strings, xy):
    x, y = xy
    arrays = {"x": x, "y": y, "sample_weight": np.ones(12, "float32")}
    arrays[name] = np.array(strings * 4) if name != "x" else np.array([strings[:1] * 4] * 12)
    with pytest.raises(TypeError, match=f"`{name}` must be numeric.*dtype"):
        classifier().fit(arrays["x"], arrays["y"], sample_weight=arrays["sample_weight"], epochs=1, verbose=0)


def test_numpy_integer_batch_size_is_accepted(xy):
    x, y = xy
    model = classifier()
    history = model.fit(x, y, batch_size=np.int64(4), epochs=1, verbose=0)
    assert len(history.history["loss"]) == 1
    assert (
        data_utils.check_batch_size(np.int32(8)) == 8
        and type(data_utils.check_batch_size(np.int64(8))) is int
    )
    for bad in (0, -1, 2.0, True, np.bool_(True), "8"):
        with pytest.raises(ValueError, match="batch_size"):
            data_utils.check_batch_size(bad)


@pytest.mark.parametrize(
    "weight_shape,target_shape",
    [
        ((12,), (12,)),
        ((12, 1), (12,)),
        ((12,), (12, 1)),
        ((12, 1), (12, 1)),
        ((12, 5), (12, 5, 3)),
        ((12,), (12, 3)),
        ((12, 4, 1), (12, 4, 2)),
    ],
)
def test_sample_weight_shapes_that_fit(weight_shape, target_shape):
    data_utils.check_sample_weight(np.ones(weight_shape), np.ones(target_shape))


@pytest.mark.parametrize(
    "weight_shape,target_shape",
    [((12, 2), (12,)), ((12, 3), (12, 1)), ((12, 2), (12, 5, 3)), ((12, 4), (12, 3, 2))],
)
def test_sample_weight_shapes_that_do_not_fit(weight_shape, target_shape):
    with pytest.raises(
        ValueError, match=re.escape(f"sample_weight.shape={weight_shape} for y.shape={target_shape}")
    ):
        data_utils.check_sample_weight(np.ones(weight_shape), np.ones(target_shape))


def test_sample_weight_structure_must_match_the_outputs():
    y = [np.ones((12, 1)), np.ones((12, 2))]
    data_utils.check_sample_weight(np.ones(12), y)  # one array weighs every output
    data_utils.check_sample_weight([np.ones(12), np.ones((12, 1))], y)
    with pytest.raises(ValueError, match="3 arrays, but there are 2 target arrays"):
        data_utils.check_sample_weight([np.ones(12)] * 3, y)
    with pytest.raises(ValueError, match=r"sample_weight.shape=\(12, 3\)"):
        data_utils.check_sample_weight([np.ones(12), np.ones((12, 3))], y)
