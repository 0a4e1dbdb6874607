"""TensorBoard itself reads the event files that scratchnn's TensorBoard callback writes.

TensorBoard's record reader is the authority on the file format: it checks the CRC-32C of each
record's length and of its payload with its own implementation (raising DataLossError on a
mismatch), and the Event protos are parsed by protobuf.
"""

import struct
import time

import numpy as np
import pytest
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
from tensorboard.compat.proto import event_pb2
from tensorboard.compat.tensorflow_stub import errors, pywrap_tensorflow

import scratchnn.keras as keras
from scratchnn.callbacks.tensorboard import crc32c, event_bytes, record_bytes


def read_events(path):
    """Every Event in a TFRecord file, through TensorBoard's record reader (which checks the CRCs)."""
    reader = pywrap_tensorflow.PyRecordReader_New(str(path))
    events = []
    while True:
        try:
            reader.GetNext()
        except errors.OutOfRangeError:
            return events
        events.append(event_pb2.Event.FromString(reader.record()))


def scalars(events):
    return [(e.step, v.tag, v.simple_value) for e in events if e.HasField("summary") for v in e.summary.value]


def accumulator(directory):
    acc = EventAccumulator(str(directory))
    acc.Reload()
    return acc


def test_tensorboard_reads_our_scalars(tmp_path, rng):
    x = rng.standard_normal((64, 4)).astype("float32")
    y = rng.integers(0, 3, 64)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, activation="softmax")])
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    started = time.time()
    history = model.fit(
        x,
        y,
        epochs=3,
        validation_split=0.25,
        verbose=0,
        callbacks=[keras.callbacks.TensorBoard(log_dir=tmp_path)],
    )
    train = accumulator(tmp_path / "train")
    assert {"epoch_loss", "epoch_accuracy", "epoch_learning_rate"} <= set(train.Tags()["scalars"])
    losses = [event.value for event in train.Scalars("epoch_loss")]
    np.testing.assert_allclose(losses, history.history["loss"], rtol=1e-6)
    assert [event.step for event in train.Scalars("epoch_loss")] == [0, 1, 2]
    assert [event.step for event in train.Scalars("epoch_learning_rate")] == [0, 1, 2]
    validation = accumulator(tmp_path / "validation")
    val = [event.value for event in validation.Scalars("epoch_loss")]
    np.testing.assert_allclose(val, history.history["val_loss"], rtol=1e-6)
    for run in ("train", "validation"):
        (path,) = (tmp_path / run).iterdir()
        events = read_events(path)  # raises on a bad CRC
        assert events[0].file_version == "brain.Event:2" and not events[0].HasField("summary")
        assert all(started - 1 <= e.wall_time <= time.time() + 1 for e in events)
    assert [v for _, tag, v in scalars(read_events(path)) if tag == "epoch_loss"] == val


def test_any_wall_time_multibyte_steps_and_long_tags(tmp_path):
    """A wall_time whose bytes are all 0x2a (the summary field's key), steps and lengths over 127
    (varints of two bytes and more), and a tag of 200 characters."""
    wall_time = struct.unpack("<d", b"\x2a" * 8)[0]
    long_tag = "x" * 200
    path = tmp_path / "events.out.tfevents.1.test"
    path.write_bytes(
        record_bytes(event_bytes(wall_time, 0, file_version="brain.Event:2"))
        + record_bytes(event_bytes(wall_time, 300, {"epoch_loss": 0.5, long_tag: -2.0}))
        + record_bytes(event_bytes(1.5, 2**40 + 3, {"epoch_loss": 0.25}))
    )
    events = read_events(path)
    assert [e.wall_time for e in events] == [wall_time, wall_time, 1.5]
    assert events[0].file_version == "brain.Event:2"
    assert scalars(events) == [
        (300, "epoch_loss", 0.5),
        (300, long_tag, -2.0),
        (2**40 + 3, "epoch_loss", 0.25),
    ]
    acc = accumulator(tmp_path)
    assert [(e.step, e.value) for e in acc.Scalars(long_tag)] == [(300, -2.0)]
    assert [e.step for e in acc.Scalars("epoch_loss")] == [300, 2**40 + 3]


@pytest.mark.parametrize(
    "offset, message",
    [(0, "failed header crc32 check"), (12, "failed event crc32 check"), (-1, "failed event crc32 check")],
)
def test_the_reader_checks_the_crcs(tmp_path, offset, message):
    """One changed byte (in the length, the payload, the payload's CRC) fails TensorBoard's check, so
    the reads above do test our CRCs."""
    record = bytearray(record_bytes(event_bytes(2.0, 7, {"epoch_loss": 0.5})))
    path = tmp_path / "events"
    path.write_bytes(bytes(record))
    assert scalars(read_events(path)) == [(7, "epoch_loss", 0.5)]
    record[offset] ^= 0x01
    path.write_bytes(bytes(record))
    with pytest.raises(errors.DataLossError, match=message):
        read_events(path)


def test_crc32c_check_value():
    assert crc32c(b"123456789") == 0xE3069283  # the published CRC-32C (Castagnoli) check value
