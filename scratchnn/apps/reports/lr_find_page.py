"""`lr_find.html` of `scratchnn lr-find`: the suggested rate, how it was chosen, the curve, and what ran."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from scratchnn.apps.reports.html import (
    document,
    escape,
    image,
    kv_table,
    model_summary_table,
    paragraph,
    table,
)

# Rows of the sweep table: about this many, evenly spaced in steps (the CSV has every step).
TABLE_ROWS = 30


@dataclass
class Sweep:
    """Everything the lr-find page shows; filled in by `scratchnn lr-find`.

    Attributes:
        title: the page title.
        recipe: the recipe swept.
        suggestion: `{"steepest", "min_loss", "min_loss_over_10"}` rates (None when too short).
        learning_rates, losses, smoothed: the sweep, one value per batch.
        plot_png: path of lr_find.png, or None.
        summary: `reports.facts.model_summary` of the model.
        training: what ran, as (name -> value) rows.
        data: a sentence naming the training images.
        recipe_rate: the learning rate the recipe trains with (its optimizer's default when it sets none).
        next_command: the `scratchnn train` line with the suggested rate.
        environment: versions, platform and date.
        notes: cautions (interrupted, diverged early, no plot).
    """

    title: str
    recipe: Any
    suggestion: dict[str, Any]
    learning_rates: list[float]
    losses: list[float]
    smoothed: list[float]
    plot_png: str | None
    summary: dict[str, Any]
    training: dict[str, Any]
    data: str
    recipe_rate: Any
    next_command: str | None
    environment: dict[str, Any]
    notes: list[str] = field(default_factory=list)


def _sweep_table(sweep: Sweep) -> str:
    n = len(sweep.smoothed)
    picks = sorted(set(np.linspace(0, n - 1, min(n, TABLE_ROWS)).round().astype(int).tolist())) if n else []
    marked = {}
    for key, label in (("steepest", "suggested"), ("min_loss", "lowest loss")):
        rate = sweep.suggestion.get(key)
        if rate is not None and n:
            at = int(np.argmin(np.abs(np.log(np.asarray(sweep.learning_rates[:n])) - np.log(rate))))
            marked[at] = label
            picks = sorted(set(picks) | {at})
    rows = [
        [i, f"{sweep.learning_rates[i]:.3g}", f"{sweep.losses[i]:.4f}", f"{sweep.smoothed[i]:.4f}",
         marked.get(i, "")]
        for i in picks
    ]  # fmt: skip
    return table(["batch", "learning rate", "batch loss", "smoothed loss", ""], rows, numeric=[0, 1, 2, 3])


def render_lr_find_page(sweep: Sweep) -> str:
    """The lr-find page of `sweep` as a complete HTML page."""
    steepest = sweep.suggestion.get("steepest")
    parts = [f"<h1>{escape(sweep.title)}</h1>"]
    if steepest is None:
        parts.append(paragraph("The sweep was too short to suggest a rate.", "headline warn"))
    else:
        parts.append(
            paragraph(
                f"Suggested learning rate: {steepest:.3g}, where the loss falls fastest. "
                f"Train with it: {sweep.next_command}",
                "headline",
            )
        )
    parts += [paragraph(note, "note") for note in sweep.notes]
    default = sweep.recipe.learning_rate
    recipe_rate = f"{sweep.recipe_rate:.3g}" if isinstance(sweep.recipe_rate, float) else sweep.recipe_rate
    recipe_rate += " (the optimizer's default)" if default is None else ""
    parts += [
        "<h2>The rates</h2>",
        kv_table(
            {
                "suggested (steepest fall)": None if steepest is None else f"{steepest:.3g}",
                "lowest loss at": None
                if sweep.suggestion.get("min_loss") is None
                else f"{sweep.suggestion['min_loss']:.3g}",
                "min/10 rule": None
                if sweep.suggestion.get("min_loss_over_10") is None
                else f"{sweep.suggestion['min_loss_over_10']:.3g}",
                "the recipe's rate": recipe_rate,
            }
        ),  # fmt: skip
        paragraph(
            "How the rate is chosen: the learning rate grew geometrically, one step per batch, while each "
            "batch's loss was recorded. The losses are smoothed over a tenth of a decade of rate (a centred "
            "average, which does not lag like a running one), and the slope of the smoothed loss against "
            "log(rate) is fitted over half a decade around each point. The suggestion is the steepest fall "
            "after the first 10% of the sweep (the noisy start, where rates are too small to learn anything) "
            "and before the lowest loss (past it, training becomes unstable). The min/10 rule, the lowest-loss "
            "rate divided by ten, is the usual cautious alternative."
        ),
        "<h2>Loss against learning rate</h2>",
    ]
    if sweep.plot_png is not None and os.path.exists(sweep.plot_png):
        parts.append(image(sweep.plot_png, "loss against learning rate, the suggested rate marked"))
    else:
        parts.append(paragraph('Not drawn: matplotlib is missing (pip install "scratchnn[plot]").', "note"))
    parts += [
        "<h2>The sweep</h2>",
        paragraph(f"{len(sweep.smoothed)} batches; every batch is in lr_find.csv, these are evenly spaced."),
        _sweep_table(sweep),
        "<h2>What ran</h2>",
        "<h3>Model</h3>",
        model_summary_table(sweep.summary),
        "<h3>Sweep</h3>",
        kv_table(sweep.training),
        "<h3>Data</h3>",
        paragraph(sweep.data),
        "<h3>Environment</h3>",
        kv_table(sweep.environment),
    ]
    return document(sweep.title, parts)
