"""The benchmark workloads (the tutorials' networks) and their data.

Every framework builds the same network from one `Workload`, trains it on the
same arrays (float32, pixels scaled to [0, 1]) with the same batch size and
learning rate, and is measured on the same 10,000 test images.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Workload:
    """One network and training setup.

    Attributes:
        name: short key used on the command line (`--workloads dense32,cnn128`).
        title: the row label in the results table.
        dataset: "mnist" or "fashion_mnist".
        kind: "mlp" (flattened 784 inputs) or "cnn" ((28, 28, 1) inputs).
        hidden: the hidden layer widths of an MLP.
        activation: the hidden activation of an MLP ("relu" or "sigmoid").
        batch_size: samples per SGD update (also the predict batch size).
        learning_rate: plain SGD, no momentum.
    """

    name: str
    title: str
    dataset: str
    kind: str
    hidden: tuple[int, ...] = ()
    activation: str = "relu"
    batch_size: int = 32
    learning_rate: float = 0.01

    @property
    def sizes(self) -> list[int]:
        """Layer widths of an MLP, input and output included: [784, *hidden, 10]."""
        return [784, *self.hidden, 10]


# The three-convolution CNN: Conv2D 32 5x5 same relu -> MaxPool2D -> Conv2D 64 3x3
# same relu -> MaxPool2D -> Conv2D 128 3x3 same relu -> MaxPool2D -> Flatten ->
# Dense 128 relu -> Dense 10 softmax. (filters, kernel size) per convolution:
CNN_CONVS = ((32, 5), (64, 3), (128, 3))
CNN_DENSE = 128

WORKLOADS = {
    w.name: w
    for w in (
        Workload("dense32", "dense 784-250-100-10 relu, batch 32", "mnist", "mlp", (250, 100), "relu", 32),
        Workload("dense128", "dense 784-250-100-10 relu, batch 128", "mnist", "mlp", (250, 100), "relu", 128),
        Workload("cnn32", "CNN 3 conv, batch 32", "mnist", "cnn", batch_size=32),
        Workload("cnn128", "CNN 3 conv, batch 128", "mnist", "cnn", batch_size=128),
        Workload(
            "fashion32", "Fashion-MNIST 300/100 MLP, batch 32", "fashion_mnist", "mlp", (300, 100), "relu", 32
        ),
        Workload("sigmoid128", "128/64 sigmoid MLP, batch 128", "mnist", "mlp", (128, 64), "sigmoid", 128),
    )
}

# In --quick mode each epoch uses this many training samples and test images.
QUICK_TRAIN = 2048
QUICK_TEST = 1000


def load_data(workload: Workload, quick: bool = False) -> tuple[dict[str, np.ndarray], str]:
    """Returns ({"x", "y", "x_test", "y_test"}, note) for a workload.

    Images are float32 in [0, 1], flattened to (N, 784) for an MLP or shaped
    (N, 28, 28, 1) for the CNN; labels are int64 (N,). When MNIST's files are
    not on this machine, Fashion-MNIST (the same shapes and sizes) stands in for
    it, and when neither is, seeded random images do; `note` then says so.
    """
    import contextlib
    import io

    from scratchnn.datasets import fashion_mnist, mnist

    loaders = {"mnist": mnist.load_data, "fashion_mnist": fashion_mnist.load_data}
    note = ""
    try:
        with contextlib.redirect_stderr(io.StringIO()), contextlib.redirect_stdout(io.StringIO()):
            (x, y), (xt, yt) = loaders[workload.dataset]()  # quiet: its download attempts print
    except Exception:  # noqa: BLE001 - any missing-data error falls through to a stand-in
        try:
            (x, y), (xt, yt) = fashion_mnist.load_data()
            note = f"{workload.dataset} not found: Fashion-MNIST (same shapes) stood in"
        except Exception:  # noqa: BLE001
            rng = np.random.default_rng(0)
            x = rng.integers(0, 256, (60000, 28, 28), dtype=np.uint8)
            y = rng.integers(0, 10, 60000)
            xt = rng.integers(0, 256, (10000, 28, 28), dtype=np.uint8)
            yt = rng.integers(0, 10, 10000)
            note = "no data set found: random images stood in (accuracy meaningless)"
    if quick:
        x, y, xt, yt = x[:QUICK_TRAIN], y[:QUICK_TRAIN], xt[:QUICK_TEST], yt[:QUICK_TEST]
    shape = (-1, 784) if workload.kind == "mlp" else (-1, 28, 28, 1)
    data = {
        "x": (x.reshape(shape) / np.float32(255)).astype(np.float32),
        "y": y.astype(np.int64),
        "x_test": (xt.reshape(shape) / np.float32(255)).astype(np.float32),
        "y_test": yt.astype(np.int64),
    }
    return data, note
