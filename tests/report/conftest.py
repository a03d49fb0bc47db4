"""Results for the reporter tests, built from real facts of the golden fixtures.

A pure formatter test builds ``Finding``/``ModelResult`` by hand instead; everything else
goes through ``read_model`` and ``RuleSet.check`` so the reports cover what speclint really
produces (findings of several severities, a passing model, an unreadable one).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from speclint import __version__
from speclint.read import read_model
from speclint.report import ReportContext
from speclint.rules.ruleset import ModelResult, RuleSet
from tests.conftest import MODELS, need

# failing TF1 (error x4), failing TF2 (error), passing TF1 (.pbtxt), passing TF2, a classifier with a warning
REPORT_FIXTURES = (
    "tf1-input-uint8",
    "tf2-dict-output",
    "tf1-hub-feature-vector-pbtxt",
    "tf2-feature-vector",
    "tf1-softmax-output",
)


def fixture_paths(names: tuple[str, ...] = REPORT_FIXTURES) -> list[str]:
    """Paths relative to the repository (the cwd of every report test), fixtures required."""
    missing = [name for name in names if not (MODELS / name).is_dir()]
    need(not missing, f"golden fixtures missing: {', '.join(missing)} (run golden/make_fixtures.py)")
    return [f"golden/models/{name}" for name in names]


@pytest.fixture(scope="session")
def ruleset() -> RuleSet:
    return RuleSet()


@pytest.fixture
def context(ruleset: RuleSet) -> ReportContext:
    return ReportContext(rules=ruleset.rules, version=__version__)


@pytest.fixture
def in_repo(monkeypatch: pytest.MonkeyPatch) -> None:
    """Reports name files relative to the workspace: make that the repository."""
    from tests.conftest import REPO

    monkeypatch.chdir(REPO)
    monkeypatch.delenv("GITHUB_WORKSPACE", raising=False)


@pytest.fixture
def real_results(in_repo: None, ruleset: RuleSet, tmp_path: Path) -> list[ModelResult]:
    """The golden fixtures plus an unreadable model, checked for real, sorted like the CLI does."""
    broken = tmp_path / "broken-model"
    broken.mkdir()
    (broken / "saved_model.pb").write_bytes(b"\x0a\xff\xff\xff")  # a truncated protobuf
    paths = [*fixture_paths(), str(broken)]
    results = [ruleset.check(read_model(path)) for path in paths]
    return sorted(results, key=lambda r: r.path)
