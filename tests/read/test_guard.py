"""The per-model guard: whatever goes wrong while reading one model ends as that model's error."""

from __future__ import annotations

import signal
import time
from pathlib import Path

import pytest

from speclint.read import guard
from speclint.rules.ruleset import RuleSet
from tests.conftest import MODELS

MODEL = MODELS / "tf1-hub-feature-vector"


def _hang(model_dir: str, max_bytes: int, claims: str | None = None) -> dict[str, object]:
    time.sleep(60)
    raise AssertionError("not interrupted")


def _crash(model_dir: str, max_bytes: int, claims: str | None = None) -> dict[str, object]:
    def down(n: int) -> int:
        return down(n + 1)

    return {"n": down(0)}


def test_a_model_that_takes_too_long_is_cut_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(guard, "read_model", _hang)
    start = time.monotonic()
    facts = guard.read_model_guarded(str(MODEL), seconds=0.2)
    assert time.monotonic() - start < 10
    assert facts["errors"][0]["message"].startswith("reading took longer than the time limit of 0.2 s")
    assert signal.getsignal(signal.SIGALRM) is signal.SIG_DFL and signal.getitimer(signal.ITIMER_REAL)[0] == 0
    finding = RuleSet().check(facts).findings
    assert [f.code for f in finding] == ["SL001"]


def test_a_reader_crash_is_that_model_s_finding(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(guard, "read_model", _crash)
    facts = guard.read_model_guarded(str(MODEL))
    assert "internal error RecursionError" in facts["errors"][0]["message"]
    assert facts["files"]["saved_model"]["name"] == "saved_model.pb"  # the inventory is still there


def test_someone_else_s_alarm_is_left_alone() -> None:
    fired: list[int] = []
    previous = signal.signal(signal.SIGALRM, lambda signum, frame: fired.append(signum))
    try:
        signal.setitimer(signal.ITIMER_REAL, 0.5)
        facts = guard.read_model_guarded(str(MODEL), seconds=0.001)  # not armed: the other timer is running
        assert not facts["errors"]
        time.sleep(1)
        assert fired == [signal.SIGALRM]
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
