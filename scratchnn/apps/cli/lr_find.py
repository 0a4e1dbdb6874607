"""`scratchnn lr-find RECIPE`: an exponential learning-rate sweep and a rate to train with.

The learning rate grows geometrically from `--min-lr` to `--max-lr` over
`--steps` batches (default: one epoch, at least 200 batches) while each batch's
loss is recorded; the sweep stops early once the loss exceeds four times its
lowest value. The suggested rate is where the loss falls fastest against
log(rate), after the noisy start of the sweep and before its lowest point.
The sweep's lowest-loss rate divided by ten, the other usual rule, is
reported beside it.
"""

from __future__ import annotations

import argparse
import math
import os
from typing import Any

import numpy as np

from scratchnn.apps.cli import _common, _model_files
from scratchnn.callbacks import Callback

# The sweep's default length: one epoch, but never fewer batches than this (too coarse a curve otherwise).
MIN_DEFAULT_STEPS = 200
# Width (in decades of learning rate) of the zero-lag smoothing and of the slope window of `suggest`.
SMOOTHING_DECADES = 0.1
SLOPE_HALF_WIDTH_DECADES = 0.25
# The fraction of the sweep's first steps left out as "the noisy start".
NOISY_START = 0.1


class LRFinder(Callback):
    """Raises the learning rate each batch, lr_k = min_lr * (max_lr / min_lr) ** (k / (steps - 1)).

    Records `learning_rates` and `losses` (each batch's own loss, recovered
    from the running mean the trainer logs) and stops training when the
    smoothed loss diverges.

    Args:
        min_lr: first learning rate. Defaults to 1e-6.
        max_lr: last learning rate. Defaults to 1.0.
        steps: number of batches in the sweep.
        batch_size: samples per batch (kept for the record).
        beta: smoothing of the exponential moving average that detects divergence.
            Defaults to None: a window of about 2% of the sweep (`1 - 50 / steps`,
            kept in [0.8, 0.98]).
        stop_factor: stop when the smoothed loss exceeds this times its minimum. Defaults to 4.
    """

    def __init__(
        self,
        min_lr: float = 1e-6,
        max_lr: float = 1.0,
        steps: int = 100,
        batch_size: int = 32,
        beta: float | None = None,
        stop_factor: float = 4.0,
    ) -> None:
        super().__init__()
        if not 0 < min_lr < max_lr:
            raise ValueError(f"Need 0 < min_lr < max_lr. Received: min_lr={min_lr}, max_lr={max_lr}")
        if steps < 2:
            raise ValueError(f"`steps` must be at least 2. Received: steps={steps}")
        self.min_lr, self.max_lr, self.steps = float(min_lr), float(max_lr), int(steps)
        self.batch_size, self.stop_factor = batch_size, stop_factor
        self.beta = beta if beta is not None else min(0.98, max(0.8, 1 - 50 / self.steps))

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


def smooth_in_log_rate(learning_rates: Any, losses: Any, decades: float = SMOOTHING_DECADES) -> np.ndarray:
    """The losses averaged with a Gaussian kernel over log10(rate) (sigma `decades`): no lag, unlike an EMA.

    An exponential moving average trails the curve by about 1 / (1 - beta)
    steps, which moves every feature of a short sweep to larger rates; a
    centred kernel leaves them where they are.
    """
    x = np.log10(np.asarray(learning_rates, np.float64))
    y = np.asarray(losses, np.float64)
    # (S, S) kernel weights, one row per output point.
    weights = np.exp(-0.5 * ((x[:, None] - x[None, :]) / decades) ** 2)
    return (weights @ y) / weights.sum(axis=1)


def local_slopes(
    learning_rates: Any, values: Any, half_width: float = SLOPE_HALF_WIDTH_DECADES
) -> np.ndarray:
    """d value / d log10(rate) at each point: the least-squares line through the points within +-half_width.

    For a window with deviations dx = x - mean(x), dy = y - mean(y), the
    slope is sum(dx * dy) / sum(dx ** 2); NaN where the window holds fewer than 3 points.
    """
    x = np.log10(np.asarray(learning_rates, np.float64))
    y = np.asarray(values, np.float64)
    inside = np.abs(x[:, None] - x[None, :]) <= half_width  # (S, S): row i = window of point i
    count = inside.sum(axis=1)
    mean_x = (inside * x).sum(axis=1) / count
    mean_y = (inside * y).sum(axis=1) / count
    dx = np.where(inside, x[None, :] - mean_x[:, None], 0.0)
    dy = np.where(inside, y[None, :] - mean_y[:, None], 0.0)
    denominator = (dx * dx).sum(axis=1)
    slopes = np.full(len(x), np.nan)
    ok = (count >= 3) & (denominator > 0)
    slopes[ok] = (dx * dy).sum(axis=1)[ok] / denominator[ok]
    return slopes


