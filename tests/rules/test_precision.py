"""Issue 22: the findings real models get, class by class, on fixtures that reproduce each class.

Every fixture is a model made by TensorFlow the way publishers make them (golden/make_fixtures.py:
TF1 serving and estimator exports, graphs without signatures, Keras 2 and Keras 3 exports, a
root function, a pruned wrap_function, Google's optional-endpoint API, a detector). Where the
smoke corpus holds the real model a class came from, it is checked too.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import pytest

from speclint.errors import SpeclintError
from speclint.read import read_model
from speclint.rules.rule import Finding, Rule
from speclint.rules.ruleset import ModelResult, RuleSet, check_implications, fold_implied
from speclint.rules.wording import namer
from tests.conftest import CORPUS, MODELS, need

RULES = RuleSet()


@cache
def facts_of(path: Path) -> dict[str, Any]:
    return read_model(str(path))


def check(name: str, profile: str = "auto", ignore: tuple[str, ...] = ()) -> ModelResult:
    return RULES.check(facts_of(MODELS / name), profile, ignore=list(ignore))


def codes(result: ModelResult) -> set[str]:
    return {f.code for f in result.findings}


def finding(result: ModelResult, code: str) -> Finding:
    (found,) = [f for f in result.findings if f.code == code]
    return found


# ---- one cause, one finding ---------------------------------------------------------------


def test_a_plain_tf1_serving_export_is_one_error_with_its_consequences_under_it() -> None:
    result = check("tf1-serving-export")
    assert codes(result) == {"SL100", "SL142"}  # not SL103, SL104, SL106 and SL117 apart
    message = finding(result, "SL100").message
    assert "this is a plain TF1 SavedModel, not a TF1 Hub module" in message
    assert "(tag-set [train] with serving_default, tag-set [eval] with serving_default" in message
    consequences = message.split("Its consequences, not reported apart: ")[1]
    assert [part.split()[0] for part in consequences.split("; ")] == ["SL103", "SL104", "SL106", "SL117"]


def test_ignoring_the_cause_reports_its_consequences_honestly() -> None:
    result = check("tf1-serving-export", ignore=("SL100",))
    assert codes(result) == {"SL103", "SL104", "SL106", "SL142"}
    sl103 = finding(result, "SL103").message
    assert "(found tag-sets: [train], [eval], [serve]);" in sl103  # every meta graph, not the first
    assert sl103.endswith("Its consequences, not reported apart: SL117 expected-image-size")
    sl117 = finding(check("tf1-serving-export", ignore=("SL100", "SL103")), "SL117")
    assert sl117.where == "model"  # no tag-set [] to point at
    assert "no meta graph with the default tag-set []" in sl117.message


def test_a_hub_module_missing_only_its_module_file_is_not_called_a_plain_export() -> None:
    assert codes(check("tf1-hub-missing-module-def")) == {"SL100"}


def test_implied_by_names_rules_and_makes_no_circle() -> None:
    rule = RULES.rules["SL104"]
    with pytest.raises(SpeclintError, match="implied_by names SL999"):
        check_implications({"SL104": rule._replace(implied_by=("SL999",))})
    circle = {
        "SL104": rule._replace(implied_by=("SL100",)),
        "SL100": RULES.rules["SL100"]._replace(implied_by=("SL104",)),
    }
    with pytest.raises(SpeclintError, match="implied by itself"):
        check_implications(circle)


def test_a_chain_of_implications_ends_at_the_root_cause() -> None:
    rules: dict[str, Rule] = {
        "SL117": RULES.rules["SL117"],  # implied by SL100 and SL103
        "SL103": RULES.rules["SL103"],  # implied by SL100
        "SL100": RULES.rules["SL100"],
    }
    findings = [Finding("m", code, "model", rules[code].name, "error", f"{code} text", "", "") for code in rules]
    (root,), listed = fold_implied(sorted(findings), rules)
    assert root.code == "SL100" and root.message.endswith("SL103 tf1-default-tag-set; SL117 expected-image-size")
    assert [f.code for f in listed] == ["SL103", "SL117"]  # kept for speclint fix, which resolves them too
    (alone,), none = fold_implied([f for f in findings if f.code == "SL117"], rules)
    assert alone.message == "SL117 text" and none == []


# ---- the profile, from evidence ------------------------------------------------------------


@pytest.mark.parametrize(
    ("fixture", "profile", "evidence"),
    [
        ("tf1-serving-export", "tf1-image-classification", "comes from Sigmoid (node dense_1/Sigmoid)"),
        ("tf1-graph-without-signatures", "tf1-image-classification", "its input flows into Softmax"),
        ("tf1-estimator-classifier", "tf1-image-classification", "returns class_ids, classes, logits, probabilities"),
        ("keras3-grayscale-sigmoid", "tf2-image-classification", "comes from Sigmoid"),
        ("tf-keras-teachable-machine", "tf2-image-classification", "comes from Softmax"),
        ("tf2-detector", "tf2-image", "object detection (tag-set [serve] runs CombinedNonMaxSuppression)"),
        ("tf2-style-transfer", "tf2-image", "dense prediction"),
        ("tf-keras-two-heads", "tf2-image", "returns 2 tensors"),
        ("tf2-classifier", "tf2-image", "does not show its task"),
        ("tf1-no-task-signature", "tf1-image", "does not show its task"),
    ],
)
def test_the_profile_follows_the_evidence_and_says_it(fixture: str, profile: str, evidence: str) -> None:
    result = check(fixture)
    assert result.profile == profile
    assert evidence in result.profile_reason


def test_weak_evidence_checks_the_findings_both_tasks_share() -> None:
    """A TF1 module naming no task gets SL109 (one of the two), not SL105 or SL106."""
    result = check("tf1-no-task-signature")
    assert codes(result) == {"SL109"}


# ---- every way a model can be called ----------------------------------------------------------


def test_a_root_function_is_the_call() -> None:
    result = check("tf2-root-function")
    # it is called; a function has variables and trainable_variables (empty), not regularization_losses
    # (tests/read/test_calls.py asks tf.saved_model.load)
    assert codes(result) == {"SL135"}
    (entry,) = facts_of(MODELS / "tf2-root-function")["entry_points"]
    assert entry["images"]["shape"] == [-1, 32, 32, 3] and entry["output"]["shape"] == [-1, 8]


def test_a_pruned_wrap_function_call_has_its_arguments() -> None:
    (entry,) = facts_of(MODELS / "tf2-style-transfer")["entry_points"]
    assert [
        (a["name"], a["shape"])
        for a in facts_of(MODELS / "tf2-style-transfer")["meta_graphs"][0]["object_graph"]["call"][
            "concrete_functions"
        ][0]["args"]
    ] == [
        ("Placeholder", [-1, -1, -1, 3]),
        ("Placeholder_1", [-1, -1, -1, 3]),
    ]
    assert entry["extra_tensor_args"] == 1
    result = check("tf2-style-transfer")  # judged as what it offers: obj(images) fails, it returns [image]
    assert codes(result) == {"SL131", "SL132", "SL134", "SL135"}
    assert "its argument 'Placeholder_1' has no default value" in finding(result, "SL131").message


def test_detectors_and_multi_output_models_keep_the_shared_rules() -> None:
    assert codes(check("tf2-detector")) == {"SL132"}  # returns a dict; no task-only rule
    assert codes(check("tf-keras-two-heads")) == {"SL132"}


def test_a_graph_without_signatures_is_judged_on_its_placeholder() -> None:
    result = check("tf1-graph-without-signatures")
    assert codes(result) == {"SL100", "SL115"}  # not SL002: the graph takes an image batch
    assert finding(result, "SL115").where == "tag-set [tag] placeholder Placeholder (no signature)"


def test_only_the_traces_a_documented_call_reaches_are_judged() -> None:
    """Google's return_endpoints=True traces return a dict; obj(images) never runs them."""
    for profile in ("auto", "tf2-image-classification"):
        assert check("tf2-optional-endpoints", profile).findings == []
    entries = facts_of(MODELS / "tf2-optional-endpoints")["entry_points"]
    assert [e["calls"] for e in entries] == [
        ["obj(images)", "obj(images, training=False)"],
        ["obj(images, training=True)"],
    ]


