"""The report's test-image galleries (mistakes first) and its confusion-matrix table, in plain HTML.

Each image is its own small PNG, shown at 3x with crisp pixels, captioned in
HTML text (readable at any zoom, searchable, and drawn without matplotlib).
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

import numpy as np

from scratchnn.apps.reports.html import png_uri
from scratchnn.apps.reports.png import gray_png


def confident_mistakes(y_true: Any, probabilities: Any, limit: int = 30) -> np.ndarray:
    """Indices of the misclassified samples, the most confident mistake first.

    Args:
        y_true: `(N,)` true class indices.
        probabilities: `(N, K)` predicted class probabilities.
        limit: at most this many. Defaults to 30.

    Returns:
        `(M,)` int indices, M <= limit, sorted by the predicted class's
        probability, largest first (ties by index).
    """
    probabilities = np.asarray(probabilities)
    predicted = np.argmax(probabilities, axis=-1)
    wrong = np.flatnonzero(predicted != np.asarray(y_true))
    confidence = probabilities[wrong, predicted[wrong]]
    # Stable sort on -confidence keeps equal confidences in index order.
    return wrong[np.argsort(-confidence, kind="stable")][:limit]


def correct_sample(y_true: Any, probabilities: Any, limit: int = 20, seed: int = 0) -> np.ndarray:
    """A random sample (fixed by `seed`) of the correctly classified samples, in index order."""
    predicted = np.argmax(np.asarray(probabilities), axis=-1)
    right = np.flatnonzero(predicted == np.asarray(y_true))
    if len(right) > limit:
        right = np.sort(np.random.default_rng(seed).choice(right, size=limit, replace=False))
    return right


def gallery(
    images: Any, indices: Sequence[int], y_true: Any, probabilities: Any, class_names: Sequence[str]
) -> str:
    """A wrapping row of captioned cards: the image, "predicted NAME  P%", and "true NAME".

    Args:
        images: `(N, 28, 28)`-like grayscale test images in [0, 1] (white on black, as MNIST).
        indices: which images to show, in order.
        y_true: `(N,)` true class indices.
        probabilities: `(N, K)` predicted probabilities.
        class_names: display name of each class.

    Returns:
        The HTML of the gallery (an empty-state sentence when `indices` is empty).
    """
    if len(indices) == 0:
        return '<p class="muted">None.</p>'
    images, probabilities, y_true = np.asarray(images), np.asarray(probabilities), np.asarray(y_true)
    side = int(round(np.sqrt(images[0].size)))
    cards = []
    for i in indices:
        predicted = int(np.argmax(probabilities[i]))
        truth = int(y_true[i])
        pixels = images[i].reshape(side, side)
        wrong = predicted != truth
        caption_true = f'<div class="true">true {html.escape(str(class_names[truth]))}</div>' if wrong else ""
        label = f"test image {int(i)}: predicted {class_names[predicted]}, true {class_names[truth]}"
        cards.append(
            f'<figure class="card{" wrong" if wrong else ""}" style="margin:0" title="{html.escape(label)}">'
            f'<img src="{png_uri(gray_png(pixels, invert=True))}" alt="{html.escape(label)}">'
            f'<div class="pred">{html.escape(str(class_names[predicted]))} '
            f"{100 * probabilities[i, predicted]:.1f}%</div>{caption_true}"
            f'<div class="muted">#{int(i)}</div></figure>'
        )
    return f'<div class="gallery">{"".join(cards)}</div>'


def confusion_table(cm: Any, class_names: Sequence[str]) -> str:
    """The confusion matrix as an HTML table, each cell shaded by its share of the true class's row."""
    cm = np.asarray(cm)
    rows = cm.sum(axis=1, keepdims=True)
    share = cm / np.where(rows == 0, 1, rows)
    head = "".join(f"<th>{html.escape(str(n))}</th>" for n in class_names)
    body = []
    for i, name in enumerate(class_names):
        cells = []
        for j in range(len(class_names)):
            alpha = float(share[i, j])
            colour = "#fff" if alpha > 0.55 else "#222"
            style = f"background: rgba(31, 119, 180, {alpha:.3f}); color: {colour}"
            cells.append(f'<td style="{style}">{int(cm[i, j])}</td>')
        body.append(f"<tr><th>{html.escape(str(name))}</th>{''.join(cells)}</tr>")
    return (
        '<div class="scroll"><table class="cm"><thead><tr><th>true \\ predicted</th>'
        f"{head}</tr></thead><tbody>{''.join(body)}</tbody></table></div>"
    )
