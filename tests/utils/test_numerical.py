"""to_categorical: Keras 3's values and float64 dtype, and a float64 one-hot target still trains in
float32 (fit casts targets to the model's dtype)."""

import keras as real_keras
import numpy as np
import pytest

import scratchnn.keras as keras


@pytest.mark.parametrize(
    "labels,num_classes",
    [
        ([0, 1, 2, 3], 4),
        (np.array([2, 0, 1]), None),
        (np.array([[1], [0], [3]]), 5),
        (np.array([[0, 1], [2, 1]]), None),
    ],
)
def test_to_categorical_matches_keras(labels, num_classes):
    ours = keras.utils.to_categorical(labels, num_classes)
    theirs = real_keras.utils.to_categorical(labels, num_classes)
    assert isinstance(ours, np.ndarray) and ours.dtype == theirs.dtype == np.float64
    assert ours.shape == theirs.shape
    np.testing.assert_array_equal(ours, theirs)
    assert keras.utils.np_utils.to_categorical is keras.utils.to_categorical


def test_to_categorical_of_a_tensor_is_a_floatx_tensor():
    out = keras.utils.to_categorical(keras.ops.convert_to_tensor(np.array([1, 0])), 3)
    assert isinstance(out, keras.ops.Tensor) and out.dtype == "float32"
    np.testing.assert_array_equal(out.numpy(), [[0, 1, 0], [1, 0, 0]])


@pytest.mark.parametrize(
    "labels,match", [([0.5, 1.0], "integer class labels"), ([-1, 0], "non-negative"), ([3], "out of range")]
)
def test_to_categorical_bad_labels(labels, match):
    with pytest.raises(ValueError, match=match):
        keras.utils.to_categorical(labels, 3)


def test_float64_one_hot_targets_train_in_float32(rng):
    x = rng.standard_normal((64, 4)).astype("float32")
    labels = (x[:, 0] > 0).astype("int64") + (x[:, 1] > 0)
    seen = []

    def spy_loss(y_true, y_pred):
        seen.append((str(y_true.dtype), str(y_pred.dtype)))
        return keras.losses.categorical_crossentropy(y_true, y_pred)

    def train(y):
        keras.utils.set_random_seed(0)
        model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, activation="softmax")])
        model.compile(optimizer="adam", loss=spy_loss, metrics=["categorical_accuracy"])
        history = model.fit(x, y, epochs=2, batch_size=16, verbose=0).history
        return model, history

    one_hot = keras.utils.to_categorical(labels, 3)
    assert one_hot.dtype == np.float64
    model, history = train(one_hot)
    assert set(seen) == {("float32", "float32")}
    assert all(w.dtype == np.float32 for w in model.get_weights())
    assert model.predict(x[:2], verbose=0).dtype == np.float32
    _, history32 = train(one_hot.astype("float32"))
    assert history == history32  # the same run as with float32 targets
