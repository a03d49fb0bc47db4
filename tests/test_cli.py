"""Mistakes fail loudly (ruff's behaviour is the reference): wrong paths, unknown codes, and the
options a newcomer looks for (--help, -q, --statistics, --output-format, --color)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import MODELS, need, run_speclint

GOOD = MODELS / "tf1-hub-feature-vector"
UINT8 = MODELS / "tf1-input-uint8"


@pytest.fixture(autouse=True)
def fixtures() -> None:
    need(GOOD.is_dir() and UINT8.is_dir(), "golden fixtures missing")


@pytest.mark.parametrize("bad", ["no/such/dir", "EMPTY"])
def test_a_wrong_path_is_exit_2_even_when_other_paths_are_fine(bad: str, tmp_path: Path) -> None:
    if bad == "EMPTY":
        bad = str(tmp_path)  # exists, holds no model
    completed = run_speclint(str(GOOD), bad)
    assert completed.returncode == 2
    assert completed.stderr.count("\n") == 1 and completed.stderr.startswith(f"speclint: error: {bad}: ")
    assert "All checks passed (1 model)" in completed.stdout  # the good model is still reported


def test_a_wrong_path_is_an_error_annotation_under_actions(tmp_path: Path) -> None:
    completed = run_speclint(str(GOOD), "missing", env={"GITHUB_ACTIONS": "true"}, cwd=tmp_path)
    assert completed.returncode == 2
    assert "::error title=speclint::missing: no such file or directory" in completed.stdout


@pytest.mark.parametrize(
    "args,where,suggestion",
    [
        (["--select", "SL11,SL112X"], "--select", "SL112"),
        (["--ignore", "sl112"], "--ignore", "SL112"),
        (["--select", "SL6O1"], "--select", "SL601"),
    ],
)
def test_unknown_codes_on_the_command_line(args: list[str], where: str, suggestion: str) -> None:
    completed = run_speclint(str(GOOD), *args)
    assert completed.returncode == 2
    assert completed.stderr.startswith(f"speclint: error: {where}: unknown rule code or prefix")
    assert completed.stderr.rstrip().endswith(f"did you mean {suggestion}?")


def test_unknown_codes_in_the_config_and_per_path(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.speclint]\nignore = ["SL125"]\n')
    assert run_speclint(str(GOOD), "--config", str(tmp_path / "pyproject.toml")).returncode == 0
    (tmp_path / "pyproject.toml").write_text('[tool.speclint]\nignore = ["SL152"]\n')
    completed = run_speclint(str(GOOD), "--config", str(tmp_path / "pyproject.toml"))
    assert (
        completed.returncode == 2 and "[tool.speclint] ignore: unknown rule code or prefix 'SL152'" in completed.stderr
    )
    (tmp_path / "pyproject.toml").write_text(
        '[tool.speclint]\n[[tool.speclint.per-path]]\npath = "x/*"\nselect = ["SL1", "XX1"]\n'
    )
    completed = run_speclint(str(GOOD), "--config", str(tmp_path / "pyproject.toml"))
    assert completed.returncode == 2 and "per-path[0] select: unknown rule code or prefix 'XX1'" in completed.stderr


def test_help_shows_the_check_options() -> None:
    completed = run_speclint("--help")
    assert completed.returncode == 0
    for option in ("--select", "--fail-level", "--quiet", "--statistics", "--output-format", "--color", "--baseline"):
        assert option in completed.stdout


def test_quiet_statistics_and_output_format() -> None:
    quiet = run_speclint(str(GOOD), str(UINT8), "-q")
    assert "tf1-hub-feature-vector" not in quiet.stdout and "tf1-input-uint8" in quiet.stdout
    stats = run_speclint(str(GOOD), str(UINT8), "--statistics")
    assert stats.returncode == 1
    assert stats.stdout.splitlines()[0].split() == [
        "1",
        "finding",
        "4",
        "locations",
        "SL112",
        "images-input-dtype",
        "(error)",
    ]
    assert run_speclint(str(UINT8), "--output-format", "json").stdout.startswith("{")


def test_color() -> None:
    assert "\033[" in run_speclint(str(UINT8), "--color", "always").stdout
    assert "\033[" not in run_speclint(str(UINT8), "--color", "never").stdout
    assert "\033[" not in run_speclint(str(UINT8)).stdout  # auto, not a terminal
    bad = run_speclint(str(UINT8), "--color", "sometimes")
    assert bad.returncode == 2 and bad.stderr.startswith("speclint: error: usage:")
