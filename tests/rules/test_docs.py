"""``docs/rules`` is generated from the rule files; a stale page fails CI."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO

SCRIPT = REPO / "scripts" / "gen_rule_docs.py"


def gen_rule_docs(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args], capture_output=True, text=True, cwd=REPO, timeout=300, check=False
    )


def test_docs_are_up_to_date() -> None:
    completed = gen_rule_docs("--check")
    assert completed.returncode == 0, f"docs/rules is out of date:\n{completed.stderr}"


def test_check_catches_stale_missing_and_leftover_pages(tmp_path: Path) -> None:
    out = tmp_path / "rules"
    assert gen_rule_docs("--out", str(out)).returncode == 0
    assert gen_rule_docs("--check", "--out", str(out)).returncode == 0
    (out / "SL112.md").write_text("edited by hand\n", encoding="utf-8")
    (out / "SL113.md").unlink()
    (out / "SL999.md").write_text("a rule that no longer exists\n", encoding="utf-8")
    completed = gen_rule_docs("--check", "--out", str(out))
    assert completed.returncode == 1
    assert "SL112.md: out of date" in completed.stderr
    assert "SL113.md: missing" in completed.stderr
    assert "SL999.md: no such rule any more" in completed.stderr
    assert gen_rule_docs("--out", str(out)).returncode == 0  # regenerating repairs all three
    assert not (out / "SL999.md").exists()
    assert gen_rule_docs("--check", "--out", str(out)).returncode == 0


def test_pages_match_the_rule_command() -> None:
    page = (REPO / "docs" / "rules" / "SL112.md").read_text(encoding="utf-8")
    command = subprocess.run(
        [sys.executable, "-m", "speclint", "rule", "SL112"],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=300,
        check=False,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    assert command.returncode == 0, command.stderr
    assert page.endswith(command.stdout)
    index = (REPO / "docs" / "rules" / "README.md").read_text(encoding="utf-8")
    assert "| [SL112](SL112.md) | images-input-dtype | error |" in index
