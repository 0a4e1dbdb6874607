"""Crash-safe writes: modes, symlinks, leftovers of killed saves, and multi-file units (issue 12, items 2 and 11)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from scratchnn.utils import file_utils

posix_only = pytest.mark.skipif(os.name != "posix", reason="file modes, umask and pids are POSIX features")


@pytest.fixture
def umask_027():
    previous = os.umask(0o027)
    yield
    os.umask(previous)


def writer(data):
    return lambda tmp: file_utils.write_bytes(tmp, data)


def dead_pid():
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


@posix_only
def test_new_files_follow_the_umask_and_overwrites_keep_the_mode(tmp_path, umask_027):
    path = tmp_path / "f.bin"
    file_utils.atomic_write_file(path, writer(b"one"))
    assert oct(path.stat().st_mode & 0o777) == oct(0o640)
    path.chmod(0o604)
    file_utils.atomic_write_file(path, writer(b"two"))
    assert path.read_bytes() == b"two"
    assert oct(path.stat().st_mode & 0o777) == oct(0o604)
    file_utils.atomic_write_files(tmp_path / "d", [("a", writer(b"x"))])
    assert oct((tmp_path / "d" / "a").stat().st_mode & 0o777) == oct(0o640)


@posix_only
def test_writing_through_a_symlink_replaces_its_target(tmp_path):
    target = tmp_path / "real" / "f.bin"
    target.parent.mkdir()
    target.write_bytes(b"old")
    link = tmp_path / "link.bin"
    link.symlink_to(target)
    file_utils.atomic_write_file(link, writer(b"new"))
    assert link.is_symlink() and target.read_bytes() == b"new"
    assert sorted(os.listdir(target.parent)) == ["f.bin"]
    linked_dir = tmp_path / "linked_dir"
    linked_dir.symlink_to(target.parent)
    file_utils.atomic_write_files(linked_dir, [("a", writer(b"x"))])
    assert linked_dir.is_symlink() and (target.parent / "a").read_bytes() == b"x"


def test_failed_write_leaves_the_old_file_and_no_temporary(tmp_path):
    path = tmp_path / "f.bin"
    path.write_bytes(b"old")

    def fail(tmp):
        file_utils.write_bytes(tmp, b"half")
        raise OSError(28, "No space left on device")

    with pytest.raises(OSError, match="No space"):
        file_utils.atomic_write_file(path, fail)
    with pytest.raises(OSError, match="No space"):
        file_utils.atomic_write_files(tmp_path, [("f.bin", writer(b"new")), ("g.bin", fail)])
    assert path.read_bytes() == b"old" and sorted(os.listdir(tmp_path)) == ["f.bin"]


@posix_only
def test_only_temporaries_of_dead_saves_are_cleaned(tmp_path):
    dead = dead_pid()
    mine = f".scratchnn-tmp-{os.getpid()}-0123abcd-f.bin"  # a save of this process, in progress
    leftovers = [
        f".scratchnn-tmp-{dead}-0123abcd-f.bin",
        f".scratchnn-tmp-{dead}-89abcdef-.scratchnn-pending-save.json",
    ]
    keep = [
        mine,
        "notes.txt",
        f".scratchnn-tmp-{dead}-0123abcd-other.bin",
        ".scratchnn-tmp-f.bin",
        "f.bin.tmp",
    ]
    for name in leftovers + keep:
        (tmp_path / name).write_bytes(b"x")
    file_utils.atomic_write_files(tmp_path, [("f.bin", writer(b"new"))])
    assert sorted(os.listdir(tmp_path)) == sorted([*keep, "f.bin"])
    file_utils.atomic_write_file(tmp_path / "other.bin", writer(b"o"))
    assert f".scratchnn-tmp-{dead}-0123abcd-other.bin" not in os.listdir(tmp_path)


@posix_only
def test_a_committed_but_unfinished_unit_is_read_as_new_and_finished_by_the_next_save(tmp_path):
    """The state a kill leaves between the commit and the renames: the journal names the new files."""
    dead = dead_pid()
    (tmp_path / "a").write_bytes(b"old a")
    (tmp_path / "b").write_bytes(b"old b")
    tmp_b = f".scratchnn-tmp-{dead}-0123abcd-b"
    (tmp_path / "a").write_bytes(b"new a")  # already renamed
    (tmp_path / tmp_b).write_bytes(b"new b")  # not yet
    (tmp_path / file_utils.JOURNAL_NAME).write_text(
        json.dumps({"renames": [[f".scratchnn-tmp-{dead}-89abcdef-a", "a"], [tmp_b, "b"]]})
    )
    assert Path(file_utils.committed_path(tmp_path, "a")).read_bytes() == b"new a"
    assert Path(file_utils.committed_path(tmp_path, "b")).read_bytes() == b"new b"
    file_utils.atomic_write_files(tmp_path, [("c", writer(b"c"))])
    assert sorted(os.listdir(tmp_path)) == ["a", "b", "c"]
    assert (tmp_path / "b").read_bytes() == b"new b"


def test_a_journal_cannot_name_files_outside_the_directory(tmp_path):
    outside = tmp_path / "outside"
    outside.write_bytes(b"keep")
    inner = tmp_path / "d"
    inner.mkdir()
    (inner / file_utils.JOURNAL_NAME).write_text(
        json.dumps(
            {
                "renames": [
                    ["../outside", "x"],
                    ["y", "../outside"],
                    [".scratchnn-tmp-1-0123abcd-../outside", "../outside"],
                ]
            }
        )
    )
    assert file_utils.committed_path(inner, "x") == os.path.join(inner, "x")
    file_utils.atomic_write_files(inner, [("x", writer(b"x"))])
    assert outside.read_bytes() == b"keep" and sorted(os.listdir(inner)) == ["x"]


def test_remove_files_deletes_only_what_it_names_and_keeps_a_used_directory(tmp_path):
    d = tmp_path / "backup"
    file_utils.atomic_write_files(d, [("a", writer(b"1")), ("b", writer(b"2"))])
    (d / "mine.txt").write_text("user")
    file_utils.remove_files(d, ["a", "b"])
    assert sorted(os.listdir(d)) == ["mine.txt"]
    os.remove(d / "mine.txt")
    file_utils.atomic_write_files(d, [("a", writer(b"1"))])
    file_utils.remove_files(d, ["a"])
    assert not d.exists()


def test_a_file_where_a_directory_should_be_is_refused(tmp_path):
    (tmp_path / "m").write_text("a file")
    with pytest.raises(ValueError, match="not a directory"):
        file_utils.atomic_write_files(tmp_path / "m", [("a", writer(b"1"))])
    assert (tmp_path / "m").read_text() == "a file"
