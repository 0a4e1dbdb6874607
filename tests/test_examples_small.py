"""The examples run end to end with small settings (logic gates, regression, the sigmoid tutorial)."""

import re
import subprocess
import sys
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def run_example(script, *args):
    result = subprocess.run(
        [sys.executable, str(EXAMPLES / script), *args], capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def test_logic_gates_neurons_and_perceptron_agree():
    out = run_example("logic_gates.py")
    for gate in ("identity", "AND", "OR", "A AND NOT B"):
        assert f"{gate} gate: ok" in out
    assert "all gates reproduced" in out
    assert re.search(r"XOR .*accuracy (0\.\d+)", out)  # a single TLU cannot reach 1.00 on XOR
    assert "accuracy 1.00" not in out


def rmse(output, name):
    return float(re.search(rf"{name} test RMSE: ([0-9.]+)", output).group(1))


def test_regression_mlp_and_wide_deep_beat_the_constant_predictor():
    out = run_example("regression.py", "--samples", "3000", "--epochs", "15", "--verbose", "0")
    baseline = rmse(out, "baseline")
    assert baseline > 0.5  # the generated targets do vary
    # A constant predictor explains none of the variance; both networks must explain most of it.
    assert rmse(out, "mlp") < 0.6 * baseline
    assert rmse(out, "wide_deep") < 0.6 * baseline


def test_sigmoid_tutorial_runs_with_its_keras_2_import_paths(monkeypatch):
    """The sigmoid MLP tutorial imports `Dense` from `keras.layers.core` (a Keras 2 path)."""
    from tests.data_env import data_dir

    monkeypatch.setenv("SCRATCHNN_DATA", str(data_dir()))
    source = (EXAMPLES / "mnist_sigmoid.py").read_text()
    assert "from scratchnn.keras.layers.core import Dense" in source
    out = run_example("mnist_sigmoid.py", "--epochs", "1", "--verbose", "0")
    assert 0.0 < float(re.search(r"test accuracy: ([0-9.]+)", out).group(1)) <= 1.0
