"""`CSVLogger`: write each epoch's logs as a row of a CSV file."""

from __future__ import annotations

import collections.abc
import csv
import os
from typing import Any

from scratchnn.callbacks.callback import Callback


def _cell(value: Any) -> Any:
    """A log value as a CSV cell; 1-D iterables become a quoted `[a, b]` list (as Keras writes)."""
    if isinstance(value, str):
        return value
    if isinstance(value, collections.abc.Iterable) and getattr(value, "ndim", 1) != 0:
        return f'"[{", ".join(map(str, value))}]"'
    return value


class CSVLogger(Callback):
    """Streams the epoch logs to a CSV file, one row per epoch.

    The columns are `epoch` followed by the log keys of the first epoch,
    sorted; if those contain no `val_` key, `val_`-prefixed columns are added
    for each of them (filled with `NA` when absent). The file is flushed after
    every row, so it can be read while training runs.

    Args:
        filename: Path of the CSV file, e.g. `"run/log.csv"`.
        separator: Field separator. Defaults to `","`.
        append: Whether to append to an existing file (the header is written
            only if the file is empty) instead of overwriting it. Defaults to
            `False`.

    Example:

    >>> csv_logger = CSVLogger("training.log")
    >>> model.fit(x, y, callbacks=[csv_logger])  # doctest: +SKIP
    """

    def __init__(self, filename: str | os.PathLike, separator: str = ",", append: bool = False) -> None:
        super().__init__()
        if not isinstance(separator, str) or len(separator) != 1:
            raise ValueError(f"`separator` must be a one-character string. Received: separator={separator!r}")
        self.sep = separator
        self.filename = os.fspath(filename)
        self.append = append
        self.writer: csv.DictWriter | None = None
        self.keys: list[str] | None = None
        self.append_header = True
        self.csv_file: Any = None

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        mode = "w"
        if self.append:
            mode = "a"
            if os.path.exists(self.filename):
                with open(self.filename) as existing:
                    self.append_header = not existing.readline()
        if self.csv_file is not None and not self.csv_file.closed:
            self.csv_file.close()
        self.csv_file = open(self.filename, mode)  # noqa: SIM115 (kept open across epochs)
        self.writer = None
        self.keys = None

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        logs = logs or {}
        if self.keys is None:
            self.keys = sorted(logs)
            if self.keys and not any(key.startswith("val_") for key in self.keys):
                self.keys += [f"val_{key}" for key in self.keys]
        if self.writer is None:
            dialect = type("_Dialect", (csv.excel,), {"delimiter": self.sep})
            self.writer = csv.DictWriter(self.csv_file, fieldnames=["epoch", *self.keys], dialect=dialect)
            if self.append_header:
                self.writer.writeheader()
        row = {"epoch": epoch}
        row.update((key, _cell(logs.get(key, "NA"))) for key in self.keys)
        self.writer.writerow(row)
        self.csv_file.flush()

    def on_train_end(self, logs: dict[str, Any] | None = None) -> None:
        if self.csv_file is not None and not self.csv_file.closed:
            self.csv_file.close()
        self.writer = None
