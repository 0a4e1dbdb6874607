"""`report.html` of `scratchnn train`: what the run gave, what the model gets wrong, and what actually ran.

Sections, in reading order: the headline (test accuracy against the
tutorial's figure), learning curves (losses and accuracy on separate axes), the
most confident mistakes next to a sample of correct predictions, the confusion
matrix and classification report, the per-epoch history, and what ran (the
model's summary table, optimizer, loss, batch size, epochs, data split, seed,
versions, date).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from scratchnn.apps.reports import gallery
from scratchnn.apps.reports.html import (
    document,
    escape,
    image,
    kv_table,
    model_summary_table,
    paragraph,
    preformatted,
    table,
)


@dataclass
class TrainRun:
    """Everything the train report shows; filled in by `scratchnn train`.

    Attributes:
        title: the page title.
        headline: one sentence: the test accuracy, on which images, and the tutorial's figure.
        comparable: False for quick runs (subset, fewer epochs), whose headline is shown as a caution.
        results: headline numbers (name -> value).
        history: per-epoch logs (`loss`, `accuracy`, `val_*`).
        epoch_seconds: wall time of each epoch.
        epoch_learning_rates: the optimizer's learning rate at the end of each epoch.
        curves_png: path of learning_curves.png, or None when it was not drawn.
        x_test, y_test, probabilities: the test images `(N, 28, 28)` in [0, 1],
            their labels `(N,)` and the model's probabilities `(N, K)`.
        class_names: names of the K classes.
        classification: what `reports.classification_metrics` returns.
        summary: what `reports.facts.model_summary` returns.
        training: what ran, as (name -> value) rows.
        split: the sentence saying which images trained, validated and tested.
        split_sizes: (name -> count) of the splits.
        environment: versions, platform and date.
        notes: cautions shown under the headline (interrupted run, missing plots).
    """

    title: str
    headline: str
    comparable: bool
    results: dict[str, Any]
    history: dict[str, list[float]]
    epoch_seconds: list[float]
    epoch_learning_rates: list[Any]
    curves_png: str | None
    x_test: Any
    y_test: Any
    probabilities: Any
    class_names: tuple[str, ...]
    classification: dict[str, Any]
    summary: dict[str, Any]
    training: dict[str, Any]
    split: str
    split_sizes: dict[str, int]
    environment: dict[str, Any]
    notes: list[str] = field(default_factory=list)


def _history_table(run: TrainRun) -> str:
    keys = [k for k in run.history if not k.startswith("val_")]
    keys += [k for k in run.history if k.startswith("val_")]
    n = max((len(v) for v in run.history.values()), default=0)
    header = ["epoch", *keys, "learning rate", "seconds"]
    rows = []
    for epoch in range(n):
        values = [run.history[k][epoch] if epoch < len(run.history[k]) else None for k in keys]
        lr = run.epoch_learning_rates[epoch] if epoch < len(run.epoch_learning_rates) else None
        seconds = run.epoch_seconds[epoch] if epoch < len(run.epoch_seconds) else None
        rows.append(
            [epoch + 1, *(f"{v:.4f}" if v is not None else "" for v in values), lr,
             f"{seconds:.2f}" if seconds is not None else ""]
        )  # fmt: skip
    return table(header, rows, numeric=range(len(header)))


def _mistakes(run: TrainRun) -> list[str]:
    wrong = gallery.confident_mistakes(run.y_test, run.probabilities, limit=30)
    right = gallery.correct_sample(run.y_test, run.probabilities, limit=20)
    n_wrong = int(np.sum(np.argmax(run.probabilities, axis=-1) != run.y_test))
    intro = (
        f"{n_wrong:,} of the {len(run.y_test):,} test images are misclassified. The "
        f"{len(wrong)} shown are the model's most confident mistakes, largest confidence first: the predicted "
        "class and its probability in red, the true class below, the test image's index last."
    )
    return [
        "<h2>What the model gets wrong</h2>",
        paragraph(intro),
        gallery.gallery(run.x_test, wrong, run.y_test, run.probabilities, run.class_names),
        "<h3>A sample of correct predictions</h3>",
        paragraph(f"{len(right)} test images drawn at random from the correctly classified ones."),
        gallery.gallery(run.x_test, right, run.y_test, run.probabilities, run.class_names),
    ]


def render_train_report(run: TrainRun) -> str:
    """The train report of `run` as a complete HTML page."""
    headline_class = "headline" if run.comparable else "headline warn"
    parts = [f"<h1>{escape(run.title)}</h1>", f'<p class="{headline_class}">{escape(run.headline)}</p>']
    parts += [paragraph(note, "note") for note in run.notes]
    parts += ["<h2>Results</h2>", kv_table(run.results), paragraph(run.split, "muted")]
    parts.append("<h2>Learning curves</h2>")
    if run.curves_png is not None and os.path.exists(run.curves_png):
        parts.append(image(run.curves_png, "learning curves: loss (left) and accuracy (right) per epoch"))
    else:
        parts.append(paragraph("Not drawn: matplotlib is missing (pip install \"scratchnn[plot]\"); "
                               "the history table below has the same numbers.", "note"))  # fmt: skip
    parts += _mistakes(run)
    parts += [
        "<h2>Confusion matrix</h2>",
        paragraph("Rows: the true class; columns: the predicted class; shading: the share of the row."),
        gallery.confusion_table(run.classification["confusion_matrix"], run.class_names),
        "<h2>Classification report</h2>",
        preformatted(run.classification["classification_report"]),
        "<h2>History</h2>",
        _history_table(run),
        "<h2>What ran</h2>",
        "<h3>Model</h3>",
        model_summary_table(run.summary),
        "<h3>Training</h3>",
        kv_table(run.training),
        "<h3>Data</h3>",
        paragraph(run.split),
        kv_table(run.split_sizes),
        "<h3>Environment</h3>",
        kv_table(run.environment),
    ]
    return document(run.title, parts)
