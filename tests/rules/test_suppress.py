"""``speclint-ignore.toml`` in a model's directory: accepted findings leave every report, the file
is hostile input (SL020), a stale entry is reported (SL021), security findings are never accepted.

Fixtures: ``suppression-tf2-nchw`` (SL140 accepted), ``suppression-unused``, ``suppression-invalid``
(golden/make_fixtures.py); the other cases copy them and write the file under test.
"""

from __future__ import annotations

import json
import os
import shutil
import tarfile
from pathlib import Path

import pytest

import speclint
from speclint.read.files import SUPPRESSIONS_BYTES, SUPPRESSIONS_FILE, unusable_files
from speclint.read.tree import DirectoryTree
from tests.conftest import MODELS, need, run_speclint, tree_digest

ACCEPTED = MODELS / "suppression-tf2-nchw"
UNUSED = MODELS / "suppression-unused"
INVALID = MODELS / "suppression-invalid"
SECURITY = MODELS / "sec-readfile-in-cond"


def _model(tmp_path: Path, source: Path, sidecar: str | bytes | None) -> Path:
    need(source.is_dir(), f"golden fixture {source.name} missing")
    model = tmp_path / source.name
    shutil.copytree(source, model)
    path = model / SUPPRESSIONS_FILE
    if sidecar is None:
        path.unlink(missing_ok=True)
    else:
        path.write_bytes(sidecar.encode() if isinstance(sidecar, str) else sidecar)
    return model


def _codes(path: Path, **kwargs: object) -> list[str]:
    report = speclint.lint(str(path), config=False, **kwargs)
    return [f.code for r in report.results for f in r.findings]


def test_accepted_finding_leaves_every_format_and_is_counted(tmp_path: Path) -> None:
    need(ACCEPTED.is_dir(), "golden fixture missing")
    before = tree_digest(ACCEPTED)
    result = run_speclint(str(ACCEPTED), "--format", "json")
    assert result.returncode == 0, result.stdout  # the only finding is accepted: the run passes
    document = json.loads(result.stdout)
    assert document["models"][0]["findings"] == []
    assert document["models"][0]["suppressed"] == 2 and document["summary"]["suppressed"] == 2  # Conv2D, BiasAdd
    for fmt in ("text", "github", "sarif", "jsonl"):
        rendered = run_speclint(str(ACCEPTED), "--format", fmt, env={"GITHUB_ACTIONS": "false"})
        assert rendered.returncode == 0 and "uses data_format NCHW" not in rendered.stdout, (fmt, rendered.stdout)
    text = run_speclint(str(ACCEPTED)).stdout
    assert "2 findings suppressed by speclint-ignore.toml" in text.splitlines()[-1]
    assert tree_digest(ACCEPTED) == before  # read, never written


def test_without_the_file_the_finding_is_back(tmp_path: Path) -> None:
    assert _codes(_model(tmp_path, ACCEPTED, None)) == ["SL140", "SL140"]


def test_unused_suppression_is_reported_unless_its_rule_is_not_selected(tmp_path: Path) -> None:
    need(UNUSED.is_dir(), "golden fixture missing")
    report = speclint.lint(str(UNUSED), config=False)
    [finding] = report.results[0].findings
    assert finding.code == "SL021" and finding.severity == "warning"
    assert "speclint-ignore.toml [[ignore]] #1: SL140 is suppressed" in finding.message
    assert _codes(UNUSED, ignore=["SL140"]) == []  # like ruff: a rule the run does not check is not "unused"
    assert _codes(UNUSED, ignore=["SL021"]) == []


def test_file_without_reason_is_void_and_named(tmp_path: Path) -> None:
    need(INVALID.is_dir(), "golden fixture missing")
    report = speclint.lint(str(INVALID), config=False)
    codes = [f.code for f in report.results[0].findings]
    assert codes[0] == "SL020" and "SL140" in codes  # the file does not apply: its finding is back
    assert "speclint-ignore.toml: [[ignore]] #1 (SL140): reason is required" in report.results[0].findings[0].message


