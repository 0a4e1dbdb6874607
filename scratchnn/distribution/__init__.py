"""`scratchnn.distribution` (also `keras.distribution`): data-parallel training over MPI ranks.

Keras 3's names where they apply: `list_devices`, `get_device_count`,
`initialize`, `DeviceMesh`, `DataParallel`, `set_distribution`,
`distribution`. A device is one MPI rank's CPU; the ranks are started by
`mpiexec -n R` (mpi4py and the mpich wheel: `pip install "scratchnn[mpi]"`).

Example (`mpiexec -n 2 python train.py`):

>>> from scratchnn import keras                                             # doctest: +SKIP
>>> keras.distribution.set_distribution(keras.distribution.DataParallel())  # doctest: +SKIP
>>> model.fit(x_train, y_train, batch_size=64, epochs=2)                     # doctest: +SKIP
"""

from scratchnn.distribution.data_parallel import DataParallel as DataParallel
from scratchnn.distribution.distribution_lib import DeviceMesh as DeviceMesh
from scratchnn.distribution.distribution_lib import Distribution as Distribution
from scratchnn.distribution.distribution_lib import distribution as distribution
from scratchnn.distribution.distribution_lib import get_device_count as get_device_count
from scratchnn.distribution.distribution_lib import initialize as initialize
from scratchnn.distribution.distribution_lib import list_devices as list_devices
from scratchnn.distribution.distribution_lib import set_distribution as set_distribution

__all__ = [
    "DataParallel",
    "DeviceMesh",
    "Distribution",
    "distribution",
    "get_device_count",
    "initialize",
    "list_devices",
    "set_distribution",
]
