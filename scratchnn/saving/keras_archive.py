"""Reading the members of a `.keras` zip or model directory, with bounded work.

A zip's central directory declares each member's size, and a small archive can
declare gigabytes. Before a member is read, its entry is checked: no duplicate
names (which one would win is up to the reader), no encryption, a compression
method Python can decode, and a declared size within a bound — the config cap
for config.json, and for the weights a bound derived from the model that the
config describes. `zipfile` never returns more than a member's declared size,
so the check on the declaration bounds the memory used.

Keras rejects only members that declare over 4 GiB *and* over 100 times their
stored size (keras/src/saving/saving_lib.py `_reject_zip_bomb`); duplicate
names, encryption and unknown compression reach it as zipfile's own errors.
"""

from __future__ import annotations

import io
import os
import zipfile
import zlib
from collections import Counter
from typing import Any

from scratchnn.saving.config_checks import MAX_CONFIG_BYTES
from scratchnn.utils import file_utils

CONFIG_NAME = "config.json"
METADATA_NAME = "metadata.json"
WEIGHTS_NAME = "model.weights.h5"
# zipfile decodes these; any other method (Deflate64, AES, zstd...) raises NotImplementedError deep inside it.
_SUPPORTED_COMPRESSION = {
    zipfile.ZIP_STORED: "stored",
    zipfile.ZIP_DEFLATED: "deflate",
    zipfile.ZIP_BZIP2: "bzip2",
    zipfile.ZIP_LZMA: "lzma",
}


try:
    from lzma import LZMAError as _LZMAError
except ImportError:  # Python built without lzma: zipfile then cannot decode LZMA members either
    _LZMAError = zlib.error  # type: ignore[misc, assignment]
_READ_ERRORS = (
    zipfile.BadZipFile,
    EOFError,
    OSError,
    RuntimeError,
    NotImplementedError,
    zlib.error,
    _LZMAError,
)


def _mib(n: int) -> str:
    return f"{n / (1 << 20):.1f} MiB"


class KerasArchive:
    """A `.keras` zip or model directory opened for reading.

    Args:
        filepath: the zip file or the directory.

    Raises:
        ValueError: naming the file, when it is not a valid archive or has
            duplicate member names.
    """

    def __init__(self, filepath: str) -> None:
        self.filepath = filepath
        self.is_dir = os.path.isdir(filepath)
        self._zip: zipfile.ZipFile | None = None
        if self.is_dir:
            return
        try:
            self._zip = zipfile.ZipFile(filepath)
        except zipfile.BadZipFile as err:
            raise ValueError(
                f"The file {filepath!r} is not a valid .keras archive: {err}. It may be truncated, corrupt, "
                "or a different kind of file."
            ) from err
        names = self._zip.namelist()
        duplicates = sorted(name for name, count in Counter(names).items() if count > 1)
        if duplicates:
            self.close()
            raise ValueError(
                f"The archive {filepath!r} holds several members named {duplicates}: which one would be "
                "loaded is ambiguous, so the archive is refused (Keras and scratchnn write each name once)."
            )
        self._size = os.path.getsize(filepath)

    def __enter__(self) -> KerasArchive:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._zip is not None:
            self._zip.close()
            self._zip = None

    def names(self) -> list[str]:
        """The member names (file names for a directory)."""
        if self.is_dir:
            return os.listdir(self.filepath)
        return self._open_zip().namelist()

    def _open_zip(self) -> zipfile.ZipFile:
        if self._zip is None:
            raise ValueError(f"The archive {self.filepath!r} is closed.")
        return self._zip

    def has(self, name: str) -> bool:
        if self.is_dir:
            return os.path.isfile(file_utils.committed_path(self.filepath, name))
        return name in self.names()

    def path(self, name: str) -> str:
        """The file holding member `name` of a directory (through an interrupted save's journal)."""
        return file_utils.committed_path(self.filepath, name)

    def _check_member(self, name: str, limit: int, what: str) -> zipfile.ZipInfo:
        info = self._open_zip().getinfo(name)
        where = f"The member {name!r} of the archive {self.filepath!r}"
        if info.flag_bits & 0x1:
            raise ValueError(f"{where} is encrypted; scratchnn (like Keras) reads only unencrypted archives.")
        if info.compress_type not in _SUPPORTED_COMPRESSION:
            raise ValueError(
                f"{where} uses compression method {info.compress_type}, which cannot be read. Supported: "
                f"{sorted(_SUPPORTED_COMPRESSION.values())} (Keras writes members uncompressed)."
            )
        if info.compress_size > self._size or (
            info.compress_type == zipfile.ZIP_STORED and info.file_size != info.compress_size
        ):
            raise ValueError(
                f"{where} declares {info.file_size} bytes ({info.compress_size} stored) that the "
                f"{self._size}-byte archive cannot hold: the archive is corrupt or crafted."
            )
        if info.file_size > limit:
            raise ValueError(
                f"{where} declares {_mib(info.file_size)}, more than the {_mib(limit)} {what}; refusing to "
                "read it (a corrupt or crafted archive)."
            )
        return info

    def read(self, name: str, limit: int, what: str) -> bytes:
        """The bytes of member `name`, refusing one that declares more than `limit` bytes.

        Raises:
            ValueError: naming the archive and the member.
        """
        if self.is_dir:
            path = self.path(name)
            size = os.path.getsize(path)
            if size > limit:
                raise ValueError(
                    f"The file {path!r} is {_mib(size)}, more than the {_mib(limit)} {what}; refusing to read it."
                )
            with open(path, "rb") as fh:
                return fh.read(limit + 1)
        info = self._check_member(name, limit, what)
        try:
            with self._open_zip().open(info) as fh:
                return fh.read()
        except _READ_ERRORS as err:
            raise ValueError(
                f"The member {name!r} of the archive {self.filepath!r} could not be read: {err}. The archive "
                "may be truncated or corrupt."
            ) from err

    def read_config(self) -> bytes:
        return self.read(CONFIG_NAME, MAX_CONFIG_BYTES, "a model config may hold")

    def open_weights(self, limit: int) -> Any:
        """The weights member opened with h5py, refusing a zip member declaring more than `limit` bytes.

        A directory's file is opened in place (h5py reads lazily); a zip member is read into memory.

        Raises:
            ValueError: naming the file when the member is missing, too large or not HDF5.
        """
        import h5py

        if not self.has(WEIGHTS_NAME):
            raise ValueError(f"The saved model {self.filepath!r} has no {WEIGHTS_NAME}.")
        try:
            if self.is_dir:
                return h5py.File(self.path(WEIGHTS_NAME), "r")
            data = self.read(WEIGHTS_NAME, limit, "the model's weights can need")
            return h5py.File(io.BytesIO(data), "r")
        except OSError as err:
            raise ValueError(
                f"The {WEIGHTS_NAME} in {self.filepath!r} is not a readable HDF5 file (truncated or corrupt): {err}"
            ) from err
