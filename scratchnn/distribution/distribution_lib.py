"""Keras 3's `keras.distribution` names for data-parallel training over MPI ranks.

Follows keras/src/distribution/distribution_lib.py where it applies: a
"device" is one MPI rank's CPU ("cpu:0", "cpu:1", ...), a `DeviceMesh` is a
1-D arrangement of them along the "batch" axis, and `DataParallel` keeps one
replica of the model on every rank. `set_distribution` makes `fit` and
`evaluate` use it (see `data_parallel.ReplicaSync`). `ModelParallel`,
`LayoutMap` and tensor layouts have no counterpart: a scratchnn model lives
whole in each process.

Example (run with `mpiexec -n 2 python script.py`):

>>> from scratchnn import keras                                        # doctest: +SKIP
>>> keras.distribution.set_distribution(keras.distribution.DataParallel())  # doctest: +SKIP
>>> model.fit(x, y, batch_size=64)   # each of 2 ranks trains on 32 rows of every batch  # doctest: +SKIP
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from scratchnn.distribution import mpi

DEFAULT_BATCH_DIM_NAME = "batch"
_state: dict[str, Any] = {"distribution": None}


def _world() -> tuple[int, int]:
    """(rank, size): MPI's when a launcher started this process, else (0, 1) without importing mpi4py."""
    if mpi.launched_size() <= 1:
        return 0, 1
    MPI = mpi.import_mpi()
    return MPI.COMM_WORLD.Get_rank(), MPI.COMM_WORLD.Get_size()


def list_devices(device_type: str | None = None) -> list[str]:
    """The devices of the job: one "cpu:<rank>" per MPI rank ("cpu:0" alone without a launcher).

    Args:
        device_type: None or "cpu"; other types ("gpu", "tpu") have no devices here.

    Returns:
        A list of device names.

    Raises:
        ImportError: naming the `scratchnn[mpi]` extra when started by mpiexec without mpi4py.
    """
    if device_type is not None and device_type.lower() != "cpu":
        return []
    return [f"cpu:{rank}" for rank in range(_world()[1])]


def get_device_count(device_type: str | None = None) -> int:
    """The number of devices `list_devices(device_type)` returns."""
    return len(list_devices(device_type))


def initialize(
    job_addresses: Any = None, num_processes: int | None = None, process_id: int | None = None
) -> None:
    """Initializes MPI and checks the job's size and this process's rank.

    With MPI the launcher (`mpiexec -n N`, `srun`) starts the processes and
    tells each its rank, so `job_addresses` is not needed (the host list is
    the launcher's `-hosts`/`-f hostfile`); it is accepted for Keras
    compatibility and ignored.

    Args:
        job_addresses: ignored (see above).
        num_processes: the expected number of ranks, or None.
        process_id: the expected rank of this process, or None.

    Raises:
        ImportError: naming the `scratchnn[mpi]` extra when mpi4py is missing.
        ValueError: when the launcher started another number of ranks, or this process has another rank.
    """
    MPI = mpi.import_mpi()
    rank, size = MPI.COMM_WORLD.Get_rank(), MPI.COMM_WORLD.Get_size()
    if num_processes is not None and int(num_processes) != size:
        raise ValueError(
            f"initialize() expected {num_processes} processes, but the MPI launcher started {size}. "
            f"Start the job with `mpiexec -n {num_processes} ...`. Received: num_processes={num_processes}"
        )
    if process_id is not None and int(process_id) != rank:
        raise ValueError(
            f"initialize() expected this process to have id {process_id}, but MPI gave it rank {rank}: the "
            f"launcher assigns the ranks. Received: process_id={process_id}"
        )


class DeviceMesh:
    """A cluster of devices, arranged in `shape` with one name per axis.

    Args:
        shape: e.g. `(2,)` for two ranks.
        axis_names: one name per axis, e.g. `["batch"]`.
        devices: device names; defaults to `list_devices()`.

    Raises:
        ValueError: empty or mismatched `shape`/`axis_names`, or a shape that does not hold the devices.
    """

    def __init__(self, shape: Sequence[int], axis_names: Sequence[str], devices: Any = None) -> None:
        if not shape or not axis_names:
            raise ValueError(
                f"Shape and axis_names cannot be empty. Received: shape={shape}, axis_names={axis_names}"
            )
        if len(shape) != len(axis_names):
            raise ValueError(
                f"Shape and axis_names should have same size. Received: shape={shape}, axis_names={axis_names}"
            )
        devices = np.array(list_devices() if devices is None else devices)
        if math.prod(shape) != devices.size:
            raise ValueError(
                f"Shape does not match the number of devices. Received: shape={shape}; devices.shape={devices.shape}"
            )
        self._shape = tuple(shape)
        self._axis_names = list(axis_names)
        self._devices = devices.reshape(self._shape)

    @property
    def shape(self) -> tuple[int, ...]:
        return self._shape

    @property
    def axis_names(self) -> list[str]:
        return self._axis_names

    @property
    def devices(self) -> np.ndarray:
        return self._devices

    def __repr__(self) -> str:
        return f"<DeviceMesh shape={self.shape}, axis_names={self.axis_names}>"


class Distribution:
    """Base class of distributions: a device mesh and the batch axis's name (Keras's `Distribution`).

    Args:
        device_mesh: a `DeviceMesh`.
        batch_dim_name: the mesh axis the batch is split along.
        auto_shard_dataset: each rank takes its share of the data it is given. Defaults to True.
    """

    def __init__(
        self, device_mesh: DeviceMesh, batch_dim_name: str | None = None, auto_shard_dataset: bool = True
    ):
        self._device_mesh = device_mesh
        self._batch_dim_name = batch_dim_name
        self._auto_shard_dataset = auto_shard_dataset
        self._process_id, self._num_processes = _world()

    @property
    def device_mesh(self) -> DeviceMesh:
        return self._device_mesh

    @property
    def batch_dim_name(self) -> str | None:
        return self._batch_dim_name

    @property
    def auto_shard_dataset(self) -> bool:
        return self._auto_shard_dataset

    @property
    def num_processes(self) -> int:
        """The number of processes (MPI ranks) of the job."""
        return self._num_processes

    @property
    def process_id(self) -> int:
        """This process's rank."""
        return self._process_id

    @contextlib.contextmanager
    def scope(self) -> Iterator[Distribution]:
        """Makes this the current distribution inside the `with` block."""
        previous = distribution()
        set_distribution(self)
        try:
            yield self
        finally:
            set_distribution(previous)


def distribution() -> Distribution | None:
    """The current distribution (None: training in this process alone)."""
    return _state["distribution"]


def set_distribution(value: Distribution | None) -> None:
    """Sets the distribution `fit` and `evaluate` use (None turns it off).

    Raises:
        TypeError: for anything but a `Distribution` or None.
    """
    if value is not None and not isinstance(value, Distribution):
        raise TypeError(
            f"set_distribution() expects a Distribution (e.g. DataParallel()) or None. Received: {value!r}"
        )
    _state["distribution"] = value
