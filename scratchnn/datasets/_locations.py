"""Where data set files are looked for, in order, and where downloads go.

1. an explicit `path=` argument (used alone when given);
2. `$SCRATCHNN_DATA/<subdir>/`;
3. the user cache `$SCRATCHNN_HOME/datasets/<subdir>/`, by default
   `~/.cache/scratchnn/datasets/<subdir>/` (`$XDG_CACHE_HOME` is honoured);
4. the system folder `/usr/share/datasets/<subdir>/` (Debian's
   `dataset-fashion-mnist` package installs there);
5. a download from the mirrors into the user cache.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from scratchnn.datasets._spec import DatasetSpec

DATA_ENV = "SCRATCHNN_DATA"
HOME_ENV = "SCRATCHNN_HOME"
MIRRORS_ENV = "SCRATCHNN_MIRRORS"
# Tests point this somewhere empty so that an installed Debian package cannot leak in.
SYSTEM_DIR = "/usr/share/datasets"


@dataclass(frozen=True)
class Location:
    """One place searched.

    Attributes:
        label: what it is, for messages (`"SCRATCHNN_DATA"`, `"user cache"`...).
        directories: the folders searched there, in order (empty when unset).
        note: why nothing can be there, e.g. `"not set"`.
        is_cache: a damaged file here is replaced by a download instead of
            being reported.
    """

    label: str
    directories: tuple[Path, ...]
    note: str = ""
    is_cache: bool = False

    def describe(self) -> str:
        if not self.directories:
            return f"{self.label}: ({self.note})"
        return f"{self.label}: " + " or ".join(str(d) for d in self.directories)


def home_dir() -> Path:
    """scratchnn's cache root.

    `$SCRATCHNN_HOME`, else `$XDG_CACHE_HOME/scratchnn`, else `~/.cache/scratchnn`.
    """
    if os.environ.get(HOME_ENV):
        return Path(os.environ[HOME_ENV]).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join("~", ".cache")
    return Path(base).expanduser() / "scratchnn"


def cache_dir(spec: DatasetSpec) -> Path:
    """The folder that downloads of `spec` go to, e.g. `~/.cache/scratchnn/datasets/mnist`."""
    return home_dir() / "datasets" / spec.subdir


def data_locations(spec: DatasetSpec) -> list[Location]:
    """The locations 2-4 above (everything but an explicit path and the download)."""
    data = os.environ.get(DATA_ENV)
    if data:
        root = Path(data).expanduser()
        # Only the subfolder: MNIST and Fashion-MNIST share their file names.
        env = Location(DATA_ENV, (root / spec.subdir,))
    else:
        env = Location(DATA_ENV, (), note=f"${DATA_ENV} is not set")
    return [
        env,
        Location("user cache", (cache_dir(spec),), is_cache=True),
        Location("system folder", (Path(SYSTEM_DIR) / spec.subdir,)),
    ]


def explicit_location(spec: DatasetSpec, path: str | os.PathLike) -> Location:
    """An explicit `path=` folder, searched directly and in its `<subdir>/`."""
    root = Path(path).expanduser()
    return Location("path argument", (root, root / spec.subdir))


def mirror_urls(spec: DatasetSpec, filename: str, mirrors: list[str] | tuple[str, ...]) -> list[str]:
    """The URLs to try for one file, in order.

    `$SCRATCHNN_MIRRORS`, when set, replaces the data set's own mirrors: it
    lists roots laid out like `$SCRATCHNN_DATA` (`<root>/<subdir>/<file>`),
    separated by spaces or commas. A data set's own mirrors are folder URLs
    (`<folder>/<file>`).
    """
    override = os.environ.get(MIRRORS_ENV, "").strip()
    if override:
        roots = [r for r in re.split(r"[\s,]+", override) if r]
        return [f"{root.rstrip('/')}/{spec.subdir}/{filename}" for root in roots]
    return [f"{folder.rstrip('/')}/{filename}" for folder in mirrors]
