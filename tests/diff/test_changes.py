"""speclint/diff/changes.py: deltas judged by the change rules, one finding per cause.

The change rules are data: valid files, stable codes, real spec quotes, one rule per delta.
"""

from __future__ import annotations

import itertools
import json
import re

import pytest

from speclint.diff.changes import ChangeEngine, cause_of, change_page_url, delta_words, render
from speclint.diff.deltas import delta
from speclint.errors import SpeclintError
from speclint.rules.loader import load_change_rules, schemas_dir
from speclint.version import __version__
from tests.conftest import REPO, SHARED, need
from tests.diff.conftest import PAIRS_DIR

RULE_FILES = sorted((schemas_dir() / "changes").glob("*.json"))
SPEC_FILES = {"tf1": "tf1-hub-common-signatures-images.md", "tf2": "tf2-saved-model-apis-images.md"}
DELTA_KINDS = {  # every kind speclint/diff emits, with the qualifiers that choose the rule
    "model-removed": [{}],
    "model-added": [{}],
    "format-changed": [{}],
    "task-changed": [{}],
    "image-size-changed": [{}],
    "signature-removed": [{}],
    "signature-added": [{}],
    "call-removed": [{}],
    "tag-set-removed": [{}],
    "training-argument-removed": [{}],
    "attribute-removed": [{"attribute": "variables"}],
    "output-structure-changed": [{}],
    "output-width-changed": [{"side": "output", "key": "output"}],
    "dangerous-op-added": [{"op": "ReadFile"}],
    "unknown-op-added": [{"op": "Custom"}],
    "key-removed": [{"side": s} for s in ("input", "output")],
    "key-renamed": [{"side": s} for s in ("input", "output")],
    "key-added": [{"side": s} for s in ("input", "output")],
    "dtype-changed": [{"side": s, "key": "k"} for s in ("input", "output")],
    "shape-changed": [
        {"side": s, "key": "k", "direction": d}
        for s, d in itertools.product(("input", "output"), ("narrowed", "relaxed", "changed"))
    ],
    "lint-regression": [
        {"code": "SL112", "lint_severity": s, "lint_name": "n", "lint_message": "m"}
        for s in ("error", "warning", "info")
    ],
}


