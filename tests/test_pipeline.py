"""speclint/pipeline.py: every guarantee of ``speclint check`` holds for every entry point.

Each test takes one guarantee through each entry point that reads models: ``check`` (text and
``--format jsonl``), ``show``, ``diff`` (two paths, and ``--base``), ``fix`` (IN) and the
Python API. Faults are injected in-process where a real model cannot make them on demand (a
reader that hangs or crashes, rules or a renderer that hang); the time limit is also shown on a
real hostile model through the real command line.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

import speclint
from speclint import cli
from speclint.read import guard
from speclint.settings import default_jobs
from tests.conftest import MODELS, REPO, need, run_speclint

GOOD = MODELS / "tf1-hub-feature-vector"
BAD = MODELS / "tf1-input-uint8"  # SL112
sys.path.insert(0, str(REPO / "benchmarks"))
import shapes  # noqa: E402


def models(tmp_path: Path, *names: str, source: Path = GOOD) -> list[Path]:
    made = []
    for name in names:
        shutil.copytree(source, tmp_path / name)
        made.append(tmp_path / name)
    return made


def cli_run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """The command line in this process (so that a fault injected here reaches it)."""
    code = cli.main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def faulty_reader(monkeypatch: pytest.MonkeyPatch) -> None:
    """Models whose name starts with ``slow`` hang in the reader, ``crash`` ones crash it."""
    real = guard.read_model

    def read(model_dir: str, max_bytes: int = 1 << 30, claims: str | None = None) -> dict[str, Any]:
        name = os.path.basename(os.path.normpath(model_dir))
        if name.startswith("slow"):
            time.sleep(60)
        if name.startswith("crash"):
            raise RuntimeError("injected reader bug")
        return real(model_dir, max_bytes, claims)

    monkeypatch.setattr(guard, "read_model", read)


# ---- the time limit and crashes: that model's finding, the others' report intact -------------

ENTRY_POINTS = ("check", "jsonl", "show", "diff", "api")


def run_entry(entry: str, capsys: pytest.CaptureFixture[str], tmp_path: Path, fault: str) -> tuple[int, str]:
    """One entry point over a good model and a faulty one (``fault``: its directory name)."""
    good, faulty = models(tmp_path, "good", fault, source=BAD)
    limit = ("--read-timeout", "0.5")
    if entry == "check":
        code, out, err = cli_run(capsys, str(good), str(faulty), *limit)
    elif entry == "jsonl":
        code, out, err = cli_run(capsys, "--format", "jsonl", str(good), str(faulty), *limit)
    elif entry == "show":
        code, out, err = cli_run(capsys, "show", str(good), str(faulty), *limit)
    elif entry == "diff":
        code, out, err = cli_run(capsys, "diff", str(good), str(faulty), *limit)
    else:
        report = speclint.lint([good, faulty], read_timeout=0.5, config=False)
        code, out, err = report.exit_code(), report.render("text"), ""
    return code, out + err


@pytest.mark.parametrize("entry", ENTRY_POINTS)
def test_a_model_that_hangs_is_cut_off_and_the_others_are_reported(
    entry: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    faulty_reader(monkeypatch)
    start = time.monotonic()
    code, shown = run_entry(entry, capsys, tmp_path, "slow")
    assert time.monotonic() - start < 30, "the time limit did not stop the model"
    assert "reading took longer than the time limit of 0.5 s per model" in shown
    if entry == "diff":
        assert code == 2 and "could not be compared (unreadable)" in shown  # diff's own rule: 2
    elif entry == "show":
        assert code == 1 and "good" in shown
    else:
        assert code == 1 and "SL112" in shown  # the good model's finding is still there


@pytest.mark.parametrize("entry", ENTRY_POINTS)
def test_a_reader_crash_is_that_model_s_finding(
    entry: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    faulty_reader(monkeypatch)
    code, shown = run_entry(entry, capsys, tmp_path, "crash")
    assert "internal error RuntimeError: injected reader bug" in shown and "Traceback" not in shown
    assert code == (2 if entry == "diff" else 1)


@pytest.mark.parametrize(
    ("name", "why"),
    [
        ("slow-in", "reading took longer than the time limit of 0.5 s"),
        ("crash-in", "speclint could not read it: internal error RuntimeError: injected reader bug"),
    ],
)
def test_fix_reads_in_under_the_guard(
    name: str, why: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    faulty_reader(monkeypatch)
    (source,) = models(tmp_path, name, source=BAD)
    code, out, err = cli_run(capsys, "fix", str(source), str(tmp_path / "out"), "--dry-run", "--read-timeout", "0.5")
    assert code == 2 and f"cannot read the model: {why}" in err and "Traceback" not in out + err
    assert not (tmp_path / "out").exists()


def test_the_limit_covers_the_rules_and_the_rendering(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """Not only reading: rules (and grouping) or rendering that hang cut the model off too."""
    from speclint.report import text
    from speclint.rules.ruleset import RuleSet

    real_check, real_render = RuleSet.check, text.render

    def slow_check(self: RuleSet, facts: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
        if "slow-rules" in str(facts["path"]) and facts["meta_graphs"]:  # not the facts of the cut-off model
            time.sleep(60)
        return real_check(self, facts, *args, **kwargs)

    def slow_render(results: list[Any], context: Any) -> str:
        if any("slow-render" in r.path and any(f.code == "SL112" for f in r.findings) for r in results):
            time.sleep(60)
        return real_render(results, context)

    monkeypatch.setattr(RuleSet, "check", slow_check)
    monkeypatch.setattr(text, "render", slow_render)
    good, rules, render = models(tmp_path, "good", "slow-rules", "slow-render", source=BAD)
    code, out, _ = cli_run(capsys, str(good), str(rules), str(render), "--read-timeout", "0.5")
    assert code == 1
    assert out.count("checking took longer than the time limit of 0.5 s per model") == 2
    assert "2 of them could not be read: " in out and out.count("SL112 error") == 1


def test_a_hostile_model_is_cut_off_by_the_real_command_line(tmp_path: Path) -> None:
    """The issue's model (functions each holding a WriteFile) with a small limit, in a fresh process."""
    shapes.write(str(tmp_path / "hostile"), shapes.many_functions(40_000))
    (good,) = models(tmp_path, "good", source=BAD)
    start = time.monotonic()
    done = run_speclint(str(tmp_path / "hostile"), str(good), "--read-timeout", "0.2", "--format", "json")
    assert time.monotonic() - start < 60
    assert done.returncode == 1, done.stderr
    report = json.loads(done.stdout)
    kept, hostile = report["models"]  # sorted: good, hostile
    assert "took longer than the time limit of 0.2 s" in hostile["read_error"]
    assert [f["code"] for f in kept["findings"]] == ["SL112"] and kept["read_error"] is None


