"""speclint/check.py (``speclint PATH``): exit codes, selection, fail level, user rule packs, broken rule files."""

from __future__ import annotations

import json
import re
from pathlib import Path

from tests.conftest import MODELS, REPO, run_speclint

GOOD = MODELS / "tf1-hub-feature-vector"
UINT8 = MODELS / "tf1-input-uint8"
PREFIX = MODELS / "tf1-extra-output-unprefixed"  # only an info finding (SL125)


def _codes(stdout: str) -> list[str]:
    return sorted({f["code"] for m in json.loads(stdout)["models"] for f in m["findings"]})


def test_exit_codes() -> None:
    assert run_speclint(str(GOOD)).returncode == 0
    assert run_speclint(str(UINT8)).returncode == 1
    assert run_speclint(str(UINT8), "--exit-zero").returncode == 0
    assert run_speclint(str(PREFIX)).returncode == 0  # info is below the default fail level
    assert run_speclint(str(PREFIX), "--fail-level", "info").returncode == 1
    bad = run_speclint(str(GOOD), "--fail-level", "loud")
    assert bad.returncode == 2 and bad.stderr.startswith("speclint: error: usage:")
    assert run_speclint(str(GOOD), "--profile", "nonsense").returncode == 2


def test_select_and_ignore_take_prefixes() -> None:
    both = run_speclint(str(UINT8), str(PREFIX), "--format", "json")
    assert _codes(both.stdout) == ["SL112", "SL125"]
    assert _codes(run_speclint(str(UINT8), str(PREFIX), "--format", "json", "--select", "SL12").stdout) == ["SL125"]
    assert _codes(run_speclint(str(UINT8), str(PREFIX), "--format", "json", "--ignore", "SL11").stdout) == ["SL125"]


def test_text_report_is_sorted_and_names_the_spec() -> None:
    out = run_speclint(str(UINT8), str(GOOD)).stdout
    assert out.index("tf1-hub-feature-vector") < out.index("tf1-input-uint8")
    assert "SL112 error tag-set [] signature_def['default']: the image input has dtype DT_UINT8" in out
    assert "https://www.tensorflow.org/hub/common_signatures/images#input" in out
    # one uint8 placeholder, 2 tag-sets x 2 signatures: one finding, every place named once
    assert re.search(r"Found 1 finding \(1 error\) at 4 locations in 2 models\.", out)
    assert out.count("DT_UINT8") == 1
    assert (
        "also in: tag-set [] signature_def['image_feature_vector'], tag-set [train] signature_def['default'] (1 more)"
        in out
    )
    assert "fix: Take float32 images" in out and "/docs/rules/SL112.md" in out


def test_user_rule_pack_from_readme(tmp_path: Path) -> None:
    readme = (REPO / "README.md").read_text()
    example = re.search(r'```json\n(\{"code": "ORG001".*?)\n```', readme, re.S)
    assert example, "README's rule-pack example"
    pack = tmp_path / "rules"
    pack.mkdir()
    (pack / "ORG001-input-224.json").write_text(example.group(1))
    result = run_speclint(str(GOOD), "--rules", str(pack), "--format", "json")
    assert result.returncode == 1, result.stderr
    finding = json.loads(result.stdout)["models"][0]["findings"][0]
    assert finding["code"] == "ORG001" and "(-1, 32, 32, 3)" in finding["message"]


def test_broken_rule_file_is_fatal(tmp_path: Path) -> None:
    pack = tmp_path / "rules"
    pack.mkdir()
    (pack / "ORG002-broken.json").write_text('{"code": "ORG002", "name": "broken"}')
    result = run_speclint(str(GOOD), "--rules", str(pack))
    assert result.returncode == 2
    assert "ORG002-broken.json: invalid rule file" in result.stderr and "Traceback" not in result.stderr
    (pack / "ORG002-broken.json").write_text("{not json")
    assert "not valid JSON" in run_speclint(str(GOOD), "--rules", str(pack)).stderr
    duplicate = json.loads((REPO / "schemas" / "rules" / "SL112-images-input-dtype.json").read_text())
    (pack / "ORG002-broken.json").write_text(json.dumps(duplicate))
    result = run_speclint(str(GOOD), "--rules", str(pack))
    assert result.returncode == 2 and "rule code SL112 is already used" in result.stderr
    duplicate.update(code="ORG003", schema={"type": "nonsense"})
    (pack / "ORG002-broken.json").write_text(json.dumps(duplicate))
    result = run_speclint(str(GOOD), "--rules", str(pack))
    assert result.returncode == 2 and "invalid JSON Schema in 'schema'" in result.stderr
