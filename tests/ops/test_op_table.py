"""Every op in scratchnn.ops.__all__ has a row in tests/ops/op_table.py, and each row holds.

Differentiable rows get a float64 finite-difference check (check_gradients also checks the backward
is linear in its seed), rows Keras has get float32 parity, and forward-only rows are checked to be
forward-only, so that a row cannot dodge the gradient check by being marked so.
"""

import inspect
from pathlib import Path

import numpy as np
import pytest
from keras import ops as kops

from scratchnn import ops
from scratchnn.testing import check_gradients
from tests.ops.op_table import ROWS, Alias, Covered, Grad, NoGrad
from tests.ops.parity import assert_matches, keras_result

REPO = Path(__file__).resolve().parents[2]
AUTODIFF_MACHINERY = {"gradient", "record", "grad_enabled"}


def exported_ops():
    """The callables of ops.__all__, less its classes (Tensor, Variable, GradientTape, no_grad)."""
    return {n for n in ops.__all__ if callable(getattr(ops, n)) and not inspect.isclass(getattr(ops, n))}


def rows_of(kind, keras=None):
    return sorted(n for n, r in ROWS.items() if isinstance(r, kind) and (keras is None or r.keras == keras))


def as_list(out):
    return list(out) if isinstance(out, (list, tuple)) else [out]


def test_every_exported_op_has_a_row():
    exported = exported_ops()
    missing, unknown = sorted(exported - set(ROWS)), sorted(set(ROWS) - exported)
    assert not missing, f"ops exported without a row in tests/ops/op_table.py: {missing}"
    assert not unknown, f"rows in tests/ops/op_table.py naming no exported op: {unknown}"


@pytest.mark.parametrize("name", rows_of(Alias))
def test_alias_rows_are_the_same_function(name):
    target = ROWS[name].target
    assert getattr(ops, name) is getattr(ops, target), f"{name} is not ops.{target}"
    assert not isinstance(ROWS[target], Alias), f"{name} aliases an alias"


@pytest.mark.parametrize("name", rows_of(Covered))
def test_covered_rows_name_a_test_that_mentions_the_op(name):
    path, function = ROWS[name].test.split("::")
    source = (REPO / path).read_text()
    assert f"def {function}(" in source, f"{ROWS[name].test} does not exist"
    body = source.split(f"def {function}(", 1)[1].split("\ndef ", 1)[0]
    assert f"ops.{name}" in body, f"{ROWS[name].test} never uses ops.{name}"
    assert "check_gradients" in body or "gradient" in body, f"{ROWS[name].test} checks no gradient"


@pytest.mark.parametrize("name", rows_of(Grad))
def test_gradient(name, rng):
    row = ROWS[name]

    def single(*tensors):  # several outputs: checked through one concatenation
        outs = as_list(row.call(ops, *tensors))
        return outs[0] if len(outs) == 1 else ops.concatenate([ops.reshape(o, (-1,)) for o in outs])

    check_gradients(single, row.inputs(rng))


def _float32(arrays):
    return [a.astype("float32") for a in arrays]


@pytest.mark.parametrize("name", rows_of(Grad, keras=True) + rows_of(NoGrad, keras=True))
def test_matches_keras_float32(name, rng):
    row = ROWS[name]
    inputs = _float32(row.inputs(rng))
    theirs = keras_result(lambda *a: row.call(kops, *a), *inputs)
    assert_matches(row.call(ops, *inputs), theirs, rtol=row.rtol, atol=row.atol, index=row.index)


@pytest.mark.parametrize("name", rows_of(NoGrad))
def test_forward_only_rows_have_no_gradient(name, rng):
    """No float output that the tape links to an input with a non-zero gradient."""
    row = ROWS[name]
    if row.call is None:  # only the autodiff machinery itself may come without a call to check
        assert name in AUTODIFF_MACHINERY, f"{name}: a forward-only row needs a call to check"
        return
    variables = [ops.Variable(x, dtype="float64") for x in row.inputs(rng)]
    outs = as_list(row.call(ops, *variables))
    if row.raises:
        with pytest.raises((NotImplementedError, ValueError, TypeError)):
            ops.gradient(ops.sum(outs[0]), variables)
        return
    for out in outs:
        if not isinstance(out, ops.Tensor) or not variables:
            continue  # metadata, a NumPy array, or a creation op with no tensor input
        if np.dtype(out.dtype).kind in "biu":
            continue
        grads = ops.gradient(out, variables, output_gradient=rng.standard_normal(out.shape))
        for g in grads:
            assert g is None or not np.any(np.asarray(g)), f"{name} is marked forward-only but has a gradient"
