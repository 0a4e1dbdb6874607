"""Headless Chromium driven over the DevTools protocol, with the standard library only.

Chromium started with `--remote-debugging-pipe` reads protocol commands on
file descriptor 3 and writes replies and events on descriptor 4, each message
a JSON object ended by a NUL byte: no websocket, no browser-automation package.
`Browser` opens one page (a "target") at a fixed 1280 px viewport and offers
the few calls the tests need: navigate, evaluate, mouse and touch input, and
screenshots.

The browser tests skip when no Chromium is installed, unless
SCRATCHNN_REQUIRE_BROWSER=1 (as CI sets it), which turns the skip into a failure.
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import shutil
import subprocess
import tempfile
import threading
import time
from typing import Any

import pytest

FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--disable-dev-shm-usage",
    "--no-first-run",
    "--no-default-browser-check",
    "--mute-audio",
    "--hide-scrollbars",
    "--remote-debugging-pipe",
)


def chromium_path() -> str | None:
    """$SCRATCHNN_CHROMIUM, else the first of chromium / chromium-browser / google-chrome on PATH."""
    explicit = os.environ.get("SCRATCHNN_CHROMIUM")
    if explicit:
        return explicit
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(name)
        if found:
            return found
    return None


def require_chromium() -> str:
    """The Chromium executable; skips the test without one (fails instead under SCRATCHNN_REQUIRE_BROWSER=1)."""
    path = chromium_path()
    if path is None:
        reason = (
            "Chromium is not installed (apt-get install chromium, or set SCRATCHNN_CHROMIUM): "
            "the browser tests cannot run"
        )
        if os.environ.get("SCRATCHNN_REQUIRE_BROWSER") == "1":
            pytest.fail(reason + "; SCRATCHNN_REQUIRE_BROWSER=1 requires them")
        pytest.skip(reason)
    return path


class ProtocolError(RuntimeError):
    pass


class Browser:
    """One headless Chromium with one page, at `width` x `height` CSS pixels."""

    def __init__(self, executable: str, width: int = 1280, height: int = 900, timeout: float = 30.0) -> None:
        self.timeout = timeout
        self._profile = tempfile.mkdtemp(prefix="scratchnn-chromium-")
        # to_browser: we write, Chromium reads on fd 3; from_browser: Chromium writes on fd 4.
        to_read, self._to_write = os.pipe()
        self._from_read, from_write = os.pipe()

        def wire_descriptors() -> None:  # runs in the child between fork and exec
            # Copies above 10 first, so that a pipe end that already is 3 or 4 is not overwritten.
            high_read, high_write = (
                fcntl.fcntl(to_read, fcntl.F_DUPFD, 10),
                fcntl.fcntl(from_write, fcntl.F_DUPFD, 10),
            )
            os.dup2(high_read, 3)
            os.dup2(high_write, 4)

        self.process = subprocess.Popen(
            [
                executable,
                *FLAGS,
                f"--user-data-dir={self._profile}",
                f"--window-size={width},{height}",
                "about:blank",
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            preexec_fn=wire_descriptors,
            pass_fds=(3, 4),  # kept open after the dup2 above
        )
        os.close(to_read)
        os.close(from_write)
        self._next_id = 0
        self._replies: dict[int, dict[str, Any]] = {}
        self.events: list[dict[str, Any]] = []
        self._lock = threading.Condition()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.session = self.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Page", "Runtime"):
            self.call(f"{domain}.enable", session=True)
        self.call(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
            session=True,
        )

    # -- the protocol --------------------------------------------------------------------
    def _read(self) -> None:
        buffer = b""
        while True:
            try:
                chunk = os.read(self._from_read, 1 << 16)
            except OSError:
                chunk = b""
            if not chunk:
                with self._lock:
                    self._lock.notify_all()
                return
            buffer += chunk
            while b"\0" in buffer:
                raw, buffer = buffer.split(b"\0", 1)
                message = json.loads(raw)
                with self._lock:
                    if "id" in message:
                        self._replies[message["id"]] = message
                    else:
                        self.events.append(message)
                    self._lock.notify_all()

    def call(
        self, method: str, params: dict[str, Any] | None = None, session: bool = False
    ) -> dict[str, Any]:
        """Sends one command (to the page when `session`) and returns its result."""
        with self._lock:
            self._next_id += 1
            message_id = self._next_id
        message: dict[str, Any] = {"id": message_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = self.session
        os.write(self._to_write, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + self.timeout
        with self._lock:
            while message_id not in self._replies:
                left = deadline - time.monotonic()
                if left <= 0 or self.process.poll() is not None:
                    raise ProtocolError(f"no reply to {method} within {self.timeout} s")
                self._lock.wait(left)
            reply = self._replies.pop(message_id)
        if "error" in reply:
            raise ProtocolError(f"{method}: {reply['error']}")
        return reply.get("result", {})

    def wait_event(self, method: str, since: int = 0) -> dict[str, Any]:
        deadline = time.monotonic() + self.timeout
        with self._lock:
            while True:
                for event in self.events[since:]:
                    if event.get("method") == method:
                        return event
                left = deadline - time.monotonic()
                if left <= 0:
                    raise ProtocolError(f"no {method} event within {self.timeout} s")
                self._lock.wait(left)

    # -- what the tests use --------------------------------------------------------------
    def goto(self, url: str) -> None:
        """Navigates the page and waits for its load event."""
        with self._lock:
            since = len(self.events)
        self.call("Page.navigate", {"url": url}, session=True)
        self.wait_event("Page.loadEventFired", since)

    def evaluate(self, expression: str) -> Any:
        """The value of a JavaScript expression (promises awaited)."""
        result = self.call(
            "Runtime.evaluate",
            {"expression": expression, "returnByValue": True, "awaitPromise": True},
            session=True,
        )
        if "exceptionDetails" in result:
            raise ProtocolError(f"JavaScript error: {result['exceptionDetails']}")
        return result["result"].get("value")

    def wait_for(self, expression: str, timeout: float = 15.0) -> Any:
        """Polls a JavaScript expression until it is truthy; returns its value."""
        deadline = time.monotonic() + timeout
        while True:
            value = self.evaluate(expression)
            if value:
                return value
            if time.monotonic() > deadline:
                raise ProtocolError(f"timed out waiting for {expression}")
            time.sleep(0.05)

    def mouse(self, kind: str, x: float, y: float, buttons: int = 1) -> None:
        """One mouse event: kind is mousePressed, mouseMoved or mouseReleased."""
        params = {"type": kind, "x": x, "y": y, "button": "left", "buttons": buttons, "clickCount": 1}
        if kind == "mouseMoved":
            params.pop("clickCount")
        self.call("Input.dispatchMouseEvent", params, session=True)

    def drag(self, points: list[tuple[float, float]]) -> None:
        """Presses the left button at the first point, moves through the rest, releases at the last."""
        self.mouse("mousePressed", *points[0])
        for x, y in points[1:]:
            self.mouse("mouseMoved", x, y)
        self.mouse("mouseReleased", *points[-1], buttons=0)

    def touch(self, points: list[tuple[float, float]]) -> None:
        """One finger: touchStart at the first point, touchMove through the rest, touchEnd."""
        self.call(
            "Input.dispatchTouchEvent",
            {"type": "touchStart", "touchPoints": [{"x": points[0][0], "y": points[0][1]}]},
            session=True,
        )
        for x, y in points[1:]:
            self.call(
                "Input.dispatchTouchEvent",
                {"type": "touchMove", "touchPoints": [{"x": x, "y": y}]},
                session=True,
            )
        self.call("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []}, session=True)

    def screenshot(self, path: str, full_page: bool = True) -> str:
        """Writes a PNG of the page (the whole page when `full_page`) and returns the path."""
        params: dict[str, Any] = {"format": "png"}
        if full_page:
            size = self.call("Page.getLayoutMetrics", session=True)["cssContentSize"]
            params["clip"] = {"x": 0, "y": 0, "width": size["width"], "height": size["height"], "scale": 1}
            params["captureBeyondViewport"] = True
        data = self.call("Page.captureScreenshot", params, session=True)["data"]
        with open(path, "wb") as f:
            f.write(base64.b64decode(data))
        return path

    def close(self) -> None:
        try:
            self.call("Browser.close")
        except (ProtocolError, OSError):
            pass
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        for fd in (self._to_write, self._from_read):
            try:
                os.close(fd)
            except OSError:
                pass
        shutil.rmtree(self._profile, ignore_errors=True)


# The checks every rendered page must pass: images decoded, nothing wider than the window.
LAYOUT_PROBLEMS = """(() => {
  const problems = [];
  for (const img of document.images) {
    if (!img.complete || img.naturalWidth === 0) problems.push("broken image: " + (img.alt || img.src.slice(0, 60)));
  }
  const width = document.documentElement.clientWidth;
  if (document.documentElement.scrollWidth > width) {
    problems.push("page scrolls sideways: " + document.documentElement.scrollWidth + " > " + width);
  }
  const scrolls = (el) => { for (let p = el.parentElement; p; p = p.parentElement) {
      const s = getComputedStyle(p).overflowX; if (s === "auto" || s === "scroll") return true; } return false; };
  for (const el of document.body.querySelectorAll("*")) {
    const box = el.getBoundingClientRect();
    if (box.width > 0 && (box.right > width + 0.5 || box.left < -0.5) && !scrolls(el)) {
      problems.push("overflows the window: <" + el.tagName.toLowerCase() + "> " + Math.round(box.left) + ".."
                    + Math.round(box.right));
    }
  }
  return problems;
})()"""
