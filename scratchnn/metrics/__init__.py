"""`keras.metrics`: streaming metrics with `update_state` / `result` / `reset_state`.

Modules: `metric` (base class), `reduction_metrics` (Mean, Sum,
MeanMetricWrapper), `accuracy_metrics`, `regression_metrics`,
`confusion_metrics` (TruePositives & co., Precision, Recall), `auc`,
`registry` (get / serialize / deserialize) and `compile_resolution` (how
`compile` resolves "accuracy" and names each metric).
"""

from scratchnn.metrics.accuracy_metrics import Accuracy as Accuracy
from scratchnn.metrics.accuracy_metrics import BinaryAccuracy as BinaryAccuracy
from scratchnn.metrics.accuracy_metrics import CategoricalAccuracy as CategoricalAccuracy
from scratchnn.metrics.accuracy_metrics import SparseCategoricalAccuracy as SparseCategoricalAccuracy
from scratchnn.metrics.accuracy_metrics import SparseTopKCategoricalAccuracy as SparseTopKCategoricalAccuracy
from scratchnn.metrics.accuracy_metrics import TopKCategoricalAccuracy as TopKCategoricalAccuracy
from scratchnn.metrics.accuracy_metrics import binary_accuracy as binary_accuracy
from scratchnn.metrics.accuracy_metrics import categorical_accuracy as categorical_accuracy
from scratchnn.metrics.accuracy_metrics import sparse_categorical_accuracy as sparse_categorical_accuracy
from scratchnn.metrics.accuracy_metrics import (
    sparse_top_k_categorical_accuracy as sparse_top_k_categorical_accuracy,
)
from scratchnn.metrics.accuracy_metrics import top_k_categorical_accuracy as top_k_categorical_accuracy
from scratchnn.metrics.auc import AUC as AUC
from scratchnn.metrics.compile_resolution import resolve_compile_metric as resolve_compile_metric
from scratchnn.metrics.confusion_metrics import FalseNegatives as FalseNegatives
from scratchnn.metrics.confusion_metrics import FalsePositives as FalsePositives
from scratchnn.metrics.confusion_metrics import Precision as Precision
from scratchnn.metrics.confusion_metrics import Recall as Recall
from scratchnn.metrics.confusion_metrics import TrueNegatives as TrueNegatives
from scratchnn.metrics.confusion_metrics import TruePositives as TruePositives
from scratchnn.metrics.metric import Metric as Metric
from scratchnn.metrics.probabilistic_metrics import BinaryCrossentropy as BinaryCrossentropy
from scratchnn.metrics.probabilistic_metrics import CategoricalCrossentropy as CategoricalCrossentropy
from scratchnn.metrics.probabilistic_metrics import KLDivergence as KLDivergence
from scratchnn.metrics.probabilistic_metrics import Poisson as Poisson
from scratchnn.metrics.probabilistic_metrics import (
    SparseCategoricalCrossentropy as SparseCategoricalCrossentropy,
)
from scratchnn.metrics.reduction_metrics import Mean as Mean
from scratchnn.metrics.reduction_metrics import MeanMetricWrapper as MeanMetricWrapper
from scratchnn.metrics.reduction_metrics import Sum as Sum
from scratchnn.metrics.registry import ALL_OBJECTS as ALL_OBJECTS
from scratchnn.metrics.registry import ALL_OBJECTS_DICT as ALL_OBJECTS_DICT
from scratchnn.metrics.registry import deserialize as deserialize
from scratchnn.metrics.registry import get as get
from scratchnn.metrics.registry import serialize as serialize
from scratchnn.metrics.regression_metrics import MeanAbsoluteError as MeanAbsoluteError
from scratchnn.metrics.regression_metrics import MeanAbsolutePercentageError as MeanAbsolutePercentageError
from scratchnn.metrics.regression_metrics import MeanSquaredError as MeanSquaredError
from scratchnn.metrics.regression_metrics import MeanSquaredLogarithmicError as MeanSquaredLogarithmicError
from scratchnn.metrics.regression_metrics import RootMeanSquaredError as RootMeanSquaredError
from scratchnn.metrics.regression_metrics import mean_absolute_error as mean_absolute_error
from scratchnn.metrics.regression_metrics import (
    mean_absolute_percentage_error as mean_absolute_percentage_error,
)
from scratchnn.metrics.regression_metrics import mean_squared_error as mean_squared_error
from scratchnn.metrics.regression_metrics import (
    mean_squared_logarithmic_error as mean_squared_logarithmic_error,
)
