"""Plots of a training run: learning curves, confusion matrix, prediction grid, LR-finder curve.

matplotlib is an optional extra (`pip install "scratchnn[plot]"`); it is
imported when a plot is drawn, with the non-interactive Agg backend, so plots
work on machines without a display. Every function returns the matplotlib
`Figure`; `save_figure` writes it as PNG and `figure_to_png` gives the bytes.

Example:

>>> from scratchnn.apps import plot                                   # doctest: +SKIP
>>> fig = plot.plot_history(model.fit(x, y, validation_split=0.1)) # doctest: +SKIP
>>> plot.save_figure(fig, "learning_curves.png")                 # doctest: +SKIP
"""

from __future__ import annotations

import io
import os
from collections.abc import Sequence
from typing import Any

import numpy as np

from scratchnn.apps.reports.artifacts import history_dict

PLOT_EXTRA_HINT = 'matplotlib is needed for plots: pip install "scratchnn[plot]"'


def pyplot() -> Any:
    """`matplotlib.pyplot` on the Agg backend, or an ImportError naming the extra to install."""
    try:
        import matplotlib
    except ImportError as err:
        raise ImportError(PLOT_EXTRA_HINT) from err
    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    return plt


def _is_loss(key: str) -> bool:
    return "loss" in key


def _epoch_axis(ax: Any, n_epochs: int) -> None:
    from matplotlib.ticker import MaxNLocator

    ax.set_xlabel("epoch")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    # One epoch is a single point: give it room instead of matplotlib's +-5% of nothing.
    if n_epochs <= 2:
        ax.set_xlim(0.5, n_epochs + 0.5)


def _fraction_limits(values: list[float]) -> tuple[float, float]:
    """y limits for accuracy-like values in [0, 1]: up to 1, down to a round value below the lowest."""
    low = min(values)
    return max(0.0, np.floor((low - 0.02) * 20) / 20), 1.0


