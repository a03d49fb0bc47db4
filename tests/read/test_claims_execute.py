"""SL209: with --execute, a model declared fine-tunable must pass the fine-tuning probes.

The real worker runs TensorFlow on two fixtures: a frozen model (root.trainable_variables is
empty, so the fine_tuning probe is skipped and SL708 is silent) whose README declares
fine-tunable: true, and the conforming claims-tf2-feature-vector.
"""

from __future__ import annotations

import pytest

from speclint.execute import ExecuteOptions, execute
from speclint.read import read_model
from speclint.rules.ruleset import RuleSet
from tests.conftest import MODELS, need_tensorflow

pytestmark = pytest.mark.tensorflow


def test_a_fine_tunable_claim_needs_the_fine_tuning_probes_to_pass() -> None:
    need_tensorflow()
    facts = [read_model(str(MODELS / name)) for name in ("claims-fine-tunable-frozen", "claims-tf2-feature-vector")]
    execute(facts, ExecuteOptions())
    frozen, conforming = facts
    assert frozen["probes"]["results"]["fine_tuning"]["status"] == "skipped"
    assert conforming["probes"]["results"]["fine_tuning"]["status"] == "pass"
    rules = RuleSet()
    frozen_findings = {f.code: f for f in rules.check(frozen).findings}
    assert "SL708" not in frozen_findings  # the probe rule alone lets a frozen model through
    assert frozen_findings["SL209"].message.startswith(
        "README.md line 8 declares fine-tunable: true, but the fine-tuning"
    )
    assert [f.code for f in rules.check(conforming).findings] == []
    static = rules.check(read_model(str(MODELS / "claims-fine-tunable-frozen")))
    assert "SL209" not in {f.code for f in static.findings}  # judged only when the probes ran
