"""What `compile()` sets up: the loss of each output and the metrics to track.

Mirrors keras/src/trainers/compile_utils.py: metric strings such as
"accuracy" are resolved on the first batch, from the shapes of the targets and
predictions; with several outputs, losses and metrics may be lists or dicts
keyed by output name, and log keys are prefixed with the output name
("main_output_loss", "aux_output_accuracy").
"""

from __future__ import annotations

from typing import Any

from scratchnn import losses as losses_module
from scratchnn import ops
from scratchnn.metrics.compile_resolution import resolve_compile_metric
from scratchnn.metrics.metric import Metric
from scratchnn.ops.tensor import Tensor
from scratchnn.trainers.data import _is_array_like_list


def to_output_list(data: Any, output_names: list[str]) -> list[Any]:
    """Targets / predictions / sample weights as one entry per output.

    One output: `data` itself (or the only item of a 1-list / 1-dict). Several: a list or
    tuple in output order, or a dict keyed by output name (missing names give None).

    Raises:
        ValueError: when a list has the wrong length for several outputs.
    """
    if len(output_names) == 1:
        if isinstance(data, (list, tuple)) and len(data) == 1 and not _is_array_like_list(data):
            return [data[0]]
        if isinstance(data, dict) and len(data) == 1:
            return list(data.values())
        return [data]
    if isinstance(data, dict):
        return [data.get(n) for n in output_names]
    if data is None:
        return [None] * len(output_names)
    if not isinstance(data, (list, tuple)) or len(data) != len(output_names):
        raise ValueError(
            f"The model has {len(output_names)} outputs ({output_names}); pass targets as a list of "
            f"{len(output_names)} arrays or a dict keyed by output name."
        )
    return list(data)


def _per_output(spec: Any, output_names: list[str], what: str) -> list[Any]:
    """Expands a loss / loss_weights spec (single, list or dict by output name) to one entry per output."""
    n = len(output_names)
    if isinstance(spec, dict):
        unknown = set(spec) - set(output_names)
        if unknown:
            raise ValueError(
                f"`{what}` has keys {sorted(unknown)} that are not output names. Output names: {output_names}"
            )
        return [spec.get(name) for name in output_names]
    if isinstance(spec, (list, tuple)):
        if len(spec) != n:
            raise ValueError(
                f"`{what}` has {len(spec)} entries, but the model has {n} outputs ({output_names})."
            )
        return list(spec)
    return [spec] * n


class CompileLoss:
    """Computes the total loss of a model's outputs, each with its own loss and weight."""

    def __init__(self, loss: Any, loss_weights: Any, output_names: list[str]) -> None:
        self.output_names = output_names
        specs = _per_output(loss, output_names, "loss")
        self.fns = [losses_module.get(s) for s in specs]
        weights = loss_weights if loss_weights is not None else [1.0] * len(output_names)
        if isinstance(weights, (int, float)):
            weights = [float(weights)] * len(output_names)
        self.weights = [
            1.0 if w is None else float(w) for w in _per_output(weights, output_names, "loss_weights")
        ]

    def __call__(
        self, y_true: list[Any], y_pred: list[Tensor], sample_weight: list[Any]
    ) -> tuple[Tensor | None, list[Any]]:
        """Returns the weighted total and the per-output loss values (Tensors or None)."""
        total = None
        parts: list[Any] = []
        for fn, w, yt, yp, sw in zip(self.fns, self.weights, y_true, y_pred, sample_weight):
            if fn is None or yt is None:
                parts.append(None)
                continue
            if isinstance(fn, losses_module.Loss):
                value = fn(yt, yp, sw)
            else:
                value = losses_module.reduce_weighted_values(
                    fn(yt, yp), sw, mask=getattr(yp, "_keras_mask", None)
                )
            parts.append(value)
            term = value if w == 1.0 else ops.multiply(value, w)
            total = term if total is None else ops.add(total, term)
        return total, parts