def plot_history(history: Any, title: str | None = None, figsize: tuple[float, float] = (11, 4.2)) -> Any:
    """Learning curves: the losses on one axes, accuracy and the other metrics on a second one.

    Each key of the history is one line against the epoch; a validation curve
    (`val_` + key) is dashed in the colour of its training curve. Losses and
    metrics get separate axes because their scales differ (a loss of 0.05 and
    an accuracy of 0.98 on one axis flatten both). The legends sit above the
    axes, never over the curves; a one-epoch run shows its single points with
    room around them.

    Args:
        history: a `History` (what `fit()` returns) or its `.history` dict
            mapping keys to one float per epoch.
        title: optional figure title. Defaults to None.
        figsize: `(width, height)` in inches. Defaults to `(11, 4.2)`.

    Returns:
        The matplotlib `Figure` (one axes when the history has only losses
        or only metrics, else two: losses left, metrics right).

    Raises:
        TypeError: `history` is neither a History nor a dict.
        ImportError: matplotlib is not installed.
    """
    data = {k: v for k, v in history_dict(history).items() if v and k not in ("learning_rate", "lr")}
    plt = pyplot()
    base = [k for k in data if not k.startswith("val_")]
    base += [k for k in data if k.startswith("val_") and k[4:] not in data]
    groups = [g for g in ([k for k in base if _is_loss(k)], [k for k in base if not _is_loss(k)]) if g]
    groups = groups or [[]]
    fig, axes = plt.subplots(1, len(groups), figsize=figsize, squeeze=False)
    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    n_epochs = max((len(v) for v in data.values()), default=1)
    marker = {"marker": "o", "markersize": 6} if n_epochs <= 2 else {"marker": ".", "markersize": 4}
    for ax, keys in zip(axes[0], groups):
        values: list[float] = []
        for i, key in enumerate(keys):
            colour = colours[i % len(colours)]
            for name, style in ((key, "-"), (f"val_{key}", "--")):
                if name in data:
                    epochs = np.arange(1, len(data[name]) + 1)
                    ax.plot(epochs, data[name], color=colour, linestyle=style, label=name, **marker)
                    values += data[name]
        _epoch_axis(ax, n_epochs)
        ax.grid(True, alpha=0.5)
        if keys and _is_loss(keys[0]):
            ax.set_ylabel("loss")
            if values and min(values) >= 0:
                ax.set_ylim(0, max(values) * 1.08 or 1.0)
        elif keys:
            ax.set_ylabel("accuracy" if all("acc" in k for k in keys) else "metric")
            if values and min(values) >= 0 and max(values) <= 1:
                ax.set_ylim(*_fraction_limits(values))
        if keys:
            ax.legend(loc="lower left", bbox_to_anchor=(0, 1.01), ncol=4, frameon=False, fontsize=9)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_confusion_matrix(
    cm: Any, class_names: Sequence[str] | None = None, normalize: bool = False, title: str | None = None
) -> Any:
    """A confusion matrix as a heat map with the count (or row fraction) in each cell.

    Args:
        cm: `(K, K)` counts, rows = true class, columns = predicted class
            (what `scratchnn.apps.reports.confusion_matrix` returns).
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
    plt = pyplot()
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

    plt = pyplot()
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
    fig, ax = plt.subplots(figsize=(1.6 * n_cols, 1.95 * n_rows))
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
        ax.text(x, y, caption, ha="center", va="bottom", fontsize=9, color=colour, clip_on=False)
    return fig


def plot_lr_find(
    learning_rates: Any,
    losses: Any,
    suggestion: float | None = None,
    title: str | None = None,
    raw_losses: Any = None,
    min_loss_rate: float | None = None,
) -> Any:
    """Loss against learning rate on a log axis (the LR-finder sweep), with the suggested rate marked.

    The y axis stops a little above the start of the curve, so the blow-up at
    the largest rates does not flatten the part that matters.

    Args:
        learning_rates: `(S,)` rates of the sweep's steps.
        losses: `(S,)` losses at those steps (the smoothed curve).
        suggestion: rate to mark with a vertical line. Defaults to None.
        title: optional title. Defaults to None.
        raw_losses: `(S,)` each batch's own loss, drawn faintly behind. Defaults to None.
        min_loss_rate: the rate of the lowest loss, marked with a dot. Defaults to None.

    Returns:
        The matplotlib `Figure`.

    Raises:
        ValueError: arrays of different lengths.
        ImportError: matplotlib is not installed.
    """
    lrs, values = np.asarray(learning_rates, dtype=np.float64), np.asarray(losses, dtype=np.float64)
    if lrs.shape != values.shape or (raw_losses is not None and np.shape(raw_losses) != lrs.shape):
        raise ValueError(
            "`learning_rates`, `losses` (and `raw_losses`) must have the same length. "
            f"Received: {lrs.shape[0]} learning rates, {values.shape[0]} losses"
        )
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(9, 4.8))
    if raw_losses is not None:
        ax.plot(lrs, raw_losses, color="#9ab", linewidth=0.8, alpha=0.6, label="batch loss")
    ax.plot(lrs, values, color="#1f77b4", linewidth=2, label="smoothed loss")
    finite = values[np.isfinite(values)]
    if finite.size > 1:
        # From just below the lowest loss to a little above the start of the sweep.
        low, high = finite.min(), finite[: max(1, finite.size // 10)].max()
        margin = 0.08 * (high - low) or 0.1
        ax.set_ylim(low - margin, high + 2 * margin)
    ax.set_xscale("log")
    ax.set_xlabel("learning rate")
    ax.set_ylabel("loss")
    ax.grid(True, which="both", alpha=0.4)
    if suggestion is not None:
        ax.axvline(suggestion, color="red", linestyle="--", label=f"suggested {suggestion:.3g}")
    if min_loss_rate is not None:
        at = int(np.argmin(np.abs(np.log(lrs) - np.log(min_loss_rate))))
        ax.plot([lrs[at]], [values[at]], "o", color="black", label=f"lowest loss at {min_loss_rate:.3g}")
    if suggestion is not None or raw_losses is not None or min_loss_rate is not None:
        ax.legend(loc="lower left", fontsize=9)
    if title:
        ax.set_title(title)
    fig.tight_layout()
    return fig


def figure_to_png(fig: Any, dpi: int = 100) -> bytes:
    """The figure as PNG bytes; the figure is closed afterwards."""
    plt = pyplot()
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
