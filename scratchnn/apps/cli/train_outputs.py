"""Everything `scratchnn train` writes after training: model, run.json, history, metrics, plots, report."""

from __future__ import annotations

import os
import sys
from typing import Any

import numpy as np

from scratchnn.apps.cli import _model_files


def quick_run_reasons(recipe: Any, subset: int | None, max_steps: int | None, epochs_run: int,
                      model_source: str | None, interrupted: bool) -> list[str]:  # fmt: skip
    """Why a run's figure cannot be compared with the tutorial's (empty when it can)."""
    from scratchnn.apps import recipes

    default = recipes.get(recipe.name)
    reasons = [f"--subset {subset}"] if subset else []
    reasons += [f"--max-steps {max_steps}"] if max_steps else []
    if epochs_run < default.epochs:
        reasons.append(f"{epochs_run} of the tutorial's {default.epochs} epochs")
    for name in ("optimizer", "learning_rate", "batch_size"):
        if getattr(recipe, name) != getattr(default, name):
            reasons.append(f"{name.replace('_', ' ')} {getattr(recipe, name)}")
    reasons += [f"the model of {model_source}"] if model_source else []
    reasons += ["interrupted"] if interrupted else []
    return reasons


def comparison(recipe: Any, test_accuracy: float, history: dict[str, list[float]], reasons: list[str]) -> str:
    """The sentence comparing the run with the tutorial's published figure."""
    if recipe.reported_accuracy is None:
        return "The tutorial gives no figure to compare with."
    if recipe.reported_split == "validation":
        ours = history.get("val_accuracy", [None])[-1]
        what = "validation accuracy (last epoch)"
    else:
        ours, what = test_accuracy, "test accuracy"
    tutorial = f"The tutorial reports {recipe.reported}"
    if ours is None:
        return f"{tutorial}; this run has no {what} to compare."
    if reasons:
        return f"{tutorial}; this run's {what} of {ours:.1%} is not comparable: {', '.join(reasons)}."
    points = 100 * (ours - recipe.reported_accuracy)
    side = "above" if points > 0.05 else "below" if points < -0.05 else "level with"
    distance = f"{abs(points):.1f} points {side}" if side != "level with" else "level with"
    return f"{tutorial}; this run's {what} is {ours:.1%}, {distance} it."


def probabilities_of(model: Any, x: Any) -> Any:
    """The model's `(N, K)` class probabilities, float64 for exact argmax/sorting."""
    return np.asarray(model.predict(x, batch_size=256, verbose=0), dtype=np.float64)


def _draw_plots(out_dir: str, history: dict[str, list[float]], cm: Any, class_names: Any,
                notes: list[str]) -> str | None:  # fmt: skip
    """Writes learning_curves.png and confusion_matrix.png; returns the curves' path (None without matplotlib)."""
    from scratchnn.apps import plot

    try:
        curves = plot.plot_history(history)
        matrix = plot.plot_confusion_matrix(cm, class_names)
    except ImportError as err:
        print(f"note: plots skipped: {err}", file=sys.stderr)
        notes.append(f"The plots were not drawn: {err}")
        return None
    path = plot.save_figure(curves, os.path.join(out_dir, "learning_curves.png"))
    plot.save_figure(matrix, os.path.join(out_dir, "confusion_matrix.png"))
    return path


