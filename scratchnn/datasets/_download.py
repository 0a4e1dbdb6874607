"""Downloading one file: mirrors in order, retries, a progress bar, an atomic move.

The bytes go to a temporary file beside the destination, are verified
(SHA-256 of the decompressed IDX bytes), and only then renamed into place,
so a dropped connection or a bad mirror never leaves a partial or wrong file
where the loader looks.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import sys
import tempfile
import time
from pathlib import Path
from typing import IO

import numpy as np

from scratchnn.datasets._spec import FileSpec
from scratchnn.datasets.errors import DatasetError
from scratchnn.datasets.idx import read_idx

# Module-level so that tests and users can tune them.
TIMEOUT = 30.0  # seconds without progress on one connection before giving up on it
RETRIES = 3  # attempts per mirror for transient failures (timeouts, dropped connections, 5xx)
BACKOFF = 1.0  # seconds before the 2nd attempt, doubled for each further one
_CHUNK = 1 << 16
_USER_AGENT = "scratchnn-datasets"


class _Unreachable(Exception):
    """This mirror cannot help (refused, unknown host, 404, bad data): try the next one."""


def _progress(stream: IO[str], name: str, done: int, total: int | None, final: bool = False) -> None:
    if total:
        width = 30
        filled = width * done // total
        bar = "=" * filled + (">" if filled < width else "") + "." * (width - filled - 1)
        text = f"\r{name} [{bar[:width]}] {100 * done // total:3d}% {done / 1e6:.1f}/{total / 1e6:.1f} MB"
    else:
        text = f"\r{name} {done / 1e6:.1f} MB"
    stream.write(text + ("\n" if final else ""))
    stream.flush()


def _transfer(url: str, out: IO[bytes], name: str, timeout: float) -> None:
    """Copies `url` into `out`; raises OSError/HTTPException on failure."""
    # The HTTP stack (http.client, urllib, ssl, email: ~25 ms of import) is imported by the
    # functions that download, so loading the local files never pays for it.
    import http.client
    import urllib.request

    request = urllib.request.Request(url, headers={"User-Agent": _USER_AGENT})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        length = response.headers.get("Content-Length")
        total = int(length) if length and length.isdigit() else None
        stderr = sys.stderr
        show = hasattr(stderr, "isatty") and stderr.isatty()
        done = 0
        # read(n) raises IncompleteRead when the peer closes before Content-Length bytes.
        while chunk := response.read(_CHUNK):
            out.write(chunk)
            done += len(chunk)
            if show:
                _progress(stderr, name, done, total)
        if total is not None and done != total:
            raise http.client.IncompleteRead(b"", total - done)
        if show:
            _progress(stderr, name, done, total, final=True)


def _is_permanent(exc: BaseException) -> bool:
    """Failures that retrying the same mirror cannot fix."""
    import urllib.error

    if isinstance(exc, urllib.error.HTTPError):
        return exc.code < 500 and exc.code not in (408, 429)
    if isinstance(exc, urllib.error.URLError):
        reason = exc.reason
        return isinstance(reason, (ConnectionRefusedError, socket.gaierror, str))
    return isinstance(exc, (ConnectionRefusedError, socket.gaierror, ValueError))


def _try_mirror(
    url: str, dest_dir: Path, file: FileSpec, timeout: float, retries: int
) -> tuple[Path, np.ndarray]:
    """Downloads and verifies `file` from one URL; returns the temporary path and the array."""
    import http.client
    import urllib.error

    last: BaseException | None = None
    for attempt in range(max(1, retries)):
        if attempt:
            time.sleep(BACKOFF * 2 ** (attempt - 1))
        # Outside the try: an unwritable cache is not a mirror's fault.
        fd, temp = _temp_file(dest_dir, file)
        try:
            with os.fdopen(fd, "wb") as out:
                _transfer(url, out, file.gz_name, timeout)
            try:
                array = read_idx(temp, sha256=file.sha256)
            except DatasetError as exc:
                # Wrong bytes are wrong on every attempt: go to the next mirror.
                raise _Unreachable(f"served data that failed verification: {exc}") from exc
            return Path(temp), array
        except (OSError, http.client.HTTPException, ValueError) as exc:
            _remove(temp)
            if isinstance(exc, urllib.error.HTTPError):
                exc.close()  # it holds the response's socket
            last = exc
            if _is_permanent(exc):
                break
        except BaseException:  # _Unreachable (bad data) included: no retry, and no partial file left
            _remove(temp)
            raise
    raise _Unreachable(_reason(last))


def _reason(exc: BaseException | None) -> str:
    import http.client
    import urllib.error

    if isinstance(exc, urllib.error.HTTPError):
        return f"HTTP {exc.code} {exc.reason}"
    if isinstance(exc, urllib.error.URLError):
        return f"{exc.reason}"
    if isinstance(exc, http.client.IncompleteRead):
        return f"connection dropped with {exc.expected} bytes still to come"
    return f"{type(exc).__name__}: {exc}"


def _remove(path: str | Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)


def copy_verified(source: Path, dest_dir: Path, file: FileSpec) -> Path:
    """Copies a local file into `dest_dir` with the same verify-then-rename steps as `download`."""
    _make_dir(dest_dir)
    fd, temp = _temp_file(dest_dir, file)
    try:
        with os.fdopen(fd, "wb") as out, open(source, "rb") as src:
            shutil.copyfileobj(src, out)
        read_idx(temp, sha256=file.sha256)
        return _commit(Path(temp), dest_dir, file)
    finally:
        _remove(temp)


def _temp_file(dest_dir: Path, file: FileSpec) -> tuple[int, str]:
    """A new hidden `*.part` file in `dest_dir`, on the same file system as the final name."""
    try:
        return tempfile.mkstemp(prefix=f".{file.filename}.", suffix=".part", dir=dest_dir)
    except OSError as exc:
        raise DatasetError(
            f"Cannot write into the cache folder {dest_dir} ({exc}). Set SCRATCHNN_HOME to a "
            "writable folder, or provide the files through SCRATCHNN_DATA."
        ) from exc


def _make_dir(dest_dir: Path) -> None:
    try:
        dest_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DatasetError(
            f"Cannot create the cache folder {dest_dir} ({exc}). Set SCRATCHNN_HOME to a writable "
            "folder, or provide the files through SCRATCHNN_DATA."
        ) from exc


def _commit(temp: Path, dest_dir: Path, file: FileSpec) -> Path:
    """Renames a verified temporary file to its canonical name in `dest_dir`."""
    with open(temp, "rb") as handle:
        compressed = handle.read(2) == b"\x1f\x8b"
    final = dest_dir / (file.gz_name if compressed else file.filename)
    os.chmod(temp, 0o644)  # mkstemp creates 0600; a cache is readable like any download
    # Same folder, so the rename is atomic: readers see the old file or the whole new one.
    os.replace(temp, final)
    return final


def download(
    urls: list[str],
    dest_dir: Path,
    file: FileSpec,
    *,
    timeout: float | None = None,
    retries: int | None = None,
) -> tuple[Path, np.ndarray, list[str]]:
    """Fetches `file` into `dest_dir` from the first mirror that serves the right bytes.

    Args:
        urls: the URLs to try, in order.
        dest_dir: the cache folder; created if needed.
        file: what to fetch and its checksum.
        timeout: seconds per connection (default `TIMEOUT`).
        retries: attempts per mirror for transient failures (default `RETRIES`).

    Returns:
        `(path, array, failures)`: the verified file now in `dest_dir`, its
        contents, and one line per mirror that failed before it.

    Raises:
        DatasetError: `dest_dir` cannot be written, or every mirror failed; the
            message lists each URL and why (see `failures` on the exception).
    """
    timeout = TIMEOUT if timeout is None else timeout
    retries = RETRIES if retries is None else retries
    _make_dir(dest_dir)
    failures: list[str] = []
    for url in urls:
        print(f"Downloading {url}", file=sys.stderr)
        try:
            temp, array = _try_mirror(url, dest_dir, file, timeout, retries)
        except _Unreachable as exc:
            failures.append(f"{url}: {exc}")
            continue
        try:
            return _commit(temp, dest_dir, file), array, failures
        finally:
            _remove(temp)
    error = DatasetError("every mirror failed:\n" + "\n".join(f"    {line}" for line in failures))
    error.failures = failures  # type: ignore[attr-defined]
    raise error
