"""The one error type of `scratchnn.datasets`."""


class DatasetError(ValueError, OSError):
    """A data set file is missing, damaged, or could not be downloaded.

    The message names the file, the check that failed, every place that was
    looked at, and how to fix it. It derives from both `ValueError` (bad data)
    and `OSError` (I/O and network failures), so either `except` clause
    catches it.
    """