def suggest(learning_rates: Any, losses: Any) -> dict[str, Any]:
    """The rate where the loss falls fastest, and the min-loss / 10 rate, of a sweep.

    The losses (each batch's, or already smoothed) are smoothed without lag
    in log(rate); the slope at each point is the least-squares line over half
    a decade around it (so single noisy batches do not decide); the steepest
    fall is searched after the first 10% of the sweep (the noisy start, where
    nothing is learnt yet) and before the lowest loss (past it the loss rises).

    Returns:
        `{"steepest": lr, "min_loss_over_10": lr, "min_loss": lr, "smoothed": [...]}`
        (rates None, and `smoothed` empty, when the sweep has fewer than 5 finite points).
    """
    lrs, values = np.asarray(learning_rates, np.float64), np.asarray(losses, np.float64)
    n = min(len(lrs), len(values))
    lrs, values = lrs[:n], values[:n]
    finite = np.isfinite(values)
    # The sweep ends at its first non-finite loss (divergence).
    end = int(np.argmin(finite)) if not finite.all() else n
    lrs, values = lrs[:end], values[:end]
    if len(lrs) < 5:
        return {"steepest": None, "min_loss_over_10": None, "min_loss": None, "smoothed": []}
    smoothed = smooth_in_log_rate(lrs, values)
    lowest = int(np.argmin(smoothed))
    slopes = local_slopes(lrs, smoothed)
    start = min(int(len(lrs) * NOISY_START), max(lowest - 1, 0))
    window = slopes[start : max(lowest, start + 1)]
    steepest = start + int(np.nanargmin(window)) if np.isfinite(window).any() else lowest
    return {
        "steepest": float(lrs[steepest]),
        "min_loss_over_10": float(lrs[lowest] / 10),
        "min_loss": float(lrs[lowest]),
        "smoothed": smoothed.tolist(),
    }


def register(subparsers) -> None:
    from scratchnn.apps.cli.train import add_training_options

    parser = subparsers.add_parser(
        "lr-find",
        help="sweep the learning rate exponentially and suggest one to train with",
        description=__doc__.split("\n\n", 1)[1]
        + " Writes lr_find.html (the page), lr_find.png, lr_find.csv and lr_find.json.",
    )
    parser.add_argument("recipe", metavar="RECIPE", help="recipe name (see `scratchnn recipes`)")
    add_training_options(parser, sweep=True)
    parser.add_argument(
        "--model", metavar="FILE.py", help="a Python file whose build_model() returns the model to sweep"
    )
    parser.add_argument("--min-lr", type=float, default=1e-6, help="first learning rate (default 1e-6)")
    parser.add_argument("--max-lr", type=float, default=1.0, help="last learning rate (default 1)")
    parser.add_argument(
        "--steps", type=int, help=f"batches in the sweep (default: one epoch, at least {MIN_DEFAULT_STEPS})"
    )
    parser.set_defaults(func=run)


@_common.command("lr-find")
def run(args: argparse.Namespace) -> int:
    from scratchnn.apps.cli.lr_find_outputs import write_sweep
    from scratchnn.apps.cli.train import prepare

    _common.positive(args.steps, "--steps")
    if not 0 < args.min_lr < args.max_lr:
        raise _common.CliError(
            f"need 0 < --min-lr < --max-lr. Received: --min-lr {args.min_lr:g}, --max-lr {args.max_lr:g}", 2
        )
    recipe, data, model = prepare(args)
    per_epoch = -(-len(data.x_train) // recipe.batch_size)
    steps = args.steps or max(per_epoch, MIN_DEFAULT_STEPS)
    if steps < 5:
        raise _common.CliError(f"the sweep needs at least 5 steps. Received: --steps {steps}", 2)
    out_dir = _common.output_dir(args.output, f"lr-find-{recipe.name}")
    finder = LRFinder(args.min_lr, args.max_lr, steps=steps, batch_size=recipe.batch_size)
    print(f"sweeping the learning rate from {args.min_lr:g} to {args.max_lr:g} over {steps} batches")
    interrupted = False
    try:
        model.fit(
            _model_files.fit_input(data.x_train, model), data.y_train, epochs=-(-steps // per_epoch),
            batch_size=recipe.batch_size, callbacks=[finder], verbose=0,
        )  # fmt: skip
    except KeyboardInterrupt:
        interrupted = True
        print("interrupted: using the sweep so far")
    found = suggest(finder.learning_rates, finder.losses)
    write_sweep(out_dir, recipe, data, model, finder, found, args, interrupted)
    if found["steepest"] is None:
        raise _common.CliError(f"the sweep stopped after {len(finder.losses)} batches, too few to suggest a "
                               "rate; raise --steps or lower --max-lr")  # fmt: skip
    print(f"suggested learning rate: {found['steepest']:.3g} (where the loss falls fastest)")
    print(f"lowest loss at {found['min_loss']:.3g}; the min/10 rule gives {found['min_loss_over_10']:.3g}")
    print(f"page:   {os.path.join(out_dir, 'lr_find.html')}")
    print(f"next:   scratchnn train {recipe.name} --learning-rate {found['steepest']:.3g}"
          + (f" --optimizer {recipe.optimizer}" if args.optimizer else "")
          + (f" --batch-size {recipe.batch_size}" if args.batch_size else "")
          + (f" --model {args.model}" if args.model else ""))  # fmt: skip
    return 130 if interrupted else 0
