"""The download path, for real, against HTTP servers on 127.0.0.1 serving ../shared/data."""

import shutil
import time

import numpy as np
import pytest

from scratchnn.datasets import DatasetError, _download, fetch, mnist
from scratchnn.datasets.idx import read_idx

GZ_NAMES = sorted(f.gz_name for f in mnist.SPEC.files)


def cache(tmp_path):
    return tmp_path / "home" / "datasets" / "mnist"


@pytest.fixture
def offline_data(monkeypatch):
    """Nothing local: only a download can provide the files."""
    monkeypatch.delenv("SCRATCHNN_DATA")


def assert_cache_verified(folder):
    assert sorted(p.name for p in folder.iterdir()) == GZ_NAMES  # no .part left behind
    for spec in mnist.SPEC.files:
        read_idx(folder / spec.gz_name, sha256=spec.sha256)


def test_download_success_then_offline_from_cache(offline_data, monkeypatch, tmp_path, mirror, shared_data):
    monkeypatch.setenv("SCRATCHNN_MIRRORS", mirror.url)
    (x_train, y_train), (x_test, y_test) = mnist.load_data()
    assert sorted(mirror.requests) == sorted(f"/mnist/{name}" for name in GZ_NAMES)
    assert_cache_verified(cache(tmp_path))
    assert (cache(tmp_path) / "train-images-idx3-ubyte.gz").read_bytes() == (
        shared_data / "mnist" / "train-images-idx3-ubyte.gz"
    ).read_bytes()
    # Second call: served from the cache, no request at all.
    mirror.requests.clear()
    (_, y_again), _ = mnist.load_data()
    assert mirror.requests == []
    np.testing.assert_array_equal(y_again, y_train)
    assert x_train.shape == (60000, 28, 28) and x_test.shape == (10000, 28, 28)


def test_module_level_mirror_list_is_used(offline_data, monkeypatch, tmp_path, mirror):
    monkeypatch.delenv("SCRATCHNN_MIRRORS")
    monkeypatch.setattr(mnist, "MIRRORS", [f"{mirror.url}mnist/"])
    mnist.load_data()
    assert len(mirror.requests) == 4
    assert_cache_verified(cache(tmp_path))


@pytest.mark.parametrize("bad_mode", ["garbage", "404", "drop"])
def test_bad_mirror_refused_then_fallback(offline_data, monkeypatch, tmp_path, serve_data, bad_mode):
    bad, good = serve_data(bad_mode), serve_data("ok")
    monkeypatch.setenv("SCRATCHNN_MIRRORS", f"{bad.url} {good.url}")
    monkeypatch.setattr(_download, "RETRIES", 2)
    (_, y_train), _ = mnist.load_data()
    assert np.bincount(y_train)[0] == 5923
    # Garbage and 404 are not retried on the same mirror; a dropped connection is.
    assert len(bad.requests) == (8 if bad_mode == "drop" else 4)
    assert len(good.requests) == 4
    assert_cache_verified(cache(tmp_path))


def test_garbage_only_is_refused_and_nothing_cached(offline_data, monkeypatch, tmp_path, serve_data):
    bad = serve_data("garbage")
    monkeypatch.setenv("SCRATCHNN_MIRRORS", bad.url)
    with pytest.raises(DatasetError, match="served data that failed verification.*bad magic number"):
        mnist.load_data()
    assert list(cache(tmp_path).iterdir()) == []


def test_dropped_connection_leaves_nothing_half_written(offline_data, monkeypatch, tmp_path, serve_data):
    dropper = serve_data("drop")
    monkeypatch.setenv("SCRATCHNN_MIRRORS", dropper.url)
    monkeypatch.setattr(_download, "RETRIES", 3)
    with pytest.raises(DatasetError, match="connection dropped with [0-9]+ bytes still to come"):
        mnist.load_data()
    assert len(dropper.requests) == 3  # retried, then gave up
    assert list(cache(tmp_path).iterdir()) == []


