"""speclint/read/claims: what publishers declare, every document of a model together (the pages'
own grammar is in test_markdown.py, Kaggle's file in test_kaggle.py): conflicts, ``--claims``, the profile."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from speclint.read import read_model
from speclint.read.claims import read_claims
from speclint.rules.ruleset import RuleSet
from tests.conftest import CORPUS, MODELS, need, run_speclint
from tests.read.claims.test_kaggle import template
from tests.read.claims.test_markdown import DOCS, GOOD_PAGE, DocumentsTree

RULES = RuleSet()


# ---- claims of a model: documents, conflicts, --claims ------------------------------------------


def test_documents_that_disagree_are_malformed_and_the_first_claim_stands(tmp_path: Path) -> None:
    kaggle_data = {
        **template(),
        "ownerSlug": "a",
        "modelSlug": "b",
        "instanceSlug": "c",
        "framework": "TensorFlow1",
        "fineTunable": False,
    }
    tree = DocumentsTree(
        {"README.md": GOOD_PAGE.encode(), "model-instance-metadata.json": json.dumps(kaggle_data, indent=1).encode()}
    )
    claims = read_claims(tree)
    assert [d["file"] for d in claims["documents"]] == ["README.md", "model-instance-metadata.json"]
    assert claims["fine_tunable"]["where"] == "README.md line 6" and claims["fine_tunable"]["value"] is True
    messages = [e["message"] for e in claims["errors"]]
    assert any("fineTunable: false, but README.md line 6 declares fine-tunable: true" in m for m in messages)
    assert any("framework: TensorFlow1, but README.md line 7 declares format: saved_model_2" in m for m in messages)


def test_a_named_document_comes_first_and_must_say_something(tmp_path: Path) -> None:
    named = tmp_path / "docs.md"
    named.write_text(GOOD_PAGE.replace("image-feature-vector", "image-classification"))
    claims = read_claims(DocumentsTree({"README.md": GOOD_PAGE.encode()}), str(named))
    assert claims["task"]["values"] == ["image-classification"] and claims["task"]["file"] == str(named)
    assert claims["documents"][0]["origin"] == "named"
    silent = tmp_path / "notes.md"
    silent.write_text("# Notes\n\nNothing declared here.\n")
    assert "declares no tfhub.dev metadata" in read_claims(DocumentsTree({}), str(silent))["errors"][0]["message"]


def test_a_real_mobilenet_v3_classifier_is_checked_as_its_page_declares(tmp_path: Path) -> None:
    """Google's MobileNet v3 classifier returns logits: auto alone infers the task from its 1001-wide
    output; with the tfhub.dev page it was published with, the declaration chooses, and says so."""
    source = CORPUS / "003_hub-mobilenet-v3-small-classification-resaved"
    need(source.is_dir(), f"corpus model missing at {source}")
    model = tmp_path / "mobilenet_v3_small"
    shutil.copytree(source, model)
    guessed = RULES.check(read_model(str(model)))
    assert guessed.profile == "tf2-image-classification" and "1001 wide" in guessed.profile_reason
    shutil.copy(DOCS / "google--imagenet--mobilenet_v3_small_100_224--classification--5.md", model / "README.md")
    result = RULES.check(read_model(str(model)))
    assert result.profile == "tf2-image-classification"
    assert result.profile_reason == "auto: declared by README.md line 9 (task: image-classification)"
    assert result.declared_task == "image-classification (README.md line 9)"
    assert not {f.code for f in result.findings} & {"SL200", "SL201", "SL205", "SL206", "SL210"}


# ---- the declared task and the profile -----------------------------------------------------------


def test_the_declared_task_chooses_the_profile_and_an_explicit_profile_still_wins() -> None:
    facts = read_model(str(MODELS / "claims-tf2-classifier"))
    assert RULES.check(facts).profile == "tf2-image-classification"
    assert RULES.check(facts, "tf2-image-feature-vector").profile_reason == "chosen by configuration"
    no_claims = read_model(str(MODELS / "tf2-classifier"))
    assert RULES.check(no_claims).profile == "tf2-image"  # logits: the structure alone does not show the task


def test_a_task_outside_the_image_contracts_checks_no_profile_but_the_claims() -> None:
    result = RULES.check(read_model(str(MODELS / "claims-text-task")))
    assert result.profile is None and "not a task of the image contracts" in result.profile_reason
    assert [f.code for f in result.findings] == ["SL205"]


def test_claims_rules_run_whatever_the_profile_and_the_gate() -> None:
    frozen = read_model(str(MODELS / "claims-fine-tunable-frozen"))
    for profile in ("tf2-image-classification", "tf1-image-feature-vector"):
        assert "SL202" in {f.code for f in RULES.check(frozen, profile).findings}
    text = RULES.check(read_model(str(MODELS / "claims-image-task-text-model")))
    assert text.profile is None and {f.code for f in text.findings} == {"SL002", "SL206"}


def test_the_conforming_claims_fixtures_have_no_finding() -> None:
    for name in ("claims-tf2-feature-vector", "claims-tf2-classifier", "claims-kaggle-tf2-feature-vector"):
        result = RULES.check(read_model(str(MODELS / name)))
        assert result.findings == [], (name, [f.message for f in result.findings])


# ---- the command line ------------------------------------------------------------------------------


def test_claims_option_per_path_config_and_the_api(tmp_path: Path) -> None:
    import speclint

    models = tmp_path / "models"
    for index in range(4):  # four: --jobs 2 then reads them in worker processes
        shutil.copytree(MODELS / "tf2-classifier", models / f"classifier-{index}")
    model = models / "classifier-0"
    page = tmp_path / "docs" / "classifier.md"
    page.parent.mkdir()
    page.write_text((MODELS / "claims-tf2-classifier" / "README.md").read_text())
    checked = run_speclint("check", "--format", "json", "--claims", str(page), str(model))
    report = json.loads(checked.stdout)["models"][0]
    assert checked.returncode == 0 and report["profile"] == "tf2-image-classification"
    assert report["profile_reason"].startswith(f"auto: declared by {page} line 5")
    (tmp_path / "pyproject.toml").write_text(
        '[tool.speclint]\n[[tool.speclint.per-path]]\npath = "models/*"\nclaims = "docs/classifier.md"\n'
    )
    configured = run_speclint("check", "--format", "json", "--jobs", "2", str(models), cwd=tmp_path)
    profiles = {m["profile"] for m in json.loads(configured.stdout)["models"]}
    assert profiles == {"tf2-image-classification"}, configured.stderr
    shown = run_speclint("show", "--claims", str(page), str(model))
    assert "    task: image-classification (" in shown.stdout and shown.returncode == 0
    assert speclint.read(model, claims=page)["claims"]["task"]["file"] == str(page)


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--claims", "missing.md", "golden/models/tf2-classifier"], "--claims missing.md: no such file"),
        (
            ["--claims", "README.md", "golden/models/tf2-classifier", "golden/models/tf2-feature-vector"],
            "documents one model",
        ),
    ],
)
def test_claims_mistakes_are_one_line_errors(args: list[str], needle: str) -> None:
    result = run_speclint(*args)
    assert result.returncode == 2 and needle in result.stderr and "Traceback" not in result.stderr


def test_a_missing_per_path_claims_file_is_a_config_error(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.speclint]\n[[tool.speclint.per-path]]\npath = "*"\nclaims = "nope.md"\n'
    )
    result = run_speclint("check", "--config", str(tmp_path / "pyproject.toml"), str(MODELS / "tf2-classifier"))
    assert result.returncode == 2 and "per-path[0]: claims file 'nope.md' not found" in result.stderr


def test_show_prints_the_claims_with_their_lines() -> None:
    result = run_speclint("show", str(MODELS / "claims-malformed"), str(MODELS / "claims-kaggle-framework-mismatch"))
    lines = result.stdout.splitlines()
    assert "  claims: README.md (Module speclint/tiny-net-feature-vector/1)" in lines
    assert (
        "    malformed: README.md line 5: task 'image-feature-vectors' is not one of tfhub.dev's task values" in lines
    )
    assert "    format: TensorFlow2 = tf2 (model-instance-metadata.json line 5)" in lines


def test_the_action_summary_names_the_declared_task(tmp_path: Path) -> None:
    summary = tmp_path / "summary.md"
    run_speclint(
        "check",
        str(MODELS / "claims-tf2-classifier"),
        env={"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": str(summary)},
    )
    text = summary.read_text()
    assert "| Model | Declared task | Profile |" in text
    assert "image-classification (README.md line 5) | tf2-image-classification |" in text
