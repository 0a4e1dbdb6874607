"""What a training run leaves behind: metrics.json, history.csv/json, and a self-contained report.html.

`artifacts` writes the data files, `html` the one-page report with its images
embedded as base64 `data:` URIs (the page can be mailed or archived alone), and
`classification` the whole-array `classification_report` / `confusion_matrix`
in scikit-learn's layout (not Keras metrics, so not in `keras.metrics`).
"""

from scratchnn.apps.reports.artifacts import classification_metrics as classification_metrics
from scratchnn.apps.reports.artifacts import write_history as write_history
from scratchnn.apps.reports.artifacts import write_json as write_json
from scratchnn.apps.reports.classification import classification_report as classification_report
from scratchnn.apps.reports.classification import confusion_matrix as confusion_matrix
from scratchnn.apps.reports.html import render_report as render_report
from scratchnn.apps.reports.html import write_report as write_report

__all__ = [
    "classification_metrics",
    "classification_report",
    "confusion_matrix",
    "render_report",
    "write_history",
    "write_json",
    "write_report",
]
