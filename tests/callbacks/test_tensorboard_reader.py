"""TensorBoard itself reads the event files that scratchnn's TensorBoard callback writes."""

import numpy as np
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

import scratchnn.keras as keras


def test_tensorboard_reads_our_scalars(tmp_path, rng):
    x = rng.standard_normal((64, 4)).astype("float32")
    y = rng.integers(0, 3, 64)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, activation="softmax")])
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(
        x,
        y,
        epochs=3,
        validation_split=0.25,
        verbose=0,
        callbacks=[keras.callbacks.TensorBoard(log_dir=tmp_path)],
    )
    train = EventAccumulator(str(tmp_path / "train"))
    train.Reload()
    assert {"epoch_loss", "epoch_accuracy"} <= set(train.Tags()["scalars"])
    losses = [event.value for event in train.Scalars("epoch_loss")]
    np.testing.assert_allclose(losses, history.history["loss"], rtol=1e-6)
    assert [event.step for event in train.Scalars("epoch_loss")] == [0, 1, 2]
    validation = EventAccumulator(str(tmp_path / "validation"))
    validation.Reload()
    val = [event.value for event in validation.Scalars("epoch_loss")]
    np.testing.assert_allclose(val, history.history["val_loss"], rtol=1e-6)
