"""What `scratchnn tune` leaves at the end of a search: the table, the files and the best trial's test score."""

from __future__ import annotations

import os
from typing import Any

from scratchnn.apps.cli import _model_files


def load_data(recipe: Any, subset: int | None) -> Any:
    """The recipe's split, with the last 10% of the training data held out when it has no validation set."""
    from scratchnn.apps import recipes
    from scratchnn.apps.recipes import Split

    data = recipes.load_split(recipe, subset=subset)
    if data.x_valid is None:
        cut = len(data.x_train) - max(1, len(data.x_train) // 10)
        data = Split(data.x_train[:cut], data.y_train[:cut], data.x_train[cut:], data.y_train[cut:],
                     data.x_test, data.y_test, data.class_names)  # fmt: skip
    return data


def finish(
    out_dir: str, recipe: Any, data: Any, results: list[Any], search: dict[str, Any], title: str
) -> Any:
    """Prints the table, writes the tables, run.json and report.html, and prints the best trial."""
    from scratchnn.apps.reports import write_json
    from scratchnn.apps.tuning import results as results_module
    from scratchnn.apps.tuning.progress import best_of, plural, summary_line

    print(results_module.format_table(results))
    results_module.write_tables(out_dir, results)
    best = best_of(results)
    path = os.path.join(out_dir, "best_model.keras")
    test = None
    if best is not None and os.path.exists(path):
        model = _model_files.load_model(path)
        test = model.evaluate(data.x_test, data.y_test, batch_size=256, verbose=0, return_dict=True)
    write_json(
        os.path.join(out_dir, _model_files.RUN_CONFIG),
        {
            "recipe": recipe.as_dict(),
            "search": search,
            "best": best.row() if best else None,
            "best_test": test,
        },
    )
    counts = {state: sum(r.state == state for r in results) for state in ("complete", "pruned", "failed")}
    summary = {
        "recipe": f"{recipe.name}: {recipe.title}",
        "trials": ", ".join(f"{n} {state}" for state, n in counts.items() if n) or plural(0, "trial"),
        "epochs per trial": recipe.epochs,
        "search": ", ".join(f"{k} {v}" for k, v in search.items()),
        "best trial": "-" if best is None else best.number,
        "best val_accuracy": "-" if best is None else f"{best.val_accuracy:.4f}",
        "best test accuracy": "-" if not test else f"{test.get('accuracy', float('nan')):.4f}",
        "best model": path if best is not None else "-",
    }
    report = results_module.write_report(out_dir, title, results, summary)
    print(summary_line(best, test, path if best is not None else None))
    print(f"report: {report}")
    return best
