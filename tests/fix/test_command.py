"""speclint/fix/command.py: the plan printed as a user reads it, model strings escaped."""

from __future__ import annotations

import pytest

from speclint.read import read_model
from tests.conftest import MODELS
from tests.fix.test_plan import plan_for


def test_model_strings_are_printed_escaped(capsys: pytest.CaptureFixture[str]) -> None:
    from speclint.fix.command import _print_plan

    facts = read_model(str(MODELS / "tf1-input-not-named-images"))
    for meta_graph in facts["meta_graphs"]:
        for signature in meta_graph["signatures"].values():
            signature["inputs"]["im\x1b[2Jage"] = signature["inputs"].pop("image")
    plan = plan_for("", facts)
    _print_plan("model", plan)
    shown = capsys.readouterr().out
    assert "\x1b" not in shown
    assert "  fix SL110: rename the input 'im\\x1b[2Jage' to 'images'" in shown
