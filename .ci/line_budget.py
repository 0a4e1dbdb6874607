"""Fails when a module of the package is longer than the budget (STYLE.md: small modules, one job each).

Usage: python .ci/line_budget.py [--max-lines 500] [root ...]   (default root: scratchnn)
Prints each module over the budget as "path: N lines (budget M)" and exits 1 if there is one;
otherwise prints the largest module and the package's total, and exits 0.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def module_lengths(roots: list[Path]) -> dict[Path, int]:
    """Line count of every .py file under `roots` (a file's newline count, as `wc -l`)."""
    lengths = {}
    for root in roots:
        for path in sorted(root.rglob("*.py")):
            lengths[path] = path.read_bytes().count(b"\n")
    return lengths


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("roots", nargs="*", default=["scratchnn"])
    parser.add_argument("--max-lines", type=int, default=500)
    args = parser.parse_args(argv)
    lengths = module_lengths([Path(r) for r in args.roots])
    if not lengths:
        print(f"line budget: no Python modules under {args.roots}", file=sys.stderr)
        return 2
    over = {p: n for p, n in lengths.items() if n > args.max_lines}
    for path, n in sorted(over.items(), key=lambda item: -item[1]):
        print(f"{path}: {n} lines (budget {args.max_lines}); split it by job", file=sys.stderr)
    if over:
        return 1
    largest = max(lengths, key=lengths.__getitem__)
    print(
        f"line budget: {len(lengths)} modules, {sum(lengths.values())} lines; "
        f"largest {largest} ({lengths[largest]} lines, budget {args.max_lines})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
