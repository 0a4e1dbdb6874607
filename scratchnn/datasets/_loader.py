"""Finding, verifying and (when needed) downloading the files of an IDX data set."""

from __future__ import annotations

import hashlib
import os
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from scratchnn.datasets import _download, _locations
from scratchnn.datasets._spec import DatasetSpec, FileSpec
from scratchnn.datasets.errors import DatasetError
from scratchnn.datasets.idx import idx_header, read_idx

Arrays = tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]


@dataclass
class FileStatus:
    """Where one file was found and whether it verified.

    Attributes:
        file: the file's spec.
        path: the verified file that `load_data` uses, or None.
        location: the label of the location it is in (`"user cache"`...).
        problems: one line per damaged copy met before it.
    """

    file: FileSpec
    path: Path | None = None
    location: str | None = None
    problems: list[str] = field(default_factory=list)


def _candidates(file: FileSpec, locations: Sequence[_locations.Location]) -> Iterator[tuple]:
    """Existing copies of `file`, in look-up order: `(location, path)`."""
    for location in locations:
        for directory in location.directories:
            for name in file.names:
                candidate = directory / name
                if candidate.is_file():
                    yield location, candidate


def _fetch_hint(spec: DatasetSpec) -> str:
    cache = _locations.cache_dir(spec)
    return (
        f"To provide them: run `scratchnn datasets fetch {spec.name}` where there is internet access "
        f"(then copy {cache} if needed); or copy the files into {cache}; or into DIR/{spec.subdir}/ "
        f"and set {_locations.DATA_ENV}=DIR; or pass load_data(path=DIR)."
    )


def _damaged(spec: DatasetSpec, exc: DatasetError) -> DatasetError:
    return DatasetError(
        f"{exc}\nFix: replace it with the original {spec.title} file, or remove it so that the next "
        f"location is used. `scratchnn datasets fetch {spec.name}` downloads verified copies into "
        f"{_locations.cache_dir(spec)}."
    )


def inspect(spec: DatasetSpec, locations: Sequence[_locations.Location]) -> list[FileStatus]:
    """Finds and verifies every file of `spec`; never downloads or raises for damage."""
    statuses = []
    for file in spec.files:
        status = FileStatus(file)
        for location, candidate in _candidates(file, locations):
            try:
                read_idx(candidate, sha256=file.sha256)
            except DatasetError as exc:
                status.problems.append(str(exc))
                continue
            status.path, status.location = candidate, location.label
            break
        statuses.append(status)
    return statuses


def _search(spec: DatasetSpec, locations: Sequence[_locations.Location]) -> tuple[dict, list[str]]:
    """Loads every file found; damaged files outside the cache raise, inside it are skipped."""
    found: dict[str, np.ndarray] = {}
    skipped: list[str] = []
    for file in spec.files:
        for location, candidate in _candidates(file, locations):
            try:
                found[file.key] = read_idx(candidate, sha256=file.sha256)
            except DatasetError as exc:
                if not location.is_cache:
                    raise _damaged(spec, exc) from exc
                # A damaged cached copy is never returned: it is downloaded again.
                skipped.append(f"damaged copy in the {location.label}: {exc}")
                continue
            break
    return found, skipped


def _missing_error(
    spec: DatasetSpec, missing: list[FileSpec], locations: list[str], notes: list[str]
) -> DatasetError:
    lines = [
        f"Cannot load {spec.title}: {len(missing)} file(s) not found: "
        + ", ".join(f.gz_name for f in missing)
        + ".",
        "Looked in, in order:",
    ]
    lines += [f"  {i}. {text}" for i, text in enumerate(locations, start=1)]
    lines += [
        f"Each folder should hold {spec.expected_names} (uncompressed files without .gz are accepted too).",
        *notes,
        _fetch_hint(spec),
    ]
    return DatasetError("\n".join(lines))


def _load_npz(spec: DatasetSpec, path: Path) -> dict[str, np.ndarray]:
    """Reads a Keras-style `mnist.npz`, checking each array against the IDX checksums."""
    arrays = {}
    try:
        with np.load(path, allow_pickle=False) as archive:
            for file in spec.files:
                array = np.ascontiguousarray(archive[file.key])
                # The checksum of the IDX file that would hold exactly this array.
                digest = hashlib.sha256(idx_header(array.shape, array.dtype))
                digest.update(array.reshape(-1).view(np.uint8))
                if digest.hexdigest() != file.sha256:
                    raise DatasetError(
                        f"{path}: array {file.key!r} (shape {array.shape}, {array.dtype}) does not "
                        f"match the {spec.title} checksum {file.sha256}"
                    )
                arrays[file.key] = array
    except (OSError, KeyError, ValueError, zipfile.BadZipFile) as exc:
        if isinstance(exc, DatasetError):
            raise _damaged(spec, exc) from exc
        raise _damaged(
            spec,
            DatasetError(
                f"{path}: not a readable .npz holding {', '.join(f.key for f in spec.files)} ({exc})"
            ),
        ) from exc
    return arrays


