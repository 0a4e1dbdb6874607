"""The scoped generator: seeded draws inside, the global generator untouched outside."""

import numpy as np

from scratchnn import layers
from scratchnn.backend import random
from scratchnn.testing import run_layer_test


def test_scoped_generator_draws_from_its_seed_and_restores_the_global_one():
    random.set_seed(7)
    expected_after = np.random.default_rng(7).standard_normal(3)
    with random.scoped_generator(3):
        inside = random.generator().standard_normal(3)
    np.testing.assert_array_equal(inside, np.random.default_rng(3).standard_normal(3))
    np.testing.assert_array_equal(random.generator().standard_normal(3), expected_after)


def test_layer_harness_weights_do_not_depend_on_earlier_draws():
    def weights():
        layer = run_layer_test(
            layers.Dense, {"units": 3}, input_shape=(2, 4), expected_num_trainable_weights=2
        )
        return layer.get_weights()[0]

    random.set_seed(1)
    first = weights()
    random.set_seed(2)
    random.generator().standard_normal(100)
    np.testing.assert_array_equal(weights(), first)
