"""What `scratchnn lr-find` writes: lr_find.csv, lr_find.json, lr_find.png and the page lr_find.html."""

from __future__ import annotations

import argparse
import csv
import os
import sys
from typing import Any


def _plot(out_dir: str, recipe: Any, finder: Any, found: dict[str, Any], notes: list[str]) -> str | None:
    from scratchnn.apps import plot

    n = len(found["smoothed"])
    if not n:
        return None
    try:
        fig = plot.plot_lr_find(
            finder.learning_rates[:n], found["smoothed"], found["steepest"], title=f"learning-rate sweep of "
            f"{recipe.name}", raw_losses=finder.losses[:n], min_loss_rate=found["min_loss"],
        )  # fmt: skip
    except ImportError as err:
        print(f"note: plot skipped: {err}", file=sys.stderr)
        notes.append(f"The plot was not drawn: {err}")
        return None
    return plot.save_figure(fig, os.path.join(out_dir, "lr_find.png"))


def write_sweep(
    out_dir: str,
    recipe: Any,
    data: Any,
    model: Any,
    finder: Any,
    found: dict[str, Any],
    args: argparse.Namespace,
    interrupted: bool,
) -> None:
    """Writes the sweep's data files, its plot and its page into `out_dir`."""
    from scratchnn.apps import recipes
    from scratchnn.apps.reports import facts, write_json
    from scratchnn.apps.reports.html import write_page
    from scratchnn.apps.reports.lr_find_page import Sweep, render_lr_find_page

    smoothed = found["smoothed"]
    with open(os.path.join(out_dir, "lr_find.csv"), "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["step", "learning_rate", "loss", "smoothed_loss"])
        for i, (lr, loss) in enumerate(zip(finder.learning_rates, finder.losses)):
            writer.writerow([i, lr, loss, smoothed[i] if i < len(smoothed) else ""])
    suggestion = {k: v for k, v in found.items() if k != "smoothed"}
    write_json(
        os.path.join(out_dir, "lr_find.json"),
        {"recipe": recipe.as_dict(), "suggestion": suggestion, "learning_rates": finder.learning_rates,
         "losses": finder.losses, "smoothed": smoothed, "steps_planned": finder.steps,
         "interrupted": interrupted},
    )  # fmt: skip
    notes = ["The sweep was interrupted (Ctrl-C): the suggestion comes from the part that ran."]
    notes = notes if interrupted else []
    if len(finder.losses) < finder.steps and not interrupted:
        notes.append(
            f"The sweep stopped after {len(finder.losses)} of {finder.steps} batches: the loss diverged "
            f"(rose past {finder.stop_factor:g} times its lowest value) at {finder.learning_rates[-1]:.3g}."
        )
    png = _plot(out_dir, recipe, finder, found, notes)
    optimizer = facts.optimizer_facts(model)
    sweep = Sweep(
        title=f"scratchnn lr-find {recipe.name}",
        recipe=recipe,
        suggestion=suggestion,
        learning_rates=list(finder.learning_rates),
        losses=list(finder.losses),
        smoothed=list(smoothed),
        plot_png=png,
        summary=facts.model_summary(model),
        training={
            "model": args.model or f"the {recipe.name} recipe ({recipe.title})",
            "optimizer": optimizer["optimizer"],
            "optimizer settings": optimizer["settings"],
            "loss": facts.loss_name(model),
            "batch size": recipe.batch_size,
            "sweep": f"{finder.min_lr:g} to {finder.max_lr:g}, geometric, over {finder.steps} batches",
            "batches run": len(finder.losses),
            "seed": recipe.seed,
            "command": getattr(args, "command_line", None) or " ".join(["scratchnn", *sys.argv[1:]]),
        },
        data=f"Training images: {recipes.split_parts(recipe, data)['training']} ({len(data.y_train):,}).",
        recipe_rate=facts.learning_rate(recipes.make_optimizer(recipe.optimizer, recipe.learning_rate)),
        next_command=f"scratchnn train {recipe.name} --learning-rate {found['steepest']:.3g}"
        if found["steepest"] is not None
        else None,
        environment=facts.environment(),
        notes=notes,
    )
    write_page(os.path.join(out_dir, "lr_find.html"), render_lr_find_page(sweep))
