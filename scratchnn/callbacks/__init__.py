"""Callbacks: hooks into `fit()`, `evaluate()` and `predict()` (`keras.callbacks`)."""

from scratchnn.callbacks.callback import Callback as Callback
from scratchnn.callbacks.callback_list import CallbackList as CallbackList
from scratchnn.callbacks.csv_logger import CSVLogger as CSVLogger
from scratchnn.callbacks.early_stopping import EarlyStopping as EarlyStopping
from scratchnn.callbacks.history import History as History
from scratchnn.callbacks.lambda_callback import LambdaCallback as LambdaCallback
from scratchnn.callbacks.learning_rate_scheduler import LearningRateScheduler as LearningRateScheduler
from scratchnn.callbacks.monitor_callback import MonitorCallback as MonitorCallback
from scratchnn.callbacks.progbar_logger import ProgbarLogger as ProgbarLogger
from scratchnn.callbacks.reduce_lr_on_plateau import ReduceLROnPlateau as ReduceLROnPlateau
from scratchnn.callbacks.terminate_on_nan import TerminateOnNaN as TerminateOnNaN

__all__ = [
    "CSVLogger",
    "Callback",
    "CallbackList",
    "EarlyStopping",
    "History",
    "LambdaCallback",
    "LearningRateScheduler",
    "MonitorCallback",
    "ProgbarLogger",
    "ReduceLROnPlateau",
    "TerminateOnNaN",
]

from scratchnn.callbacks.backup_and_restore import BackupAndRestore as BackupAndRestore  # noqa: E402
from scratchnn.callbacks.model_checkpoint import ModelCheckpoint as ModelCheckpoint  # noqa: E402
from scratchnn.callbacks.tensorboard import TensorBoard as TensorBoard  # noqa: E402

__all__ += ["BackupAndRestore", "ModelCheckpoint", "TensorBoard"]
