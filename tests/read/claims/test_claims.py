"""speclint/read/claims: what publishers declare, read as tfhub.dev and Kaggle read it.

Real pages (tests/read/claims/data/tfhub_docs, Apache-2.0, see NOTICE there) and kaggle-api's documented
template are the inputs; benchmarks/bench_tfhub_docs.py holds the parser to tfhub.dev's own
validator on every page the site published.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from speclint.read import read_model
from speclint.read.claims import kaggle, read_claims
from speclint.read.claims.markdown import decode, parse_markdown
from speclint.rules.ruleset import RuleSet
from tests.conftest import CORPUS, MODELS, need, run_speclint

DOCS = Path(__file__).parent / "data" / "tfhub_docs"
PAGES = sorted(DOCS.glob("*.md"))
RULES = RuleSet()
GOOD_PAGE = "\n".join(
    [
        "# Module speclint/tiny/1",
        "A tiny image model.",
        "",
        "<!-- asset-path: legacy -->",
        "<!-- task: image-feature-vector -->",
        "<!-- fine-tunable: true -->",
        "<!-- format: saved_model_2 -->",
        "",
        "## Overview",
        "<!-- task: text-embedding -->",
    ]
)


def parsed(text: str) -> Any:
    result = parse_markdown(text)
    assert result is not None
    return result


def problems(text: str) -> list[tuple[int, str]]:
    return [(p.line, p.message) for p in parsed(text).problems]


def with_line(text: str, after: str, line: str) -> str:
    return text.replace(after, f"{after}\n{line}", 1)


# ---- tfhub.dev pages -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("page", "kind", "task", "fmt", "tunable"),
    [
        (
            "google--imagenet--mobilenet_v3_small_100_224--classification--5.md",
            "Module",
            "image-classification",
            "saved_model_2",
            "true",
        ),
        (
            "google--imagenet--mobilenet_v2_075_224--feature_vector--3.md",
            "Module",
            "image-feature-vector",
            "hub",
            "true",
        ),
        ("google--nnlm-id-dim128--1.md", "Module", "text-embedding", "hub", "true"),
        ("sayannath--image-scene--1.md", "Placeholder", "image-classification", None, "true"),
        ("sayannath--image-scene--lite--1.md", "Lite", None, None, None),
        ("vtab--collections--benchmark--1.md", "Collection", "image-feature-vector", None, None),
    ],
)
def test_real_pages_parse_as_tfhub_dev_published_them(page: str, kind: str, task: str, fmt: str, tunable: str) -> None:
    result = parsed(decode((DOCS / page).read_bytes())[0])
    assert result.kind == kind and result.problems == []
    values = {d.key: d.value for d in result.metadata}
    assert (values.get("task"), values.get("format"), values.get("fine-tunable")) == (task, fmt, tunable)
    assert result.handle and page.startswith(result.handle.split("/")[0])


def test_every_kept_page_is_read_without_a_malformed_finding() -> None:
    assert len(PAGES) == 6
    for page in PAGES:
        assert read_claims(_Tree({"README.md": page.read_bytes()}))["errors"] == [], page.name


@pytest.mark.parametrize(
    ("change", "line", "needle"),
    [
        (lambda t: t.replace("image-feature-vector", "image-feature-vectors"), 5, "not one of tfhub.dev's task values"),
        (
            lambda t: t.replace("task: image-feature-vector", "task: picture-feature-vector"),
            5,
            "must start with image-",
        ),
        (lambda t: t.replace("<!-- format: saved_model_2 -->\n", ""), 1, "must declare format"),
        (
            lambda t: t.replace("saved_model_2", "saved_model_3"),
            7,
            "format must be one of hub, saved_model, saved_model_2",
        ),
        (lambda t: with_line(t, "<!-- format: saved_model_2 -->", "<!-- format: hub -->"), 8, "declared twice"),
        (
            lambda t: with_line(t, "<!-- task: image-feature-vector -->", "<!-- flavour: vanilla -->"),
            6,
            "does not support 'flavour'",
        ),
        (lambda t: with_line(t, "<!-- task: image-feature-vector -->", "Fine-tunable."), 6, "unexpected line"),
        (lambda t: with_line(t, "<!-- task: image-feature-vector -->", "<!-- language: xx -->"), 6, "language 'xx'"),
        (
            lambda t: with_line(
                t, "<!-- task: image-feature-vector -->", "<!-- colab: http://colab.research.google.com/a -->"
            ),
            6,
            "not an HTTPS URL",
        ),
        (
            lambda t: with_line(t, "<!-- task: image-feature-vector -->", "<!-- colab: https://example.com/a -->"),
            6,
            "must lead to colab.research.google.com",
        ),
        (lambda t: t.replace("A tiny image model.\n", ""), 2, "no short description"),
    ],
)
def test_what_tfhub_dev_refused_is_malformed_with_its_line(change: Any, line: int, needle: str) -> None:
    found = problems(change(GOOD_PAGE))
    assert any(at == line and needle in message for at, message in found), found


def test_what_tfhub_dev_accepted_is_not_malformed() -> None:
    assert problems(GOOD_PAGE) == []
    repeated = with_line(GOOD_PAGE, "<!-- task: image-feature-vector -->", "<!-- task: image-others -->")
    assert problems(repeated) == []  # task may repeat
    assert problems(with_line(GOOD_PAGE, "<!-- format: saved_model_2 -->", "<!-- format: saved_model_2 -->")) == []
    yes = parsed(GOOD_PAGE.replace("fine-tunable: true", "fine-tunable: yes"))
    assert yes.problems == []  # the validator never judged the value: no malformed line, and no claim
    assert read_claims(_Tree({"README.md": GOOD_PAGE.replace("true", "yes").encode()}))["fine_tunable"] is None


def test_windows_line_ends_and_a_byte_order_mark_are_read() -> None:
    data = ("\ufeff" + GOOD_PAGE).replace("\n", "\r\n").encode()
    claims = read_claims(_Tree({"README.md": data}))
    assert claims["errors"] == [] and claims["task"]["values"] == ["image-feature-vector"]


def test_a_plain_readme_declares_only_its_metadata_lines_outside_code() -> None:
    text = (
        "# My model\n\nSome words <!-- not: metadata -->\n\n<!-- task: image-classification -->\n"
        "```\n<!-- task: text-embedding -->\n```\n<!-- TODO: fix -->\n"
    )
    result = parsed(text)
    assert result.kind is None and [(d.key, d.value, d.line) for d in result.metadata] == [
        ("task", "image-classification", 5)
    ]
    assert parse_markdown("# My model\n\n<!-- TODO: later -->\n") is None  # no tfhub.dev key: says nothing


def test_undecodable_bytes_are_named() -> None:
    text, problem = decode(b"# Module a/b/1\nx\n<!-- task: image-feature-vector -->\n\xff\n")
    assert problem is not None and problem.line == 4 and "not UTF-8" in problem.message
    assert "\ufffd" in text


# ---- Kaggle ----------------------------------------------------------------------------------


def template() -> dict[str, Any]:
    """kaggle-api's documented model-instance-metadata.json template (docs/models_metadata.md)."""
    return {
        "ownerSlug": "INSERT_OWNER_SLUG_HERE",
        "modelSlug": "INSERT_EXISTING_MODEL_SLUG_HERE",
        "instanceSlug": "INSERT_INSTANCE_SLUG_HERE",
        "framework": "INSERT_FRAMEWORK_HERE",
        "overview": "",
        "usage": "Usage Markdown, see below",
        "licenseName": "Apache 2.0",
        "fineTunable": False,
        "trainingData": [],
        "modelInstanceType": "Unspecified",
        "baseModelInstance": "",
        "externalBaseModelUrl": "",
    }


