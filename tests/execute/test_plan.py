"""What the parent decides before any TensorFlow: run, refuse or skip, and with which calls."""

from __future__ import annotations

import copy
from functools import cache
from typing import Any

import pytest

from speclint.execute import ExecuteOptions
from speclint.execute.plan import plan
from speclint.read import read_model
from tests.conftest import MODELS

DANGER = {"op": "ReadFile", "function": "__inference_call_12", "node": "ReadFile", "category": "file-read"}


@cache
def _facts(name: str) -> dict[str, Any]:
    return read_model(str(MODELS / name))


def facts_of(name: str) -> dict[str, Any]:
    return copy.deepcopy(_facts(name))


def test_tf2_with_training_argument_probes_training_false_first() -> None:
    job, record = plan(facts_of("tf2-classifier-training"), ExecuteOptions())
    assert record is None and job is not None
    assert [c["where"] for c in job["calls"]] == [
        "__call__(images, training=False)",
        "__call__(images)",
        "__call__(images, training=True)",
    ]
    assert [c["training"] for c in job["calls"]] == [False, None, True]
    assert job["calls"][0]["declared"] == {"dtype": "DT_FLOAT", "shape": [-1, 5]}
    assert job["image_size"] == [32, 32] and job["free_size"] is False
    assert job["fine_tuning"] is True


def test_tf1_hub_runs_default_then_the_named_signature_of_tag_set_empty() -> None:
    job, _ = plan(facts_of("tf1-hub-feature-vector"), ExecuteOptions())
    assert job is not None
    assert [c["signature"] for c in job["calls"]] == ["default", "image_feature_vector"]
    assert all(c["where"].startswith("tag-set [] ") for c in job["calls"])
    assert job["task"] == "feature-vector" and job["fine_tuning"] is False


def test_free_height_and_width_leave_the_size_to_the_worker() -> None:
    job, _ = plan(facts_of("tf2-feature-vector-dynamic-size"), ExecuteOptions())
    assert job is not None and job["image_size"] is None and job["free_size"] is True


def test_options_reach_the_job() -> None:
    options = ExecuteOptions(seed=7, batch_sizes=(3, 1), throughput_batch=8)
    job, _ = plan(facts_of("tf2-feature-vector"), options)
    assert job is not None
    assert job["options"]["seed"] == 7 and job["options"]["batch_sizes"] == [1, 3]
    assert job["options"]["tolerances"]["determinism_atol"] == 1e-6
    assert job["options"]["tolerances"]["batch_atol"] == job["options"]["tolerances"]["batch_rtol"] == 1e-4


def test_a_dangerous_op_is_refused_in_one_line() -> None:
    facts = facts_of("tf2-feature-vector")
    facts["security"] = {"dangerous_ops": [DANGER]}
    job, record = plan(facts, ExecuteOptions())
    assert job is None and record is not None
    assert record["status"] == "refused" and record["results"] == {} and record["reason"] == "unsafe"
    message = record["message"]
    assert "\n" not in message
    assert "ReadFile [file-read] node 'ReadFile' in __inference_call_12" in message
    assert "--allow-unsafe" in message


def test_allow_unsafe_runs_it_and_no_findings_mean_no_refusal() -> None:
    facts = facts_of("tf2-feature-vector")
    facts["security"] = {"dangerous_ops": [DANGER]}
    assert plan(facts, ExecuteOptions(allow_unsafe=True))[0] is not None
    facts["security"] = {"dangerous_ops": []}
    assert plan(facts, ExecuteOptions())[0] is not None
    del facts["security"]  # the static security stage may not have run: no findings
    assert plan(facts, ExecuteOptions())[0] is not None


@pytest.mark.parametrize(
    ("fixture", "why", "reason"),
    [
        ("keras3-export", "no __call__", "no-call"),
        ("text-model", "dtype DT_STRING; the spec wants DT_FLOAT", "input"),
        (
            "tf2-input-uint8",
            "dtype DT_UINT8; the spec wants DT_FLOAT (float32 RGB values in [0, 1]) (see SL112)",
            "input",
        ),
        ("tf1-input-sparse", "coo_sparse; the spec wants a dense 4-D tensor (see SL111)", "input"),
        ("tf1-input-rank3", "(see SL113)", "input"),
        ("tf2-input-one-channel", "(see SL115)", "input"),
        ("tf1-no-default-tag-set", "default tag-set []", "no-call"),
    ],
)
def test_models_whose_call_cannot_take_images_are_loaded_but_not_probed(fixture: str, why: str, reason: str) -> None:
    """Load first, then decide: the worker loads them (a load failure is worth knowing) and says why not more."""
    job, record = plan(facts_of(fixture), ExecuteOptions())
    assert record is None and job is not None
    assert why in job["blocked"] and job["blocked_reason"] == reason and "\n" not in job["blocked"]


