"""One runner per framework: the same network, trained and queried each framework's own way.

A runner is built from a `Workload` and the training arrays, and offers:

    fit_epoch(x, y)   one shuffled epoch of SGD at the workload's batch size
    predict(x)        class probabilities (N, 10) as a NumPy array, in batches
    predict_one(x1)   the framework's `predict` on one image (1, ...)
    call_one(x1)      a direct forward call on one image (model(x), no_grad)

scratchnn and Keras use the tutorial code (`Sequential`, `compile` with
`metrics=["accuracy"]`, `fit`, `predict`); PyTorch uses the usual eager loop;
the NumPy floor writes forward, backward and the SGD update inline.
"""

from __future__ import annotations

import importlib.util
import os

import numpy as np

from benchmarks.workloads import CNN_CONVS, CNN_DENSE, Workload

# name on the command line -> (label in the table, module whose presence makes it available)
FRAMEWORKS = {
    "scratchnn": ("scratchnn", "scratchnn"),
    "numpy": ("NumPy floor", "numpy"),
    "keras": ("Keras 3 / TensorFlow", "tensorflow"),
    "torch": ("PyTorch eager", "torch"),
}


def available(name: str) -> bool:
    """Whether the framework's package can be imported by this interpreter."""
    return importlib.util.find_spec(FRAMEWORKS[name][1]) is not None


def set_threads(name: str, threads: int) -> None:
    """Pins the framework's own thread pools (BLAS pools follow the environment)."""
    if name == "torch":
        import torch

        torch.set_num_threads(threads)
    elif name == "keras":
        import tensorflow as tf

        tf.config.threading.set_intra_op_parallelism_threads(threads)
        tf.config.threading.set_inter_op_parallelism_threads(threads)


def make_runner(name: str, workload: Workload, x: np.ndarray, y: np.ndarray):
    """Builds the framework's runner for a workload (seeded with 0)."""
    runners = {"scratchnn": ScratchnnRunner, "keras": KerasRunner, "torch": TorchRunner, "numpy": NumpyRunner}
    return runners[name](workload, x, y)


