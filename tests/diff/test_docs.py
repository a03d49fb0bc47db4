"""speclint/diff/docs.py: docs/changes is generated from the change rules (a stale page fails)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO


def gen(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "speclint.diff.docs", *args],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
        check=False,
    )


def test_docs_are_up_to_date() -> None:
    completed = gen("--check")
    assert completed.returncode == 0, f"docs/changes is out of date (python -m speclint.diff.docs):\n{completed.stderr}"


def test_check_catches_stale_missing_and_leftover_pages(tmp_path: Path) -> None:
    out = tmp_path / "changes"
    assert gen("--out", str(out)).returncode == 0
    (out / "SC134.md").write_text("edited by hand\n", encoding="utf-8")
    (out / "SC100.md").unlink()
    (out / "SC999.md").write_text("gone\n", encoding="utf-8")
    completed = gen("--check", "--out", str(out))
    assert completed.returncode == 1
    assert "SC134.md: out of date" in completed.stderr
    assert "SC100.md: missing" in completed.stderr
    assert "SC999.md: no such change rule any more" in completed.stderr
    assert gen("--out", str(out)).returncode == 0
    assert gen("--check", "--out", str(out)).returncode == 0


def test_a_page_shows_its_example() -> None:
    page = (REPO / "docs" / "changes" / "SC134.md").read_text(encoding="utf-8")
    assert "SC134 breaking output width 8 -> 5 in `__call__`" in page
