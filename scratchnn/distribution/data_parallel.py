"""`DataParallel`: synchronous data-parallel SGD over MPI ranks, and what `fit` does with it.

With R ranks and the user's batch size B (the *global* batch), every rank
walks the same sequence of global batches (rank 0's shuffle order, broadcast
each epoch) and trains on its own rows of each: rank r takes rows
[B*r//R, B*(r+1)//R). One step on every rank:

    g_r = d(loss on the n_r rows of rank r)/dw          (a mean over n_r rows)
    g   = sum_r (n_r / B) * g_r                          (one Allreduce of one flat buffer)
        = d(mean loss over the B rows)/dw                (the single-process gradient)

so every rank applies the same update, and R ranks follow the single-process
trajectory: the same sums, grouped differently (float32 rounding apart).
`ReplicaSync` holds the per-fit state: the communicator, the flat buffer
(allocated once), the metric-state reduction and the timing counters.
"""

from __future__ import annotations

import sys
import warnings
from collections.abc import Iterator
from typing import Any

import numpy as np

from scratchnn.backend import random
from scratchnn.callbacks.callback import Callback
from scratchnn.distribution import mpi
from scratchnn.distribution.distribution_lib import (
    DEFAULT_BATCH_DIM_NAME,
    DeviceMesh,
    Distribution,
    list_devices,
)
from scratchnn.distribution.metric_state import state_slots

# Callbacks that write files or the terminal: only rank 0 runs them (matched by class name so that
# this module needs nothing above it in the import order).
CHIEF_ONLY_CALLBACKS = ("ProgbarLogger", "ModelCheckpoint", "CSVLogger", "TensorBoard", "BackupAndRestore")
_BATCH_HOOKS = ("on_train_batch_begin", "on_train_batch_end", "on_batch_begin", "on_batch_end")
# Loss reductions whose gradient over a split batch is the size-weighted sum of the shards' gradients.
_MEAN_REDUCTIONS = ("sum_over_batch_size", "mean")


class DataParallel(Distribution):
    """Data parallelism: a replica of the model on every MPI rank, each training on its share of every batch.

    Start the job with `mpiexec -n R python script.py` (or `mpiexec -n R
    scratchnn train RECIPE`). With `set_distribution(DataParallel())`,
    `fit` broadcasts rank 0's weights, splits every batch of `batch_size`
    rows into R shards, averages the gradients with one Allreduce per step
    and reduces the metrics across ranks; only rank 0 shows the progress bar
    and runs the file-writing callbacks (ModelCheckpoint, CSVLogger,
    TensorBoard, BackupAndRestore). `evaluate` splits the data the same way.
    In a single process it changes nothing. Two differences from one process
    remain: Dropout draws its masks per rank, and BatchNormalization normalizes
    with each rank's own rows (as Keras without SyncBatchNormalization), its
    moving statistics averaged over the ranks after every epoch.

    Args:
        device_mesh: a 1-D `DeviceMesh` with one device per rank. Defaults to None.
        devices: device names for a 1-D mesh. Defaults to None (`list_devices()`).
        auto_shard_dataset: must be True: every rank is given the same data and takes its share.

    Raises:
        ImportError: naming the `scratchnn[mpi]` extra when mpi4py is missing.
        ValueError: a mesh whose size is not the number of ranks, or `auto_shard_dataset=False`.

    Example:

    >>> keras.distribution.set_distribution(keras.distribution.DataParallel())  # doctest: +SKIP
    """

    def __init__(
        self, device_mesh: DeviceMesh | None = None, devices: Any = None, auto_shard_dataset: bool = True
    ):
        mpi.import_mpi()
        if device_mesh is not None:
            if not isinstance(device_mesh, DeviceMesh):
                raise ValueError(
                    f"Expect `mesh` to be an instance of `DeviceMesh`. Received: mesh={device_mesh!r} "
                    f"(of type {type(device_mesh).__name__})"
                )
            if device_mesh.devices.ndim != 1:
                warnings.warn(
                    f"Expect the input mesh to be 1D, but received mesh.devices.ndim={device_mesh.devices.ndim}. "
                    "The first axis will be used for data-parallel sharding.",
                    stacklevel=2,
                )
            mesh, batch_dim = device_mesh, device_mesh.axis_names[0]
        else:
            names = np.array(list_devices() if not devices else devices)
            mesh, batch_dim = DeviceMesh(names.shape, [DEFAULT_BATCH_DIM_NAME], names), DEFAULT_BATCH_DIM_NAME
        super().__init__(mesh, batch_dim, auto_shard_dataset)
        if not auto_shard_dataset:
            raise ValueError(
                "DataParallel over MPI needs auto_shard_dataset=True: pass the same data on every rank and each "
                "rank trains on its share of every batch. Received: auto_shard_dataset=False"
            )
        if mesh.devices.size != self.num_processes:
            raise ValueError(
                f"DataParallel runs one replica per MPI rank, but the mesh has {mesh.devices.size} devices and "
                f"{self.num_processes} ranks were started. Start the job with `mpiexec -n {mesh.devices.size} ...`, "
                f"or use the default devices. Received: devices={mesh.devices.tolist()}"
            )

        self.last_replicas: ReplicaSync | None = None
        if self.num_processes > 1:
            abort_on_uncaught_exceptions()

    @property
    def num_model_replicas(self) -> int:
        return int(self.device_mesh.devices.size)

    @property
    def data_shard_id(self) -> int:
        return self.process_id

    def replicas(self) -> ReplicaSync | None:
        """The synchronisation of a `fit`/`evaluate` (None in a single process: nothing to do).

        The last one stays readable as `last_replicas` (its communicator counts the seconds
        spent in collectives and the bytes this rank contributed).
        """
        if self.num_processes <= 1:
            return None
        self.last_replicas = ReplicaSync()
        return self.last_replicas