def test_transient_drop_is_retried(offline_data, monkeypatch, tmp_path, serve_data):
    flaky = serve_data("drop_once")
    monkeypatch.setenv("SCRATCHNN_MIRRORS", flaky.url)
    mnist.load_data()
    assert len(flaky.requests) == 5
    assert_cache_verified(cache(tmp_path))


def test_no_server_at_all_fails_fast(offline_data, monkeypatch, backoffs):
    monkeypatch.setattr(_download, "RETRIES", 5)
    with pytest.raises(DatasetError, match="Connection refused") as info:
        mnist.load_data()
    assert backoffs == []  # refused connections are not retried, so nothing waits
    assert "4 file(s) not found" in str(info.value) and "SCRATCHNN_DATA" in str(info.value)


def test_damaged_cache_is_downloaded_again_when_online(
    offline_data, monkeypatch, tmp_path, shared_data, mirror
):
    shutil.copytree(shared_data / "mnist", cache(tmp_path))
    damaged = cache(tmp_path) / "t10k-images-idx3-ubyte.gz"
    damaged.write_bytes(damaged.read_bytes()[:1000])
    monkeypatch.setenv("SCRATCHNN_MIRRORS", mirror.url)
    _, (x_test, _) = mnist.load_data()
    assert mirror.requests == ["/mnist/t10k-images-idx3-ubyte.gz"]
    assert x_test.shape == (10000, 28, 28)
    assert_cache_verified(cache(tmp_path))


def test_fetch_downloads_into_cache(offline_data, monkeypatch, tmp_path, mirror):
    monkeypatch.setenv("SCRATCHNN_MIRRORS", mirror.url)
    results = fetch("mnist")
    assert [how for _, _, how in results] == ["downloaded"] * 4
    assert [how for _, _, how in fetch("mnist")] == ["already cached"] * 4
    assert len(mirror.requests) == 4
    assert_cache_verified(cache(tmp_path))


def test_fetch_copies_from_local_data_without_network(tmp_path, shared_data):
    results = fetch("mnist")
    assert [how for _, _, how in results] == [
        f"copied from {shared_data / 'mnist' / n}" for n in [f.gz_name for f in mnist.SPEC.files]
    ]
    assert_cache_verified(cache(tmp_path))


def test_timeout_gives_up_quickly(offline_data, monkeypatch, backoffs):
    import socket

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)  # accepts connections, never answers
    try:
        monkeypatch.setenv("SCRATCHNN_MIRRORS", f"http://127.0.0.1:{listener.getsockname()[1]}/")
        monkeypatch.setattr(_download, "TIMEOUT", 0.3)
        monkeypatch.setattr(_download, "RETRIES", 2)
        start = time.perf_counter()
        with pytest.raises(DatasetError, match="timed out"):
            mnist.load_data()
        # Two attempts of 0.3 s each with one back-off between them; the bound only catches a hang
        # (a socket without a timeout would wait forever), it does not time anything.
        assert time.perf_counter() - start < 30
        assert backoffs == [_download.BACKOFF]
    finally:
        listener.close()


def test_unwritable_cache_is_reported(offline_data, monkeypatch, tmp_path, mirror):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("SCRATCHNN_HOME", str(blocker / "home"))
    monkeypatch.setenv("SCRATCHNN_MIRRORS", mirror.url)
    with pytest.raises(DatasetError, match="Cannot create the cache folder .*Set SCRATCHNN_HOME"):
        mnist.load_data()


def test_progress_bar():
    import io

    out = io.StringIO()
    _download._progress(out, "f.gz", 5_000_000, 10_000_000)
    _download._progress(out, "f.gz", 10_000_000, 10_000_000, final=True)
    first, last = out.getvalue().split("\r")[1:]
    assert first.startswith("f.gz [===============>..............]  50% 5.0/10.0 MB")
    assert last == "f.gz [==============================] 100% 10.0/10.0 MB\n"
