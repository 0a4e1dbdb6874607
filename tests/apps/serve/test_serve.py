"""`scratchnn serve`: POST /predict for scripts, 4xx for bad requests (never a crash), and the drawing page
driven in headless Chromium with mouse and touch strokes."""

import base64
import io
import json
import math
import os
import signal
import socket
import subprocess
import sys
import threading
import urllib.request
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from scratchnn import keras
from scratchnn.apps.cli.__main__ import build_parser
from scratchnn.apps.serve import MAX_BODY_BYTES, BadRequest, PredictionServer, Predictor
from scratchnn.datasets import mnist
from tests.cdp import LAYOUT_PROBLEMS, Browser, require_chromium
from tests.data_env import data_dir

REPO = Path(__file__).resolve().parents[3]
DIGITS = tuple(str(i) for i in range(10))


@pytest.fixture(scope="module")
def mnist_data():
    os.environ["SCRATCHNN_DATA"] = data_dir()
    (x_train, y_train), (x_test, y_test) = mnist.load_data()
    return x_train[:10000], y_train[:10000], x_test[:200], y_test[:200]


@pytest.fixture(scope="module")
def model_path(mnist_data, tmp_path_factory):
    """A dense MNIST model trained for a few seconds (about 95% on the test images), saved as .keras."""
    x_train, y_train, _, _ = mnist_data
    keras.utils.set_random_seed(1)
    model = keras.Sequential(
        [
            keras.Input(shape=(28, 28)),
            keras.layers.Flatten(),
            keras.layers.Dense(128, activation="relu"),
            keras.layers.Dense(10, activation="softmax"),
        ]
    )
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x_train / 255.0, y_train, epochs=3, batch_size=64, verbose=0)
    path = tmp_path_factory.mktemp("serve") / "digits.keras"
    model.save(str(path))
    return path


@pytest.fixture(scope="module")
def server(model_path):
    model = keras.models.load_model(str(model_path))
    srv = PredictionServer(("127.0.0.1", 0), Predictor(model, DIGITS, "mnist"), "digits.keras")
    thread = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield srv
    srv.shutdown()
    srv.server_close()
    thread.join()


