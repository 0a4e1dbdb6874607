"""`scratchnn lr-find RECIPE`: an exponential learning-rate sweep and a suggested rate.

The learning rate grows geometrically from `--min-lr` to `--max-lr` over one
epoch (or `--steps` batches) while the loss of every batch is recorded; the
sweep stops early once the smoothed loss exceeds four times its minimum.
Suggested rate: where the smoothed loss falls fastest against log(rate); the
minimum-loss rate divided by ten is reported too (the two usual rules).
"""

from __future__ import annotations

import argparse
import csv
import math
import os
from typing import Any

import numpy as np

from scratchnn.callbacks import Callback
from scratchnn.cli import _common


class LRFinder(Callback):
    """Raises the learning rate each batch, lr_k = min_lr * (max_lr / min_lr) ** (k / (steps - 1)).

    Records `learning_rates` and `losses` (each batch's own loss, recovered
    from the running mean the trainer logs) and stops training when the
    smoothed loss diverges.

    Args:
        min_lr: first learning rate. Defaults to 1e-6.
        max_lr: last learning rate. Defaults to 1.0.
        steps: number of batches in the sweep.
        batch_size: samples per batch (to recover batch losses from running means).
        beta: smoothing of the exponential moving average. Defaults to 0.98.
        stop_factor: stop when the smoothed loss exceeds this times its minimum. Defaults to 4.
    """

    def __init__(
        self,
        min_lr: float = 1e-6,
        max_lr: float = 1.0,
        steps: int = 100,
        batch_size: int = 32,
        beta: float = 0.98,
        stop_factor: float = 4.0,
    ) -> None:
        super().__init__()
        if not 0 < min_lr < max_lr:
            raise ValueError(f"Need 0 < min_lr < max_lr. Received: min_lr={min_lr}, max_lr={max_lr}")
        if steps < 2:
            raise ValueError(f"`steps` must be at least 2. Received: steps={steps}")
        self.min_lr, self.max_lr, self.steps = float(min_lr), float(max_lr), int(steps)
        self.batch_size, self.beta, self.stop_factor = batch_size, beta, stop_factor

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        self.learning_rates: list[float] = []
        self.losses: list[float] = []
        self.smoothed: list[float] = []
        self._step = 0
        self._previous_mean = 0.0
        self._average = 0.0

    def on_epoch_begin(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        self._epoch_step = 0
        self._previous_mean = 0.0

    def rate(self, step: int) -> float:
        return self.min_lr * (self.max_lr / self.min_lr) ** (step / (self.steps - 1))

    def on_train_batch_begin(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        self.model.optimizer.learning_rate = self.rate(self._step)

    def on_train_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        mean = float((logs or {}).get("loss", math.nan))
        # The logged loss is the running mean m_k over the epoch's k batches:
        # batch loss = k * m_k - (k - 1) * m_{k-1} (equal batch sizes).
        k = self._epoch_step + 1
        loss = k * mean - (k - 1) * self._previous_mean
        self._previous_mean, self._epoch_step = mean, k
        self.learning_rates.append(self.rate(self._step))
        self.losses.append(loss)
        self._step += 1
        if not math.isfinite(loss):
            self.model.stop_training = True
            return
        # Bias-corrected exponential moving average (as Adam corrects its moments).
        self._average = self.beta * self._average + (1 - self.beta) * loss
        smooth = self._average / (1 - self.beta**self._step)
        self.smoothed.append(smooth)
        if self._step >= self.steps or (self._step > 10 and smooth > self.stop_factor * min(self.smoothed)):
            self.model.stop_training = True


def suggest(learning_rates: Any, smoothed: Any) -> dict[str, float | None]:
    """The steepest-descent rate and the min-loss/10 rate of a sweep.

    Returns:
        `{"steepest": lr, "min_loss_over_10": lr, "min_loss": lr}` (None when
        the sweep is too short).
    """
    lrs, values = np.asarray(learning_rates, np.float64), np.asarray(smoothed, np.float64)
    n = min(len(lrs), len(values))
    if n < 3:
        return {"steepest": None, "min_loss_over_10": None, "min_loss": None}
    lrs, values = lrs[:n], values[:n]
    lowest = int(np.argmin(values))
    # d loss / d log(lr) up to the minimum; its most negative point is where the loss falls fastest.
    end = max(lowest + 1, 3)
    slope = np.gradient(values[:end], np.log(lrs[:end]))
    return {
        "steepest": float(lrs[int(np.argmin(slope))]),
        "min_loss_over_10": float(lrs[lowest] / 10),
        "min_loss": float(lrs[lowest]),
    }


def register(subparsers) -> None:
    from scratchnn.cli.train import add_training_options

    parser = subparsers.add_parser(
        "lr-find",
        help="sweep the learning rate exponentially and suggest one",
        description="Trains RECIPE for one epoch (or --steps batches) while the learning rate grows "
        "from --min-lr to --max-lr, then writes lr_find.png/csv/json and prints the suggested rate.",
    )
    parser.add_argument("recipe", metavar="RECIPE", help="recipe name (see `scratchnn recipes`)")
    add_training_options(parser)
    parser.add_argument("--min-lr", type=float, default=1e-6, help="first learning rate (default 1e-6)")
    parser.add_argument("--max-lr", type=float, default=1.0, help="last learning rate (default 1)")
    parser.add_argument("--steps", type=int, help="batches in the sweep (default: one epoch)")
    parser.set_defaults(func=run)


@_common.command("lr-find")
def run(args: argparse.Namespace) -> int:
    from scratchnn import recipes, utils
    from scratchnn.cli.train import recipe_from_args
    from scratchnn.reports import write_json

    recipe = recipe_from_args(args)
    if not 0 < args.min_lr < args.max_lr:
        raise _common.CliError(f"need 0 < --min-lr < --max-lr. Received: {args.min_lr}, {args.max_lr}", 2)
    utils.set_random_seed(recipe.seed)
    data = recipes.load_split(recipe, subset=args.subset)
    per_epoch = -(-len(data.x_train) // recipe.batch_size)
    steps = args.steps or args.max_steps or per_epoch
    if steps < 2:
        raise _common.CliError(f"the sweep needs at least 2 steps. Received: --steps {steps}", 2)
    out_dir = _common.output_dir(args.output, f"lr-find-{recipe.name}")
    model = recipes.build_model(recipe)
    finder = LRFinder(args.min_lr, args.max_lr, steps=steps, batch_size=recipe.batch_size)
    print(f"sweeping the learning rate from {args.min_lr:g} to {args.max_lr:g} over {steps} batches")
    try:
        model.fit(
            data.x_train, data.y_train, epochs=-(-steps // per_epoch), batch_size=recipe.batch_size,
            callbacks=[finder], verbose=0,
        )  # fmt: skip
    except KeyboardInterrupt:
        print("interrupted: using the sweep so far")
    found = suggest(finder.learning_rates, finder.smoothed)
    with open(os.path.join(out_dir, "lr_find.csv"), "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["step", "learning_rate", "loss", "smoothed_loss"])
        for i, (lr, loss) in enumerate(zip(finder.learning_rates, finder.losses)):
            writer.writerow([i, lr, loss, finder.smoothed[i] if i < len(finder.smoothed) else ""])
    write_json(
        os.path.join(out_dir, "lr_find.json"),
        {"recipe": recipe.as_dict(), "suggestion": found, "learning_rates": finder.learning_rates,
         "losses": finder.losses, "smoothed": finder.smoothed},
    )  # fmt: skip
    try:
        from scratchnn import plot

        n = len(finder.smoothed)
        fig = plot.plot_lr_find(
            finder.learning_rates[:n], finder.smoothed, found["steepest"], title=recipe.name
        )
        plot.save_figure(fig, os.path.join(out_dir, "lr_find.png"))
    except ImportError as err:
        print(f"note: plot skipped: {err}")
    if found["steepest"] is None:
        raise _common.CliError("the sweep was too short to suggest a rate; raise --steps")
    print(f"suggested learning rate: {found['steepest']:.3g} (steepest fall of the loss)")
    print(f"minimum loss at {found['min_loss']:.3g}; min/10 rule: {found['min_loss_over_10']:.3g}")
    print(f"written: {out_dir}")
    return 0
