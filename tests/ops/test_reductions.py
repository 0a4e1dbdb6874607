"""Reductions, scans, NaN-ignoring reductions and order statistics (ops/reductions.py,
ops/statistics.py): gradients, Keras parity, and the exact gradient of products with zeros."""

import numpy as np
import pytest
from keras import ops as kops

from scratchnn import ops
from scratchnn.testing import check_gradients
from tests.ops.parity import assert_matches, away_from_kinks, keras_result

# name -> (call with kwargs, differentiable)
REDUCTIONS = {
    "prod_all": (lambda m, x: m.prod(x), True),
    "prod_axis": (lambda m, x: m.prod(x, axis=1), True),
    "prod_axes_keep": (lambda m, x: m.prod(x, axis=(0, 2), keepdims=True), True),
    "cumsum": (lambda m, x: m.cumsum(x, axis=1), True),
    "cumsum_flat": (lambda m, x: m.cumsum(x), True),
    "cumprod": (lambda m, x: m.cumprod(x, axis=-1), True),
    "cumprod_flat": (lambda m, x: m.cumprod(x), True),
    "average": (lambda m, x: m.average(x, axis=1), True),
    "ptp": (lambda m, x: m.ptp(x, axis=0), True),
    "trapezoid": (lambda m, x: m.trapezoid(x, axis=1), True),
    "trapezoid_dx": (lambda m, x: m.trapezoid(x, dx=0.5), True),
    "nansum": (lambda m, x: m.nansum(x, axis=1), True),
    "nanmean": (lambda m, x: m.nanmean(x, axis=-1), True),
    "nanmax": (lambda m, x: m.nanmax(x, axis=0), True),
    "nanmin": (lambda m, x: m.nanmin(x), True),
    "nanprod": (lambda m, x: m.nanprod(x, axis=1), True),
    "nanvar": (lambda m, x: m.nanvar(x, axis=1), True),
    "nanstd": (lambda m, x: m.nanstd(x, axis=(1, 2)), True),
    "nancumsum": (lambda m, x: m.nancumsum(x, axis=1), True),
    "nancumprod": (lambda m, x: m.nancumprod(x, axis=2), True),
    "median": (lambda m, x: m.median(x, axis=1), True),
    "median_all": (lambda m, x: m.median(x), True),
    "quantile": (lambda m, x: m.quantile(x, 0.3, axis=2), True),
    "quantile_vector": (lambda m, x: m.quantile(x, np.array([0.1, 0.75]), axis=1, keepdims=True), True),
    "quantile_lower": (lambda m, x: m.quantile(x, 0.3, axis=1, method="lower"), True),
    "quantile_higher": (lambda m, x: m.quantile(x, 0.3, axis=1, method="higher"), True),
    "quantile_midpoint": (lambda m, x: m.quantile(x, 0.3, axis=1, method="midpoint"), True),
    "quantile_nearest": (lambda m, x: m.quantile(x, 0.4, axis=1, method="nearest"), True),
    "percentile": (lambda m, x: m.percentile(x, 40, axis=0), True),
    "nanmedian": (lambda m, x: m.nanmedian(x, axis=1), True),
    "nanquantile": (lambda m, x: m.nanquantile(x, 0.6, axis=1), True),
    "nanpercentile": (lambda m, x: m.nanpercentile(x, 60, axis=2), True),
    "all": (lambda m, x: m.all(m.greater(x, -1.0), axis=1), False),
    "any": (lambda m, x: m.any(m.greater(x, 1.5), axis=(0, 2), keepdims=True), False),
    "count_nonzero": (lambda m, x: m.count_nonzero(m.greater(x, 0.0), axis=1), False),
    "nanargmax": (lambda m, x: m.nanargmax(x, axis=1), False),
    "nanargmin": (lambda m, x: m.nanargmin(x), False),
}
INDEX_OUTPUTS = {"nanargmax", "nanargmin"}


@pytest.mark.parametrize("name", sorted(n for n, (_, d) in REDUCTIONS.items() if d))
@pytest.mark.parametrize("shape", [(3, 5, 2), (1, 4, 3)])
def test_reduction_gradient(name, shape, rng):
    fn = REDUCTIONS[name][0]
    x = away_from_kinks(rng, shape, 0.5, 1.5)  # distinct values: no ties for max/sort
    check_gradients(lambda t: fn(ops, t), [x])


@pytest.mark.parametrize("name", sorted(REDUCTIONS))
@pytest.mark.parametrize("x64", [False, True])
def test_reduction_matches_keras(name, x64, rng):
    fn = REDUCTIONS[name][0]
    x = away_from_kinks(rng, (3, 4, 5)).astype("float64" if x64 else "float32")
    theirs = keras_result(lambda t: fn(kops, t), x, x64=x64)
    assert_matches(fn(ops, x), theirs, index=name in INDEX_OUTPUTS, float64=x64)