# ---- excludes and .gitignore, for every walk ------------------------------------------------


def tree(root: Path) -> Path:
    """models/kept and three models a walk must skip: a virtualenv, a .gitignore'd and a config-excluded one."""
    (root / ".git").mkdir(parents=True)  # the top of a repository: .gitignore applies below it
    for name in ("models/kept", "models/.venv/hidden", "models/ignored/hidden", "models/scratch/hidden"):
        shutil.copytree(BAD, root / name)
    (root / ".gitignore").write_text("ignored/\n", encoding="utf-8")
    (root / "pyproject.toml").write_text('[tool.speclint]\nextend-exclude = ["scratch"]\n', encoding="utf-8")
    return root / "models"


def test_every_walk_skips_excludes_and_gitignore(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    old, new = tree(tmp_path / "old"), tree(tmp_path / "new")
    monkeypatch.chdir(tmp_path / "new")
    runs = {
        "check": cli_run(capsys, "models", "--format", "json"),
        "jsonl": cli_run(capsys, "models", "--format", "jsonl"),
        "show": cli_run(capsys, "show", "models", "--format", "json"),
        "diff": cli_run(capsys, "diff", str(old), str(new), "--format", "json"),
    }
    for entry, (_, out, err) in runs.items():
        assert "hidden" not in out + err, entry
        assert "kept" in out, entry
    report = speclint.lint(new)
    assert [Path(r.path).name for r in report.results] == ["kept"]
    assert speclint.lint(new / "scratch" / "hidden").results[0].findings  # named on purpose: always checked


def test_diff_base_skips_what_the_walk_skips(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    need(shutil.which("git") is not None, "git is not installed")
    from tests.diff.test_sources import commit, git

    root = tmp_path / "repo"
    models_dir = tree(root)
    shutil.rmtree(root / ".git")
    git(root, "init", "-q", "-b", "main")
    commit(root, "base")
    for name in ("kept", ".venv/hidden", "ignored/hidden", "scratch/hidden"):
        shutil.rmtree(models_dir / name)
        shutil.copytree(GOOD, models_dir / name)  # every model changes
    monkeypatch.chdir(root)
    code, out, err = cli_run(capsys, "diff", "--base", "HEAD", "models", "--format", "json")
    assert [m["path"] for m in json.loads(out)["models"]] == [os.path.join("models", "kept")], err
    assert code == 1


# ---- escaping: no entry point prints a model's string raw ---------------------------------

EVIL = "evil\x1b[2J\n::error::forged\u202e"


def test_every_entry_point_escapes_model_strings(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    (evil,) = models(tmp_path, EVIL, source=BAD)
    (good,) = models(tmp_path, "good", source=GOOD)
    outputs = {
        "check": cli_run(capsys, str(evil)),
        "github": cli_run(capsys, str(evil), "--format", "github"),
        "jsonl": cli_run(capsys, str(evil), "--format", "jsonl"),
        "show": cli_run(capsys, "show", str(evil)),
        "diff": cli_run(capsys, "diff", str(good), str(evil)),
        "fix": cli_run(capsys, "fix", str(evil), str(tmp_path / "out"), "--dry-run"),
        "api": (0, speclint.lint(evil, config=False).render("text"), ""),
    }
    for entry, (_, out, err) in outputs.items():
        for stream in (out, err):
            assert "\x1b" not in stream and "\u202e" not in stream, entry
            assert not any(line.lstrip().startswith("::error::forged") for line in stream.splitlines()), entry
        shown = "evil\\u001b[2J\\n" if entry == "jsonl" else "evil\\x1b[2J\\n"  # JSON's escape, or ours
        assert shown in out + err, entry


# ---- the memory budget under --jobs ---------------------------------------------------------


def spans_reader(monkeypatch: pytest.MonkeyPatch, log: Path) -> None:
    """A reader that takes a while and records when it ran (each worker appends a line)."""
    real = guard.read_model

    def read(model_dir: str, max_bytes: int = 1 << 30, claims: str | None = None) -> dict[str, Any]:
        start = time.monotonic()
        time.sleep(0.6)
        with open(log, "a", encoding="utf-8") as handle:
            handle.write(f"{os.getpid()} {start} {time.monotonic()}\n")
        return real(model_dir, max_bytes, claims)

    monkeypatch.setattr(guard, "read_model", read)


def most_at_once(log: Path) -> int:
    spans = [tuple(float(x) for x in line.split()[1:]) for line in log.read_text().splitlines()]
    events = sorted([(start, 1) for start, _ in spans] + [(end, -1) for _, end in spans])
    running = most = 0
    for _, step in events:
        running += step
        most = max(most, running)
    return most


@pytest.mark.parametrize("entry", ["check", "jsonl", "api"])
def test_jobs_stay_within_the_memory_budget(
    entry: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    need(default_jobs() >= 2, "two CPUs are needed to run two workers")
    paths = [str(p) for p in models(tmp_path, "m0", "m1", "m2", "m3")]

    def run(budget_mb: int, log: Path) -> int:
        spans_reader(monkeypatch, log)
        options = ["--jobs", "2", "--memory-budget", str(budget_mb)]
        if entry == "check":
            cli_run(capsys, *paths, *options)
        elif entry == "jsonl":
            cli_run(capsys, *paths, *options, "--format", "jsonl")
        else:
            speclint.lint(paths, jobs=2, memory_budget_mb=budget_mb, config=False)
        return most_at_once(log)

    assert run(1, tmp_path / "tight.log") == 1  # every model's estimate (64 MB and more) exceeds 1 MB
    assert run(1 << 20, tmp_path / "roomy.log") == 2


# ---- Ctrl-C -------------------------------------------------------------------------------


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_ctrl_c_exits_130_after_writing_what_is_done(tmp_path: Path, jobs: str) -> None:
    """jsonl: every model finished before the interrupt keeps its line; no worker outlives the run."""
    need(os.path.isdir("/proc"), "/proc lists the processes left behind")
    for index in range(30):
        shutil.copytree(GOOD, tmp_path / "tree" / f"m{index:02d}")
    shapes.write(str(tmp_path / "tree" / "zz-slow"), shapes.many_functions(100_000))
    out = tmp_path / "out.jsonl"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    process = subprocess.Popen(
        [sys.executable, "-m", "speclint", str(tmp_path / "tree"), "--format", "jsonl", "-o", str(out), "-j", jobs],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        text=True,
        preexec_fn=_as_a_shell_starts_it,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and (not out.exists() or out.read_text().count("\n") < 30):
        time.sleep(0.1)
    process.send_signal(2)  # SIGINT, as Ctrl-C sends it
    _, err = process.communicate(timeout=60)
    assert process.returncode == 130
    assert err.strip().splitlines()[-1] == "speclint: interrupted" and "Traceback" not in err
    lines = out.read_text().splitlines()
    assert len(lines) == 30 and all(json.loads(line)["path"] for line in lines)
    time.sleep(0.5)
    assert not [pid for pid in os.listdir("/proc") if pid.isdigit() and str(tmp_path) in _cmdline(pid)]


def _as_a_shell_starts_it() -> None:
    """SIGINT at its default and unblocked in the child, as a shell starts a foreground command: a
    child inherits an ignored or blocked SIGINT, and something earlier in the test process (a
    library's thread or handler) may leave it so, which would make the child deaf to Ctrl-C."""
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _cmdline(pid: str) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            return handle.read().decode("utf-8", "replace")
    except OSError:
        return ""


# ---- a model's speclint-ignore.toml: applied once, in the pipeline, for every entry point ------


def test_every_entry_point_applies_the_model_s_suppressions(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    accepted = MODELS / "suppression-tf2-nchw"  # SL140 accepted with a reason
    need(accepted.is_dir(), "golden fixture missing")
    model = tmp_path / "m"
    shutil.copytree(accepted, model)
    code, out, _ = cli_run(capsys, str(model), "--format", "json")
    assert code == 0 and json.loads(out)["summary"]["suppressed"] == 2
    code, out, _ = cli_run(capsys, str(model), "--format", "jsonl")
    assert code == 0 and "data_format NCHW" not in out and json.loads(out.splitlines()[0])["suppressed"] == 2
    code, out, _ = cli_run(capsys, "show", str(model), "--format", "json")
    assert json.loads(out)[0]["suppressions"]["entries"][0]["code"] == "SL140"
    report = speclint.lint(model, config=False)
    assert report.exit_code() == 0 and report.results[0].suppressed == 2
    assert "2 findings suppressed by speclint-ignore.toml" in report.render("text")
