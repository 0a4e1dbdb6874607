"""What `scratchnn serve` does with one request body: decode it, prepare it as the data set was, classify it.

Two kinds of body are accepted:

- an image (PNG or JPEG, any size): prepared as `scratchnn predict` prepares
  files (`cli.digit_image`: MNIST's 20x20 fit and centring by mass, or
  Fashion-MNIST's 28x28 fit);
- JSON, for scripts: a 28x28 array of numbers (`[[...], ...]`, or 784
  numbers flat, or `{"image": ...}`), already in the data set's layout
  (white on black), in [0, 1] or [0, 255]; it is used as it is.
"""

from __future__ import annotations

import json
import threading
from typing import Any

import numpy as np

from scratchnn.apps.cli.digit_image import STYLES, decode_image, mnist_style
from scratchnn.apps.reports.html import png_uri
from scratchnn.apps.reports.png import gray_png


class BadRequest(ValueError):
    """A request the server refuses, with the HTTP status (4xx) to answer and a message for the user."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


def array_from_json(body: bytes) -> np.ndarray:
    """The float32 `(28, 28)` image in [0, 1] of a JSON body; BadRequest says what is wrong."""
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as err:
        raise BadRequest(f"the body is not valid JSON: {err}") from None
    if isinstance(data, dict):
        if "image" not in data:
            raise BadRequest(f'a JSON object body needs an "image" key. Received keys: {sorted(data)}')
        data = data["image"]
    try:
        array = np.asarray(data, dtype=np.float64)
    except (TypeError, ValueError):
        raise BadRequest("the JSON image must be a 28x28 array of numbers (or 784 numbers)") from None
    if array.shape == (784,):
        array = array.reshape(28, 28)
    if array.shape != (28, 28):
        raise BadRequest(
            f"the JSON image must be a 28x28 array of numbers (or 784 numbers). Received: shape {array.shape}"
        )
    if not np.isfinite(array).all() or array.min() < 0 or array.max() > 255:
        raise BadRequest("the JSON image's values must be finite numbers in [0, 1] or [0, 255]")
    # [0, 255] (a max above 1) -> [0, 1]
    return (array / 255.0 if array.max() > 1.0 else array).astype(np.float32)


class Predictor:
    """Classifies request bodies with one model; safe to call from the server's threads.

    Args:
        model: a loaded scratchnn model taking 28x28 images (any reshape of 784 values).
        class_names: the display name of each class.
        dataset: `"mnist"` or `"fashion_mnist"`: how images are prepared.
        top: how many classes an answer lists by default. Defaults to 3.
    """

    def __init__(
        self, model: Any, class_names: tuple[str, ...], dataset: str = "mnist", top: int = 3
    ) -> None:
        self.model = model
        self.class_names = tuple(class_names)
        self.dataset = dataset
        self.top = top
        self._style = STYLES.get(dataset, mnist_style)
        # The model's forward pass keeps per-layer caches: one request at a time.
        self._lock = threading.Lock()

    def prepare(self, body: bytes, content_type: str) -> tuple[np.ndarray, bool]:
        """The `(28, 28)` input for a body, and whether it came from an image (vs JSON)."""
        kind = content_type.split(";")[0].strip().lower()
        if kind == "application/json" or (not kind and body[:1] in (b"[", b"{")):
            return array_from_json(body), False
        if kind in ("image/png", "image/jpeg", "image/jpg", "application/octet-stream", ""):
            try:
                gray = decode_image(body)
                return self._style(gray), True
            except ValueError as err:
                raise BadRequest(str(err)) from None
        raise BadRequest(
            f"unsupported Content-Type {content_type!r}: send image/png, image/jpeg or application/json", 415
        )

    def predict(self, body: bytes, content_type: str, top: int | None = None) -> dict[str, Any]:
        """The JSON-ready answer for one body: the top classes with their probabilities.

        Returns:
            `{"prediction": {"class", "name", "probability"}, "top": [...], "input": data URI
            of the 28x28 image the model saw (image bodies only)}`.

        Raises:
            BadRequest: the body cannot be read, or `top` is not a positive integer.
        """
        top = self.top if top is None else top
        if top <= 0:
            raise BadRequest(f"top must be a positive integer. Received: top={top}")
        image, from_file = self.prepare(body, content_type)
        with self._lock:
            x = image.reshape((1, *self._input_shape()))
            probabilities = np.asarray(self.model.predict(x, verbose=0), dtype=np.float64)[0]
        order = np.argsort(-probabilities, kind="stable")[:top]
        ranked = [
            {"class": int(i), "name": self._name(int(i)), "probability": float(probabilities[i])}
            for i in order
        ]
        answer: dict[str, Any] = {"prediction": ranked[0], "top": ranked}
        if from_file:
            answer["input"] = png_uri(gray_png(image))
        return answer

    def _name(self, index: int) -> str:
        return self.class_names[index] if index < len(self.class_names) else str(index)

    def _input_shape(self) -> tuple[int, ...]:
        expected = getattr(self.model, "_expected_input_shape", lambda: None)()
        if expected is None or any(d is None for d in expected[1:]) or int(np.prod(expected[1:])) != 784:
            return (28, 28)
        return tuple(int(d) for d in expected[1:])
