"""scratchnn.apps.plot: every figure draws, saves as PNG, marks wrong predictions, and names its extra."""

import sys
from pathlib import Path

import numpy as np
import pytest

from scratchnn.apps import plot
from scratchnn.callbacks import History

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def test_plot_history_puts_losses_and_accuracy_on_separate_axes(tmp_path):
    history = History()
    history.history = {
        "accuracy": [0.5, 0.8, 0.9],
        "loss": [0.9, 0.4, 0.3],
        "val_accuracy": [0.6, 0.7, 0.8],
        "val_loss": [1.0, 0.6, 0.5],
    }
    fig = plot.plot_history(history, title="curves")
    loss_ax, accuracy_ax = fig.axes
    assert [line.get_label() for line in loss_ax.get_lines()] == ["loss", "val_loss"]
    assert [line.get_label() for line in accuracy_ax.get_lines()] == ["accuracy", "val_accuracy"]
    assert loss_ax.get_ylabel() == "loss" and accuracy_ax.get_ylabel() == "accuracy"
    # The validation curve is dashed in the colour of its training curve.
    lines = accuracy_ax.get_lines()
    assert lines[1].get_linestyle() == "--" and lines[1].get_color() == lines[0].get_color()
    assert accuracy_ax.get_ylim()[1] == 1.0 and accuracy_ax.get_ylim()[0] <= 0.5
    assert loss_ax.get_ylim()[0] == 0.0 and loss_ax.get_ylim()[1] >= 1.0
    # Each legend sits above its axes, never over the curves.
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    for ax in fig.axes:
        assert ax.get_legend().get_window_extent(renderer).y0 >= ax.get_window_extent(renderer).y1 - 1
    path = plot.save_figure(fig, tmp_path / "h.png")
    assert Path(path).read_bytes()[:8] == PNG_SIGNATURE


def test_a_one_epoch_history_gets_a_readable_axis():
    fig = plot.plot_history({"loss": [0.31], "accuracy": [0.97], "val_loss": [0.2], "val_accuracy": [0.98]})
    loss_ax, accuracy_ax = fig.axes
    assert loss_ax.get_xlim() == (0.5, 1.5) and accuracy_ax.get_xlim() == (0.5, 1.5)
    low, high = accuracy_ax.get_ylim()
    assert high == 1.0 and low <= 0.95 and high - low >= 0.05  # not matplotlib's 0.945-1.050 around one point
    assert loss_ax.get_ylim()[0] == 0.0
    assert all(line.get_marker() == "o" for ax in fig.axes for line in ax.get_lines())


def test_a_loss_only_history_has_one_axes():
    fig = plot.plot_history({"loss": [1.0, 0.5]})
    assert len(fig.axes) == 1 and fig.axes[0].get_ylabel() == "loss"


def test_plot_history_rejects_other_types():
    with pytest.raises(TypeError, match="history"):
        plot.plot_history([0.1, 0.2])


def test_confusion_matrix_figure_counts_and_errors():
    cm = np.array([[5, 1], [2, 7]])
    fig = plot.plot_confusion_matrix(cm, ["cat", "dog"])
    texts = sorted(t.get_text() for t in fig.axes[0].texts)
    assert texts == ["1", "2", "5", "7"]
    assert plot.figure_to_png(fig).startswith(PNG_SIGNATURE)
    normalized = plot.plot_confusion_matrix(cm, normalize=True)
    assert "0.83" in [t.get_text() for t in normalized.axes[0].texts]
    with pytest.raises(ValueError, match="square"):
        plot.plot_confusion_matrix(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="class_names"):
        plot.plot_confusion_matrix(cm, ["a"])


def test_image_grid_marks_wrong_predictions_red(rng):
    images = rng.random((6, 28, 28))
    y_true = np.array([0, 1, 2, 3, 4, 5])
    y_pred = np.array([0, 1, 7, 3, 9, 5])
    fig = plot.plot_image_grid(images, y_pred, y_true, class_names=[f"c{i}" for i in range(10)], n_cols=3)
    captions = fig.axes[0].texts
    red = [t.get_text() for t in captions if t.get_color() == "red"]
    assert red == ["c7 (true c2)", "c9 (true c4)"]
    assert [t.get_text() for t in captions][:2] == ["c0", "c1"] and captions[0].get_color() == "black"
    # The mosaic holds the images themselves: tile (0, 1) is image 1.
    mosaic = fig.axes[0].get_images()[0].get_array()
    assert mosaic.shape == (2 * 32, 3 * 32)
    np.testing.assert_allclose(mosaic[4:32, 32 + 2 : 32 + 30], images[1])
    with pytest.raises(ValueError, match="square"):
        plot.plot_image_grid(rng.random((2, 5, 7)), [0, 1])


def test_lr_find_figure_marks_the_suggestion():
    lrs = np.logspace(-5, 0, 50)
    fig = plot.plot_lr_find(lrs, np.linspace(2, 1, 50), suggestion=1e-2)
    ax = fig.axes[0]
    assert ax.get_xscale() == "log"
    assert "suggested 0.01" in [t.get_text() for t in ax.get_legend().get_texts()]
    with pytest.raises(ValueError, match="same length"):
        plot.plot_lr_find(lrs, [1.0, 2.0])


def test_lr_find_figure_keeps_the_blow_up_off_the_scale():
    lrs = np.logspace(-5, 0, 50)
    smoothed = np.concatenate([np.linspace(2.3, 1.0, 45), [5.0, 20.0, 80.0, 200.0, 500.0]])
    raw = smoothed + 0.05
    fig = plot.plot_lr_find(lrs, smoothed, suggestion=1e-2, raw_losses=raw, min_loss_rate=lrs[44])
    low, high = fig.axes[0].get_ylim()
    assert low < 1.0 and 2.3 < high < 3.5
    assert [t.get_text() for t in fig.axes[0].get_legend().get_texts()] == [
        "batch loss",
        "smoothed loss",
        "suggested 0.01",
        f"lowest loss at {lrs[44]:.3g}",
    ]


def test_missing_matplotlib_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    with pytest.raises(ImportError, match=r'pip install "scratchnn\[plot\]"'):
        plot.plot_history({"loss": [1.0]})
