"""The golden pairs: what speclint diff says about each, checked in and rebuilt with TensorFlow."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import need_tensorflow
from tests.diff.conftest import PAIRS_DIR, pairs_module, snapshot

PAIRS = pairs_module()
NAMES = sorted(PAIRS.PAIRS)


def stored(name: str) -> dict[str, Any]:
    data = json.loads((PAIRS_DIR / name / "expected.json").read_text(encoding="utf-8"))
    data.pop("description")
    return data


def test_every_pair_is_checked_in() -> None:
    on_disk = sorted(p.name for p in PAIRS_DIR.iterdir() if p.is_dir())
    assert on_disk == NAMES


@pytest.mark.parametrize("name", NAMES)
def test_checked_in_pair_gives_its_expected_report(name: str) -> None:
    before = snapshot(PAIRS_DIR / name)
    assert PAIRS.expected(PAIRS_DIR / name) == stored(name)
    assert snapshot(PAIRS_DIR / name) == before, "speclint diff wrote into a model directory"


def test_expected_reports_say_what_each_pair_is_about() -> None:
    """The verdicts a reader checks first: compatible pairs exit 0, each breaking class exits 1."""
    for name in ("compatible", "tf1-compatible"):
        report: Any = stored(name)
        assert (report["exit"], report["findings"], report["models"][0]["status"]) == (0, [], "compared")
    tf1_to_tf2: Any = stored("tf1-to-tf2")
    assert tf1_to_tf2["exit"] == 0
    assert [f["code"] for f in tf1_to_tf2["findings"]] == ["SC102"]
    relaxed: Any = stored("input-shape-relaxed")
    assert relaxed["exit"] == 0 and {f["severity"] for f in relaxed["findings"]} == {"info"}
    width: Any = stored("output-width-changed")
    assert width["exit"] == 1
    assert "output width 8 -> 5 in `__call__`" in [f["message"] for f in width["findings"]]
    for name in NAMES:
        report = stored(name)
        breaking = any(f["severity"] == "breaking" for f in report["findings"])
        assert report["exit"] == (1 if breaking else 0), name


def test_rebuilt_pairs_give_the_same_reports(tmp_path: Path) -> None:
    """Rebuild every pair with TensorFlow: the checked-in pairs and reports cannot rot."""
    need_tensorflow()
    out = tmp_path
    PAIRS.build_pairs(out)
    for name in NAMES:
        assert PAIRS.expected(out / name) == stored(name), name
