"""Crash-safe file writes: one file, or a set of files in one directory, replaced all at once.

A save must never destroy what was there before. Every write here goes to a
temporary file in the destination's own directory (same file system, so the
final `os.replace` is one atomic rename), is flushed with `fsync`, and is
moved into place; the directory is then fsynced so the rename itself survives
a power cut.

Temporary names are `.scratchnn-tmp-<pid>-<8 hex>-<final name>`: the final name
last, so a suffix check on the temporary (`.weights.h5`) still passes, and the
writer's process id first, so a later save removes the leftovers of a killed
one (and only those: a temporary whose process is alive belongs to a save in
progress). Nothing else in a directory is ever removed or moved.

Several files in one directory (a model directory's config.json, metadata.json
and model.weights.h5; a training backup's weights and epoch counter) are
replaced as one unit with a journal, `.scratchnn-pending-save.json`:

1. every new file is written under its temporary name and fsynced;
2. the journal, naming each temporary and its final name, is written
   atomically: this rename is the commit point;
3. the temporaries are renamed over the final names; then the journal is removed.

Before step 2 the old files are untouched; after it, `committed_path` resolves
each name to the new file, whether it still has its temporary name or was
already renamed, so a reader always sees the old set or the new set, never a
mix. The next save in the directory finishes an interrupted step 3 first.

Keras writes in place (`open(path, "wb")`, keras/src/saving/saving_lib.py): it
keeps the file's mode and a symlink; so does this module (an existing file's
mode is copied, a new one gets 0o666 less the umask, and a symlink is resolved
so that its target is replaced), but a crash here never leaves a torn file.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import stat
from collections.abc import Callable, Iterable, Sequence

TEMP_PREFIX = ".scratchnn-tmp-"
JOURNAL_NAME = ".scratchnn-pending-save.json"
_TEMP_RE = re.compile(r"^\.scratchnn-tmp-(\d+)-[0-9a-f]{8}-(.+)$")
_CHUNK = 1 << 24  # os.write may write less than asked; 16 MiB per call keeps each call short
_MAX_NAME = 200  # a temporary name stays under NAME_MAX (255) whatever the final name


# -- small pieces ---------------------------------------------------------------------------
def fsync_directory(directory: str) -> None:
    """Makes the renames and creations in `directory` durable (a no-op where directories cannot be opened)."""
    if os.name == "nt":  # Windows has no directory handles to fsync; NTFS journals the rename itself
        return
    fd = os.open(directory, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_file(path: str) -> None:
    """Flushes a closed file's data to disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_bytes(path: str, data: bytes) -> None:
    """Writes `data` to `path` (truncating it) with `os.write`, looping over partial writes."""
    view = memoryview(data)
    fd = os.open(path, os.O_WRONLY | os.O_TRUNC | os.O_CREAT | getattr(os, "O_BINARY", 0), 0o666)
    try:
        while view:
            written = os.write(fd, view[:_CHUNK])
            view = view[written:]
    finally:
        os.close(fd)


def resolve_target(filepath: str | os.PathLike[str]) -> str:
    """The absolute path a save must replace: a symlink is followed, so its target gets the new content."""
    return os.path.realpath(os.path.abspath(os.fspath(filepath)))


def _pid_alive(pid: int) -> bool:
    if pid == os.getpid() or os.name != "posix":
        return True  # never claim a live save's files (and Windows has no signal-0 probe)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's live process
    return True


def _base_name(entry: str) -> tuple[int, str] | None:
    """(writer pid, final name) of one of our temporaries, peeling nested prefixes; None for other names."""
    match = _TEMP_RE.match(entry)
    if match is None:
        return None
    pid, rest = int(match[1]), match[2]
    while (inner := _TEMP_RE.match(rest)) is not None:
        rest = inner[2]
    return pid, rest


def _matches(base: str, names: Iterable[str]) -> bool:
    return any(base == name or base == name[-_MAX_NAME:] for name in names)


def remove_stale_temporaries(directory: str, names: Iterable[str]) -> None:
    """Deletes our temporaries for `names` left by a save whose process has died; nothing else."""
    names = list(names)
    try:
        entries = os.listdir(directory)
    except FileNotFoundError:
        return
    for entry in entries:
        parsed = _base_name(entry)
        if parsed is None or not _matches(parsed[1], names) or _pid_alive(parsed[0]):
            continue
        path = os.path.join(directory, entry)
        try:
            if stat.S_ISREG(os.lstat(path).st_mode):
                os.remove(path)
        except FileNotFoundError:
            pass


def _create_temp(directory: str, name: str, mode_of: str | None) -> str:
    """Creates an empty temporary for `name` in `directory`, with the mode its final file will have."""
    while True:
        path = os.path.join(
            directory, f"{TEMP_PREFIX}{os.getpid()}-{secrets.token_hex(4)}-{name[-_MAX_NAME:]}"
        )
        try:
            # 0o666 here lets the kernel apply the umask, as `open(path, "w")` does.
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o666)
        except FileExistsError:
            continue
        os.close(fd)
        break
    if mode_of is not None:
        try:
            os.chmod(path, stat.S_IMODE(os.stat(mode_of).st_mode))  # an overwrite keeps the file's mode
        except FileNotFoundError:
            pass
    return path


def _remove_quietly(path: str) -> None:
    try:
        os.remove(path)
    except FileNotFoundError:
        pass