@pytest.mark.parametrize("name", sorted(n for n in REDUCTIONS if n.startswith("nan")))
def test_nan_reductions_skip_nans_like_keras(name, rng):
    fn = REDUCTIONS[name][0]
    x = away_from_kinks(rng, (3, 4, 5)).astype("float32")
    x[0, 1, 2] = x[2, 3, 0] = x[1, 0, 4] = np.nan
    x[1, 2, :] = np.nan  # an all-NaN slice along the last axis
    theirs = keras_result(lambda t: fn(kops, t), x)
    assert_matches(fn(ops, x), theirs, index=name in INDEX_OUTPUTS)


def test_nan_reductions_send_no_gradient_to_nans(rng):
    x = rng.standard_normal((2, 4))
    x[0, 1] = np.nan
    for fn in (ops.nansum, ops.nanmean, ops.nanmax, ops.nanprod, ops.nanvar, ops.nanmedian):
        v = ops.Variable(x, dtype="float64")
        (g,) = ops.gradient(ops.sum(fn(v, axis=1)), [v])
        assert g[0, 1] == 0 and np.all(np.isfinite(g)), fn.__name__
    check_gradients(lambda t: ops.nanmean(t, axis=1), [np.where(np.isnan(x), 0.0, x)])


def test_prod_and_cumprod_gradients_are_exact_with_zeros(rng):
    x = rng.standard_normal((3, 5))
    x[0, 2] = 0.0
    x[1, 1] = x[1, 3] = 0.0
    check_gradients(lambda t: ops.prod(t, axis=1), [x])
    check_gradients(lambda t: ops.cumprod(t, axis=1), [x])
    v = ops.Variable(np.array([2.0, 0.0, 3.0]), dtype="float64")
    (g,) = ops.gradient(ops.prod(v), [v])
    np.testing.assert_array_equal(g, [0.0, 6.0, 0.0])


@pytest.mark.parametrize(
    "name,call",
    [
        ("prod", lambda m, x: m.prod(x, axis=0)),
        ("cumsum", lambda m, x: m.cumsum(x, axis=1)),
        ("cumprod", lambda m, x: m.cumprod(x)),
        ("median", lambda m, x: m.median(x)),
        ("quantile", lambda m, x: m.quantile(x, 0.5, axis=0)),
        ("count_nonzero", lambda m, x: m.count_nonzero(x, axis=0)),
        ("average", lambda m, x: m.average(x, axis=1)),
    ],
)
def test_integer_inputs_follow_keras_dtypes(name, call):
    x = np.array([[1, 0, 3], [4, 5, 2]], "int32")
    assert_matches(call(ops, x), keras_result(lambda t: call(kops, t), x))


def test_average_with_weights_matches_keras_and_has_weight_gradients(rng):
    x, w = rng.standard_normal((3, 4)), rng.uniform(0.5, 1.5, (4,))
    assert_matches(ops.average(x.astype("float32"), axis=1, weights=w.astype("float32")),
                   keras_result(kops.average, x.astype("float32"), axis=1, weights=w.astype("float32")))  # fmt: skip
    full = rng.uniform(0.5, 1.5, (3, 4))
    assert_matches(
        ops.average(x, weights=full), keras_result(kops.average, x, weights=full, x64=True), float64=True
    )
    check_gradients(lambda a, b: ops.average(a, axis=1, weights=b), [x, w])
    with pytest.raises(ValueError, match="weights"):
        ops.average(x, weights=w)


def test_trapezoid_with_sample_points(rng):
    y, x = rng.standard_normal((2, 5)), np.cumsum(rng.uniform(0.1, 1.0, 5))
    assert_matches(ops.trapezoid(y, x), keras_result(kops.trapezoid, y, x, x64=True), float64=True)
    check_gradients(lambda a, b: ops.trapezoid(a, b), [y, x])


def test_quantile_rejects_bad_arguments():
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        ops.quantile(np.ones(3), 1.5)
    with pytest.raises(ValueError, match="method"):
        ops.quantile(np.ones(3), 0.5, method="cubic")


def test_corrcoef_matches_keras_and_has_gradients(rng):
    x = rng.standard_normal((3, 6))
    assert_matches(ops.corrcoef(x.astype("float32")), keras_result(kops.corrcoef, x.astype("float32")))
    assert_matches(ops.corrcoef(x), keras_result(kops.corrcoef, x, x64=True), float64=True)
    check_gradients(lambda t: ops.corrcoef(t), [x])
