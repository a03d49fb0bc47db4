"""Shared test locations and the rule that CI never skips silently.

Under ``SPECLINT_REQUIRE_ALL=1`` (set by ``.ci/run``) a test that lacks TensorFlow or the
corpus fails instead of skipping, so a green CI means every test really ran.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
GOLDEN = REPO / "golden"
MODELS = GOLDEN / "models"
SHARED = Path(os.environ.get("SPECLINT_SHARED", REPO.parent / "shared"))
CORPUS = Path(os.environ.get("SPECLINT_CORPUS", SHARED / "corpus"))
REQUIRE_ALL = os.environ.get("SPECLINT_REQUIRE_ALL") == "1"

# Reports quote the spec in the reader's language (--lang defaults from LANG): the tests expect
# English unless a test asks for another language itself, whatever the developer's locale.
for _variable in ("LANGUAGE", "LC_ALL", "LC_MESSAGES"):
    os.environ.pop(_variable, None)
os.environ["LANG"] = "C.UTF-8"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true", help="rewrite golden/ reports and facts")


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-golden"))


def need(condition: bool, why: str) -> None:
    """Skip when a prerequisite is missing locally; fail in CI, where everything must run."""
    if condition:
        return
    if REQUIRE_ALL:
        pytest.fail(f"required for CI but missing: {why}")
    pytest.skip(why)


def need_tensorflow() -> None:
    need(importlib.util.find_spec("tensorflow") is not None, "TensorFlow is not installed")


def corpus_dirs() -> list[Path]:
    if not CORPUS.is_dir():
        return []
    return sorted(p for p in CORPUS.iterdir() if p.is_dir())


@pytest.fixture
def corpus() -> list[Path]:
    dirs = corpus_dirs()
    need(bool(dirs), f"corpus not found at {CORPUS} (set SPECLINT_CORPUS)")
    return dirs


def fixture_dirs() -> list[Path]:
    return sorted(p for p in MODELS.iterdir() if p.is_dir())


def run_speclint(
    *args: str, env: dict[str, str] | None = None, cwd: Path | None = None, **kwargs: object
) -> subprocess.CompletedProcess[str]:
    """The real command line, in a fresh interpreter."""
    full_env = {**os.environ, "PYTHONPATH": str(REPO), **(env or {})}
    full_env.pop("GITHUB_ACTIONS", None) if env is None or "GITHUB_ACTIONS" not in env else None
    return subprocess.run(
        [sys.executable, "-m", "speclint", *args],
        capture_output=True,
        text=True,
        env=full_env,
        cwd=cwd or REPO,
        timeout=300,
        **kwargs,  # type: ignore[call-overload]
    )


def assert_one_line_error(result: subprocess.CompletedProcess[str], needle: str, file_name: str) -> None:
    """Bad input is reported as ``speclint: error: ...`` lines, one naming this file and problem."""
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert lines, "expected an error line"
    assert all(line.startswith("speclint: error: ") for line in lines), lines
    assert any(file_name in line and needle in line for line in lines), lines


def tree_digest(root: Path) -> dict[str, str]:
    """Every file's SHA-256 under root: equal before and after means nothing was written."""
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else "dir"
        for p in sorted(root.rglob("*"))
    }
