"""scratchnn.distribution in one process: the API, shards, gradient and metric reductions (a fake second rank)."""

import sys

import numpy as np
import pytest

from scratchnn import keras
from scratchnn.distribution import data_parallel, distribution_lib


class TwoRanks:
    """A communicator standing in for rank 0 of 2: the other rank's buffers are queued by the test."""

    def __init__(self):
        self.rank, self.size, self.other = 0, 2, []

    def allreduce_sum(self, buffer, what):
        buffer += self.other.pop(0)
        return buffer

    def broadcast(self, buffer, what, root=0):
        return buffer


def test_devices_mesh_and_current_distribution():
    assert keras.distribution.list_devices() == ["cpu:0"] and keras.distribution.list_devices("gpu") == []
    assert keras.distribution.get_device_count() == 1
    mesh = keras.distribution.DeviceMesh((1,), ["batch"])
    assert mesh.devices.tolist() == ["cpu:0"] and mesh.axis_names == ["batch"]
    with pytest.raises(ValueError, match="Shape does not match the number of devices"):
        keras.distribution.DeviceMesh((2,), ["batch"])
    with pytest.raises(ValueError, match="same size"):
        keras.distribution.DeviceMesh((1,), ["batch", "model"])
    dp = keras.distribution.DataParallel(device_mesh=mesh)
    assert (dp.num_processes, dp.process_id, dp.batch_dim_name, dp.num_model_replicas) == (1, 0, "batch", 1)
    assert dp.replicas() is None  # one process: fit runs as without a distribution
    with dp.scope():
        assert keras.distribution.distribution() is dp
    assert keras.distribution.distribution() is None
    with pytest.raises(ValueError, match="one replica per MPI rank.*mpiexec -n 2"):
        keras.distribution.DataParallel(devices=["cpu:0", "cpu:1"])
    with pytest.raises(ValueError, match="auto_shard_dataset=False"):
        keras.distribution.DataParallel(auto_shard_dataset=False)
    with pytest.raises(TypeError, match="Received: 'data'"):
        keras.distribution.set_distribution("data")
    with pytest.raises(ValueError, match="started 1"):
        keras.distribution.initialize(num_processes=2)


def test_data_parallel_without_mpi4py_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "mpi4py", None)
    with pytest.raises(ImportError, match=r'pip install "scratchnn\[mpi\]"'):
        keras.distribution.DataParallel()


@pytest.mark.parametrize("length", [32, 31, 1])
def test_shards_cover_the_batch_once(length):
    for size in (2, 3):
        rows = [range(*data_parallel.shard_bounds(length, r, size)) for r in range(size)]
        assert [i for part in rows for i in part] == list(range(length))
        assert max(map(len, rows)) - min(map(len, rows)) <= 1


def sync(rank=0):
    replicas = data_parallel.ReplicaSync(TwoRanks())
    replicas.rank = replicas.comm.rank = rank
    return replicas


def test_gradients_are_weighted_by_shard_size_and_none_survives():
    variables = [keras.Variable(np.zeros((2, 3), "float32")), keras.Variable(np.zeros(3, "float32"))]
    replicas = sync()
    mine = [np.ones((2, 3), "float32"), None]
    theirs = np.concatenate([np.full(6, 2.0 * 0.25), np.zeros(3), [1.0, 0.0]]).astype("float32")
    replicas.comm.other.append(theirs)
    out = replicas.reduce_gradients(mine, variables, weight=0.75)
    np.testing.assert_allclose(out[0], np.full((2, 3), 0.75 + 0.5))
    assert out[1] is None and replicas.steps == 1
    # A rank with an empty shard contributes nothing and gets the other's sum.
    replicas.comm.other.append(theirs)
    out = replicas.reduce_gradients(None, variables, weight=0.0)
    np.testing.assert_allclose(out[0], np.full((2, 3), 0.5))


def test_shard_of_a_slice_and_of_an_index_array():
    replicas = sync(rank=1)
    assert replicas.shard(slice(64, 96), 32) == (slice(80, 96), 0.5)
    rows, weight = replicas.shard(np.arange(10, 15), 5)
    assert rows.tolist() == [12, 13, 14] and weight == pytest.approx(0.6)


def test_losses_must_average_over_the_batch():
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile(loss=keras.losses.MeanSquaredError(reduction="sum"))
    with pytest.raises(ValueError, match="reduction='sum'"):
        data_parallel.check_losses(model)
    model.compile(loss="mse")
    data_parallel.check_losses(model)


def test_only_rank_0_runs_the_writing_callbacks(tmp_path):
    callbacks = [keras.callbacks.CSVLogger(str(tmp_path / "log.csv")), keras.callbacks.EarlyStopping()]
    assert sync(rank=0).filter_callbacks(callbacks) == callbacks
    assert sync(rank=1).filter_callbacks(callbacks) == callbacks[1:]
    assert distribution_lib.distribution() is None


def test_moving_statistics_are_averaged_over_the_ranks_each_epoch():
    model = keras.Sequential([keras.Input((3,)), keras.layers.BatchNormalization()])
    model.compile(optimizer="sgd", loss="mse")
    layer = model.layers[0]
    layer.moving_mean.assign(np.array([1.0, 2.0, 3.0], "float32"))
    layer.moving_variance.assign(np.ones(3, "float32"))
    replicas = sync()
    # The other rank's moving mean [3, 4, 5] and variance [3, 3, 3]; then its stop flag (not set).
    replicas.comm.other += [np.array([3.0, 4.0, 5.0, 3.0, 3.0, 3.0]), np.zeros(1)]
    replicas.after_epoch(model)
    np.testing.assert_allclose(layer.moving_mean.numpy(), [2.0, 3.0, 4.0])
    np.testing.assert_allclose(layer.moving_variance.numpy(), [2.0, 2.0, 2.0])
    assert model.stop_training is False
