"""The scratchnn application, apart from the Keras API.

`cli/` (the `scratchnn` command line), `recipes` (its named training set-ups),
`reports/` (run folders, report.html, `classification_report`), `plot`
(matplotlib figures), `serve/` (the drawing page and `POST /predict`),
`tuning/` (`scratchnn tune`) and `linear` (the logic-gates tutorial's
Perceptron). These build on the library; nothing outside `scratchnn.apps`
imports them (tests/apps/test_import_boundary.py checks it), so the Keras
API can be read, imported and measured without them.
"""
