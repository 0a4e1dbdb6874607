"""`TensorBoard`: scalar logs that TensorBoard reads (keras/src/callbacks/tensorboard.py).

No dependency: the event files are written by hand. A file is a sequence of
TFRecords, each `uint64 length | uint32 masked_crc32c(length) | data |
uint32 masked_crc32c(data)` (little endian), where `data` is a serialized
`tensorflow.Event` protobuf. Only the few protobuf fields needed are encoded:
Event{wall_time=1 (double), step=2 (int64), file_version=3 (string),
summary=5 (Summary)}, Summary{value=1 (repeated Value)}, Value{tag=1
(string), simple_value=2 (float)}. TensorBoard converts `simple_value`
scalars itself when it loads the files.
"""

from __future__ import annotations

import os
import socket
import struct
import time
from typing import Any

from scratchnn.callbacks.callback import Callback


def _crc32c_table() -> list[int]:
    table = []
    for n in range(256):
        c = n
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1  # Castagnoli polynomial, reflected
        table.append(c)
    return table


_TABLE = _crc32c_table()


def crc32c(data: bytes) -> int:
    """CRC-32C (Castagnoli) of `data`; a byte loop is fine for records of a few hundred bytes."""
    crc = 0xFFFFFFFF
    for b in data:
        crc = _TABLE[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def masked_crc32c(data: bytes) -> int:
    """TFRecord's masked CRC: rotate right by 15 bits and add a constant."""
    crc = crc32c(data)
    return (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF


def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        if n:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _field(number: int, wire_type: int, payload: bytes) -> bytes:
    key = _varint((number << 3) | wire_type)
    if wire_type == 2:  # length-delimited
        return key + _varint(len(payload)) + payload
    return key + payload


def event_bytes(
    wall_time: float, step: int, scalars: dict[str, float] | None = None, file_version: str | None = None
) -> bytes:
    """One serialized Event with `simple_value` scalars (or the file-version header)."""
    data = _field(1, 1, struct.pack("<d", wall_time)) + _field(2, 0, _varint(int(step)))
    if file_version is not None:
        data += _field(3, 2, file_version.encode())
    if scalars:
        values = b"".join(
            _field(1, 2, _field(1, 2, tag.encode()) + _field(2, 5, struct.pack("<f", float(v))))
            for tag, v in scalars.items()
        )
        data += _field(5, 2, values)
    return data


def record_bytes(data: bytes) -> bytes:
    """Frames `data` as one TFRecord."""
    header = struct.pack("<Q", len(data))
    return header + struct.pack("<I", masked_crc32c(header)) + data + struct.pack("<I", masked_crc32c(data))


class _EventFileWriter:
    """Appends Events to `events.out.tfevents.<time>.<host>.<pid>.<n>.v2` in one directory."""

    _counter = 0

    def __init__(self, logdir: str) -> None:
        os.makedirs(logdir, exist_ok=True)
        _EventFileWriter._counter += 1
        name = (
            f"events.out.tfevents.{int(time.time())}.{socket.gethostname()}.{os.getpid()}.{self._counter}.v2"
        )
        self.path = os.path.join(logdir, name)
        self._fh = open(self.path, "ab")  # noqa: SIM115 - kept open across epochs, closed in close()
        self._write(event_bytes(time.time(), 0, file_version="brain.Event:2"))

    def _write(self, data: bytes) -> None:
        self._fh.write(record_bytes(data))
        self._fh.flush()

    def scalars(self, step: int, values: dict[str, float]) -> None:
        self._write(event_bytes(time.time(), step, values))

    def close(self) -> None:
        self._fh.close()


class TensorBoard(Callback):
    """Writes the logged losses and metrics as TensorBoard scalars.

    Training values go to `log_dir/train` (tags `epoch_loss`,
    `epoch_accuracy`, `epoch_learning_rate`, ...), validation values to
    `log_dir/validation` (the `val_` prefix dropped), one point per epoch; with
    `update_freq=N` training values are also written every N batches as
    `batch_loss`, .... View with `tensorboard --logdir log_dir`. Histograms,
    images, graphs, profiling and embeddings are not written (those arguments
    are accepted for compatibility and ignored).

    Args:
        log_dir: directory for the event files. Defaults to `"logs"`.
        histogram_freq, write_graph, write_images, write_steps_per_second,
            profile_batch, embeddings_freq, embeddings_metadata: accepted, unused.
        update_freq: `"epoch"` (default), `"batch"` (every batch) or an integer
            number of batches.

    Example:
        >>> tensorboard_cb = TensorBoard("my_logs/run_1")
        >>> model.fit(x, y, epochs=5, callbacks=[tensorboard_cb])  # doctest: +SKIP
    """

    def __init__(
        self,
        log_dir: str = "logs",
        histogram_freq: int = 0,
        write_graph: bool = True,
        write_images: bool = False,
        write_steps_per_second: bool = False,
        update_freq: Any = "epoch",
        profile_batch: Any = 0,
        embeddings_freq: int = 0,
        embeddings_metadata: Any = None,
    ) -> None:
        super().__init__()
        if update_freq == "batch":
            update_freq = 1
        if update_freq != "epoch" and (not isinstance(update_freq, int) or update_freq <= 0):
            raise ValueError(
                f"`update_freq` must be 'epoch', 'batch' or a positive integer. Received: update_freq={update_freq!r}"
            )
        self.log_dir = os.fspath(log_dir)
        self.histogram_freq = histogram_freq
        self.write_graph = write_graph
        self.write_images = write_images
        self.write_steps_per_second = write_steps_per_second
        self.update_freq = update_freq
        self.profile_batch = profile_batch
        self.embeddings_freq = embeddings_freq
        self.embeddings_metadata = embeddings_metadata
        self._writers: dict[str, _EventFileWriter] = {}
        self._train_step = 0

    def _writer(self, name: str) -> _EventFileWriter:
        if name not in self._writers:
            self._writers[name] = _EventFileWriter(os.path.join(self.log_dir, name))
        return self._writers[name]

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        self._train_step = 0

    def on_train_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        self._train_step += 1
        if self.update_freq != "epoch" and self._train_step % self.update_freq == 0 and logs:
            values = {f"batch_{k}": float(v) for k, v in logs.items() if _is_scalar(v)}
            self._writer("train").scalars(self._train_step, values)

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        logs = dict(logs or {})
        optimizer = getattr(self.model, "optimizer", None)
        if (
            optimizer is not None
            and "learning_rate" not in logs
            and hasattr(optimizer, "_current_learning_rate")
        ):
            logs["learning_rate"] = optimizer._current_learning_rate()
        train = {
            f"epoch_{k}": float(v) for k, v in logs.items() if not k.startswith("val_") and _is_scalar(v)
        }
        val = {f"epoch_{k[4:]}": float(v) for k, v in logs.items() if k.startswith("val_") and _is_scalar(v)}
        if train:
            self._writer("train").scalars(epoch, train)
        if val:
            self._writer("validation").scalars(epoch, val)

    def on_train_end(self, logs: dict[str, Any] | None = None) -> None:
        for writer in self._writers.values():
            writer.close()
        self._writers = {}


def _is_scalar(value: Any) -> bool:
    try:
        float(value)
    except (TypeError, ValueError):
        return False
    return True