def test_the_unfilled_template_is_malformed_field_by_field() -> None:
    result = kaggle.parse_instance_metadata(json.dumps(template(), indent=2))
    assert [p.line for p in result.problems] == [2, 3, 4, 5]
    assert all("still the template's INSERT_" in p.message for p in result.problems)
    assert result.framework is None and result.fine_tunable is not None and result.fine_tunable.value == "false"


@pytest.mark.parametrize(
    ("written", "member"),
    [
        ("tensorFlow2", "MODEL_FRAMEWORK_TENSOR_FLOW_2"),
        ("TensorFlow2", "MODEL_FRAMEWORK_TENSOR_FLOW_2"),
        ("tensorflow1", "MODEL_FRAMEWORK_TENSOR_FLOW_1"),
        ("MODEL_FRAMEWORK_TENSOR_FLOW_2", "MODEL_FRAMEWORK_TENSOR_FLOW_2"),
        ("pyTorch", "MODEL_FRAMEWORK_PY_TORCH"),
        ("pytorch", "MODEL_FRAMEWORK_PY_TORCH"),
        ("tfLite", "MODEL_FRAMEWORK_TF_LITE"),
        ("jax", "MODEL_FRAMEWORK_JAX"),
        ("TensorFlow 2", None),
        ("tensorflow3", None),
        (2, None),
    ],
)
def test_frameworks_are_matched_as_kaggle_api_matches_them(written: Any, member: str | None) -> None:
    assert kaggle.lookup_enum(kaggle.FRAMEWORKS, "MODEL_FRAMEWORK", written) == member


