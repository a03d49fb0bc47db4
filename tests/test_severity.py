"""speclint/severity.py: the severities of findings and of changes, and the rank thresholds compare by."""

from __future__ import annotations

import json

import pytest

from speclint.rules.loader import load_change_rules, schemas_dir
from speclint.severity import CHANGE_ORDER, CHANGE_SEVERITIES, SEVERITIES, SEVERITY_ORDER, change_rank, severity_rank


def test_ranks_ascend_and_reports_count_the_worst_first() -> None:
    assert [severity_rank(s) for s in ("info", "warning", "error")] == [0, 1, 2]
    assert [change_rank(s) for s in ("info", "warning", "breaking")] == [0, 1, 2]
    assert SEVERITY_ORDER == ("error", "warning", "info")
    assert CHANGE_ORDER == ("breaking", "warning", "info")


@pytest.mark.parametrize("rank", [severity_rank, change_rank])
def test_an_unknown_severity_is_an_error_not_a_rank(rank: object) -> None:
    with pytest.raises(ValueError):
        rank("fatal")  # type: ignore[operator]


def test_every_rule_has_a_severity_of_its_kind() -> None:
    lint = {json.loads(p.read_text(encoding="utf-8"))["severity"] for p in (schemas_dir() / "rules").glob("*.json")}
    assert lint == set(SEVERITIES)
    assert {rule.severity for rule in load_change_rules().values()} == set(CHANGE_SEVERITIES)
