"""The scratchnn benchmark harness: `python -m benchmarks --help` (see run.py)."""
