"""The real-model scorer's matching and counting, on synthetic findings and labels (no cache)."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "benchmarks" / "real_models"))
_spec = importlib.util.spec_from_file_location("bench_precision", REPO / "benchmarks" / "bench_precision.py")
assert _spec is not None and _spec.loader is not None
bench = importlib.util.module_from_spec(_spec)
sys.modules["bench_precision"] = bench
_spec.loader.exec_module(bench)

Finding, Label = bench.Finding, bench.Label


def finding(model: str, code: str, where: str = "model", severity: str = "error", message: str = "") -> Any:
    return Finding(model=model, code=code, severity=severity, where=where, message=message)


LABELS = [
    Label("m1", "SL100", "TRUE"),
    Label("m1", "SL104", "TRUE", cascade_of="SL100"),
    Label("m1", "SL105", "FALSE", reason="profile"),
    Label("m1", "SL106", "MISSING", cascade_of="SL100"),
    Label("m1", "SL142", "MISSING", severity="warning"),
    Label("m1", "SL600", "FALSE", where="save/RestoreV2"),
    Label("m1", "SL600", "TRUE", where="ReadFile"),
    Label("m1", "SL600", "UNSURE", where="save/RestoreV2_7"),
    Label("m2", "SL002", "TRUE"),
    Label("m2", "SL135", "TRUE", severity="info"),
    Label("m3", None, "MISSING", reason="a shard is missing; no rule yet"),
]


def test_the_most_specific_where_wins_and_codes_never_cross() -> None:
    assert bench.match(finding("m1", "SL600", "node save/RestoreV2_7"), LABELS).verdict == "UNSURE"
    assert bench.match(finding("m1", "SL600", "node save/RestoreV2"), LABELS).verdict == "FALSE"
    assert bench.match(finding("m1", "SL600", "x", message="op ReadFile reads"), LABELS).verdict == "TRUE"
    assert bench.match(finding("m1", "SL600", "node SaveV2"), LABELS) is None
    assert bench.match(finding("m2", "SL100"), LABELS) is None  # another model's label never applies


def test_precision_counts_errors_and_warnings_and_splits_security_from_contract() -> None:
    findings = [
        finding("m1", "SL100"),  # TRUE
        finding("m1", "SL104"),  # TRUE, cascade
        finding("m1", "SL105"),  # FALSE
        finding("m1", "SL600", "node save/RestoreV2"),  # FALSE (security)
        finding("m1", "SL600", "node ReadFile"),  # TRUE (security)
        finding("m1", "SL600", "node save/RestoreV2_7"),  # UNSURE: not counted
        finding("m1", "SL601", "node Foo"),  # UNLABELLED: not counted
        finding("m2", "SL002", severity="warning"),  # TRUE
        finding("m2", "SL135", severity="info"),  # info: outside precision
    ]
    summary = bench.score(findings, LABELS).summary()
    assert summary["precision"]["all"] == {"true": 4, "false": 2, "precision": round(4 / 6, 4)}
    assert summary["precision"]["contract"] == {"true": 3, "false": 1, "precision": 0.75}
    assert summary["precision"]["security"] == {"true": 1, "false": 1, "precision": 0.5}
    assert (summary["findings"], summary["errors_and_warnings"], summary["info"]) == (9, 8, 1)
    assert (summary["unlabelled"], summary["unsure"]) == (1, 1)
    noisy = bench.score(findings, LABELS, cascade_as_noise=True).summary()
    assert noisy["precision"]["all"] == {"true": 3, "false": 3, "precision": 0.5}


def test_recall_counts_true_and_missing_but_not_cascades_nor_information() -> None:
    findings = [finding("m1", "SL100"), finding("m1", "SL600", "ReadFile"), finding("m2", "SL002")]
    result = bench.score(findings, LABELS)
    counted = {(label.model, label.code, label.where) for label, _ in result.violations}
    # SL104/SL106 are cascades, SL135 is information only, FALSE/UNSURE are no violations
    assert counted == {
        ("m1", "SL100", None),
        ("m1", "SL142", None),
        ("m1", "SL600", "ReadFile"),
        ("m2", "SL002", None),
        ("m3", None, None),
    }
    assert result.summary()["recall"] == {"violations": 5, "found": 3, "recall": 0.6}
    missed = {(label.model, label.code) for label, hit in result.violations if not hit}
    assert missed == {("m1", "SL142"), ("m3", None)}


def test_a_missing_violation_reported_later_is_found_and_right() -> None:
    result = bench.score([finding("m1", "SL142", "__call__", severity="warning")], LABELS, models=["m1"])
    assert result.judged[0].verdict == "TRUE"
    assert ("m1", "SL142", True) in {(label.model, label.code, hit) for label, hit in result.violations}
    assert result.summary()["precision"]["all"]["precision"] == 1.0
    # only the models that ran count for recall
    assert {label.model for label, _ in result.violations} == {"m1"}


def test_per_rule_table_adds_up() -> None:
    findings = [finding("m1", "SL600", "save/RestoreV2"), finding("m1", "SL600", "ReadFile"), finding("m1", "SL104")]
    table = bench.score(findings, LABELS).per_rule()
    assert table["SL600"] == {"findings": 2, "false": 1, "true": 1, "violations": 1, "found": 1}
    assert table["SL104"] == {"findings": 1, "true": 1, "cascade": 1}
    assert table["SL100"] == {"violations": 1, "missed": 1}
    assert table["(no rule yet)"] == {"violations": 1, "missed": 1}


def test_copy_defects_are_counted_apart_from_precision_and_recall() -> None:
    labels = [
        Label("rm1", "SL010", "MISSING", copy_defect=True, recall=False),  # the copy lacks a shard
        Label("rm2", "SL010", "MISSING"),  # the publisher never committed the shard
        Label("rm2", "SL115", "FALSE"),
    ]
    findings = [finding("rm1", "SL010"), finding("rm2", "SL010"), finding("rm2", "SL115")]
    result = bench.score(findings, labels)
    summary = result.summary()
    assert summary["copy_defect"] == 1
    assert summary["precision"]["all"] == {"true": 1, "false": 1, "precision": 0.5}
    assert summary["recall"] == {"violations": 1, "found": 1, "recall": 1.0}
    assert result.per_rule()["SL010"] == {"findings": 2, "copy": 1, "true": 1, "violations": 1, "found": 1}
    # copy_defect alone keeps a label out of recall, even without "recall": false
    assert not Label("rm1", "SL010", "MISSING", copy_defect=True).counts_for_recall
    text = bench.text_report(result, "static", Path("labels.json"))
    assert "findings about the benchmark copy's omitted files: 1, excluded from precision and recall" in text
    judged = bench.json_report(result, "static")["findings_judged"]
    assert [(j["model"], j["copy_defect"]) for j in judged] == [("rm1", True), ("rm2", False), ("rm2", False)]


def test_copy_defect_labels_are_validated_against_the_manifest() -> None:
    document = {"labels": [{"model": "a", "code": "SL010", "verdict": "MISSING", "copy_defect": True}]}
    labels = bench.parse_labels(document)
    assert labels[0].copy_defect and not labels[0].counts_for_recall
    with pytest.raises(ValueError, match="copy_defect"):
        bench.parse_labels({"labels": [{"model": "a", "code": "SL010", "verdict": "FALSE", "copy_defect": True}]})
    with pytest.raises(ValueError, match="copy_defect"):
        bench.parse_labels({"labels": [{"model": "a", "code": "SL010", "verdict": "TRUE", "copy_defect": "yes"}]})
    models = [
        {"id": "a", "omitted_files": [{"path": "variables/variables.data-00000-of-00001"}]},
        {"id": "b", "omitted_files": []},
    ]
    assert bench.copy_defects_without_omitted_files(labels, models) == []
    blamed = [Label("b", "SL010", "TRUE", copy_defect=True), Label("c", "SL010", "TRUE", copy_defect=True)]
    assert bench.copy_defects_without_omitted_files(blamed, models) == ["b", "c"]


def test_every_copy_defect_label_of_the_benchmark_names_a_model_that_omits_files() -> None:
    document = json.loads((REPO / "benchmarks" / "real_models" / "labels.json").read_text())
    manifest = json.loads((REPO / "benchmarks" / "real_models" / "manifest.json").read_text())["models"]
    labels = bench.parse_labels(document) + bench.parse_labels(document, stage="execute")
    assert any(label.copy_defect for label in labels)
    assert bench.copy_defects_without_omitted_files(labels, manifest) == []


def test_labels_are_validated_and_filtered_by_stage() -> None:
    document = {
        "labels": [
            {"model": "a", "code": "SL100", "verdict": "TRUE"},
            {"model": "a", "code": "SL707", "verdict": "TRUE", "stage": "execute"},
            {"model": "a", "verdict": "MISSING", "reason": "no rule yet"},
        ]
    }
    assert [label.code for label in bench.parse_labels(document)] == ["SL100", None]
    assert [label.code for label in bench.parse_labels(document, stage="execute")] == ["SL707"]
    with pytest.raises(ValueError, match="verdict"):
        bench.parse_labels({"labels": [{"model": "a", "code": "SL1", "verdict": "MAYBE"}]})
    with pytest.raises(ValueError, match="code"):
        bench.parse_labels({"labels": [{"model": "a", "verdict": "FALSE"}]})


def test_report_findings_map_to_model_ids_and_stages(tmp_path: Path) -> None:
    dirs = {"rm1": tmp_path / "rm1", "rm2": tmp_path / "rm2"}
    report = {
        "models": [
            {
                "path": str(dirs["rm1"]),
                "execution": {"status": "ran", "device": "cpu", "images_per_second": 3.0},
                "findings": [
                    {
                        "code": "SL142",
                        "severity": "warning",
                        "where": "w",
                        "message": "m",
                        "locations": [{"where": "w"}, {"where": "trace 2"}],
                    },
                    {"code": "SL707", "severity": "warning", "where": "probe", "message": "softmax"},
                ],
            },
            {
                "path": str(dirs["rm2"]),
                "execution": {
                    "status": "skipped",
                    "skip_reason": "variables missing",
                    "device": None,
                    "images_per_second": None,
                },
                "findings": [],
            },
        ]
    }
    static, _ = bench.findings_of(report, dirs, "static")
    assert [(f.model, f.code, f.locations) for f in static] == [("rm1", "SL142", ("w", "trace 2"))]
    executed, skips = bench.findings_of(report, dirs, "execute")
    assert [(f.model, f.code) for f in executed] == [("rm1", "SL707")]
    assert skips == {"ran": 1, "skipped: variables missing": 1}


def test_missing_cache_and_changed_files_are_clear_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert bench.main(["--cache", str(tmp_path / "nowhere")]) == 2
    assert "no benchmark cache" in capsys.readouterr().err
    manifest = json.loads((REPO / "benchmarks" / "real_models" / "manifest.json").read_text())
    entry = min(manifest["models"], key=lambda m: sum(f["size"] for f in m["files"]))
    for item in entry["files"]:
        target = tmp_path / entry["id"] / item["path"]
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(b"\0" * item["size"])  # right size, wrong bytes
    assert bench.main(["--cache", str(tmp_path), "--only", entry["id"]]) == 2
    err = capsys.readouterr().err
    assert f"{entry['id']}: {entry['files'][0]['path']}: sha256" in err
    assert bench.main(["--cache", str(tmp_path), "--only", "no-such-model"]) == 2
    assert "unknown model id" in capsys.readouterr().err