def test_a_required_training_argument_is_an_error() -> None:
    result = check("tf2-training-required")
    assert codes(result) == {"SL131"}
    assert finding(result, "SL131").message.startswith(
        "root __call__ as obj(images) fails: its argument 'training' has no default value;"
    )


def test_a_keras3_export_is_judged_on_serve_and_serving_default() -> None:
    result = check("keras3-grayscale-sigmoid")
    assert codes(result) == {"SL115", "SL130", "SL135", "SL142"}
    assert [loc.where for loc in finding(result, "SL115").all_locations] == [
        "tag-set [serve] signature_def['serve']",
        "tag-set [serve] signature_def['serving_default']",
    ]


# ---- missed before ------------------------------------------------------------------------


def test_rescaling_behind_resizing_is_found_and_keras_dropout_is_not_dropout_on_the_output() -> None:
    result = check("tf-keras-preprocessing")
    assert codes(result) == {"SL119"}
    assert "Mul node mul by 0.00392" in finding(result, "SL119").message


def test_an_estimator_classifier_with_logits_among_its_outputs_is_not_said_to_return_probabilities() -> None:
    assert codes(check("tf1-estimator-classifier")) == {"SL100"}


# ---- words ---------------------------------------------------------------------------------


def test_function_names_with_dots_are_reworded_whole() -> None:
    facts = {
        "meta_graphs": [
            {
                "object_graph": {
                    "call": {
                        "concrete_functions": [
                            {"name": "__inference_mobilenet.00_224_layer_call_fn_71", "label": "__call__ trace 1 (x)"}
                        ]
                    }
                },
                "graph": {"functions": {"__inference_mobilenet.00_224_block_5": {}}},
            }
        ]
    }
    reword = namer(facts)
    assert reword("in __inference_mobilenet.00_224_layer_call_fn_71: x") == "in __call__ trace 1 (x): x"
    assert reword("function __inference_mobilenet.00_224_block_5") == "function mobilenet.00_224_block"