class CompileMetrics(Metric):
    """The compiled metrics of every output as one metric, `model.metrics`' "compile_metrics".

    As in Keras 3 (compile_utils.py), string names such as "accuracy" are resolved from the
    shapes of the first batch (`build`); `update_state(y_true, y_pred, sample_weight)` takes
    the model's structures, and `result()` is a dict keyed by each metric's log name
    ("accuracy", or "aux_output_mae" with several outputs).
    """

    def __init__(self, metrics: Any, weighted_metrics: Any, output_names: list[str]) -> None:
        super().__init__(name="compile_metrics")
        self.output_names = output_names
        self._specs = self._expand(metrics)
        self._weighted_specs = self._expand(weighted_metrics)
        self._per_output: list[list[Any]] | None = None  # per output, once built
        self._weighted_per_output: list[list[Any]] | None = None

    def _expand(self, spec: Any) -> list[list[Any]]:
        n = len(self.output_names)
        if spec is None:
            return [[] for _ in range(n)]
        if isinstance(spec, dict):
            per = _per_output(spec, self.output_names, "metrics")
            return [list(p) if isinstance(p, (list, tuple)) else ([] if p is None else [p]) for p in per]
        if (
            isinstance(spec, (list, tuple))
            and n > 1
            and len(spec) == n
            and all(isinstance(s, (list, tuple)) for s in spec)
        ):
            return [list(s) for s in spec]
        if not isinstance(spec, (list, tuple)):
            raise TypeError(f"`metrics` must be a list or a dict. Received: metrics={spec!r}")
        return [list(spec) for _ in range(n)]

    def build(self, y_true: list[Any], y_pred: list[Any]) -> None:
        def make(specs_per_output):
            out = []
            for specs, yt, yp in zip(specs_per_output, y_true, y_pred):
                shape_t = None if yt is None else tuple(yt.shape)
                out.append([resolve_compile_metric(s, shape_t, tuple(yp.shape)) for s in specs])
            return out

        self._per_output = make(self._specs)
        self._weighted_per_output = make(self._weighted_specs)
        multi = len(self.output_names) > 1
        self._names = []
        for i, name in enumerate(self.output_names):
            for m in self._per_output[i]:
                self._names.append(f"{name}_{m.name}" if multi else m.name)
            for m in self._weighted_per_output[i]:
                self._names.append(f"{name}_{m.name}" if multi else m.name)

    @property
    def built(self) -> bool:
        return self._per_output is not None

    def update(self, y_true: list[Any], y_pred: list[Any], sample_weight: list[Any]) -> None:
        if self._per_output is None:
            self.build(y_true, y_pred)
        for i, (yt, yp) in enumerate(zip(y_true, y_pred)):
            if yt is None:
                continue
            for m in self._per_output[i]:
                m.update_state(yt, yp)
            for m in self._weighted_per_output[i]:
                m.update_state(yt, yp, sample_weight=sample_weight[i])

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        """Updates every compiled metric from the model's targets and outputs (any structure)."""
        preds = [p.data if isinstance(p, Tensor) else p for p in to_output_list(y_pred, self.output_names)]
        sws = (
            to_output_list(sample_weight, self.output_names)
            if sample_weight is not None
            else [None] * len(preds)
        )
        self.update(to_output_list(y_true, self.output_names), preds, sws)

    def reset_state(self) -> None:
        for group in (self._per_output or []) + (self._weighted_per_output or []):
            for m in group:
                m.reset_state()

    reset = reset_state

    @property
    def metrics(self) -> list[Any]:
        """Every compiled metric object, in log order ([] before the first batch), as Keras's
        `CompileMetrics.metrics` lists them (callbacks read their names and directions)."""
        if self._per_output is None:
            return []
        return [
            m
            for i in range(len(self.output_names))
            for m in self._per_output[i] + self._weighted_per_output[i]
        ]

    def result(self) -> dict[str, Any]:
        """{log name: result Tensor} of every compiled metric ({} before the first batch)."""
        if self._per_output is None:
            return {}
        return dict(zip(self._names, [m.result() for m in self.metrics]))
