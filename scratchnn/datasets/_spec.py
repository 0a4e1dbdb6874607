"""What a data set consists of: its files, their checksums and shapes."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FileSpec:
    """One IDX file of a data set.

    Attributes:
        key: the array it becomes, e.g. `"x_train"`.
        filename: canonical uncompressed name, e.g. `"train-images-idx3-ubyte"`.
        sha256: hex SHA-256 of the *decompressed* IDX bytes, so that any gzip
            packaging of the right bytes is accepted.
        shape: shape of the array, e.g. `(60000, 28, 28)`.
    """

    key: str
    filename: str
    sha256: str
    shape: tuple[int, ...]

    @property
    def gz_name(self) -> str:
        """The compressed name the mirrors serve, e.g. `"train-images-idx3-ubyte.gz"`."""
        return self.filename + ".gz"

    @property
    def names(self) -> tuple[str, str]:
        """The names looked for in a folder, preferred first."""
        return (self.gz_name, self.filename)


@dataclass(frozen=True)
class DatasetSpec:
    """A data set made of IDX files.

    Attributes:
        name: Python and CLI name, e.g. `"fashion_mnist"`.
        title: human name for messages, e.g. `"Fashion-MNIST"`.
        subdir: folder name under a data folder, a cache or a mirror root,
            e.g. `"fashion-mnist"`.
        files: the files in `(x_train, y_train, x_test, y_test)` order.
    """

    name: str
    title: str
    subdir: str
    files: tuple[FileSpec, ...]

    @property
    def expected_names(self) -> str:
        """The canonical compressed file names, comma-separated, for messages."""
        return ", ".join(f.gz_name for f in self.files)


def idx_dataset(name: str, title: str, subdir: str, sha256: dict[str, str]) -> DatasetSpec:
    """The spec of an MNIST-layout data set: 60000 + 10000 images of 28x28 with labels."""
    layout = (
        ("x_train", "train-images-idx3-ubyte", (60000, 28, 28)),
        ("y_train", "train-labels-idx1-ubyte", (60000,)),
        ("x_test", "t10k-images-idx3-ubyte", (10000, 28, 28)),
        ("y_test", "t10k-labels-idx1-ubyte", (10000,)),
    )
    files = tuple(FileSpec(key, fname, sha256[key], shape) for key, fname, shape in layout)
    return DatasetSpec(name, title, subdir, files)
