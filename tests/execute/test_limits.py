"""speclint/execute/limits.py: a limit that stopped a stage is worded with what it needed and how to raise it."""

from __future__ import annotations

import pytest

from speclint.execute import limits
from speclint.execute.options import ExecuteOptions

OPTIONS = ExecuteOptions(memory_limit_mb=1500, timeout_s=30)


def test_limit_words() -> None:
    assert limits.suggested_memory(4096, 4100.0) == 8192
    assert limits.suggested_memory(4096, 9000.0) == 14336
    entry = limits.limit_entry("throughput", "machine-memory", OPTIONS, reached_mb=20000.0, detail="std::bad_alloc")
    assert entry["option"] is None and entry["summary"] == (
        "the throughput probe ran out of this machine's memory: TensorFlow could not allocate more at 20,000 MiB "
        "resident (std::bad_alloc); run speclint on a machine with more memory to run it"
    )


def test_a_timeout_names_the_option_and_doubles_it() -> None:
    probe = limits.limit_entry("fine_tuning", "time", OPTIONS)
    assert (probe["option"], probe["limit"], probe["unit"]) == ("--probe-timeout", 30, "s")
    assert probe["summary"] == (
        "the fine_tuning probe did not finish within --probe-timeout 30 s (each probe has its own); "
        "rerun with --probe-timeout 60 or more to run it"
    )
    load = limits.limit_entry(limits.LOAD, "time", OPTIONS)
    assert load["summary"].startswith("loading the model and its first call did not finish within --probe-timeout 30")
    assert load["summary"].endswith("to probe the model")


@pytest.mark.parametrize(
    ("stage", "before", "held"),
    [
        (limits.LOAD, 900.0, " (TensorFlow itself used 900 MiB)"),
        ("batch", 1200.0, " (the loaded model held 1,200 MiB before it)"),
        ("batch", None, ""),
    ],
)
def test_memory_says_what_was_reached_and_what_was_held_before(stage: str, before: float | None, held: str) -> None:
    entry = limits.limit_entry(stage, "memory", OPTIONS, reached_mb=1612.345, before_mb=before)
    assert entry["reached_mb"] == 1612.3 and entry["before_mb"] == (None if before is None else round(before, 1))
    assert f"reached 1,612 MiB of resident memory, above --memory-limit 1500 MiB{held}; " in entry["summary"]
    assert "rerun with --memory-limit 3072 or more" in entry["summary"]


def test_memory_without_a_measurement_still_says_which_limit() -> None:
    entry = limits.limit_entry("batch", "memory", OPTIONS)
    assert entry["summary"].startswith("the batch probe went past it, above --memory-limit 1500 MiB;")
    assert limits.suggested_memory(1500, None) == 3072


def test_a_stopped_probe_is_skipped_for_a_reason_that_is_not_the_model_s() -> None:
    entry = limits.limit_entry("batch", "time", OPTIONS)
    result = limits.probe_result(entry, "__call__(images)", 1.23456789)
    assert result["status"] == "skipped" and result["skip_reason"] == "limit" and result["limit"] is entry
    assert result["summary"] == f"not measured: {entry['summary']}" and result["seconds"] == 1.234568


def test_summary_joins_every_stage_and_is_none_without_limits() -> None:
    first, second = limits.limit_entry("batch", "time", OPTIONS), limits.limit_entry(limits.LOAD, "memory", OPTIONS)
    assert limits.summary([]) is None
    assert limits.summary([first, second]) == f"{first['summary']}; {second['summary']}"
