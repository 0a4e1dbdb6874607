"""Reading weights from HDF5 without reading anything but the file itself, and only what fits.

HDF5 can make a file's datasets come from elsewhere: an external link
(another file's object), external storage (a dataset whose bytes are another
local file) and virtual datasets (views on other files). A weights file that
uses them would load another file's bytes as weights, so all three are refused,
as are soft links (Keras refuses the same, keras/src/saving/saving_lib.py
`safe_get_h5_dataset`). A dataset's shape and dtype are checked against the
variable it is meant for *before* it is read: the declared shape of a tiny
compressed file can ask for gigabytes.

h5py is imported by the callers (it is only needed when a file is read).
"""

from __future__ import annotations

from typing import Any

import numpy as np

_NUMERIC_KINDS = "fiub"  # float, signed, unsigned, bool: everything a weight can be cast from


def check_link(parent: Any, name: str, filepath: str, where: str) -> None:
    """Refuses `parent[name]` when it is an external or soft link (a hard link is an ordinary member).

    Raises:
        ValueError: naming the file and `where`.
    """
    import h5py

    link = parent.get(name, default=None, getclass=True, getlink=True)  # the link's class, not its target
    if link is h5py.ExternalLink:
        raise ValueError(
            f"The weights file {filepath!r} holds an HDF5 external link at {where!r}, which would read another "
            "file. Refusing to load it: save the weights again without links."
        )
    if link is h5py.SoftLink:
        raise ValueError(
            f"The weights file {filepath!r} holds an HDF5 soft link at {where!r}. Refusing to load it: weights "
            "files written by Keras or scratchnn have none."
        )


def get_group(root: Any, path: str, filepath: str) -> Any | None:
    """The group at `path` ('a/b/c'), or None when it is missing.

    Raises:
        ValueError: naming the file, for a link on the way or a dataset where a group should be.
    """
    import h5py

    current = root
    walked = ""
    for part in path.split("/"):
        if not part:
            continue
        walked = f"{walked}/{part}" if walked else part
        if part not in current:
            return None
        check_link(current, part, filepath, walked)
        current = current[part]
        if not isinstance(current, h5py.Group):
            raise ValueError(
                f"The weights file {filepath!r} has a {type(current).__name__} at {walked!r} where a group "
                "was expected: it was not written by Keras or scratchnn."
            )
    return current


def get_dataset(group: Any, name: str, filepath: str, where: str) -> Any | None:
    """The dataset `name` in `group` (a path for legacy weight names), or None when it is missing.

    Raises:
        ValueError: naming the file and `where`, for links, external storage,
            virtual datasets and non-numeric dtypes.
    """
    import h5py

    parent_path, _, leaf = name.rpartition("/")
    parent = get_group(group, parent_path, filepath) if parent_path else group
    if parent is None or leaf not in parent:
        return None
    check_link(parent, leaf, filepath, where)
    dataset = parent[leaf]
    if not isinstance(dataset, h5py.Dataset):
        raise ValueError(
            f"The weights file {filepath!r} has a {type(dataset).__name__} at {where!r} where a weight "
            "dataset was expected."
        )
    if dataset.external:
        raise ValueError(
            f"The weights file {filepath!r} stores the dataset {where!r} in external files "
            f"{[entry[0] for entry in dataset.external]}: refusing to read another file's bytes as weights."
        )
    if dataset.is_virtual:
        raise ValueError(
            f"The weights file {filepath!r} holds a virtual dataset at {where!r}, which maps other files: "
            "refusing to load it."
        )
    if dataset.dtype.kind not in _NUMERIC_KINDS or dataset.dtype.fields is not None:
        raise ValueError(
            f"The weights file {filepath!r} holds non-numeric data at {where!r} (dtype {dataset.dtype}); "
            "weights must be numbers."
        )
    return dataset


def read_array(dataset: Any, shape: tuple[int, ...], filepath: str, where: str, owner: str) -> np.ndarray:
    """Reads a dataset after checking that its declared shape is `shape` (nothing is read otherwise).

    Raises:
        ValueError: naming the file, `where` and `owner` (the layer and weight) when the shapes differ.
    """
    if tuple(dataset.shape) != tuple(shape):
        raise ValueError(
            f"{owner} has shape {tuple(shape)}, but the weights file {filepath!r} holds shape "
            f"{tuple(dataset.shape)} at {where}."
        )
    return np.asarray(dataset[()])


def holds_weights(group: Any) -> bool:
    """Whether any dataset lies below `group` (stops at the first; HDF5's visit follows no soft or external link)."""
    import h5py

    return bool(group.visititems(lambda _name, obj: True if isinstance(obj, h5py.Dataset) else None))
