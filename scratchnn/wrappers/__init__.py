"""`scratchnn.wrappers`: scikit-learn estimators around scratchnn models (SciKeras-style).

`KerasClassifier(build_fn, model__units=32, optimizer__learning_rate=1e-3, epochs=10)`
is a scikit-learn estimator: it works with `cross_val_score`, `Pipeline`,
`GridSearchCV` and `RandomizedSearchCV`, and pickles. scikit-learn is an
optional dependency: `pip install "scratchnn[sklearn]"`.
"""

try:
    import sklearn  # noqa: F401
except ImportError as err:  # pragma: no cover - exercised in a subprocess test
    raise ImportError(
        "scratchnn.wrappers needs scikit-learn, which is not installed. Install it with: "
        'pip install "scratchnn[sklearn]"'
    ) from err

from scratchnn.wrappers import parallel as parallel
from scratchnn.wrappers._utils import route_params as route_params
from scratchnn.wrappers.base import BaseWrapper as BaseWrapper
from scratchnn.wrappers.estimators import KerasClassifier as KerasClassifier
from scratchnn.wrappers.estimators import KerasRegressor as KerasRegressor

__all__ = ["BaseWrapper", "KerasClassifier", "KerasRegressor", "parallel", "route_params"]
