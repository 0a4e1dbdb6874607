"""scratchnn.distribution.metric_state: summed metric states give the metric over every rank's rows."""

import numpy as np
import pytest

from scratchnn import metrics
from scratchnn.distribution import metric_state
from tests.distribution.test_data_parallel import sync


@pytest.mark.parametrize(
    "make",
    [
        # Named: an unnamed metric would move the automatic names ("auc_1") that other tests expect.
        lambda: metrics.Mean(name="m"),
        lambda: metrics.SparseCategoricalAccuracy(name="m"),
        lambda: metrics.Precision(name="m"),
        lambda: metrics.AUC(num_thresholds=11, name="m"),
        lambda: metrics.MeanSquaredError(name="m"),
    ],
    ids=["mean", "accuracy", "precision", "auc", "mse"],
)
def test_summed_metric_states_give_the_metric_over_all_rows(make, rng):
    y = rng.integers(0, 2, 40)
    p = rng.random((40, 2)).astype("float32")
    p /= p.sum(axis=1, keepdims=True)

    def update(metric, rows):
        if type(metric) is metrics.Mean:
            metric.update_state(p[rows, 1])
        elif isinstance(metric, metrics.SparseCategoricalAccuracy):
            metric.update_state(y[rows], p[rows])
        else:  # (N, 1): one value per sample
            metric.update_state(y[rows, None].astype("float32"), p[rows, 1:])

    whole, mine, theirs = make(), make(), make()
    update(whole, slice(0, 40))
    update(mine, slice(0, 23))
    update(theirs, slice(23, 40))
    replicas = sync()
    replicas.comm.other.append(
        np.concatenate([np.asarray(get(), np.float64).ravel() for get, _ in metric_state.state_slots(theirs)])
    )
    replicas.reduce_metrics([mine], "test")
    assert float(mine.result()) == pytest.approx(float(whole.result()), rel=1e-6)
