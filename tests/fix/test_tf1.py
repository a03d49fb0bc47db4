"""speclint/fix/tf1.py: the TF1 wrapper keeps IN's one saver (sharded, or one per tag-set); no weights, no fix."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from speclint.proto import messages
from tests.conftest import need_tensorflow, run_speclint
from tests.fix.test_fix import assert_one_saver, codes_of, copy_model


@pytest.mark.tensorflow
def test_tf1_builder_sharded_saver_is_kept_as_the_only_saver(hidden_models: Path, tmp_path: Path) -> None:
    """IN's own sharded saver (v1 Builder default) becomes OUT's one saver: no SL600 for a second one."""
    out = tmp_path / "out"
    result = run_speclint("fix", str(hidden_models / "tf1-builder-sharded"), str(out))
    assert result.returncode == 0, result.stdout + result.stderr[-2000:]
    assert "  fix SL142: return logits: cut the graph at the input of the final Softmax" in result.stdout
    assert "  proof equal: softmax(OUT(x)) - IN(x) on 3 seeded random images" in result.stdout
    assert "  proof lint: OUT passes the static rules and execution probes of tf1-image-classification" in result.stdout
    assert_one_saver(out)
    saved = messages.SavedModel()
    saved.ParseFromString((out / "saved_model.pb").read_bytes())
    assert saved.meta_graphs[0].saver_def.sharded
    assert not {code for code in codes_of(out, "tf1-image-classification") if code.startswith("SL6")}


@pytest.mark.tensorflow
def test_tf1_builder_with_a_saver_per_tag_set_is_fixed(hidden_models: Path, tmp_path: Path) -> None:
    """The v1 Builder's own two-tag-set output: [train] also holds [] 's saver save/, which loading
    [train] never runs (tests/read/security/evasion proves it with both loaders), so the security scan
    is quiet and fix proceeds; OUT's tag-sets share one saver."""
    source = hidden_models / "tf1-builder-two-savers"
    report = run_speclint("check", str(source), "--select", "SL6", "--format", "json", "--exit-zero")
    assert json.loads(report.stdout)["models"][0]["findings"] == []
    out = tmp_path / "out"
    result = run_speclint("fix", str(source), str(out))
    assert result.returncode == 0, result.stdout + result.stderr[-2000:]
    assert "  fix SL142: return logits: cut the graph at the input of the final Softmax" in result.stdout
    assert "  proof equal: softmax(OUT(x)) - IN(x) on 3 seeded random images" in result.stdout
    assert "  proof lint: OUT passes the static rules and execution probes of tf1-image-classification" in result.stdout
    assert_one_saver(out)
    assert not {code for code in codes_of(out, "tf1-image-classification") if code.startswith("SL6")}


@pytest.mark.tensorflow
def test_tf1_graph_with_variables_but_no_checkpoint_is_refused(tmp_path: Path) -> None:
    need_tensorflow()
    source = copy_model("tf1-softmax-output", tmp_path)
    shutil.rmtree(source / "variables")
    result = run_speclint("fix", str(source), str(tmp_path / "out"))
    assert result.returncode == 2
    assert (
        f"{source}: cannot fix without the weights: the graph has 2 variables and there is no variables/ directory"
        in (result.stderr)
    )
    assert not (tmp_path / "out").exists()