def write_run(
    model: Any,
    recipe: Any,
    data: Any,
    out_dir: str,
    recorder: Any,
    wall: float,
    interrupted: bool,
    subset: int | None = None,
    max_steps: int | None = None,
    model_source: str | None = None,
    command: str | None = None,
) -> dict[str, Any]:
    """Saves the model, evaluates it on the recipe's test split and writes every file of the run folder.

    Returns:
        The metrics dict written to `metrics.json`, plus `comparison` (the
        sentence comparing the run with the tutorial) and `test_images`.
    """
    from scratchnn.apps import recipes
    from scratchnn.apps.reports import classification_metrics, facts, write_history, write_json
    from scratchnn.apps.reports.html import write_page
    from scratchnn.apps.reports.train_page import TrainRun, render_train_report

    model_path = _model_files.save_model(model, os.path.join(out_dir, "model.keras"))
    write_history(recorder.history, out_dir)
    optimizer = facts.optimizer_facts(model)
    epochs_run = len(recorder.history.get("loss", []))
    config = {
        "recipe": recipe.as_dict(),
        "model_source": model_source or f"recipe {recipe.name}",
        "subset": subset,
        "max_steps": max_steps,
        "class_names": list(data.class_names),
        "command": command or " ".join(["scratchnn", *sys.argv[1:]]),
        "optimizer": optimizer,
        "loss": facts.loss_name(model),
        "test_split": recipes.describe_split(recipe, data),
    }
    write_json(os.path.join(out_dir, _model_files.RUN_CONFIG), config)

    x_test = _model_files.fit_input(data.x_test, model)
    logs = model.evaluate(x_test, data.y_test, batch_size=256, verbose=0, return_dict=True)
    probabilities = probabilities_of(model, x_test)
    summary = classification_metrics(data.y_test, np.argmax(probabilities, axis=-1), data.class_names)
    # The exact fraction of correct argmax predictions (the compiled metric is the same count, held in
    # float32): `scratchnn evaluate` prints this very number for the same images.
    test_accuracy = summary["accuracy"]
    samples = min(recorder.steps * recipe.batch_size, len(data.x_train) * max(1, epochs_run))
    reasons = quick_run_reasons(recipe, subset, max_steps, epochs_run, model_source, interrupted)
    compared = comparison(recipe, test_accuracy, recorder.history, reasons)
    metrics = {
        "test_loss": logs.get("loss"),
        "test_accuracy": test_accuracy,
        "test_images": len(data.y_test),
        "wall_time_s": wall,
        "samples_per_s": samples / wall if wall > 0 else None,
        "epochs_run": epochs_run,
        "steps_run": recorder.steps,
        "epoch_seconds": recorder.epoch_seconds,
        "interrupted": interrupted,
        "final_epoch_logs": {k: v[-1] for k, v in recorder.history.items() if v},
        "comparison": compared,
        **summary,
    }
    write_json(os.path.join(out_dir, "metrics.json"), metrics)

    notes = ["Training was interrupted (Ctrl-C): these are the results of the partly trained model."]
    notes = notes if interrupted else []
    curves = _draw_plots(out_dir, recorder.history, summary["confusion_matrix"], data.class_names, notes)
    n_valid = 0 if data.y_valid is None else len(data.y_valid)
    page = TrainRun(
        title=f"scratchnn train {recipe.name}",
        headline=f"Test accuracy {test_accuracy:.2%} on the {len(data.y_test):,} test images "
        f"(test loss {logs.get('loss'):.4f}). {compared}",
        comparable=not reasons,
        results={
            "test accuracy": f"{test_accuracy:.4f} ({len(data.y_test):,} test images)",
            "test loss": f"{logs.get('loss'):.4f}",
            "tutorial": recipe.reported,
            **{
                f"last epoch {k.replace('_', ' ')}": f"{v:.4f}"
                for k, v in metrics["final_epoch_logs"].items()
            },
            "training time": f"{wall:.1f} s ({metrics['samples_per_s'] or 0:,.0f} samples/s)",
        },
        history=recorder.history,
        epoch_seconds=recorder.epoch_seconds,
        epoch_learning_rates=recorder.learning_rates,
        curves_png=curves,
        x_test=data.x_test,
        y_test=data.y_test,
        probabilities=probabilities,
        class_names=tuple(data.class_names),
        classification=summary,
        summary=facts.model_summary(model),
        training={
            "model": model_source or f"the {recipe.name} recipe ({recipe.title})",
            "optimizer": optimizer["optimizer"],
            "learning rate": optimizer["learning_rate"],
            "optimizer settings": optimizer["settings"],
            "loss": config["loss"],
            "batch size": recipe.batch_size,
            "epochs run": f"{epochs_run} of {recipe.epochs}" + (" (interrupted)" if interrupted else ""),
            "steps per epoch": f"at most {max_steps} (--max-steps)" if max_steps else None,
            "steps run": recorder.steps,
            "seed": recipe.seed,
            "command": config["command"],
            "model file": os.path.basename(model_path),
        },
        split=recipes.describe_split(recipe, data),
        split_sizes={
            "training images": len(data.y_train),
            "validation images": n_valid,
            "test images": len(data.y_test),
        },  # fmt: skip
        environment=facts.environment(),
        notes=notes,
    )
    write_page(os.path.join(out_dir, "report.html"), render_train_report(page))
    return metrics
