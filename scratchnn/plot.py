"""Plots of a training run: learning curves, confusion matrix, prediction grid, LR-finder curve.

matplotlib is an optional extra (`pip install "scratchnn[plot]"`); it is
imported when a plot is drawn, with the non-interactive Agg backend, so plots
work on machines without a display. Every function returns the matplotlib
`Figure`; `save_figure` writes it as PNG and `figure_to_png` gives the bytes.

Example:

>>> from scratchnn import plot                                   # doctest: +SKIP
>>> fig = plot.plot_history(model.fit(x, y, validation_split=0.1)) # doctest: +SKIP
>>> plot.save_figure(fig, "learning_curves.png")                 # doctest: +SKIP
"""

from __future__ import annotations

import io
import os
from collections.abc import Sequence
from typing import Any

import numpy as np

PLOT_EXTRA_HINT = 'matplotlib is needed for plots: pip install "scratchnn[plot]"'


def _pyplot() -> Any:
    """`matplotlib.pyplot` on the Agg backend, or an ImportError naming the extra to install."""
    try:
        import matplotlib
    except ImportError as err:
        raise ImportError(PLOT_EXTRA_HINT) from err
    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    return plt


def _history_dict(history: Any) -> dict[str, list[float]]:
    data = getattr(history, "history", history)
    if not isinstance(data, dict):
        raise TypeError(
            "`history` must be a History (what fit() returns) or a dict of lists. "
            f"Received: history of type {type(history).__name__}"
        )
    return {str(k): [float(v) for v in values] for k, values in data.items()}


def plot_history(history: Any, title: str | None = None, figsize: tuple[float, float] = (8, 5)) -> Any:
    """Learning curves: every key of a History against the epoch, on one grid.

    The look of the tutorials' `pd.DataFrame(history.history).plot(grid=True)`
    with the y axis from 0 to 1 when every value fits there: one line per key,
    validation curves dashed in the colour of their training curve.

    Args:
        history: a `History` (what `fit()` returns) or its `.history` dict
            mapping keys to one float per epoch.
        title: optional figure title. Defaults to None.
        figsize: `(width, height)` in inches. Defaults to `(8, 5)`.

    Returns:
        The matplotlib `Figure`.

    Raises:
        TypeError: `history` is neither a History nor a dict.
        ImportError: matplotlib is not installed.
    """
    data = _history_dict(history)
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=figsize)
    train_keys = [k for k in data if not k.startswith("val_")]
    keys = train_keys + [k for k in data if k.startswith("val_") and k[4:] not in train_keys]
    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for i, key in enumerate(keys):
        colour = colours[i % len(colours)]
        epochs = np.arange(1, len(data[key]) + 1)
        ax.plot(epochs, data[key], color=colour, marker=".", label=key)
        if f"val_{key}" in data:
            ax.plot(epochs, data[f"val_{key}"], color=colour, linestyle="--", marker=".", label=f"val_{key}")
    values = [v for series in data.values() for v in series]
    if values and min(values) >= 0 and max(values) <= 1:
        ax.set_ylim(0, 1)
    ax.set_xlabel("epoch")
    from matplotlib.ticker import MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.grid(True)
    if keys:
        ax.legend()
    if title:
        ax.set_title(title)
    fig.tight_layout()
    return fig


def plot_confusion_matrix(
    cm: Any, class_names: Sequence[str] | None = None, normalize: bool = False, title: str | None = None
) -> Any:
    """A confusion matrix as a heat map with the count (or row fraction) in each cell.

    Args:
        cm: `(K, K)` counts, rows = true class, columns = predicted class
            (what `scratchnn.metrics.confusion_matrix` returns).
        class_names: K tick labels. Defaults to None (`0..K-1`).
        normalize: show each row as fractions of its true class. Defaults to False.
        title: optional title. Defaults to None.

    Returns:
        The matplotlib `Figure`.

    Raises:
        ValueError: `cm` is not square, or `class_names` has the wrong length.
        ImportError: matplotlib is not installed.
    """
    cm = np.asarray(cm)
    if cm.ndim != 2 or cm.shape[0] != cm.shape[1]:
        raise ValueError(f"`cm` must be a square (K, K) matrix. Received: cm with shape {cm.shape}")
    k = cm.shape[0]
    names = [str(i) for i in range(k)] if class_names is None else [str(n) for n in class_names]
    if len(names) != k:
        raise ValueError(f"`class_names` must have {k} entries. Received: class_names={class_names!r}")
    values = cm.astype(np.float64)
    if normalize:
        rows = values.sum(axis=1, keepdims=True)
        values = values / np.where(rows == 0, 1.0, rows)
    plt = _pyplot()
    size = max(5.0, 0.55 * k + 2)
    fig, ax = plt.subplots(figsize=(size, size))
    image = ax.imshow(values, cmap="Blues")
    fig.colorbar(image, ax=ax, fraction=0.046, pad=0.04)
    ax.set_xticks(range(k), labels=names, rotation=45, ha="right")
    ax.set_yticks(range(k), labels=names)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    # White text on dark cells, black on light ones.
    threshold = values.max() / 2 if values.size else 0
    for (i, j), value in np.ndenumerate(values):
        text = f"{value:.2f}" if normalize else str(int(cm[i, j]))
        ax.text(
            j, i, text, ha="center", va="center", fontsize=8, color="white" if value > threshold else "black"
        )
    if title:
        ax.set_title(title)
    fig.tight_layout()
    return fig