# ---- the smoke corpus (real models) -------------------------------------------------------------


def corpus_check(name: str, ignore: tuple[str, ...] = ()) -> ModelResult:
    need((CORPUS / name).is_dir(), f"corpus model {name} not found at {CORPUS}")
    return RULES.check(facts_of(CORPUS / name), ignore=list(ignore))


def test_corpus_classifier_with_optional_endpoints_gets_no_dict_error() -> None:
    result = corpus_check("003_hub-mobilenet-v3-small-classification-resaved")
    assert "SL132" not in codes(result)
    assert result.profile == "tf2-image-classification"


CHECKPOINT = ("SL010", "SL011")


def test_corpus_tf1_serving_export_is_one_error() -> None:
    result = corpus_check("020_smile-detection-tf114")
    assert result.profile == "tf1-image-classification"
    contract = [f for f in result.findings if f.code not in CHECKPOINT]  # the corpus copy has no variables/
    assert [f.code for f in contract if f.severity == "error"] == ["SL100"]
    assert "SL142" in codes(result)


def test_corpus_graph_without_signatures_is_an_image_model() -> None:
    result = corpus_check("048_go-binding-custom-tag-mnist")
    assert codes(result) == {"SL100", "SL115"}


def test_corpus_keras3_export_without_call() -> None:
    assert codes(corpus_check("017_keras3-grayscale-96-esp32")) == {"SL115", "SL130", "SL135", "SL142"}


@pytest.mark.parametrize("name", ["008_arm-openmv-emoji-keras", "019_jeconn-binary-sigmoid"])
def test_corpus_trace_labels_do_not_stutter(name: str) -> None:
    for found in corpus_check(name).findings:
        if found.code in CHECKPOINT:  # about variables/, not a trace
            continue
        for location in found.all_locations:
            assert location.where.startswith("__call__ trace ") and "concrete" not in location.where
            assert location.where.count("(") == 1
