"""A save killed at any write, fsync, rename or removal leaves the old model or the new one (issue 12, items 2 and 4).

One child process per save kind prepares the old save, then forks once per
file-system operation k = 1, 2, ...: the fork patches `os.write`, `os.fsync`,
`os.replace`, `os.rename`, `os.remove`, `os.unlink` and `os.rmdir` so that
the k-th call SIGKILLs it (a write first writes half its bytes: a torn write),
and runs the new save. After each kill the child loads what is at the path
and classifies it as "old", "new" or what else it found; then it saves the
old model again, normally, and records what that save left in the directory
(a killed save's temporaries must be gone, the user's file must be there).
The loop ends with the first k at which the save completes unkilled.
"""

import json
import os
import subprocess
import sys
import textwrap

import pytest

CHILD = textwrap.dedent(
    """
    import json, os, signal, sys
    import numpy as np
    import scratchnn.keras as sk

    mode, root = sys.argv[1], sys.argv[2]
    double = mode == "backup_double"
    backup = mode.startswith("backup")

    def model_with(units, seed):
        model = sk.Sequential([sk.Input((3,)), sk.layers.Dense(units), sk.layers.Dense(1)])
        rng = np.random.default_rng(seed)
        model.set_weights([rng.standard_normal(w.shape).astype("float32") for w in model.get_weights()])
        model.compile(optimizer="sgd", loss="mse")
        return model

    # A directory save changes the architecture too, so a mix of old and new files cannot pass as either.
    units = {"older": 4, "old": 4, "new": 4} if backup or mode == "weights" else {"old": 4, "new": 6}
    models = {name: model_with(u, seed) for seed, (name, u) in enumerate(units.items())}
    epochs = {"older": 1, "old": 2, "new": 3}
    names = {"zip": "m.keras", "dir": "model", "weights": "w.weights.h5", "legacy": "m.h5"}
    folder = os.path.join(root, "backup" if backup else "")
    path = os.path.join(root, names.get(mode, "backup"))

    def save(name):
        model = models[name]
        if backup:
            cb = sk.callbacks.BackupAndRestore(folder, double_checkpoint=double)
            cb.set_model(model)
            cb.on_epoch_end(epochs[name] - 1)
        elif mode == "weights":
            model.save_weights(path)
        elif mode == "dir":
            model.save(path, zipped=False)
        else:
            model.save(path)

    def same(a, b):
        return len(a) == len(b) and all(x.shape == y.shape and np.array_equal(x, y) for x, y in zip(a, b))

    def classify(weights, epoch=None):
        for name, model in models.items():
            if same(weights, model.get_weights()) and (epoch is None or epoch == epochs[name]):
                return name
        return f"mixed: epoch={epoch}, shapes={[w.shape for w in weights]}"

    def state():
        try:
            if backup:
                fresh = model_with(4, 99)
                cb = sk.callbacks.BackupAndRestore(folder, double_checkpoint=double)
                cb.set_model(fresh)
                cb.on_train_begin()
                return classify(fresh.get_weights(), fresh._initial_epoch)
            if mode == "weights":
                fresh = model_with(4, 99)
                fresh.load_weights(path)
                return classify(fresh.get_weights())
            return classify(sk.models.load_model(path).get_weights())
        except Exception as err:
            return f"unloadable: {type(err).__name__}: {err}"

    def listing():
        where = path if mode == "dir" else folder or root
        return sorted(os.listdir(where))

    def arm(k):
        count = [0]
        for op in ("write", "fsync", "replace", "rename", "remove", "unlink", "rmdir"):
            original = getattr(os, op)

            def patched(*args, _original=original, _op=op, **kwargs):
                count[0] += 1
                if count[0] == k:
                    if _op == "write":
                        _original(args[0], bytes(args[1][: len(args[1]) // 2]))
                    os.kill(os.getpid(), signal.SIGKILL)
                return _original(*args, **kwargs)

            setattr(os, op, patched)

    os.makedirs(path if mode == "dir" else folder or root, exist_ok=True)
    with open(os.path.join(path if mode == "dir" else folder or root, "notes.txt"), "w") as fh:
        fh.write("user file")
    if double:
        save("older")
    save("old")
    clean = listing()
    results = []
    for k in range(1, 400):
        pid = os.fork()
        if pid == 0:
            arm(k)
            save("new")
            os._exit(0)
        _, status = os.waitpid(pid, 0)
        killed = os.WIFSIGNALED(status)
        found = state()
        if double:
            save("older")
        save("old")
        results.append({"k": k, "killed": killed, "state": found, "after_next_save": listing()})
        if not killed:
            break
    print(json.dumps({"clean": clean, "results": results}))
    """
)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="the kill loop forks")
@pytest.mark.parametrize("mode", ["zip", "dir", "weights", "legacy", "backup", "backup_double"])
def test_a_kill_at_any_step_leaves_the_old_or_the_new_save(mode, tmp_path):
    env = {**os.environ, "PYTHONPATH": os.getcwd(), "OPENBLAS_NUM_THREADS": "1"}
    proc = subprocess.run(
        [sys.executable, "-c", CHILD, mode, str(tmp_path)],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    results = report["results"]
    assert len(results) >= 3 and not results[-1]["killed"], results  # the save has steps, and ends
    assert "notes.txt" in report["clean"]
    for r in results:
        assert r["state"] in ("old", "new"), r
        assert r["after_next_save"] == report["clean"], r  # no leftover temporaries, the user's file kept
    # The switch to the new content happens at one step, never back: a torn state would show up as a flip.
    states = [r["state"] for r in results]
    assert states == sorted(states, key=lambda s: s == "new"), states
    assert states[-1] == "new"
