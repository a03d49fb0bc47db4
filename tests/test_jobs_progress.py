"""``--jobs N`` changes nothing but speed; the progress bar appears only for a person at a terminal.

Every run is the real command line in a fresh interpreter. The terminal is a pseudo-terminal
on stderr (stdout stays a pipe, as when a report is redirected to a file).
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from tests.conftest import MODELS, REPO, fixture_dirs, need

FORMATS = ("text", "json", "github", "sarif")


def _env(extra_path: Path | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GITHUB_")}
    env["PYTHONPATH"] = os.pathsep.join(str(p) for p in (extra_path, REPO) if p is not None)
    env.update(TERM="xterm-256color", COLUMNS="100")
    env.pop("NO_COLOR", None)
    return env


def _piped(*args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "speclint", *args], capture_output=True, env=_env(), cwd=REPO, timeout=300, check=False
    )


def _on_terminal(*args: str, extra_path: Path | None = None) -> tuple[int, bytes, bytes]:
    """Run with stderr on a pseudo-terminal; return (exit status, stdout, what the terminal got)."""
    need(os.name == "posix", "pseudo-terminals need a POSIX system")
    import pty

    master, slave = pty.openpty()
    try:
        process = subprocess.Popen(
            [sys.executable, "-m", "speclint", *args],
            stdout=subprocess.PIPE,
            stderr=slave,
            env=_env(extra_path),
            cwd=REPO,
        )
    finally:
        os.close(slave)
    chunks: list[bytes] = []

    def drain() -> None:  # a full terminal buffer would block the child
        while True:
            try:
                data = os.read(master, 65536)
            except OSError:  # EIO: the child closed its end
                return
            if not data:
                return
            chunks.append(data)

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    stdout, _ = process.communicate(timeout=300)
    reader.join(timeout=10)
    os.close(master)
    return process.returncode, stdout, b"".join(chunks)


@pytest.mark.parametrize("fmt", FORMATS)
def test_jobs_do_not_change_the_report(fmt: str) -> None:
    assert len(fixture_dirs()) >= 20
    one = _piped("golden/models", "--exit-zero", "--format", fmt, "--jobs", "1")
    two = _piped("golden/models", "--exit-zero", "--format", fmt, "--jobs", "2")
    assert one.returncode == two.returncode == 0, one.stderr + two.stderr
    assert one.stdout == two.stdout  # byte for byte
    assert one.stderr == two.stderr == b""
    if fmt == "json":
        import json

        paths = [model["path"] for model in json.loads(one.stdout)["models"]]
        assert paths == sorted(paths) and len(paths) == len(set(paths))


def test_jobs_more_than_models() -> None:
    one = _piped("golden/models/tf1-input-uint8", "golden/models/tf2-feature-vector", "--format", "json")
    many = _piped("golden/models/tf2-feature-vector", "golden/models/tf1-input-uint8", "--format", "json", "-j", "8")
    assert one.returncode == many.returncode == 1
    assert one.stdout == many.stdout


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_no_progress_output_when_not_interactive(jobs: str) -> None:
    completed = _piped("golden/models", "--exit-zero", "--jobs", jobs)
    assert completed.returncode == 0
    assert completed.stderr == b"", completed.stderr[:500]
    assert b"\x1b" not in completed.stdout, "no colour or cursor codes in a pipe"


def test_progress_bar_on_a_terminal(tmp_path: Path) -> None:
    """The built-in line: drawn and erased on the terminal, never on stdout; rich is never imported."""
    fake = tmp_path / "rich"  # a rich that cannot be imported: the line must not need it
    fake.mkdir()
    (fake / "__init__.py").write_text("raise ImportError('rich must not be imported')\n", encoding="utf-8")
    status, stdout, terminal = _on_terminal(
        "golden/models", "--exit-zero", "--format", "json", "--jobs", "2", extra_path=tmp_path
    )
    assert status == 0
    models = len(fixture_dirs())
    assert f"reading {models}/{models} [".encode() in terminal, terminal[:500]
    assert terminal.endswith(b"\r\x1b[2K"), "the line is erased at the end"
    assert b"\n" not in terminal, "one line, rewritten in place"
    assert stdout == _piped("golden/models", "--exit-zero", "--format", "json").stdout, "the bar never reaches stdout"


@pytest.mark.parametrize(
    "args",
    [
        ("golden/models", "--exit-zero", "--no-progress"),  # asked not to
        (str(MODELS / "tf2-feature-vector"), str(MODELS / "tf1-input-uint8")),  # too few models to bother
    ],
)
def test_no_progress_bar_on_a_terminal(args: tuple[str, ...]) -> None:
    status, _, terminal = _on_terminal(*args, "--format", "json")
    assert status in (0, 1)
    assert terminal == b"", terminal[:500]
