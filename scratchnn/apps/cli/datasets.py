"""`scratchnn datasets`: where each data set's files are and whether they verify;
`scratchnn datasets fetch NAME`: put verified copies into the user cache."""

from __future__ import annotations

import argparse
import sys

from scratchnn.apps.cli._common import one_line, suggestion


def register(subparsers) -> None:
    from scratchnn.datasets import DATASETS

    parser = subparsers.add_parser(
        "datasets",
        help="show where data set files are found and whether their checksums hold",
        description="Without an action: for every data set, where each file was found "
        "(in look-up order) and whether its SHA-256 holds. Exit status 1 if a data set is missing or a "
        "damaged copy was seen, with a hint on stderr saying how to get the files.",
    )
    parser.set_defaults(func=run_status)
    actions = parser.add_subparsers(dest="action", metavar="ACTION")
    fetch = actions.add_parser(
        "fetch",
        help="put verified copies of a data set into the user cache",
        description="Copies the files from a local location that holds them, else downloads them "
        "(SCRATCHNN_MIRRORS replaces the built-in mirrors).",
    )
    fetch.add_argument("name", metavar="NAME", help=f"one of {', '.join(DATASETS)}, or all")
    fetch.add_argument("--force", action="store_true", help="replace files already in the cache")
    fetch.set_defaults(func=run_fetch)


def run_status(args: argparse.Namespace) -> int:
    from scratchnn.datasets import DATASETS, _locations, find_files

    damaged, missing = False, []
    for name, module in DATASETS.items():
        spec = module.SPEC
        print(f"{name} ({spec.title})")
        statuses = find_files(name)
        for status in statuses:
            if status.path is not None:
                print(f"  {status.file.gz_name:<28} ok (sha256)  {status.location}: {status.path}")
            else:
                print(f"  {status.file.gz_name:<28} missing")
            for problem in status.problems:
                damaged = True
                print(f"    DAMAGED: {problem}")
        if any(status.path is None for status in statuses):
            missing.append(name)
        print("  looked in, in order:")
        for i, location in enumerate(_locations.data_locations(spec), start=1):
            print(f"    {i}. {location.describe()}")
    if missing:
        folders = " and ".join(f"{DATASETS[n].SPEC.subdir}/" for n in missing)
        which = (
            "no data set was found" if len(missing) == len(DATASETS) else f"not found: {', '.join(missing)}"
        )
        print(
            f"scratchnn datasets: {which}. Set SCRATCHNN_DATA to a folder holding {folders}, or run "
            f"`scratchnn datasets fetch {missing[0] if len(missing) == 1 else 'all'}` where there is internet "
            "access.",
            file=sys.stderr,
        )
    return 1 if damaged or missing else 0


def run_fetch(args: argparse.Namespace) -> int:
    from scratchnn.datasets import DATASETS, DatasetError, fetch, get

    if args.name == "all":
        names = list(DATASETS)
    else:
        try:
            names = [get(args.name).SPEC.name]
        except ValueError as exc:
            hint = suggestion(args.name.replace("-", "_").lower(), [*DATASETS, "all"])
            print(f"scratchnn datasets fetch: {exc}.{hint}".replace("..", "."), file=sys.stderr)
            return 2
    for name in names:
        try:
            results = fetch(name, force=args.force)
        except DatasetError as exc:
            print(f"scratchnn datasets fetch: {one_line(str(exc))}", file=sys.stderr)
            return 1
        for file, path, how in results:
            print(f"{name}: {file.gz_name} {how} -> {path}")
    return 0
