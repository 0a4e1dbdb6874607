"""The HTTP server of `scratchnn serve`: the drawing page at `/`, `POST /predict`, `GET /info`.

The standard library's `ThreadingHTTPServer` is enough for a local tool: one
process, one model, a request at a time through the model. Every request that
cannot be served gets a 4xx JSON answer `{"error": message}`; an unexpected
failure gets a 500 with its message, and the server keeps running.
"""

from __future__ import annotations

import json
import sys
import traceback
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from scratchnn.apps.serve.page import render_page
from scratchnn.apps.serve.predictor import BadRequest, Predictor

# The largest body accepted: a phone photo is a few MB, a 28x28 JSON array a few KB.
MAX_BODY_BYTES = 8 * 1024 * 1024


class Handler(BaseHTTPRequestHandler):
    """Routes `/`, `/info` and `/predict`; the server object carries the predictor and the page."""

    server: PredictionServer
    server_version = "scratchnn-serve"

    # -- answers -------------------------------------------------------------------------
    def _send(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _json(self, status: int, data: Any) -> None:
        self._send(status, json.dumps(data).encode("utf-8"), "application/json")

    def _error(self, status: int, message: str) -> None:
        self._json(status, {"error": message, "status": status})

    # -- routes --------------------------------------------------------------------------
    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        path = urlsplit(self.path).path
        if path in ("/", "/index.html"):
            self._send(HTTPStatus.OK, self.server.page, "text/html; charset=utf-8")
        elif path == "/info":
            self._json(HTTPStatus.OK, self.server.info)
        elif path == "/predict":
            self._error(HTTPStatus.METHOD_NOT_ALLOWED, "POST an image or a JSON 28x28 array to /predict")
        else:
            self._error(HTTPStatus.NOT_FOUND, f"no such page: {path} (the drawing page is at /)")

    do_HEAD = do_GET

    def do_POST(self) -> None:  # noqa: N802
        url = urlsplit(self.path)
        if url.path != "/predict":
            self._error(HTTPStatus.NOT_FOUND, f"no such endpoint: POST {url.path} (use POST /predict)")
            return
        try:
            body = self._read_body()
            top = self._top(parse_qs(url.query))
            answer = self.server.predictor.predict(body, self.headers.get("Content-Type", ""), top)
        except BadRequest as err:
            self._error(err.status, str(err))
            return
        except Exception as err:  # a bug must not take the server down: answer 500 and log it
            traceback.print_exc(file=sys.stderr)
            self._error(HTTPStatus.INTERNAL_SERVER_ERROR, f"{type(err).__name__}: {err}")
            return
        self._json(HTTPStatus.OK, answer)

    def do_PUT(self) -> None:  # noqa: N802
        self._error(HTTPStatus.METHOD_NOT_ALLOWED, "only GET / and POST /predict are served")

    do_DELETE = do_PATCH = do_PUT

    # -- request parsing -----------------------------------------------------------------
    def _read_body(self) -> bytes:
        length = self.headers.get("Content-Length")
        if length is None:
            raise BadRequest("a Content-Length header is required", HTTPStatus.LENGTH_REQUIRED)
        try:
            size = int(length)
        except ValueError:
            raise BadRequest(f"bad Content-Length: {length!r}") from None
        if size < 0:
            raise BadRequest(f"bad Content-Length: {length!r}")
        if size > MAX_BODY_BYTES:
            # Not read: closing the connection is cheaper than draining a huge body.
            self.close_connection = True
            raise BadRequest(
                f"the body is {size:,} bytes; at most {MAX_BODY_BYTES:,} are accepted",
                HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
            )
        if size == 0:
            raise BadRequest("the body is empty: POST a PNG/JPEG image or a JSON 28x28 array")
        return self.rfile.read(size)

    @staticmethod
    def _top(query: dict[str, list[str]]) -> int | None:
        if "top" not in query:
            return None
        try:
            return int(query["top"][0])
        except ValueError:
            raise BadRequest(f"top must be a positive integer. Received: top={query['top'][0]!r}") from None

    def log_message(self, format: str, *args: Any) -> None:
        if self.server.verbose:
            sys.stderr.write(f"{self.address_string()} - {format % args}\n")


class PredictionServer(ThreadingHTTPServer):
    """A threading HTTP server holding one `Predictor` and the page that talks to it.

    Args:
        address: `(host, port)`; port 0 picks a free one (`server_address` tells which).
        predictor: the model's `Predictor`.
        title: what the page calls the model (its name or path).
        verbose: log each request to stderr. Defaults to False.
    """

    daemon_threads = True

    def __init__(
        self, address: tuple[str, int], predictor: Predictor, title: str, verbose: bool = False
    ) -> None:
        super().__init__(address, Handler)
        self.predictor = predictor
        self.verbose = verbose
        self.info = {
            "model": title,
            "dataset": predictor.dataset,
            "classes": list(predictor.class_names),
            "top": predictor.top,
        }
        self.page = render_page(title, predictor.dataset, predictor.class_names, predictor.top).encode(
            "utf-8"
        )

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        shown = f"[{host}]" if ":" in str(host) else host
        return f"http://{shown}:{port}/"