def post(url, body, content_type="image/png", headers=None):
    request = urllib.request.Request(
        url, data=body, method="POST", headers={"Content-Type": content_type, **(headers or {})}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


def png_of_digit(image28, size=(90, 110), fmt="PNG"):
    """An MNIST digit as a photo-like image: dark ink on white, resized."""
    buffer = io.BytesIO()
    Image.fromarray((255 - image28).astype(np.uint8)).resize(size, Image.Resampling.BILINEAR).convert(
        "RGB" if fmt == "JPEG" else "L"
    ).save(buffer, format=fmt)
    return buffer.getvalue()


# -- POST /predict -----------------------------------------------------------------------
def test_json_arrays_are_classified(server, mnist_data):
    _, _, x_test, y_test = mnist_data
    url = server.url + "predict"
    right = 0
    for i in range(20):
        status, answer = post(url, json.dumps(x_test[i].tolist()).encode(), "application/json")
        assert status == 200 and len(answer["top"]) == 3
        probabilities = [t["probability"] for t in answer["top"]]
        assert probabilities == sorted(probabilities, reverse=True) and 0 < sum(probabilities) <= 1 + 1e-6
        right += answer["prediction"]["class"] == y_test[i]
    assert right >= 18
    # 0-255 and 0-1, nested or flat, bare or under "image": the same answer.
    scaled = (x_test[0] / 255.0).ravel().tolist()
    for body in (json.dumps({"image": x_test[0].tolist()}), json.dumps(scaled)):
        status, answer = post(url + "?top=5", body.encode(), "application/json")
        assert status == 200 and answer["prediction"]["class"] == y_test[0] and len(answer["top"]) == 5


def test_png_and_jpeg_images_are_prepared_like_mnist(server, mnist_data):
    _, _, x_test, y_test = mnist_data
    for fmt in ("PNG", "JPEG"):
        right = 0
        for i in range(12):
            status, answer = post(
                server.url + "predict", png_of_digit(x_test[i], fmt=fmt), f"image/{fmt.lower()}"
            )
            assert status == 200 and answer["input"].startswith("data:image/png;base64,")
            right += answer["prediction"]["class"] == y_test[i]
        assert right >= 11, fmt


@pytest.mark.parametrize(
    "body, content_type, status, message",
    [
        (b"certainly not a picture", "image/png", 400, "not a readable PNG or JPEG image"),
        (b"{not json", "application/json", 400, "not valid JSON"),
        (b"[[1, 2], [3, 4]]", "application/json", 400, "28x28"),
        (json.dumps({"pixels": []}).encode(), "application/json", 400, '"image" key'),
        (json.dumps([["a"] * 28] * 28).encode(), "application/json", 400, "28x28 array of numbers"),
        (json.dumps([[-5.0] * 28] * 28).encode(), "application/json", 400, "[0, 1] or [0, 255]"),
        (b"hello", "text/plain", 415, "unsupported Content-Type"),
        (b"", "image/png", 400, "the body is empty"),
    ],
)
def test_bad_requests_get_4xx_with_a_message(server, body, content_type, status, message):
    got, answer = post(server.url + "predict", body, content_type)
    assert got == status and message in answer["error"]
    assert post(server.url + "predict", json.dumps([[0.0] * 28] * 28).encode(), "application/json")[0] == 200


def test_a_blank_drawing_is_a_400(server):
    blank = io.BytesIO()
    Image.new("L", (280, 280), 255).save(blank, format="PNG")
    status, answer = post(server.url + "predict", blank.getvalue())
    assert status == 400 and "blank" in answer["error"]


def raw_request(server, data: bytes) -> tuple[int, dict]:
    host, port = server.server_address[:2]
    with socket.create_connection((host, port), timeout=10) as sock:
        sock.sendall(data)
        reply = b""
        while chunk := sock.recv(65536):
            reply += chunk
    head, body = reply.split(b"\r\n\r\n", 1)
    return int(head.split()[1]), json.loads(body)


def test_too_large_missing_length_wrong_routes_and_bad_top(server):
    headers = f"Host: x\r\nContent-Type: image/png\r\nContent-Length: {MAX_BODY_BYTES + 1}\r\n\r\n"
    huge = "POST /predict HTTP/1.1\r\n" + headers
    status, answer = raw_request(server, huge.encode() + b"x" * 1000)
    assert status == 413 and "at most" in answer["error"]
    status, answer = raw_request(server, b"POST /predict HTTP/1.0\r\nContent-Type: image/png\r\n\r\n")
    assert status == 411
    assert post(server.url + "elsewhere", b"x")[0] == 404
    assert post(server.url + "predict?top=many", b"x")[0] == 400
    for path, code in (("predict", 405), ("nothing", 404)):
        with pytest.raises(urllib.error.HTTPError) as info:
            urllib.request.urlopen(server.url + path, timeout=10)
        assert info.value.code == code and "error" in json.loads(info.value.read())


def test_an_unexpected_failure_is_a_500_and_the_server_keeps_serving(server, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("the model fell over")

    monkeypatch.setattr(server.predictor, "predict", broken)
    status, answer = post(server.url + "predict", b"[]", "application/json")
    assert status == 500 and "the model fell over" in answer["error"]
    monkeypatch.undo()
    assert post(server.url + "predict", json.dumps([[0.0] * 28] * 28).encode(), "application/json")[0] == 200


def test_predictor_rejects_a_bad_top():
    predictor = Predictor(
        keras.Sequential([keras.Input((28, 28)), keras.layers.Flatten(), keras.layers.Dense(10)]), DIGITS
    )
    with pytest.raises(BadRequest, match="top must be a positive integer"):
        predictor.predict(json.dumps([[0.0] * 28] * 28).encode(), "application/json", top=0)


def test_the_page_and_info(server):
    with urllib.request.urlopen(server.url, timeout=10) as response:
        page = response.read().decode()
        assert response.headers["Content-Type"].startswith("text/html")
    assert '<canvas id="pad"' in page and "Draw a digit" in page and "touch-action: none" in page
    with urllib.request.urlopen(server.url + "info", timeout=10) as response:
        info = json.loads(response.read())
    assert info["classes"] == list(DIGITS) and info["dataset"] == "mnist"


# -- the command -------------------------------------------------------------------------
def test_serve_binds_localhost_unless_told_otherwise():
    args = build_parser().parse_args(["serve", "model.keras"])
    assert args.host == "127.0.0.1" and args.port == 8000


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM])
def test_serve_command_starts_answers_and_stops_on_a_signal(model_path, tmp_path, stop):
    env = {**os.environ, "PYTHONPATH": str(REPO), "SCRATCHNN_DATA": data_dir()}
    process = subprocess.Popen(
        [sys.executable, "-m", "scratchnn", "serve", str(model_path), "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=tmp_path,
        # As a shell starts `scratchnn serve ... &`: SIGINT ignored. The server must still stop on it.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN),
    )
    try:
        line = process.stdout.readline()
        assert line.startswith(f"serving {model_path} at http://127.0.0.1:"), line + process.stderr.read()
        url = line.split(" at ")[1].split()[0]
        with urllib.request.urlopen(url + "info", timeout=10) as response:
            assert json.loads(response.read())["dataset"] == "mnist"
    finally:
        process.send_signal(stop)
        out, err = process.communicate(timeout=20)
    assert process.returncode == 0, err
    assert "stopped" in out and "Traceback" not in err


def test_serve_refuses_a_taken_port(model_path, capsys):
    from scratchnn.apps.cli.__main__ import main

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        assert main(["serve", str(model_path), "--port", str(sock.getsockname()[1])]) == 1
    assert "cannot listen on 127.0.0.1" in capsys.readouterr().err


# -- the page in a browser ------------------------------------------------------------------
@pytest.fixture(scope="module")
def browser():
    chromium = require_chromium()
    b = Browser(chromium, width=1280, height=900)
    yield b
    b.close()


def pad_box(browser):
    return browser.evaluate(
        "(() => { const r = document.getElementById('pad').getBoundingClientRect(); "
        "return [r.left, r.top, r.width, r.height]; })()"
    )


def shown(browser):
    return browser.evaluate(
        "({name: document.getElementById('top-name').textContent,"
        " answers: Number(document.body.dataset.answers),"
        " rows: [...document.querySelectorAll('#top li')]"
        "   .map(li => [li.dataset.name, Number(li.dataset.probability)])})"
    )


def canvas_png(browser) -> bytes:
    return base64.b64decode(
        browser.evaluate("document.getElementById('pad').toDataURL('image/png')").split(",")[1]
    )


def test_drawing_a_one_with_the_mouse_shows_one_as_it_is_drawn(browser, server, tmp_path):
    browser.goto(server.url)
    assert browser.evaluate(LAYOUT_PROBLEMS) == []
    x0, y0, w, h = pad_box(browser)
    points = [(x0 + 0.52 * w, y0 + (0.12 + 0.76 * i / 24) * h) for i in range(25)]
    browser.mouse("mousePressed", *points[0])
    for x, y in points[1:13]:
        browser.mouse("mouseMoved", x, y)
    # Answers arrive while the button is still down: the prediction updates as the person draws.
    assert browser.wait_for("Number(document.body.dataset.answers) >= 1")
    for x, y in points[13:]:
        browser.mouse("mouseMoved", x, y)
    browser.mouse("mouseReleased", *points[-1], buttons=0)
    final = wait_settled(browser)
    assert final["name"] == "1" and len(final["rows"]) == 3
    # What the page shows is the server's answer for exactly that canvas.
    status, answer = post(server.url + "predict", canvas_png(browser))
    assert status == 200 and answer["prediction"]["name"] == "1"
    assert final["rows"][0][1] == pytest.approx(answer["prediction"]["probability"], abs=1e-6)
    browser.screenshot(screenshot_path(tmp_path, "serve_mouse.png"))


def wait_settled(browser):
    """The shown answer once no request is out (the page answers the final canvas last)."""
    previous = None
    for _ in range(200):
        current = shown(browser)
        idle = browser.evaluate("document.body.dataset.busy !== '1'")
        if idle and current == previous and current["answers"]:
            return current
        previous = current
        browser.evaluate("new Promise(r => setTimeout(r, 150))")
    return previous


def test_drawing_a_zero_with_a_finger(browser, server, tmp_path):
    browser.goto(server.url)
    x0, y0, w, h = pad_box(browser)
    ring = [
        (
            x0 + w * (0.5 + 0.26 * math.sin(t / 40 * 2 * math.pi)),
            y0 + h * (0.5 - 0.34 * math.cos(t / 40 * 2 * math.pi)),
        )
        for t in range(41)
    ]
    browser.touch(ring)
    final = wait_settled(browser)
    assert final["name"] == "0" and final["rows"][0][0] == "0"
    browser.screenshot(screenshot_path(tmp_path, "serve_touch.png"))
    browser.evaluate("document.getElementById('clear').click()")
    assert shown(browser)["name"] == "" and shown(browser)["rows"] == []


def screenshot_path(tmp_path, name):
    folder = Path(os.environ.get("SCRATCHNN_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return str(folder / name)


def test_a_fashion_model_asks_for_a_clothing_item_and_fits_it_to_28x28():
    from scratchnn.apps.serve.page import render_page
    from scratchnn.datasets import fashion_mnist

    names = tuple(fashion_mnist.CLASS_NAMES)
    page = render_page("clothes.keras", "fashion_mnist", names)
    assert "Draw a clothing item" in page and "Ankle boot" in page
    model = keras.Sequential([keras.Input((28, 28)), keras.layers.Flatten(), keras.layers.Dense(10)])
    predictor = Predictor(model, names, "fashion_mnist")
    drawing = np.full((200, 100), 255, np.uint8)
    drawing[20:180, 30:70] = 0  # a tall dark bar on white: a trouser, say
    buffer = io.BytesIO()
    Image.fromarray(drawing).save(buffer, format="PNG")
    image, from_file = predictor.prepare(buffer.getvalue(), "image/png")
    assert from_file and image.shape == (28, 28)
    rows = np.flatnonzero(image.max(axis=1) > 0.5)
    assert rows[0] == 0 and rows[-1] == 27  # Fashion-MNIST's items fill the frame's height
