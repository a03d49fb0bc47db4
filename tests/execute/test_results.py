"""speclint/execute/results.py: one probe's entry, as ``speclint/execute/probes.schema.json`` describes it."""

from __future__ import annotations

import json

import pytest

from speclint.execute.results import result
from speclint.rules.validator import compile_schema
from tests.conftest import REPO

PROBE_SCHEMA = json.loads((REPO / "speclint" / "execute" / "probes.schema.json").read_text(encoding="utf-8"))


def test_a_result_is_its_status_its_summary_and_its_numbers() -> None:
    entry = result("fail", "2 of 3 rows differ", max_abs_diff=0.5, rows=[1, 2])
    assert entry == {"status": "fail", "summary": "2 of 3 rows differ", "max_abs_diff": 0.5, "rows": [1, 2]}
    assert list(entry)[:2] == ["status", "summary"]


def test_a_number_cannot_overwrite_the_status() -> None:
    with pytest.raises(TypeError):
        result("pass", "fine", **{"status": "fail"})


@pytest.mark.parametrize("status", ["pass", "fail", "skipped", "error"])
def test_each_status_makes_an_entry_the_schema_takes(status: str) -> None:
    """The runner adds where the probe ran and how long it took; the rest is the result's."""
    probe = compile_schema({**PROBE_SCHEMA["$defs"]["probe"], "$defs": PROBE_SCHEMA["$defs"]})
    entry = result(status, "one line", peak_mb=None)
    assert not probe.is_valid(entry)  # not yet: where and seconds are required
    assert probe.is_valid({**entry, "where": "__call__(images)", "seconds": 0.1})
    assert not probe.is_valid({**result("passed", "one line"), "where": "__call__(images)", "seconds": 0.1})
