"""Fixtures for the data set tests: the shared data, an isolated cache, local HTTP mirrors.

No test reaches the internet: SCRATCHNN_MIRRORS always points at 127.0.0.1, and
the cache (SCRATCHNN_HOME) and the system folder are temporary folders.
"""

import contextlib
import functools
import http.server
import os
import socket
import threading
from pathlib import Path

import pytest

from scratchnn.datasets import _download, _locations

REPO = Path(__file__).resolve().parents[2]


def find_shared_data() -> Path:
    """$SCRATCHNN_DATA (relative to the cwd or the repo root), else the repo's ../shared/data."""
    candidates = []
    env = os.environ.get("SCRATCHNN_DATA")
    if env:
        candidates += [Path(env), REPO / env]
    candidates.append(REPO.parent / "shared" / "data")
    for candidate in candidates:
        if (candidate / "mnist").is_dir():
            return candidate.resolve()
    pytest.fail(f"The MNIST files are needed for these tests; looked in {candidates}. Set SCRATCHNN_DATA.")


@pytest.fixture(scope="session")
def shared_data() -> Path:
    return find_shared_data()


def unused_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(autouse=True)
def isolated(monkeypatch, tmp_path, shared_data):
    """SCRATCHNN_DATA = the shared data, a fresh cache, an empty system folder, no real mirror."""
    monkeypatch.setenv("SCRATCHNN_DATA", str(shared_data))
    monkeypatch.setenv("SCRATCHNN_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("SCRATCHNN_MIRRORS", f"http://127.0.0.1:{unused_port()}/")
    monkeypatch.setattr(_locations, "SYSTEM_DIR", str(tmp_path / "system"))
    monkeypatch.setattr(_download, "BACKOFF", 0.0)
    monkeypatch.setattr(_download, "TIMEOUT", 5.0)


class MirrorHandler(http.server.SimpleHTTPRequestHandler):
    """Serves a folder; `server.mode` makes it misbehave: "ok", "garbage", "drop", "404", "drop_once"."""

    def log_message(self, format, *args):  # keep pytest output clean
        pass

    def do_GET(self):
        server = self.server
        server.requests.append(self.path)
        mode = server.mode
        if mode == "drop_once":
            mode = "drop" if len(server.requests) == 1 else "ok"
        if mode == "404":
            self.send_error(404)
        elif mode == "garbage":
            body = b"<html>not the file you asked for</html>" * 100
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        elif mode == "drop":
            # Promise the whole file, send half of it, then hang up.
            path = Path(self.translate_path(self.path))
            data = path.read_bytes()
            self.send_response(200)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data[: len(data) // 2])
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR)
            self.close_connection = True
        else:
            super().do_GET()


@contextlib.contextmanager
def serve(directory: Path, mode: str = "ok"):
    """An HTTP server on 127.0.0.1 in a thread; yields it (`.url`, `.requests`, `.mode`)."""
    handler = functools.partial(MirrorHandler, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    server.mode = mode
    server.requests = []
    server.url = f"http://127.0.0.1:{server.server_address[1]}/"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture
def backoffs(monkeypatch):
    """The back-off waits the downloader asks for, recorded instead of slept (a list of seconds)."""
    import time
    import types

    waits: list[float] = []
    clock = types.SimpleNamespace(
        **{name: getattr(time, name) for name in dir(time) if not name.startswith("_")}
    )
    clock.sleep = waits.append
    monkeypatch.setattr(_download, "time", clock)
    return waits


@pytest.fixture
def mirror(shared_data):
    """A well-behaved mirror of the shared data (root layout: <url>/mnist/<file>)."""
    with serve(shared_data) as server:
        yield server


@pytest.fixture
def serve_data(shared_data):
    """Factory: `serve_data(mode)` starts another mirror of the shared data, closed after the test."""
    with contextlib.ExitStack() as stack:
        yield lambda mode="ok": stack.enter_context(serve(shared_data, mode))
