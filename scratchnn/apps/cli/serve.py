"""`scratchnn serve MODEL [--host H] [--port P]`: a page to draw digits on, and a JSON prediction endpoint.

Binds 127.0.0.1 (this machine only) unless `--host` says otherwise; Ctrl-C stops it.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading

from scratchnn.apps.cli import _common, _model_files


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "serve",
        help="a web page where you draw a digit and the model answers as you draw",
        description="Serves a page at / where you draw a digit (or a clothing item, for Fashion-MNIST "
        "models) with the mouse or a finger and see the top classes as you draw, and POST /predict, "
        "which takes a PNG/JPEG image or a JSON 28x28 array and answers JSON. Binds 127.0.0.1 (this "
        "machine only) unless --host says otherwise; Ctrl-C stops it.",
    )
    _model_files.add_model_argument(parser)
    parser.add_argument(
        "--host", default="127.0.0.1", help="address to bind (default 127.0.0.1: this machine)"
    )
    parser.add_argument("--port", type=int, default=8000, help="port (default 8000; 0 picks a free one)")
    parser.add_argument("--top", type=int, default=3, help="classes to show (default 3)")
    parser.add_argument("--verbose", action="store_true", help="log every request to stderr")
    _model_files.add_dataset_option(parser)
    parser.set_defaults(func=run)


def _raise_interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _stop_on_signals() -> None:
    """Ctrl-C (SIGINT) and SIGTERM both stop the server cleanly.

    A shell starts background commands with SIGINT ignored; Python's own
    handler is put back so that `kill -INT` stops a server started with `&` too.
    """
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGTERM, _raise_interrupt)


@_common.command("serve")
def run(args: argparse.Namespace) -> int:
    from scratchnn.apps import recipes
    from scratchnn.apps.cli.digit_image import _pil
    from scratchnn.apps.serve import PredictionServer, Predictor

    if not 0 <= args.port <= 65535:
        raise _common.CliError(f"--port must be between 0 and 65535. Received: --port {args.port}", 2)
    _common.positive(args.top, "--top")
    _pil()  # the drawing page sends PNGs: fail now, naming the extra, rather than on the first stroke
    model = _model_files.load_model(args.model)
    dataset = _model_files.dataset_for(args.model, args.dataset)
    names = recipes.class_names(dataset)
    predictor = Predictor(model, names, dataset, top=min(args.top, len(names)))
    title = os.path.normpath(args.model)
    try:
        server = PredictionServer((args.host, args.port), predictor, title, verbose=args.verbose)
    except OSError as err:
        raise _common.CliError(
            f"cannot listen on {args.host}:{args.port} ({err.strerror or err}); pick another --port"
        ) from None
    _stop_on_signals()
    print(f"serving {title} at {server.url}  (open it in a browser; Ctrl-C stops)", flush=True)
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        print(f"note: --host {args.host} makes the page reachable from other machines", file=sys.stderr)
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        print("stopped")
    finally:
        server.server_close()
    return 0
