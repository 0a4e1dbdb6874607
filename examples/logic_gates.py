"""Artificial neurons computing logic gates, then a Perceptron that learns them.

Part 1 builds the neurons of McCulloch and Pitts as drawn in Géron's chapter 10
figure: a neuron fires when at least two of its input connections are active,
an inhibitory connection (weight -1 here) counts against it. Written as a
threshold logic unit with fixed weights w and threshold 2:

    identity  C = A          w = [2]         (two connections from A)
    AND       C = A ∧ B      w = [1, 1]
    OR        C = A ∨ B      w = [2, 2]
    A AND NOT B              w = [2, -1]     (B inhibits)

Part 2 trains `scratchnn.apps.linear.Perceptron` (Rosenblatt's rule) on each gate's
truth table and checks that it reproduces the gate; XOR is shown for contrast:
no single TLU can separate it.

    python examples/logic_gates.py [--max-iter N]
"""

import argparse
import itertools
import sys

import numpy as np

from scratchnn.apps.linear import Perceptron

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--max-iter", type=int, default=100)
parser.add_argument("--verbose", type=int, default=1)
args = parser.parse_args()

GATES = {
    # name: (number of inputs, fixed weights, truth function)
    "identity": (1, [2], lambda a: a),
    "AND": (2, [1, 1], lambda a, b: a & b),
    "OR": (2, [2, 2], lambda a, b: a | b),
    "A AND NOT B": (2, [2, -1], lambda a, b: a & (1 - b)),
}


def fixed_neuron(weights, threshold=2):
    """A TLU with hand-set weights: fires (1) when x · w >= threshold."""
    w = np.asarray(weights, dtype=float)
    return lambda X: (X @ w >= threshold).astype(int)


failures = 0
for name, (n_inputs, weights, truth) in GATES.items():
    X = np.array(list(itertools.product([0, 1], repeat=n_inputs)))  # all input combinations
    y = truth(*X.T)
    fixed = fixed_neuron(weights)(X)
    learned = Perceptron(max_iter=args.max_iter, random_state=42).fit(X, y)
    ok = np.array_equal(fixed, y) and np.array_equal(learned.predict(X), y)
    failures += not ok
    if args.verbose:
        print(
            f"{name}: truth {y.tolist()}  fixed neuron {fixed.tolist()}  perceptron {learned.predict(X).tolist()}"
        )
        print(
            f"    learned w={learned.coef_.ravel().tolist()} b={learned.intercept_.tolist()} ({learned.n_iter_} epochs)"
        )
    print(f"{name} gate: {'ok' if ok else 'WRONG'}")

X = np.array(list(itertools.product([0, 1], repeat=2)))
xor = Perceptron(max_iter=args.max_iter, random_state=42).fit(X, X[:, 0] ^ X[:, 1])
print(f"XOR (not linearly separable): perceptron accuracy {xor.score(X, X[:, 0] ^ X[:, 1]):.2f}")
print("all gates reproduced" if not failures else f"{failures} gate(s) not reproduced")
sys.exit(1 if failures else 0)
