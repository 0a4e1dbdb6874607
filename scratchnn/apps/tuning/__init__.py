"""Hyper-parameter search for the recipes: what `scratchnn tune` runs.

- `space`: the search space from the command line (learning rate, units,
  depth, batch size, optimizer), its grid, random draws and Optuna suggestions.
- `trial`: trains one trial, reporting its validation score after every
  epoch, and the `TrialResult` row it leaves.
- `study`: an Optuna study in a journal file shared by any number of worker
  processes (no database server), with pruning and recovery of trials whose
  worker died.
- `workers`: `--workers K`: K worker processes on this machine, watched
  through the shared study.
- `progress`: the lines a person watches; `results`: the table, the CSV/JSON
  files, the HTML report and its score-by-trial plot.

Optuna is an optional extra (`pip install "scratchnn[tune]"`); `--grid` and
`--random N` run without it.
"""
