"""scratchnn.apps.tuning.results and progress: ranking, the table, the lines a person reads."""

from scratchnn.apps.tuning import progress, results
from scratchnn.apps.tuning.trial import COMPLETE, FAILED, PRUNED, RUNNING, TrialResult


def result(number, state=COMPLETE, score=0.5, loss=1.0):
    return TrialResult(number, state, score, loss, 0.01, (16, 16), 32, "sgd", 3, 3, 1.25, "host:1")


def test_ranking_table_and_lines():
    rows = [result(0, score=0.5), result(1, PRUNED, 0.9), result(2, score=0.7, loss=2.0),
            result(3, score=0.7, loss=1.0), result(4, FAILED, None, None), result(5, RUNNING, 0.1)]  # fmt: skip
    assert [r.number for r in results.ranked(rows)] == [3, 2, 0, 1, 5, 4]
    assert progress.best_of(rows).number == 3  # a pruned trial never wins
    table = results.format_table(rows).splitlines()
    assert table[0].split() == list(results.COLUMNS)
    assert table[1].split() == [
        "1",
        "3",
        "complete",
        "0.7000",
        "1.0000",
        "0.01",
        "16x16",
        "32",
        "sgd",
        "3/3",
        "1.2",
    ]
    assert table[5].split()[2:4] == ["running", "0.1000"] and table[6].split()[3] == "-"
    assert progress.plural(1, "trial") == "1 trial" and progress.plural(2, "trial") == "2 trials"
    assert "best: trial 3 (" in progress.summary_line(progress.best_of(rows), {"accuracy": 0.5}, "m.keras")