def test_a_tf1_export_without_the_empty_tag_set_is_loaded_with_its_own_tags() -> None:
    job, _ = plan(facts_of("tf1-no-default-tag-set"), ExecuteOptions())
    assert job is not None and job["tags"] == ["serve"] and job["calls"] == []
    assert plan(facts_of("tf1-hub-feature-vector"), ExecuteOptions())[0]["tags"] == []  # type: ignore[index]
    assert plan(facts_of("tf2-feature-vector"), ExecuteOptions())[0]["tags"] is None  # type: ignore[index]


def test_an_input_of_unknown_shape_or_rank_is_probed() -> None:
    """(-1, -1, -1, -1) or no rank at all: SL113/SL115 report what is undeclared, but images fit."""
    job, _ = plan(facts_of("tf2-input-unknown-shape"), ExecuteOptions())
    assert job is not None and job["blocked"] is None and job["image_size"] is None and job["free_size"] is True
    assert job["calls"][0]["images_shape"] == [-1, -1, -1, -1]
    facts = facts_of("tf2-input-unknown-shape")
    for entry in facts["entry_points"]:
        entry["images"]["shape"] = None
    unknown_rank, _ = plan(facts, ExecuteOptions())
    assert unknown_rank is not None and unknown_rank["blocked"] is None


def test_the_static_checkpoint_finding_travels_with_the_job() -> None:
    missing, _ = plan(facts_of("checkpoint-missing-shard"), ExecuteOptions())
    assert missing is not None and missing["checkpoint"]["rule"] == "SL010"
    assert missing["checkpoint"]["problem"].endswith("variables.data-00000-of-00002 (5 tensors) is missing")
    absent, _ = plan(facts_of("checkpoint-no-variables"), ExecuteOptions())
    assert absent is not None and absent["checkpoint"]["rule"] == "SL011"
    assert absent["checkpoint"]["problem"].endswith("no variables/ directory")
    assert plan(facts_of("tf2-feature-vector"), ExecuteOptions())[0]["checkpoint"] is None  # type: ignore[index]


def test_a_model_without_a_readable_saved_model_is_skipped_with_its_reason() -> None:
    job, record = plan(facts_of("broken-truncated"), ExecuteOptions())
    assert job is None and record is not None
    assert record["status"] == "skipped" and record["reason"] == "unreadable" and "SL001" in record["message"]


def test_the_real_security_scan_refuses_the_security_fixtures() -> None:
    readfile = plan(facts_of("sec-readfile"), ExecuteOptions())[1]
    assert readfile is not None and readfile["status"] == "refused"
    assert "ReadFile [file-read]" in readfile["message"] and "on '/etc/passwd'" in readfile["message"]
    escape = plan(facts_of("sec-asset-escape"), ExecuteOptions())[1]
    assert escape is not None and escape["status"] == "refused"
    assert "asset paths escaping assets/ ('../../etc/passwd')" in escape["message"]
    assert plan(facts_of("tf2-feature-vector"), ExecuteOptions())[0] is not None  # scanned, nothing found


def test_a_refusal_wins_over_loading_anything() -> None:
    facts = facts_of("keras3-export")  # would be loaded (not probed) without its dangerous op
    facts["security"] = {"dangerous_ops": [DANGER]}
    job, record = plan(facts, ExecuteOptions())
    assert job is None and record is not None and record["status"] == "refused" and record["reason"] == "unsafe"


def test_bad_options_are_rejected() -> None:
    with pytest.raises(ValueError, match="device"):
        ExecuteOptions(device="tpu")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        ExecuteOptions(timeout_s=0)
    with pytest.raises(ValueError):
        ExecuteOptions(batch_sizes=())
