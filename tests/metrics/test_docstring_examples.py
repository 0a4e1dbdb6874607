"""The examples in the metrics docstrings run and print what they claim."""

import doctest
import importlib

import pytest

MODULES = [
    "reduction_metrics",
    "accuracy_metrics",
    "regression_metrics",
    "confusion_metrics",
    "auc",
    "registry",
    "compile_resolution",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(f"scratchnn.metrics.{name}")
    results = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert results.attempted > 0
    assert results.failed == 0