def _from_explicit_path(spec: DatasetSpec, path: Path) -> dict[str, np.ndarray]:
    if path.is_file():
        return _load_npz(spec, path)
    if not path.is_dir():
        raise DatasetError(
            f"Cannot load {spec.title}: the path argument {path} does not exist. Pass a folder "
            f"holding {spec.expected_names}, or a Keras-style .npz file, or leave path=None to "
            "use the default look-up order."
        )
    location = _locations.explicit_location(spec, path)
    found, _ = _search(spec, [location])
    missing = [f for f in spec.files if f.key not in found]
    if missing:
        raise _missing_error(spec, missing, [location.describe()], [])
    return found


def load(spec: DatasetSpec, path: str | os.PathLike | None, mirrors: Sequence[str]) -> Arrays:
    """Returns `(x_train, y_train), (x_test, y_test)` of `spec`, verified.

    See `scratchnn.datasets._locations` for the look-up order.
    """
    if path is not None:
        resolved = Path(path).expanduser()
        # Keras's `path="mnist.npz"` names a file in its own cache: a bare .npz name that
        # does not exist here means "use the default look-up order".
        if not (resolved.suffix == ".npz" and resolved.name == os.fspath(path) and not resolved.exists()):
            found = _from_explicit_path(spec, resolved)
            return _pack(found)
    locations = _locations.data_locations(spec)
    found, notes = _search(spec, locations)
    missing = [f for f in spec.files if f.key not in found]
    if missing:
        cache = _locations.cache_dir(spec)
        for file in missing:
            urls = _locations.mirror_urls(spec, file.gz_name, list(mirrors))
            places = [loc.describe() for loc in locations]
            if not urls:
                places.append("download: no mirror configured")
                raise _missing_error(spec, missing, places, notes)
            try:
                _, found[file.key], _ = _download.download(urls, cache, file)
            except DatasetError as exc:
                # Stop at the first file that cannot be had: offline, the rest would fail too.
                remaining = [f for f in missing if f.key not in found]
                places.append(f"download of {file.gz_name} into {cache}: {exc}")
                raise _missing_error(spec, remaining, places, notes) from exc
    return _pack(found)


def _pack(found: dict[str, np.ndarray]) -> Arrays:
    return (found["x_train"], found["y_train"]), (found["x_test"], found["y_test"])


def fetch(spec: DatasetSpec, mirrors: Sequence[str], force: bool = False) -> list[tuple[FileSpec, Path, str]]:
    """Puts verified copies of every file of `spec` into the user cache.

    A file already verified in the cache is kept (unless `force`); one found
    verified elsewhere locally is copied; otherwise it is downloaded.

    Returns:
        One `(file, cached_path, how)` per file, `how` being `"already cached"`,
        `"copied from <path>"` or `"downloaded"`.

    Raises:
        DatasetError: a file could not be had; the message says why.
    """
    cache = _locations.cache_dir(spec)
    locations = _locations.data_locations(spec)
    cache_only = [loc for loc in locations if loc.is_cache]
    others = [loc for loc in locations if not loc.is_cache]
    results = []
    for file, cached, local in zip(spec.files, inspect(spec, cache_only), inspect(spec, others), strict=True):
        if cached.path is not None and not force:
            results.append((file, cached.path, "already cached"))
        elif local.path is not None:
            results.append(
                (file, _download.copy_verified(local.path, cache, file), f"copied from {local.path}")
            )
        else:
            urls = _locations.mirror_urls(spec, file.gz_name, list(mirrors))
            if not urls:
                raise DatasetError(f"Cannot fetch {file.gz_name}: no mirror configured. {_fetch_hint(spec)}")
            try:
                path, _, _ = _download.download(urls, cache, file)
            except DatasetError as exc:
                raise DatasetError(
                    f"Cannot fetch {spec.title} {file.gz_name}: {exc}\n{_fetch_hint(spec)}"
                ) from exc
            results.append((file, path, "downloaded"))
    return results
