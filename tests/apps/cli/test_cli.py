"""The `scratchnn` command: --version, info, datasets, datasets fetch."""

import functools
import http.server
import os
import shutil
import socket
import subprocess
import sys
import threading
from importlib import metadata
from pathlib import Path

import numpy as np
import pytest

import scratchnn
from scratchnn.apps.cli.__main__ import main
from scratchnn.datasets import _download, _locations

REPO = Path(__file__).resolve().parents[3]


def shared_data() -> Path:
    env = os.environ.get("SCRATCHNN_DATA")
    for candidate in ([Path(env), REPO / env] if env else []) + [REPO.parent / "shared" / "data"]:
        if (candidate / "mnist").is_dir():
            return candidate.resolve()
    pytest.fail("The MNIST files are needed for these tests: set SCRATCHNN_DATA.")


def unused_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(autouse=True)
def isolated(monkeypatch, tmp_path):
    monkeypatch.setenv("SCRATCHNN_DATA", str(shared_data()))
    monkeypatch.setenv("SCRATCHNN_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("SCRATCHNN_MIRRORS", f"http://127.0.0.1:{unused_port()}/")
    monkeypatch.setattr(_locations, "SYSTEM_DIR", str(tmp_path / "system"))
    monkeypatch.setattr(_download, "BACKOFF", 0.0)


def test_version_uses_package_attribute(monkeypatch, capsys):
    monkeypatch.setattr(scratchnn, "__version__", "1.2.3", raising=False)
    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0
    assert capsys.readouterr().out.strip() == "scratchnn 1.2.3"


def test_version_falls_back_to_metadata(monkeypatch, capsys):
    monkeypatch.delattr(scratchnn, "__version__", raising=False)
    monkeypatch.setattr(metadata, "version", lambda name: {"scratchnn": "4.5.6"}[name])
    with pytest.raises(SystemExit):
        main(["--version"])
    assert capsys.readouterr().out.strip() == "scratchnn 4.5.6"


@pytest.mark.parametrize("module", ["scratchnn", "scratchnn.apps.cli"])
def test_python_dash_m_entry_points(module):
    result = subprocess.run(
        [sys.executable, "-m", module, "--version"], capture_output=True, text=True, cwd=REPO
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("scratchnn ")


def test_no_command_is_a_usage_error(capsys):
    assert main([]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("usage: scratchnn")
    assert "a command is required" in captured.err and "train" in captured.err


def test_no_command_exits_2_from_the_shell():
    result = subprocess.run([sys.executable, "-m", "scratchnn"], capture_output=True, text=True, cwd=REPO)
    assert result.returncode == 2 and "a command is required" in result.stderr


def test_unknown_command_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as info:
        main(["nonsense"])
    assert info.value.code == 2


def test_info(capsys, tmp_path):
    assert main(["info"]) == 0
    out = capsys.readouterr().out
    assert f"numpy        {np.__version__}" in out
    assert f"python       {sys.version.split()[0]}" in out
    assert f"data         {shared_data()} ($SCRATCHNN_DATA)" in out
    assert str(tmp_path / "home" / "datasets") in out
    assert "backend" in out


def test_datasets_status_all_found(capsys):
    assert main(["datasets"]) == 0
    out = capsys.readouterr().out
    assert out.count("ok (sha256)  SCRATCHNN_DATA") == 8
    assert "mnist (MNIST)" in out and "fashion_mnist (Fashion-MNIST)" in out
    assert "1. SCRATCHNN_DATA:" in out and "2. user cache:" in out and "3. system folder:" in out


def test_datasets_status_missing_and_damaged(monkeypatch, capsys, tmp_path):
    monkeypatch.delenv("SCRATCHNN_DATA")
    cache = tmp_path / "home" / "datasets" / "mnist"
    cache.mkdir(parents=True)
    (cache / "train-labels-idx1-ubyte").write_bytes(b"\x00\x00\x08\x01\x00\x00\x00\x05abc")
    assert main(["datasets"]) == 1
    out = capsys.readouterr().out
    assert out.count(" missing\n") == 8
    assert "DAMAGED" in out and "truncated" in out and str(cache / "train-labels-idx1-ubyte") in out


def test_datasets_with_nothing_found_fails_with_a_hint(monkeypatch, capsys):
    monkeypatch.delenv("SCRATCHNN_DATA")
    assert main(["datasets"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert "no data set was found" in err[0]
    assert "SCRATCHNN_DATA" in err[0] and "scratchnn datasets fetch all" in err[0]


def test_datasets_with_one_missing_names_it(monkeypatch, capsys, tmp_path):
    only_mnist = tmp_path / "data"
    shutil.copytree(shared_data() / "mnist", only_mnist / "mnist")
    monkeypatch.setenv("SCRATCHNN_DATA", str(only_mnist))
    assert main(["datasets"]) == 1
    err = capsys.readouterr().err
    assert "not found: fashion_mnist" in err and "scratchnn datasets fetch fashion_mnist" in err


def test_fetch_copies_local_files_into_cache(capsys, tmp_path):
    assert main(["datasets", "fetch", "fashion-mnist"]) == 0
    out = capsys.readouterr().out
    assert out.count("copied from") == 4
    cached = sorted(p.name for p in (tmp_path / "home" / "datasets" / "fashion-mnist").iterdir())
    assert cached == sorted(
        [
            "train-images-idx3-ubyte.gz",
            "train-labels-idx1-ubyte.gz",
            "t10k-images-idx3-ubyte.gz",
            "t10k-labels-idx1-ubyte.gz",
        ]
    )
    assert main(["datasets", "fetch", "fashion_mnist"]) == 0
    assert capsys.readouterr().out.count("already cached") == 4


def test_fetch_downloads_from_a_local_mirror(monkeypatch, capsys, tmp_path):
    data = tmp_path / "served"
    shutil.copytree(shared_data() / "mnist", data / "mnist")
    monkeypatch.delenv("SCRATCHNN_DATA")
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(data))
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        monkeypatch.setenv("SCRATCHNN_MIRRORS", f"http://127.0.0.1:{server.server_address[1]}/")
        assert main(["datasets", "fetch", "mnist"]) == 0
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
    assert capsys.readouterr().out.count("downloaded ->") == 4
    assert len(list((tmp_path / "home" / "datasets" / "mnist").iterdir())) == 4


def test_fetch_offline_fails_with_message(monkeypatch, capsys):
    monkeypatch.delenv("SCRATCHNN_DATA")
    assert main(["datasets", "fetch", "mnist"]) == 1
    err = [line for line in capsys.readouterr().err.splitlines() if not line.startswith("Downloading")]
    assert len(err) == 1, err
    assert "Cannot fetch MNIST train-images-idx3-ubyte.gz" in err[0] and "Connection refused" in err[0]


def test_fetch_unknown_name(capsys):
    assert main(["datasets", "fetch", "cifar10"]) == 2
    assert "Valid names: mnist, fashion_mnist. Received: name='cifar10'" in capsys.readouterr().err
    assert main(["datasets", "fetch", "mnsit"]) == 2
    assert capsys.readouterr().err.rstrip().endswith("Did you mean 'mnist'?")
