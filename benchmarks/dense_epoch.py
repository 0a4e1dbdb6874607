"""Seconds per training epoch of the dense network: scratchnn against the NumPy floor.

A shortcut into the full harness (`python -m benchmarks`, see benchmarks/run.py):

    python benchmarks/dense_epoch.py [--batch-size 32] [--repeats 3]

runs `python -m benchmarks --workloads dense32 --frameworks scratchnn,numpy`
and prints the table without writing benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.run import main as run_main  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch-size", type=int, choices=(32, 128), default=32)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    workload = f"dense{args.batch_size}"
    return run_main(
        [
            "--workloads",
            workload,
            "--frameworks",
            "scratchnn,numpy",
            "--repeats",
            str(args.repeats),
            "--output",
            "-",
        ]
    )


if __name__ == "__main__":
    sys.exit(main())