def test_rule_files_match_the_meta_schema_checked_by_jsonschema() -> None:
    need(__import__("importlib").util.find_spec("jsonschema") is not None, "jsonschema is not installed")
    import jsonschema

    meta = json.loads((schemas_dir() / "change.schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(meta)
    for path in RULE_FILES:
        data = json.loads(path.read_text(encoding="utf-8"))
        jsonschema.Draft202012Validator(meta).validate(data)
        if "when" in data:
            jsonschema.Draft202012Validator.check_schema(data["when"])
        assert path.name == f"{data['code']}-{data['name']}.json"


def test_codes_are_their_own_family_and_recorded_in_the_changelog() -> None:
    rules = load_change_rules()
    assert len(rules) == len(RULE_FILES) >= 25
    lint_codes = {json.loads(p.read_text())["code"] for p in (schemas_dir() / "rules").glob("*.json")}
    assert not set(rules) & lint_codes
    assert all(code.startswith("SC") for code in rules)
    changelog = (REPO / "CHANGELOG.md").read_text(encoding="utf-8")
    for code in rules:
        assert re.search(rf"\b{code}\b", changelog), f"{code} is not in CHANGELOG.md"


def test_spec_quotes_are_in_the_spec() -> None:
    def normal(text: str) -> str:
        return " ".join(text.replace("`", "").replace("_", "").replace("**", "").split())

    for rule in load_change_rules().values():
        for ref in rule.spec:
            spec_path = SHARED / "spec" / SPEC_FILES[ref.document]
            need(spec_path.is_file(), f"{spec_path} is missing")
            assert normal(ref.quote) in normal(spec_path.read_text(encoding="utf-8")), f"{rule.code}: {ref.quote}"


def test_every_message_names_both_sides() -> None:
    for rule in load_change_rules().values():
        assert "{old}" in rule.message or "OLD" in rule.message, rule.code
        assert "{new}" in rule.message or "NEW" in rule.message, rule.code


def test_each_rules_example_pair_shows_it() -> None:
    for rule in load_change_rules().values():
        pair = rule.examples["pair"]
        expected = json.loads((PAIRS_DIR / pair / "expected.json").read_text(encoding="utf-8"))
        assert rule.code in {f["code"] for f in expected["findings"]}, f"{rule.code}: example {pair}"


def test_every_delta_is_judged_by_exactly_one_rule() -> None:
    engine = ChangeEngine()
    used = set()
    for kind, variants in DELTA_KINDS.items():
        for extra in variants:
            used.add(engine.rule_for(delta(kind, "somewhere", "a", "b", **extra)).code)
    assert used == set(engine.rules), "a rule no delta reaches, or a delta kind missing here"


def test_relaxed_and_narrowed_input_shapes_have_opposite_verdicts() -> None:
    engine = ChangeEngine()
    relaxed = engine.rule_for(
        delta("shape-changed", "w", [-1, 8], [-1, -1], side="input", key="k", direction="relaxed")
    )
    narrowed = engine.rule_for(
        delta("shape-changed", "w", [-1, 8], [1, 8], side="input", key="k", direction="narrowed")
    )
    assert (relaxed.severity, narrowed.severity) == ("info", "breaking")


def test_a_delta_no_rule_takes_is_an_error_not_a_pass() -> None:
    with pytest.raises(SpeclintError, match="not by one rule"):
        ChangeEngine().rule_for(delta("no-such-kind", "w", 1, 2))


def test_model_strings_are_shown_escaped() -> None:
    message = render("input '{old}' -> '{new}'", {"old": "images\x1b[31m", "new": "a\nb"})
    assert "\x1b" not in message and "\n" not in message
    assert "images\\x1b[31m" in message


def test_one_finding_per_cause_with_every_place_escaped() -> None:
    """The same change in two signatures is one finding with two places; a model's strings come escaped."""
    serve = "signature_def['a'] in tag-set [serve]"
    deltas = [
        delta("dtype-changed", serve, "DT_FLOAT", "DT_UINT8", side="input", key="images"),
        delta("dtype-changed", serve.replace("'a'", "'b'"), "DT_FLOAT", "DT_UINT8", side="input", key="images"),
        delta("key-removed", "sig\x1b[2J", "k", None, side="output"),
    ]
    findings = ChangeEngine().judge("m", deltas, "tf2")
    assert [(f.code, f.severity) for f in findings] == [("SC123", "breaking"), ("SC130", "breaking")]
    dtype, removed = findings
    assert [place.where for place in dtype.all_locations] == [serve, serve.replace("'a'", "'b'")]
    assert dtype.message == f"input 'images' dtype DT_FLOAT -> DT_UINT8 in {serve}"
    assert dtype.url == change_page_url("SC123") and dtype.url.endswith(f"/blob/v{__version__}/docs/changes/SC123.md")
    assert dtype.spec_url.startswith("https://www.tensorflow.org/hub/common_saved_model_apis/images#")
    assert removed.where == "sig\\x1b[2J" and "\x1b" not in removed.message


def test_function_numbers_do_not_split_a_cause() -> None:
    """TensorFlow numbers its functions anew on every save: the cause of a change leaves them out."""
    template = "output {key} of {where}: {old} -> {new}"
    first = cause_of(template, {"key": "__inference_call_12", "where": "here", "old": 1, "new": [-1, 8]})
    again = cause_of(template, {"key": "__inference_call_99", "where": "there", "old": 1, "new": [-1, 8]})
    assert first == again == "output __inference_call_N of : 1 -> (-1, 8)"


def test_delta_values_are_written_as_tensorflow_writes_them() -> None:
    assert [delta_words(v) for v in (None, True, [-1, 224, 224, 3], 7, "a\nb")] == [
        "none",
        "true",
        "(-1, 224, 224, 3)",
        "7",
        "a\\nb",
    ]
