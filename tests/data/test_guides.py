"""Datasets used the way the Keras and TensorFlow guides use them, outside `fit`."""

import numpy as np
import pytest

import scratchnn as tf
from scratchnn import keras
from scratchnn.backend import random
from scratchnn.data import Dataset


def make_model():
    random.set_seed(0)
    return keras.Sequential(
        [keras.Input((8,)), keras.layers.Dense(16, activation="relu"), keras.layers.Dense(2)]
    )


def custom_loop(model, batches):
    """The loop of "Writing a training loop from scratch": GradientTape per batch."""
    loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    optimizer = keras.optimizers.SGD(learning_rate=0.1)
    for x_batch, y_batch in batches:
        with tf.GradientTape() as tape:
            logits = model(x_batch, training=True)
            loss_value = loss_fn(y_batch, logits)
        grads = tape.gradient(loss_value, model.trainable_weights)
        optimizer.apply_gradients(zip(grads, model.trainable_weights))
    return model.get_weights()


def test_custom_training_loop_over_a_dataset_equals_the_loop_over_arrays():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(100, 8)).astype("float32")
    y = (x[:, 0] > 0).astype("int64")
    by_hand = custom_loop(make_model(), [(x[i : i + 32], y[i : i + 32]) for i in range(0, 100, 32)])
    dataset = Dataset.from_tensor_slices((x, y)).batch(32)
    for ours, expected in zip(custom_loop(make_model(), dataset), by_hand):
        np.testing.assert_array_equal(ours, expected)


def test_looking_at_a_batch_of_images():
    images = np.random.default_rng(1).integers(0, 255, size=(12, 6, 6, 3)).astype("float32")
    ds = Dataset.from_tensor_slices((images, np.arange(12))).batch(9)
    for batch, labels in ds.take(1):
        first = batch[0].numpy().astype("uint8")
        assert first.shape == (6, 6, 3) and int(labels[3]) == 3
        np.testing.assert_array_equal(first, images[0].astype("uint8"))


def test_normalization_layer_mapped_over_batches():
    normalization_layer = keras.layers.Rescaling(1.0 / 255)
    images = np.full((10, 4, 4, 1), 255.0, dtype="float32")
    ds = Dataset.from_tensor_slices((images, np.zeros(10))).batch(4)
    normalized = ds.map(lambda x, y: (normalization_layer(x), y))
    image_batch, _ = next(iter(normalized))
    assert float(np.min(image_batch.numpy())) == pytest.approx(1.0)
    assert normalized.cardinality() == 3


def test_split_with_take_and_skip_after_a_fixed_shuffle():
    ds = Dataset.range(100).shuffle(100, seed=4, reshuffle_each_iteration=False)
    train, val = ds.take(80), ds.skip(80)
    seen = [int(v) for v in train.as_numpy_iterator()] + [int(v) for v in val.as_numpy_iterator()]
    assert sorted(seen) == list(range(100))


def test_get_single_element():
    x = np.arange(6).reshape(2, 3)
    np.testing.assert_array_equal(Dataset.from_tensors(x).get_single_element().numpy(), x)
    with pytest.raises(ValueError, match="exactly one element"):
        Dataset.range(2).get_single_element()