def test_a_filled_template_declares_framework_and_fine_tuning() -> None:
    data = {
        **template(),
        "ownerSlug": "me",
        "modelSlug": "m",
        "instanceSlug": "i",
        "framework": "tensorFlow1",
        "fineTunable": True,
    }
    result = kaggle.parse_instance_metadata(json.dumps(data, indent=2))
    assert result.problems == [] and result.framework_member == "MODEL_FRAMEWORK_TENSOR_FLOW_1"
    assert (result.framework.line, result.fine_tunable.value) == (5, "true")  # type: ignore[union-attr]
    assert kaggle.MODEL_FORMATS[result.framework_member] == ["tf1-hub", "tf1"]


IDENTITY = '"ownerSlug": "a", "modelSlug": "b", "instanceSlug": "c"'


@pytest.mark.parametrize(
    ("text", "line", "needle"),
    [
        ('{\n  "ownerSlug": "me",\n  "modelSlug": \n}', 4, "not valid JSON"),
        ("[]", 1, "one JSON object"),
        (
            "{" + IDENTITY + ', "framework": "jax", "licenseName": ""}',
            1,
            "licence",
        ),
        (
            "{" + IDENTITY + ', "framework": "jax", "licenseName": "MIT",\n"fineTunable": "true"}',
            2,
            "must be true or false",
        ),
        (
            "{" + IDENTITY + ', "framework": "tensorflow", "licenseName": "MIT"}',
            1,
            "not a Kaggle framework",
        ),
        ("{" + IDENTITY + ', "licenseName": "MIT"}', 1, "lacks 'framework'"),
    ],
)
def test_what_kaggle_refuses_is_malformed(text: str, line: int, needle: str) -> None:
    found = kaggle.parse_instance_metadata(text).problems
    assert any(p.line == line and needle in p.message for p in found), found


# ---- claims of a model: documents, conflicts, --claims ------------------------------------------


class _Tree:
    """A model tree holding only documentation files."""

    def __init__(self, files: dict[str, bytes]) -> None:
        self.files = files

    def top_files(self) -> list[str]:
        return sorted(self.files)

    def read(self, relative: str, max_bytes: int) -> bytes:
        return self.files[relative]


def test_documents_that_disagree_are_malformed_and_the_first_claim_stands(tmp_path: Path) -> None:
    kaggle_data = {
        **template(),
        "ownerSlug": "a",
        "modelSlug": "b",
        "instanceSlug": "c",
        "framework": "TensorFlow1",
        "fineTunable": False,
    }
    tree = _Tree(
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
    claims = read_claims(_Tree({"README.md": GOOD_PAGE.encode()}), str(named))
    assert claims["task"]["values"] == ["image-classification"] and claims["task"]["file"] == str(named)
    assert claims["documents"][0]["origin"] == "named"
    silent = tmp_path / "notes.md"
    silent.write_text("# Notes\n\nNothing declared here.\n")
    assert "declares no tfhub.dev metadata" in read_claims(_Tree({}), str(silent))["errors"][0]["message"]


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