@pytest.mark.parametrize(
    ("sidecar", "needle"),
    [
        ("[[ignore]\ncode = 1", "speclint-ignore.toml: is not valid TOML"),
        (b"\xff\xfe[[ignore]]", "speclint-ignore.toml: is not valid TOML: not UTF-8"),
        ("ignore = 3\n", "ignore must be an array of tables"),
        ("ignroe = []\n", "unknown key 'ignroe'; did you mean 'ignore'?"),
        ('[[ignore]]\ncode = "SL140"\nreason = "  "\n', "reason is required"),
        ('[[ignore]]\ncode = "SL140"\nreason = "x"\nreson = "y"\n', "did you mean 'reason'?"),
        ('[[ignore]]\ncode = "SL1400"\nreason = "x"\n', "unknown rule code 'SL1400' (did you mean SL140?)"),
        ('[[ignore]]\ncode = "SL021"\nreason = "x"\n', "SL021 judges this file itself"),
        ("x" * (SUPPRESSIONS_BYTES + 1), f"above the size cap of {SUPPRESSIONS_BYTES} bytes; not read"),
        ("a = [" * 100_00 + "]" * 100_00, "speclint-ignore.toml"),  # deep nesting: no RecursionError
    ],
)
def test_bad_file_is_one_finding_never_a_traceback(tmp_path: Path, sidecar: str | bytes, needle: str) -> None:
    model = _model(tmp_path, ACCEPTED, sidecar)
    findings = speclint.lint(str(model), config=False).results[0].findings
    assert [f.code for f in findings] == ["SL020", "SL140", "SL140"], [f.message for f in findings]
    assert needle in findings[0].message


def test_security_findings_cannot_be_accepted_by_the_model(tmp_path: Path) -> None:
    model = _model(tmp_path, SECURITY, '[[ignore]]\ncode = "SL600"\nreason = "trust me"\n')
    codes = _codes(model)
    assert "SL600" in codes and "SL020" in codes


def test_link_out_of_the_model_is_refused_unread(tmp_path: Path) -> None:
    secret = tmp_path / "secret.toml"
    secret.write_text('[[ignore]]\ncode = "SL140"\nreason = "token-ghp_secret"\n')
    model = _model(tmp_path, ACCEPTED, None)
    os.symlink(secret, model / SUPPRESSIONS_FILE)
    findings = speclint.lint(str(model), config=False).results[0].findings
    assert [f.code for f in findings] == ["SL020", "SL140", "SL140"]
    assert "ghp_secret" not in json.dumps([f.message for f in findings])


def test_one_bad_file_costs_no_other_model(tmp_path: Path) -> None:
    _model(tmp_path, ACCEPTED, "not toml [")
    shutil.copytree(ACCEPTED, tmp_path / "good")
    result = run_speclint(str(tmp_path), "--format", "json")
    assert "Traceback" not in result.stderr and result.returncode == 1
    by_path = {Path(m["path"]).name: [f["code"] for f in m["findings"]] for m in json.loads(result.stdout)["models"]}
    assert by_path == {"good": [], ACCEPTED.name: ["SL020", "SL140", "SL140"]}


def test_archive_carries_its_suppressions(tmp_path: Path) -> None:
    need(ACCEPTED.is_dir(), "golden fixture missing")
    archive = tmp_path / "model.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        for item in sorted(ACCEPTED.iterdir()):
            tar.add(item, arcname=item.name)
    report = speclint.lint(str(archive), config=False)
    codes = [f.code for f in report.results[0].findings]
    assert "SL140" not in codes and report.results[0].suppressed == 2
    assert "SL204" not in codes  # speclint's own file is not a file the SavedModel cannot use


def test_sidecar_is_not_an_unusable_model_file(tmp_path: Path) -> None:
    need(ACCEPTED.is_dir(), "golden fixture missing")
    tree = DirectoryTree(str(ACCEPTED))
    assert unusable_files(tree, lambda name: False) == []  # saved_model.pb, variables/, fingerprint.pb, the sidecar
    facts = speclint.read(str(ACCEPTED))
    assert facts["suppressions"]["entries"][0]["code"] == "SL140"