# -- one file -------------------------------------------------------------------------------
def atomic_write_file(filepath: str | os.PathLike[str], write: Callable[[str], None]) -> None:
    """Calls `write(tmp_path)` on a temporary sibling of `filepath`, then moves it over `filepath`.

    A crash, a full disk or an exception in `write` leaves any previous file
    untouched. The new file keeps the old one's mode (or follows the umask);
    a symlink at `filepath` stays a symlink and its target is replaced.

    Args:
        filepath: the destination file.
        write: called with the path of an empty temporary file to fill.

    Raises:
        OSError: from the file system (the previous file is still in place).
    """
    target = resolve_target(filepath)
    directory, name = os.path.split(target)
    os.makedirs(directory, exist_ok=True)
    remove_stale_temporaries(directory, [name])
    tmp = _create_temp(directory, name, target if os.path.exists(target) else None)
    try:
        write(tmp)
        fsync_file(tmp)
        os.replace(tmp, target)
        fsync_directory(directory)
    finally:
        _remove_quietly(tmp)


# -- several files in one directory ---------------------------------------------------------
def _read_journal(directory: str) -> list[tuple[str, str]]:
    """The (temporary, final name) pairs of an interrupted multi-file save; [] when there is none.

    Only entries of our own shape are returned (a temporary named for its final
    name, both plain names inside `directory`), whatever else the file holds.
    """
    try:
        with open(os.path.join(directory, JOURNAL_NAME), "rb") as fh:
            raw = json.loads(fh.read(1 << 20).decode("utf-8"))
    except (OSError, ValueError):
        return []  # none there, or not a journal we wrote completely (it is renamed into place atomically)
    pairs = raw.get("renames") if isinstance(raw, dict) else None
    out = []
    for pair in pairs if isinstance(pairs, list) else []:
        if not (isinstance(pair, list) and len(pair) == 2 and all(isinstance(p, str) for p in pair)):
            continue
        tmp, final = pair
        parsed = _base_name(tmp)
        if parsed is not None and _matches(parsed[1], [final]) and os.sep not in final and "/" not in final:
            out.append((tmp, final))
    return out


def _finish_pending(directory: str) -> None:
    """Completes the renames of a save that was killed after its commit point."""
    pairs = _read_journal(directory)
    if not pairs and not os.path.exists(os.path.join(directory, JOURNAL_NAME)):
        return
    for tmp, final in pairs:
        if os.path.exists(os.path.join(directory, tmp)):
            os.replace(os.path.join(directory, tmp), os.path.join(directory, final))
    fsync_directory(directory)
    _remove_quietly(os.path.join(directory, JOURNAL_NAME))
    fsync_directory(directory)


def committed_path(directory: str | os.PathLike[str], name: str) -> str:
    """Where the current content of `directory/name` is: its committed temporary during a killed save."""
    directory = os.fspath(directory)
    for tmp, final in _read_journal(directory):
        if final == name and os.path.exists(os.path.join(directory, tmp)):
            return os.path.join(directory, tmp)
    return os.path.join(directory, name)


def atomic_write_files(
    directory: str | os.PathLike[str], members: Sequence[tuple[str, Callable[[str], None]]]
) -> None:
    """Replaces several files of one directory as one unit (all old, or all new, at every instant).

    Only the named files (and our own temporaries and journal) are touched;
    every other file in `directory` is left alone.

    Args:
        directory: created if missing; a symlink to a directory writes into its target.
        members: `(file name, write)` pairs; `write(tmp_path)` fills that file's temporary.

    Raises:
        ValueError: if `directory` exists and is not a directory.
        OSError: from the file system (the previous files are still in place).
    """
    directory = resolve_target(directory)
    if os.path.exists(directory) and not os.path.isdir(directory):
        raise ValueError(f"Cannot save into {directory!r}: it exists and is not a directory.")
    os.makedirs(directory, exist_ok=True)
    names = [name for name, _ in members]
    _finish_pending(directory)
    remove_stale_temporaries(directory, [*names, JOURNAL_NAME])
    temps: list[tuple[str, str]] = []
    journal = os.path.join(directory, JOURNAL_NAME)
    committed = False
    try:
        for name, write in members:
            final = os.path.join(directory, name)
            tmp = _create_temp(directory, name, final if os.path.exists(final) else None)
            temps.append((tmp, name))
            write(tmp)
            fsync_file(tmp)
        record = json.dumps({"renames": [[os.path.basename(t), n] for t, n in temps]}).encode()
        journal_tmp = _create_temp(directory, JOURNAL_NAME, None)
        temps.append((journal_tmp, JOURNAL_NAME))
        write_bytes(journal_tmp, record)
        fsync_file(journal_tmp)
        os.replace(journal_tmp, journal)  # the commit point
        fsync_directory(directory)
        committed = True
        for tmp, name in temps[:-1]:
            os.replace(tmp, os.path.join(directory, name))
        fsync_directory(directory)
        os.remove(journal)
        fsync_directory(directory)
    finally:
        if not committed:  # after the commit, the temporaries are the new content: never delete them
            for tmp, _ in temps:
                _remove_quietly(tmp)


def remove_files(directory: str | os.PathLike[str], names: Iterable[str]) -> None:
    """Deletes the named files we wrote in `directory` (with our journal and dead temporaries).

    The directory itself is removed only when that leaves it empty: a file the
    library did not write is never deleted.
    """
    directory = os.fspath(directory)
    if not os.path.isdir(directory):
        return
    names = list(names)
    pairs = _read_journal(directory)
    for tmp, final in pairs:
        if final in names:
            _remove_quietly(os.path.join(directory, tmp))
    if pairs or os.path.exists(os.path.join(directory, JOURNAL_NAME)):
        _remove_quietly(os.path.join(directory, JOURNAL_NAME))
    remove_stale_temporaries(directory, [*names, JOURNAL_NAME])
    for name in names:
        _remove_quietly(os.path.join(directory, name))
    try:
        os.rmdir(directory)
    except OSError:
        pass  # not empty: the user's own files stay, and so does the directory
