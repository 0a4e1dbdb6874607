"""Data sets as NumPy arrays, offline first: MNIST and Fashion-MNIST.

`mnist.load_data()` and `fashion_mnist.load_data()` return what
`keras.datasets` returns. Files are looked for locally first (see
`docs/datasets.md`), verified by SHA-256, and downloaded only when absent.
`idx.read_idx` / `idx.write_idx` read and write the IDX format itself.
"""

from scratchnn.datasets import _loader, _locations
from scratchnn.datasets import fashion_mnist as fashion_mnist
from scratchnn.datasets import idx as idx
from scratchnn.datasets import mnist as mnist
from scratchnn.datasets.errors import DatasetError as DatasetError

# CLI name -> module, for `scratchnn datasets`.
DATASETS = {"mnist": mnist, "fashion_mnist": fashion_mnist}


def get(name: str):
    """Returns the data set module called `name` (`"mnist"`, `"fashion_mnist"`; `-` works for `_`).

    Raises:
        ValueError: unknown name; the message lists the valid ones.
    """
    key = str(name).replace("-", "_").lower()
    if key not in DATASETS:
        raise ValueError(f"Unknown data set. Valid names: {', '.join(DATASETS)}. Received: name={name!r}")
    return DATASETS[key]


def find_files(name: str) -> list:
    """Where each file of data set `name` is found locally, verified; nothing is downloaded.

    Returns:
        One `FileStatus` per file (`.file`, `.path` or None, `.location`,
        `.problems`: damaged copies met first).
    """
    spec = get(name).SPEC
    return _loader.inspect(spec, _locations.data_locations(spec))


def fetch(name: str, force: bool = False) -> list:
    """Puts verified copies of data set `name` into the user cache.

    Copies them from a local location when one holds them, else downloads
    them from the module's `MIRRORS` (or `$SCRATCHNN_MIRRORS`).

    Returns:
        One `(file_spec, cached_path, how)` per file.

    Raises:
        DatasetError: a file could not be had.
    """
    module = get(name)
    return _loader.fetch(module.SPEC, module.MIRRORS, force=force)
