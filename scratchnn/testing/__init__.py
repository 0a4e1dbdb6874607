"""Testing helpers that users can apply to their own layers and losses."""

from scratchnn.testing.gradcheck import check_gradients, numerical_gradient

__all__ = ["check_gradients", "numerical_gradient"]

from scratchnn.testing.layer_test import run_layer_test  # noqa: E402

__all__ += ["run_layer_test"]
