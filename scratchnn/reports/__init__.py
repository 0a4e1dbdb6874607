"""What a training run leaves behind: metrics.json, history.csv/json, and a self-contained report.html.

`artifacts` writes the data files, `html` the one-page report with its images
embedded as base64 `data:` URIs (the page can be mailed or archived alone).
"""

from scratchnn.reports.artifacts import classification_metrics as classification_metrics
from scratchnn.reports.artifacts import write_history as write_history
from scratchnn.reports.artifacts import write_json as write_json
from scratchnn.reports.html import render_report as render_report
from scratchnn.reports.html import write_report as write_report

__all__ = ["classification_metrics", "render_report", "write_history", "write_json", "write_report"]
