"""Known failures reach the user as one stderr line and a non-zero exit, from every command."""

import html
import os
import socket
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from scratchnn.apps.cli.__main__ import main
from scratchnn.datasets import _download, _locations
from tests.apps.cli.conftest import QUICK
from tests.data_env import data_dir

REPO = Path(__file__).resolve().parents[3]


def refused_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def offline(monkeypatch, tmp_path):
    """No data anywhere, and every download refused (a new user on a machine without the files)."""
    monkeypatch.delenv("SCRATCHNN_DATA", raising=False)
    monkeypatch.setenv("SCRATCHNN_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("SCRATCHNN_MIRRORS", f"http://127.0.0.1:{refused_port()}/")
    monkeypatch.setattr(_locations, "SYSTEM_DIR", str(tmp_path / "system"))
    monkeypatch.setattr(_download, "BACKOFF", 0.0)
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    return work


def one_error_line(capsys, command: str) -> str:
    err = [line for line in capsys.readouterr().err.splitlines() if not line.startswith("Downloading ")]
    assert len(err) == 1, err
    assert err[0].startswith(f"scratchnn {command}: ")
    assert "Traceback" not in err[0]
    return err[0]


@pytest.mark.parametrize(
    "argv",
    [
        ["train", "mnist-dense", *QUICK],
        ["lr-find", "mnist-dense", "--subset", "100"],
        ["tune", "mnist-dense", "--grid", "--epochs", "1", "--subset", "100"],
    ],
)
def test_no_data_is_one_line_and_leaves_no_run_folder(offline, capsys, argv):
    assert main(argv) == 1
    line = one_error_line(capsys, argv[0])
    assert (
        "Cannot load MNIST" in line and "SCRATCHNN_DATA" in line and "scratchnn datasets fetch mnist" in line
    )
    assert list(offline.iterdir()) == [], "a failed command left a folder behind"


def test_no_data_for_evaluate(offline, capsys, quick_run):
    assert main(["evaluate", str(quick_run)]) == 1
    assert "Cannot load MNIST" in one_error_line(capsys, "evaluate")


def test_no_data_from_the_shell_prints_no_traceback(tmp_path):
    env = {
        **os.environ,
        "SCRATCHNN_HOME": str(tmp_path / "h"),
        "SCRATCHNN_MIRRORS": f"http://127.0.0.1:{refused_port()}/",
        "PYTHONPATH": str(REPO),
    }
    env.pop("SCRATCHNN_DATA", None)
    result = subprocess.run(
        [sys.executable, "-m", "scratchnn", "train", "mnist-dense"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
    )
    assert result.returncode == 1
    errors = [line for line in result.stderr.splitlines() if not line.startswith("Downloading")]
    assert len(errors) == 1 and "Traceback" not in result.stderr, result.stderr
    assert not (tmp_path / "runs").exists()


@pytest.mark.parametrize(
    "argv, message",
    [
        (["train", "mnist-dens"], "Did you mean 'mnist-dense'?"),
        (["lr-find", "fashion-mpl"], "Did you mean 'fashion-mlp'?"),
        (["train", "mnist-dense", "--optimizer", "adm"], "Did you mean 'adam'?"),
        (["train", "mnist-dense", "--epochs", "0"], "--epochs must be a positive integer"),
        (["train", "mnist-dense", "--learning-rate", "-1"], "--learning-rate must be a positive number"),
        (["lr-find", "mnist-dense", "--min-lr", "1", "--max-lr", "0.1"], "need 0 < --min-lr < --max-lr"),
        (["lr-find", "mnist-dense", "--steps", "0"], "--steps must be a positive integer"),
        (["evaluate", "x.keras", "--subset", "-3"], "--subset must be a positive integer"),
        (["predict", "x.keras", "x.png", "--top", "0"], "--top must be a positive integer"),
        (["serve", "x.keras", "--port", "70000"], "--port must be between 0 and 65535"),
    ],
)
def test_bad_arguments_exit_2_with_one_line(capsys, argv, message, monkeypatch, tmp_path):
    monkeypatch.setenv("SCRATCHNN_DATA", data_dir())
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    assert message in one_error_line(capsys, argv[0])
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "argv",
    [
        ["train"],
        ["train", "mnist-dense", "--epochs", "many"],
        ["frobnicate"],
        ["export", "m.keras", "--format", "tflite"],
    ],
)
def test_argparse_usage_errors_exit_2(capsys, argv):
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 2
    assert "usage:" in capsys.readouterr().err


def write_bad_models(folder: Path) -> dict[str, Path]:
    folder.mkdir(exist_ok=True)
    files = {
        "random bytes": folder / "noise.keras",
        "empty": folder / "empty.keras",
        "truncated zip": folder / "cut.keras",
        "text": folder / "notes.txt",
    }
    files["random bytes"].write_bytes(bytes(range(256)) * 4)
    files["empty"].write_bytes(b"")
    files["truncated zip"].write_bytes(b"PK\x03\x04" + b"\x00" * 40)
    files["text"].write_text("hello\n")
    return files


@pytest.mark.parametrize("command", ["evaluate", "summary", "predict", "export", "serve"])
def test_a_corrupt_model_is_one_line_without_raw_bytes(capsys, tmp_path, command):
    for kind, path in write_bad_models(tmp_path).items():
        argv = [command, str(path)] + ([str(path)] if command == "predict" else [])
        if command == "predict":
            from PIL import Image

            Image.new("L", (28, 28), 255).save(tmp_path / "blank.png")
            argv[2] = str(tmp_path / "blank.png")
        assert main(argv) == 1, kind
        line = one_error_line(capsys, command)
        assert "b'" not in line and "\\x" not in line, (kind, line)
        # Wrapped once: the file is named once, and no "not a model ... not a model" stutter.
        assert line.count(path.name) == 1, (kind, line)
        assert line.lower().count("not a model") <= 1, (kind, line)


def test_missing_model_and_empty_folder(capsys, tmp_path):
    assert main(["summary", str(tmp_path / "none.keras")]) == 1
    assert "no such model file or run folder" in one_error_line(capsys, "summary")
    assert main(["summary", str(tmp_path)]) == 1
    assert "holds no model" in one_error_line(capsys, "summary")


def test_a_run_folder_is_accepted_where_a_model_file_is_expected(capsys, quick_run, monkeypatch, tmp_path):
    monkeypatch.setenv("SCRATCHNN_DATA", data_dir())
    assert main(["summary", str(quick_run)]) == 0
    assert "Total params: 222,360" in capsys.readouterr().out
    assert main(["evaluate", str(quick_run), "--json"]) == 0
    assert main(["export", str(quick_run), "--output", str(tmp_path / "m.onnx")]) == 0
    assert (tmp_path / "m.onnx").is_file()


@pytest.mark.parametrize(
    "source, message",
    [
        ("def build_model(:\n", "importing"),
        ("def build_model():\n    raise RuntimeError('oops')\n", "build_model() in"),
        (
            "from scratchnn import keras\n\ndef build_model():\n"
            "    return keras.Sequential([keras.Input(shape=(5,)), keras.layers.Dense(10, activation='softmax')])\n",
            "cannot be trained on the recipe's images",
        ),
    ],
)
def test_a_broken_user_model_file_is_one_line(capsys, tmp_path, monkeypatch, source, message):
    monkeypatch.setenv("SCRATCHNN_DATA", data_dir())
    monkeypatch.chdir(tmp_path)
    (tmp_path / "model.py").write_text(source)
    assert main(["train", "mnist-dense", *QUICK, "--model", "model.py"]) == 1
    assert message in one_error_line(capsys, "train")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.py"]


def test_missing_extras_name_the_extra(capsys, quick_run, monkeypatch):
    monkeypatch.setitem(sys.modules, "onnx", None)
    assert main(["export", str(quick_run), "--output", "x.onnx"]) == 1
    assert 'pip install "scratchnn[onnx]"' in one_error_line(capsys, "export")
    monkeypatch.setitem(sys.modules, "PIL", None)
    assert main(["serve", str(quick_run), "--port", "0"]) == 1
    assert 'pip install "scratchnn[image]"' in one_error_line(capsys, "serve")


def test_train_without_matplotlib_still_writes_the_report(capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("SCRATCHNN_DATA", data_dir())
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    assert main(["train", "mnist-dense", *QUICK, "--output", str(tmp_path / "run")]) == 0
    page = html.unescape((tmp_path / "run" / "report.html").read_text(encoding="utf-8"))
    assert 'pip install "scratchnn[plot]"' in page and "What the model gets wrong" in page
    assert "plots skipped" in capsys.readouterr().err


def test_model_files_get_the_usual_mode(quick_run):
    umask = os.umask(0)
    os.umask(umask)
    expected = 0o666 & ~umask
    assert stat.S_IMODE((quick_run / "report.html").stat().st_mode) == expected
    assert stat.S_IMODE((quick_run / "model.keras").stat().st_mode) == expected
