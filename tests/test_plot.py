"""scratchnn.plot: every figure draws, saves as PNG, marks wrong predictions, and names its extra."""

import sys
from pathlib import Path

import numpy as np
import pytest

from scratchnn import plot
from scratchnn.callbacks import History

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def test_plot_history_from_history_object(tmp_path):
    history = History()
    history.history = {"accuracy": [0.5, 0.8, 0.9], "loss": [0.9, 0.4, 0.3], "val_accuracy": [0.6, 0.7, 0.8]}
    fig = plot.plot_history(history, title="curves")
    labels = [line.get_label() for line in fig.axes[0].get_lines()]
    assert labels == ["accuracy", "val_accuracy", "loss"]
    # The validation curve is dashed in the colour of its training curve.
    lines = fig.axes[0].get_lines()
    assert lines[1].get_linestyle() == "--" and lines[1].get_color() == lines[0].get_color()
    assert fig.axes[0].get_ylim() == (0, 1)
    path = plot.save_figure(fig, tmp_path / "h.png")
    assert Path(path).read_bytes()[:8] == PNG_SIGNATURE


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
    assert ax.get_legend().get_texts()[0].get_text() == "suggested 0.01"
    with pytest.raises(ValueError, match="same length"):
        plot.plot_lr_find(lrs, [1.0, 2.0])


def test_missing_matplotlib_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    with pytest.raises(ImportError, match=r'pip install "scratchnn\[plot\]"'):
        plot.plot_history({"loss": [1.0]})