def build_keras_model(keras, workload: Workload):
    """The workload's network with a Keras-3 API (`scratchnn.keras` or `keras`)."""
    layers = keras.layers
    if workload.kind == "mlp":
        stack = [keras.Input((784,))]
        stack += [layers.Dense(n, activation=workload.activation) for n in workload.hidden]
    else:
        stack = [keras.Input((28, 28, 1))]
        for filters, size in CNN_CONVS:
            stack += [layers.Conv2D(filters, size, padding="same", activation="relu"), layers.MaxPool2D()]
        stack += [layers.Flatten(), layers.Dense(CNN_DENSE, activation="relu")]
    model = keras.Sequential([*stack, layers.Dense(10, activation="softmax")])
    model.compile(
        optimizer=keras.optimizers.SGD(learning_rate=workload.learning_rate),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model


class _KerasApiRunner:
    """scratchnn and Keras share the tutorial code; only the module differs."""

    def __init__(self, keras, workload: Workload) -> None:
        keras.utils.set_random_seed(0)
        self.workload = workload
        self.model = build_keras_model(keras, workload)

    def fit_epoch(self, x: np.ndarray, y: np.ndarray) -> None:
        self.model.fit(x, y, batch_size=self.workload.batch_size, epochs=1, verbose=0, shuffle=True)

    def predict(self, x: np.ndarray) -> np.ndarray:
        return np.asarray(self.model.predict(x, batch_size=self.workload.batch_size, verbose=0))

    def predict_one(self, x1: np.ndarray):
        return self.model.predict(x1, verbose=0)

    def call_one(self, x1: np.ndarray):
        return self.model(x1, training=False)


class ScratchnnRunner(_KerasApiRunner):
    def __init__(self, workload: Workload, x: np.ndarray, y: np.ndarray) -> None:
        from scratchnn import keras

        super().__init__(keras, workload)


class KerasRunner(_KerasApiRunner):
    def __init__(self, workload: Workload, x: np.ndarray, y: np.ndarray) -> None:
        os.environ["KERAS_BACKEND"] = "tensorflow"
        import keras

        super().__init__(keras, workload)


class TorchRunner:
    """nn.Sequential ending in logits; cross_entropy on the logits is softmax + CE."""

    def __init__(self, workload: Workload, x: np.ndarray, y: np.ndarray) -> None:
        import torch
        from torch import nn

        torch.manual_seed(0)
        self.torch, self.workload = torch, workload
        if workload.kind == "mlp":
            act = nn.ReLU if workload.activation == "relu" else nn.Sigmoid
            mods: list = []
            for a, b in zip(workload.sizes[:-2], workload.sizes[1:-1]):
                mods += [nn.Linear(a, b), act()]
            mods.append(nn.Linear(workload.sizes[-2], 10))
        else:
            mods, channels, side = [], 1, 28
            for filters, size in CNN_CONVS:
                # Keras's "same" padding for odd kernels, then a 2x2 pool (floor).
                mods += [nn.Conv2d(channels, filters, size, padding=size // 2), nn.ReLU(), nn.MaxPool2d(2)]
                channels, side = filters, side // 2
            mods += [nn.Flatten(), nn.Linear(channels * side * side, CNN_DENSE), nn.ReLU()]
            mods.append(nn.Linear(CNN_DENSE, 10))
        self.model = nn.Sequential(*mods)
        for m in self.model.modules():  # Keras's defaults: glorot_uniform kernels, zero biases
            if isinstance(m, (nn.Linear, nn.Conv2d)):
                nn.init.xavier_uniform_(m.weight)
                nn.init.zeros_(m.bias)
        self.optimizer = torch.optim.SGD(self.model.parameters(), lr=workload.learning_rate)

    def _tensor(self, x: np.ndarray):
        # NHWC (Keras layout) -> NCHW (PyTorch layout) for the CNN.
        if x.ndim == 4:
            x = np.ascontiguousarray(x.transpose(0, 3, 1, 2))
        return self.torch.from_numpy(x)

    def fit_epoch(self, x: np.ndarray, y: np.ndarray) -> None:
        torch = self.torch
        xt, yt = self._tensor(x), torch.from_numpy(y)
        bs, loss_fn = self.workload.batch_size, torch.nn.functional.cross_entropy
        self.model.train()
        perm = torch.randperm(len(xt))
        for i in range(0, len(xt), bs):
            idx = perm[i : i + bs]
            self.optimizer.zero_grad(set_to_none=True)
            loss = loss_fn(self.model(xt[idx]), yt[idx])
            loss.backward()
            self.optimizer.step()

    def predict(self, x: np.ndarray) -> np.ndarray:
        torch, bs = self.torch, self.workload.batch_size
        self.model.eval()
        xt = self._tensor(x)
        with torch.no_grad():
            outs = [torch.softmax(self.model(xt[i : i + bs]), dim=1) for i in range(0, len(xt), bs)]
        return torch.cat(outs).numpy()

    def predict_one(self, x1: np.ndarray) -> np.ndarray:
        with self.torch.no_grad():
            return self.torch.softmax(self.model(self._tensor(x1)), dim=1).numpy()

    def call_one(self, x1: np.ndarray):
        if not hasattr(self, "_x1"):
            self._x1 = self._tensor(x1)
        with self.torch.no_grad():
            return self.model(self._x1)


class NumpyRunner:
    """The floor: the MLP's forward, backward and SGD update written inline in NumPy."""

    def __init__(self, workload: Workload, x: np.ndarray, y: np.ndarray) -> None:
        if workload.kind != "mlp":
            raise ValueError(f"The NumPy floor covers MLPs only. Received: workload={workload.name!r}")
        self.workload = workload
        self.rng = np.random.default_rng(0)
        sizes = workload.sizes
        # glorot_uniform: U(-l, l), l = sqrt(6 / (fan_in + fan_out)); zero biases.
        self.W = [
            self.rng.uniform(-1, 1, (a, b)).astype(np.float32) * np.float32(np.sqrt(6 / (a + b)))
            for a, b in zip(sizes, sizes[1:])
        ]
        self.b = [np.zeros(n, dtype=np.float32) for n in sizes[1:]]
        self.sigmoid = workload.activation == "sigmoid"
        self.phase_seconds = {"gather": 0.0, "forward": 0.0, "backward": 0.0, "update": 0.0}

    def _act(self, z: np.ndarray) -> np.ndarray:
        if self.sigmoid:
            return 1 / (1 + np.exp(-z))
        return np.maximum(z, 0, out=z)

    def _forward(self, x: np.ndarray) -> list[np.ndarray]:
        """Activations [x, h1, ..., probabilities]."""
        hs = [x]
        for W, b in zip(self.W[:-1], self.b[:-1]):
            hs.append(self._act(hs[-1] @ W + b))
        z = hs[-1] @ self.W[-1] + self.b[-1]
        z -= z.max(axis=1, keepdims=True)  # softmax is shift-invariant; avoids overflow in exp
        p = np.exp(z)
        p /= p.sum(axis=1, keepdims=True)
        hs.append(p)
        return hs

    def fit_epoch(self, x: np.ndarray, y: np.ndarray, timed: bool = False) -> None:
        bs, lr = self.workload.batch_size, np.float32(self.workload.learning_rate)
        clock = __import__("time").perf_counter if timed else None
        order = self.rng.permutation(len(x))
        for i in range(0, len(x), bs):
            t0 = clock() if timed else 0.0
            idx = order[i : i + bs]
            xb, yb = x[idx], y[idx]
            t1 = clock() if timed else 0.0
            hs = self._forward(xb)
            t2 = clock() if timed else 0.0
            # d(mean CE)/dz = (softmax - onehot) / n, shape (n, 10).
            dz = hs[-1]
            dz[np.arange(len(yb)), yb] -= 1
            dz /= len(yb)
            grads = []
            for layer in range(len(self.W) - 1, -1, -1):
                h = hs[layer]  # input of this layer (n, in)
                grads.append((h.T @ dz, dz.sum(axis=0)))
                if layer:
                    dh = dz @ self.W[layer].T
                    # relu' = (h > 0); sigmoid' = h (1 - h), h the activation itself.
                    dz = dh * (h * (1 - h)) if self.sigmoid else dh * (h > 0)
            t3 = clock() if timed else 0.0
            for W, b, (dW, db) in zip(self.W, self.b, reversed(grads)):
                W -= lr * dW
                b -= lr * db
            if timed:
                t4 = clock()
                ps = self.phase_seconds
                ps["gather"] += t1 - t0
                ps["forward"] += t2 - t1
                ps["backward"] += t3 - t2
                ps["update"] += t4 - t3

    def predict(self, x: np.ndarray) -> np.ndarray:
        bs = self.workload.batch_size
        return np.concatenate([self._forward(x[i : i + bs])[-1] for i in range(0, len(x), bs)])

    def predict_one(self, x1: np.ndarray) -> np.ndarray:
        return self._forward(x1)[-1]

    call_one = predict_one