def abort_on_uncaught_exceptions() -> None:
    """Makes an exception that ends this rank's program end the whole MPI job (after its traceback).

    Without it the other ranks would wait for this one in their next collective until the
    timeout: mpiexec ends a job when a rank is killed, not when one exits with an error.
    """
    if getattr(sys.excepthook, "_scratchnn_aborts", False):
        return
    previous = sys.excepthook

    def hook(kind: type[BaseException], value: BaseException, traceback: Any) -> None:
        previous(kind, value, traceback)
        comm = mpi.Communicator(timeout=1.0)
        comm.abort(f"{kind.__name__}: {value}; ending the job (the other ranks would wait for this one)")

    hook._scratchnn_aborts = True  # type: ignore[attr-defined]
    sys.excepthook = hook


def shard_bounds(length: int, rank: int, size: int) -> tuple[int, int]:
    """Rows [lo, hi) of a batch of `length` rows that rank `rank` of `size` takes (sizes differ by at most 1)."""
    return length * rank // size, length * (rank + 1) // size


class ReplicaSync:
    """What the trainer asks of the other ranks during one `fit` or `evaluate` call.

    Attributes:
        comm: the `mpi.Communicator` (its `seconds` and `bytes` count the collectives).
        rank, size: this rank and the number of ranks.
        is_chief: whether this is rank 0, the one that writes.
        steps: training steps synchronised so far.
    """

    def __init__(self, comm: mpi.Communicator | None = None) -> None:
        self.comm = comm or mpi.Communicator()
        self.rank, self.size = self.comm.rank, self.comm.size
        self.steps = 0
        self.weight = 1.0
        self.sync_batch_stops = False
        self._outer: ReplicaSync | None = None
        self._buffer: np.ndarray | None = None

    @property
    def is_chief(self) -> bool:
        return self.rank == 0

    # -- the start and the end of a fit or evaluate ---------------------------------------------
    def start_fit(
        self, model: Any, callbacks: Any, verbose: int, n: int, batch_size: int, steps: int
    ) -> tuple[list[Any], int]:
        """Prepares a `fit` of `n` rows: the optimizer sums the ranks' gradients until `end`.

        Returns:
            (the callbacks this rank runs, its verbosity: 0 but on rank 0).

        Raises:
            ValueError: for a loss that does not average over the batch, or a last batch with
                fewer rows than ranks.
        """
        last = n % batch_size
        if 0 < last < self.size and steps * batch_size > n:
            raise ValueError(
                f"The last batch of each epoch has {last} row(s) ({n} samples, batch_size={batch_size}), fewer "
                f"than the {self.size} ranks, so a rank would have no rows. Pass a batch size that leaves at "
                f"least {self.size} rows in the last batch, or leave out {last} sample(s)."
            )
        callbacks = self.filter_callbacks(callbacks)
        self.begin(model)
        model.optimizer._gradient_reducer = self._reduce_step_gradients
        model._replica_sync = self
        return callbacks, verbose if self.is_chief else 0

    def end(self, model: Any) -> None:
        """Ends the fit: the optimizer updates from this process's gradients again."""
        if getattr(model, "optimizer", None) is not None:
            model.optimizer._gradient_reducer = None
        model._replica_sync = None

    def start_evaluate(
        self, model: Any, callbacks: Any, verbose: int, n: int
    ) -> tuple[list[Any], int, slice]:
        """Prepares an `evaluate` of `n` rows: each rank takes its part, the metrics are summed.

        Returns:
            (the callbacks this rank runs, its verbosity, its rows).
        """
        self._outer = getattr(model, "_replica_sync", None)  # an evaluate called from a fit's callback
        model._replica_sync = self
        return self.filter_callbacks(callbacks), verbose if self.is_chief else 0, self.evaluation_rows(n)

    def end_evaluate(self, model: Any) -> None:
        model._replica_sync = self._outer

    def begin(self, model: Any) -> None:
        """Checks the losses and gives each rank its own random stream."""
        check_losses(model)
        if self.rank > 0:
            # Dropout masks must differ between ranks (each draws for its own rows); rank 0 keeps its
            # stream, so its draws are those of a single process with the same seed.
            state = int(random.generator().integers(2**63))
            random.set_generator(np.random.default_rng([state, self.rank]))

    def after_train_begin(self, model: Any, initial_epoch: int) -> int:
        """Every rank takes rank 0's weights, optimizer state and first epoch (one broadcast).

        This runs after the callbacks' `on_train_begin`, so a backup that rank 0's
        BackupAndRestore restored reaches every rank. The optimizer is built first
        on every rank, so that its slot variables line up.

        Returns:
            The epoch to start from.
        """
        optimizer = model.optimizer
        if not optimizer.built:
            optimizer.build(model.trainable_weights)
        state = [v.data for v in model.weights] + [v.data for v in optimizer.variables]
        flat = np.concatenate([np.asarray(a, dtype=np.float64).ravel() for a in state] + [[initial_epoch]])
        self.comm.broadcast(flat, "the broadcast of rank 0's weights")
        offset = 0
        for array in state:
            array[...] = flat[offset : offset + array.size].reshape(array.shape)
            offset += array.size
        return int(flat[-1])

    def filter_callbacks(self, callbacks: Any) -> list[Any]:
        """The callbacks this rank runs: all of them on rank 0, none that write on the others.

        Also decides, the same way on every rank, whether the ranks must agree on
        `stop_training` after every batch: only when a callback that every rank runs
        has a batch hook (which might stop training there).
        """
        callbacks = [callbacks] if isinstance(callbacks, Callback) else list(callbacks or [])
        everywhere = [cb for cb in callbacks if type(cb).__name__ not in CHIEF_ONLY_CALLBACKS]
        self.sync_batch_stops = any(
            getattr(type(cb), hook, None) is not getattr(Callback, hook) or hook in vars(cb)
            for cb in everywhere
            for hook in _BATCH_HOOKS
        )
        return callbacks if self.is_chief else everywhere

    # -- the data ---------------------------------------------------------------------------------------
    def batches(self, n: int, batch_size: int, shuffle: bool, steps: int | None) -> Iterator[Any]:
        """This rank's rows of each global batch of an epoch (`data.batch_indices`, sharded).

        Rank 0 draws the shuffle order from the global generator, as a single
        process does, and every rank uses it. `self.weight` is set to n_r / B
        for each batch, for the gradient reduction of its step.
        """
        order = self.shuffle_order(random.generator().permutation(n)) if shuffle else None
        for step, start in enumerate(range(0, n, batch_size)):
            if steps is not None and step >= steps:
                return
            chunk = slice(start, min(start + batch_size, n))
            rows, self.weight = self.shard(chunk if order is None else order[chunk], chunk.stop - start)
            yield rows

    def after_batch(self, model: Any) -> None:
        """Makes the ranks agree on `stop_training` when a batch hook could have set it on one."""
        if self.sync_batch_stops:
            model.stop_training = self.agree(model.stop_training, f"the stop check of step {self.steps}")

    def after_epoch(self, model: Any) -> None:
        """Averages the non-trainable weights over the ranks, and makes them agree on `stop_training`.

        BatchNormalization's moving statistics are updated from each rank's own rows, so the
        ranks' copies drift apart; their mean is what a single process tracks for the mean
        (the moving average is linear in the batch means, shards of equal size), and close to
        it for the variance (the spread between the shards' means is left out).
        """
        frozen = [v.data for v in model.non_trainable_weights if np.asarray(v.data).dtype.kind == "f"]
        if frozen:
            flat = np.concatenate([np.asarray(a, dtype=np.float64).ravel() for a in frozen])
            self.comm.allreduce_sum(flat, "the averaging of the non-trainable weights")
            flat /= self.size
            offset = 0
            for array in frozen:
                array[...] = flat[offset : offset + array.size].reshape(array.shape)
                offset += array.size
        model.stop_training = self.agree(model.stop_training, "the stop check at the end of an epoch")

    def shuffle_order(self, order: np.ndarray) -> np.ndarray:
        """Rank 0's shuffle order of the epoch, on every rank (so each rank's shards are the same batches)."""
        order = np.ascontiguousarray(order, dtype=np.int64)
        return self.comm.broadcast(order, "the broadcast of the epoch's shuffle order")

    def shard(self, index: Any, length: int) -> tuple[Any, float]:
        """This rank's rows of a global batch `index` (a slice or an index array) of `length` rows.

        Returns:
            (the rows, n_r / length): the weight of this rank's gradient in the global one.
        """
        lo, hi = shard_bounds(length, self.rank, self.size)
        if isinstance(index, slice):
            start = index.start or 0
            return slice(start + lo, start + hi), (hi - lo) / length
        return index[lo:hi], (hi - lo) / length

    def evaluation_rows(self, n: int) -> slice:
        """This rank's contiguous part of `n` rows to evaluate (the metric states are summed afterwards)."""
        lo, hi = shard_bounds(n, self.rank, self.size)
        return slice(lo, hi)

    # -- one step -------------------------------------------------------------------------------------
    def _reduce_step_gradients(self, grads: Any, variables: Any) -> list[Any]:
        """The optimizer's `_gradient_reducer` during a fit: this step's weight is `self.weight`."""
        return self.reduce_gradients(list(grads), list(variables), self.weight)

    def reduce_gradients(self, grads: list[Any] | None, variables: list[Any], weight: float) -> list[Any]:
        """sum_r weight_r * grads_r on every rank, with one Allreduce of one flat buffer.

        The buffer holds every gradient, then one presence flag per variable:
        a variable outside the graph has no gradient (None) on any rank and
        stays None, and a rank whose shard of a short last batch is empty
        passes `grads=None` and still receives the others' sum.

        Args:
            grads: this rank's gradients, one per variable (None entries: not in the graph), or None.
            variables: the trainable variables (their shapes size the buffer).
            weight: this rank's n_r / B.

        Returns:
            The reduced gradients, as views into the buffer (valid until the next step).
        """
        sizes = [int(np.prod(v.shape)) for v in variables]
        total = sum(sizes)
        if self._buffer is None or self._buffer.size != total + len(sizes):
            dtype = np.result_type(*(np.dtype(v.dtype) for v in variables)) if variables else np.float32
            self._buffer = np.empty(total + len(sizes), dtype=dtype)
        buffer, offset = self._buffer, 0
        grads = [None] * len(sizes) if grads is None else grads
        flags = buffer[total:]
        for i, (g, size) in enumerate(zip(grads, sizes)):
            view = buffer[offset : offset + size]
            if g is None:
                view.fill(0)
            else:
                # The scaling rides on the copy into the buffer: no separate pass over the gradients.
                np.multiply(np.asarray(getattr(g, "data", g)).reshape(-1), weight, out=view, casting="unsafe")
            flags[i] = g is not None
            offset += size
        self.comm.allreduce_sum(buffer, f"the gradient Allreduce of step {self.steps + 1}")
        self.steps += 1
        out, offset = [], 0
        for i, (size, variable) in enumerate(zip(sizes, variables)):
            out.append(buffer[offset : offset + size].reshape(variable.shape) if flags[i] > 0 else None)
            offset += size
        return out

    def agree(self, flag: bool, what: str) -> bool:
        """Whether any rank's `flag` is set (e.g. stop_training), the same answer on every rank."""
        value = np.array([1.0 if flag else 0.0])
        return bool(self.comm.allreduce_sum(value, what)[0] > 0)

    # -- metrics ----------------------------------------------------------------------------------------
    def reduce_metrics(self, metrics: list[Any], what: str) -> None:
        """Sums the accumulated state of every metric over the ranks, in place (one Allreduce).

        A metric's state is what `reset_state` sets to zero (totals, counts,
        confusion counts, variables), found by resetting a copy; the rest
        (thresholds, names) is configuration and stays. Summed states give
        the metric over all ranks' rows: means, accuracies, precision, AUC...
        """
        slots = [slot for metric in metrics for slot in state_slots(metric)]
        if not slots:
            return
        values = [np.asarray(get(), dtype=np.float64).ravel() for get, _ in slots]
        flat = self.comm.allreduce_sum(np.concatenate(values), what)
        offset = 0
        for (_, put), value in zip(slots, values):
            put(flat[offset : offset + value.size])
            offset += value.size


def check_losses(model: Any) -> None:
    """Raises if a compiled loss's reduction does not split over shards as a size-weighted sum.

    Raises:
        ValueError: naming the loss and its reduction.
    """
    losses = model.loss if isinstance(model.loss, (list, tuple)) else (
        list(model.loss.values()) if isinstance(model.loss, dict) else [model.loss]
    )  # fmt: skip
    for loss in losses:
        reduction = getattr(loss, "reduction", "sum_over_batch_size")
        if reduction not in _MEAN_REDUCTIONS:
            raise ValueError(
                f"DataParallel averages each rank's mean gradient, which needs a loss reduced by the mean over the "
                f"batch ('sum_over_batch_size', the default). Received: loss={loss!r} with reduction={reduction!r}"
            )
