"""Useful arithmetic of a training step, derived from the layer shapes (no hard-coded totals).

One SGD step on one image does, per layer with weights:

    forward   y = x W            one multiply-add per (output element, weight it touches)
    dW        dW = x^T dy        the same count as the forward pass
    dX        dx = dy W^T        the same count again, except for the first layer (its
                                 input is data: nobody needs its gradient)

A convolution's output element (i, j, o) touches kh*kw*C weights, so its forward count
is oh*ow*O*kh*kw*C; a dense layer's is units*inputs. Pooling, ReLU, bias and the loss add
no multiply-adds that a framework could avoid, so "useful GFLOP/s" is
2 * multiply-adds * images / seconds, the same number for every framework whatever
algorithm it uses (a Winograd convolution does fewer multiplications for the same work).
"""

from __future__ import annotations

from dataclasses import dataclass

from benchmarks.workloads import CNN_CONVS, CNN_DENSE, Workload


@dataclass(frozen=True)
class StepCount:
    """Multiply-adds per image of one training step, by part."""

    forward: int
    weight_grad: int
    input_grad: int

    @property
    def total(self) -> int:
        return self.forward + self.weight_grad + self.input_grad

    @property
    def flops(self) -> int:
        """Floating-point operations: a multiply-add is two."""
        return 2 * self.total


def _same_or_valid(size: int, k: int, padding: str) -> int:
    return size if padding == "same" else size - k + 1


def cnn_layer_macs(
    side: int, channels: int, convs: list[tuple[int, int, str]], dense: list[int], classes: int = 10
) -> list[int]:
    """Forward multiply-adds per image of each weighted layer of a conv -> 2x2 max-pool stack.

    Args:
        side: input height = width (28 for MNIST); channels: input channels.
        convs: (filters, kernel size, padding) per convolution, each followed by a 2x2 pool.
        dense: hidden dense widths after the flatten; `classes` outputs at the end.
    """
    macs = []
    for filters, k, padding in convs:
        out = _same_or_valid(side, k, padding)
        macs.append(out * out * filters * k * k * channels)
        side, channels = out // 2, filters
    width = side * side * channels
    for units in [*dense, classes]:
        macs.append(width * units)
        width = units
    return macs


def _count(layer_macs: list[int]) -> StepCount:
    return StepCount(sum(layer_macs), sum(layer_macs), sum(layer_macs[1:]))


def step_count(workload: Workload) -> StepCount:
    """Multiply-adds per image of one training step of a benchmark workload."""
    if workload.kind == "mlp":
        sizes = workload.sizes
        return _count([a * b for a, b in zip(sizes, sizes[1:])])
    convs = [(filters, k, "same") for filters, k in CNN_CONVS]
    return _count(cnn_layer_macs(28, 1, convs, [CNN_DENSE]))


def useful_gflops(workload: Workload, images: int, seconds: float) -> float:
    """Useful GFLOP/s of `images` training images in `seconds`."""
    return step_count(workload).flops * images / seconds / 1e9


def describe(workload: Workload) -> str:
    """One line: the counts behind the GFLOP/s column."""
    c = step_count(workload)
    return (
        f"{workload.title}: {c.total / 1e6:.2f} M multiply-adds = {c.flops / 1e6:.1f} MFLOP per image per "
        f"training step (forward {c.forward / 1e6:.2f} M, dW {c.weight_grad / 1e6:.2f} M, "
        f"dX {c.input_grad / 1e6:.2f} M)"
    )