def plot_image_grid(
    images: Any,
    y_pred: Any,
    y_true: Any | None = None,
    class_names: Sequence[str] | None = None,
    n_cols: int = 10,
    max_images: int = 40,
) -> Any:
    """Images captioned with their predicted (and true) label; wrong predictions in red.

    Args:
        images: `(N, 28, 28)`, `(N, 28, 28, 1)` or `(N, 784)` grayscale images.
        y_pred: `(N,)` predicted class indices.
        y_true: `(N,)` true class indices, or None to caption predictions only.
        class_names: names indexed by class. Defaults to None (the indices).
        n_cols: images per row. Defaults to 10.
        max_images: at most this many of the first images. Defaults to 40.

    Returns:
        The matplotlib `Figure`.

    Raises:
        ValueError: images that are not square grayscale, or lengths that differ.
        ImportError: matplotlib is not installed.
    """
    images = np.asarray(images)
    n = min(len(images), max_images)
    flat = images[:n].reshape(n, -1)
    side = int(round(np.sqrt(flat.shape[1]))) if n else 0
    if n and side * side != flat.shape[1]:
        raise ValueError(
            f"`images` must be square grayscale images. Received: images with shape {images.shape}"
        )
    y_pred = np.asarray(y_pred)[:n]
    if len(y_pred) != n or (y_true is not None and len(np.asarray(y_true)) < n):
        raise ValueError(
            f"`y_pred` and `y_true` need one label per image. Received: {len(images)} images, "
            f"{len(np.asarray(y_pred))} predictions"
        )
    y_true = None if y_true is None else np.asarray(y_true)[:n]

    def name(i: Any) -> str:
        return str(class_names[int(i)]) if class_names is not None else str(int(i))

    plt = _pyplot()
    n_cols = max(1, min(n_cols, n or 1))
    n_rows = max(1, -(-n // n_cols))
    # One mosaic image on one axes (far cheaper to lay out than a subplot per image):
    # (n, side*side) -> padded tiles (n_rows, n_cols, side+gap, side+gap) -> (rows*tile, cols*tile).
    gap = max(2, side // 7)
    tile = side + gap
    tiles = np.zeros((n_rows * n_cols, tile, tile))
    tiles[:n, gap:, gap // 2 : gap // 2 + side] = flat.reshape(n, side, side)
    mosaic = (
        tiles.reshape(n_rows, n_cols, tile, tile).transpose(0, 2, 1, 3).reshape(n_rows * tile, n_cols * tile)
    )
    fig, ax = plt.subplots(figsize=(1.2 * n_cols, 1.45 * n_rows))
    fig.subplots_adjust(left=0.01, right=0.99, bottom=0.01, top=0.97 - 0.25 / n_rows)
    ax.imshow(mosaic, cmap="binary", interpolation="nearest")
    ax.axis("off")
    for index in range(n):
        row, col = divmod(index, n_cols)
        x, y = col * tile + gap // 2 + side / 2, row * tile + gap - 0.5
        if y_true is None:
            caption, colour = name(y_pred[index]), "black"
        else:
            wrong = int(y_pred[index]) != int(y_true[index])
            caption = f"{name(y_pred[index])} (true {name(y_true[index])})" if wrong else name(y_pred[index])
            colour = "red" if wrong else "black"
        ax.text(x, y, caption, ha="center", va="bottom", fontsize=6, color=colour, clip_on=False)
    return fig


def plot_lr_find(
    learning_rates: Any, losses: Any, suggestion: float | None = None, title: str | None = None
) -> Any:
    """Loss against learning rate on a log axis (the LR-finder sweep), with the suggested rate marked.

    Args:
        learning_rates: `(S,)` rates of the sweep's steps.
        losses: `(S,)` losses (smoothed or raw) at those steps.
        suggestion: rate to mark with a vertical line. Defaults to None.
        title: optional title. Defaults to None.

    Returns:
        The matplotlib `Figure`.

    Raises:
        ValueError: arrays of different lengths.
        ImportError: matplotlib is not installed.
    """
    lrs, values = np.asarray(learning_rates, dtype=np.float64), np.asarray(losses, dtype=np.float64)
    if lrs.shape != values.shape:
        raise ValueError(
            "`learning_rates` and `losses` must have the same length. "
            f"Received: {lrs.shape[0]} learning rates, {values.shape[0]} losses"
        )
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7, 4.5))
    ax.plot(lrs, values, marker=".", markersize=3)
    ax.set_xscale("log")
    ax.set_xlabel("learning rate")
    ax.set_ylabel("loss")
    ax.grid(True, which="both", alpha=0.4)
    if suggestion is not None:
        ax.axvline(suggestion, color="red", linestyle="--", label=f"suggested {suggestion:.3g}")
        ax.legend()
    if title:
        ax.set_title(title)
    fig.tight_layout()
    return fig


def figure_to_png(fig: Any, dpi: int = 100) -> bytes:
    """The figure as PNG bytes; the figure is closed afterwards."""
    plt = _pyplot()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    plt.close(fig)
    return buffer.getvalue()


def save_figure(fig: Any, path: str | os.PathLike, dpi: int = 100) -> str:
    """Writes the figure as a PNG file, closes it, and returns the path."""
    data = figure_to_png(fig, dpi=dpi)
    with open(path, "wb") as f:
        f.write(data)
    return os.fspath(path)
