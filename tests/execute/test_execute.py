"""The real execution stage on the real fixture models: one worker, TensorFlow in the child only.

The main run executes every model these tests need in one ``execute`` call, in a fresh
interpreter, so it also proves that the parent never imports TensorFlow and that one
worker serves every model. Failure modes (crash, timeout, memory) get their own runs.
"""

from __future__ import annotations

import copy
import dataclasses
import json
import os
import signal
import subprocess
import sys
from typing import Any

import pytest

from speclint.errors import SpeclintError
from speclint.execute import ExecuteOptions, ProgressEvent, execute
from speclint.execute.plan import PROBE_NAMES
from speclint.read import read_model
from speclint.rules.loader import schemas_dir
from speclint.rules.ruleset import RuleSet
from tests.conftest import MODELS, REPO, need_tensorflow

Json = dict[str, Any]
pytestmark = pytest.mark.tensorflow

DANGER = {"op": "ReadFile", "function": "__inference_call_12", "node": "ReadFile", "category": "file-read"}
PROBES = PROBE_NAMES  # every probe, in the order the worker runs them
# Probes that do not apply, by design, to a conforming fixture (and why).
NOT_APPLICABLE = {
    "tf2-feature-vector": {"input_size_independence"},  # 32x32 fixed by the declared input
    "tf2-classifier-training": {"input_size_independence"},
    "tf2-feature-vector-dynamic-size": set(),
    "tf1-hub-feature-vector": {"input_size_independence", "logits", "fine_tuning", "keras_fine_tuning"},  # TF1
    "tf1-hub-classifier": {"input_size_independence", "fine_tuning", "keras_fine_tuning"},
    "probe-keras-resizing": set(),  # Resizing on a free-size input, no Rescaling: reads [0, 1]
    "tf2-input-unknown-shape": set(),  # (-1, -1, -1, -1): SL115 says channels are unknown; 3 run
}
BREAKS = {
    "probe-nondeterministic": "determinism",
    "probe-batch-dependent": "batch_independence",
    "probe-nan-on-black": "finite_outputs",
    "probe-width-follows-input": "input_size_independence",
    "probe-hidden-softmax": "logits",
    "probe-keras-rescaling-after-resizing": "input_range",
    "probe-tf1-rescale-late": "input_range",
}
OTHERS = ["tf2-input-fixed-batch", "tf2-output-fixed-batch", "sec-custom-op", "keras3-export"]
OTHERS += ["keras-dict-output", "keras-untracked-variables"]  # SL710 and SL711 (tests/execute/test_keras_probes.py)
OTHERS += ["checkpoint-missing-shard", "checkpoint-no-variables", "tf2-input-uint8", "broken-truncated"]
LIMIT_RULE = "SL714"  # its failing example needs a tight --memory-limit: test_a_probe_past_the_memory_limit...
INFO_ONLY = {"SL712"}  # a Keras probe that does not apply (TF1 Hub format fine-tuning) is information

MAIN_RUN = """
import dataclasses, json, sys
from speclint.read import read_model
from speclint.execute import ExecuteOptions, execute
plan = json.load(sys.stdin)
facts = []
for item in plan:
    document = read_model(item["path"])
    document.update(item["extra"])
    facts.append(document)
events = []
execute(facts, ExecuteOptions(progress=lambda event: events.append(dataclasses.asdict(event))))
json.dump({"facts": facts, "events": events, "tensorflow_imported": "tensorflow" in sys.modules}, sys.stdout)
"""


@pytest.fixture(scope="module")
def main_run() -> Json:
    need_tensorflow()
    items = [{"name": n, "path": str(MODELS / n), "extra": {}} for n in [*NOT_APPLICABLE, *BREAKS, *OTHERS]]
    items.append(
        {
            "name": "refused",
            "path": str(MODELS / "tf2-feature-vector"),
            "extra": {"security": {"dangerous_ops": [DANGER]}},
        }
    )
    done = subprocess.run(
        [sys.executable, "-c", MAIN_RUN],
        input=json.dumps(items),
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    output = json.loads(done.stdout)
    output["by_name"] = {item["name"]: facts for item, facts in zip(items, output["facts"], strict=True)}
    output["names"] = [item["name"] for item in items]
    return output


def probes_of(run: Json, name: str) -> Json:
    probes: Json = run["by_name"][name]["probes"]
    return probes


def statuses(probes: Json) -> dict[str, str]:
    return {name: result["status"] for name, result in probes["results"].items()}


def test_the_parent_never_imports_tensorflow_and_one_worker_serves_every_model(main_run: Json) -> None:
    assert main_run["tensorflow_imported"] is False
    kinds = [event["kind"] for event in main_run["events"]]
    assert kinds.count("worker-started") == 1
    finished = {event["index"]: event["status"] for event in main_run["events"] if event["kind"] == "model-finished"}
    assert len(finished) == len(main_run["names"])


def test_probes_follow_their_schema_and_are_strict_json(main_run: Json) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads((REPO / "speclint" / "execute" / "probes.schema.json").read_text())
    validator = jsonschema.Draft202012Validator(schema)
    for name in main_run["names"]:
        probes = probes_of(main_run, name)
        errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(probes)]
        assert not errors, (name, errors)
        json.dumps(probes, allow_nan=False)


@pytest.mark.parametrize("name", sorted(NOT_APPLICABLE))
def test_conforming_models_pass_every_probe_that_applies(main_run: Json, name: str) -> None:
    probes = probes_of(main_run, name)
    assert probes["status"] == "ok" and probes["message"] is None and probes["reason"] is None
    assert probes["limits"] == [] and probes["limits_summary"] is None
    assert probes["device"] == "CPU:0" or probes["device"] == "GPU:0"
    assert probes["tensorflow_version"] and probes["image_size"] == [32, 32]
    expected = {p: "skipped" if p in NOT_APPLICABLE[name] else "pass" for p in PROBES}
    assert statuses(probes) == expected, {p: r["summary"] for p, r in probes["results"].items()}
    results = probes["results"]
    assert results["determinism"]["max_abs_diff"] <= 1e-6
    assert results["batch_independence"]["max_abs_diff"] <= 1e-4
    assert [m["output_shape"][0] for m in results["batch_sizes"]["measured"]] == [1, 2, 7]
    assert all(v["nan"] == 0 and v["inf"] == 0 for v in results["finite_outputs"]["inputs"].values())
    assert results["throughput"]["images_per_second"] > 0 and results["throughput"]["batch"] == 32


def test_the_training_argument_and_fine_tuning_are_exercised(main_run: Json) -> None:
    probes = probes_of(main_run, "tf2-classifier-training")
    assert probes["primary"] == "__call__(images, training=False)"
    checks = probes["results"]["declared_output"]["checks"]
    assert [c["where"] for c in checks] == [
        "__call__(images, training=False)",
        "__call__(images)",
        "__call__(images, training=True)",
    ]
    assert all(c["runtime"] == {"dtype": "DT_FLOAT", "shape": [2, 5]} and c["matches"] for c in checks)
    tuning = probes["results"]["fine_tuning"]
    assert (
        tuning["call"] == tuning["where"] == "__call__(images, training=True)" and tuning["training_argument"] is True
    )
    assert tuning["trainable_variables"] == tuning["nonzero_gradients"] == 4
    [loss] = tuning["regularization_losses"]
    assert loss["shape"] == [] and loss["finite"] is True and loss["value"] > 0


def test_tf1_hub_runs_the_default_and_the_named_signature(main_run: Json) -> None:
    probes = probes_of(main_run, "tf1-hub-classifier")
    assert probes["primary"] == "tag-set [] signature_def['default']" and probes["task"] == "classification"
    checks = probes["results"]["declared_output"]["checks"]
    assert [c["where"] for c in checks] == [
        "tag-set [] signature_def['default']",
        "tag-set [] signature_def['image_classification']",
    ]
    assert probes["results"]["logits"]["looks_like_probabilities"] is False


def test_free_input_size_gives_a_constant_width(main_run: Json) -> None:
    result = probes_of(main_run, "tf2-feature-vector-dynamic-size")["results"]["input_size_independence"]
    assert result["sizes"] == [[32, 32], [48, 48]] and result["output_shapes"] == [[2, 8], [2, 8]]


@pytest.mark.parametrize(("name", "probe"), sorted(BREAKS.items()))
def test_each_probe_fixture_breaks_exactly_its_probe(main_run: Json, name: str, probe: str) -> None:
    probes = probes_of(main_run, name)
    assert probes["status"] == "ok"
    broken = {p for p, status in statuses(probes).items() if status in ("fail", "error")}
    assert broken == {probe}, {p: r["summary"] for p, r in probes["results"].items()}


def test_nondeterministic_outputs_are_measured(main_run: Json) -> None:
    results = probes_of(main_run, "probe-nondeterministic")["results"]
    assert results["determinism"]["max_abs_diff"] >= 1.0  # the counter adds at least 1 per call
    assert results["determinism"]["batch"] == 7
    assert "differ by up to" in results["determinism"]["summary"]
    assert results["batch_independence"]["status"] == "skipped"  # meaningless across calls then


def test_batch_dependence_is_measured(main_run: Json) -> None:
    results = probes_of(main_run, "probe-batch-dependent")["results"]
    independence = results["batch_independence"]
    assert independence["rows_differing"] == 7 and independence["max_abs_diff"] > 1e-3
    assert results["determinism"]["max_abs_diff"] == 0.0


def test_nan_on_black_is_measured(main_run: Json) -> None:
    inputs = probes_of(main_run, "probe-nan-on-black")["results"]["finite_outputs"]["inputs"]
    assert inputs["black"] == {"finite": False, "values": 8, "nan": 8, "inf": 0, "error": None}
    assert inputs["white"]["finite"] is True and inputs["random"]["finite"] is True


def test_width_following_the_input_is_measured(main_run: Json) -> None:
    results = probes_of(main_run, "probe-width-follows-input")["results"]
    assert results["input_size_independence"]["output_shapes"] == [[2, 8], [2, 18]]
    assert results["declared_output"]["status"] == "pass"  # (2, 8) at the probed 32x32


def test_hidden_softmax_is_measured(main_run: Json) -> None:
    logits = probes_of(main_run, "probe-hidden-softmax")["results"]["logits"]
    assert logits["looks_like_probabilities"] is True
    assert logits["rows"] == logits["rows_in_unit_interval"] == logits["rows_summing_to_one"] == 9
    assert logits["max_abs_sum_minus_one"] < 1e-4


def test_a_model_that_does_not_load_says_why_in_one_line(main_run: Json) -> None:
    """Loading fails, and the message says why: the checkpoint the static stage found incomplete."""
    for name, rule, missing in (
        ("checkpoint-no-variables", "SL011", "no variables/ directory"),
        ("checkpoint-missing-shard", "SL010", "variables.data-00000-of-00002"),
    ):
        probes = probes_of(main_run, name)
        assert probes["status"] == "error" and probes["reason"] == "load-failed" and probes["results"] == {}
        message = probes["message"]
        assert (
            message.startswith("loading failed: ") and missing in message and f"(see {rule}); TensorFlow: " in message
        )
        assert "\n" not in message and "Traceback" not in message and len(message) <= 500
        assert probes["explained_by"] == rule  # one cause, one finding: the static rule, not SL700 again
        codes = {f.code for f in RuleSet().check(main_run["by_name"][name]).findings}
        assert rule in codes and "SL700" not in codes


def test_a_model_whose_call_cannot_take_images_is_loaded_then_skipped_with_its_reason(main_run: Json) -> None:
    for name, reason, words in (
        ("keras3-export", "no-call", "no __call__"),
        ("tf2-input-uint8", "input", "DT_UINT8"),
    ):
        probes = probes_of(main_run, name)
        assert probes["status"] == "skipped" and probes["reason"] == reason and probes["results"] == {}
        assert (
            probes["message"].startswith("loaded with tf.saved_model.load, not probed: ") and words in probes["message"]
        )
        assert probes["timings"]["load_s"] > 0  # it really was loaded
    unreadable = probes_of(main_run, "broken-truncated")
    assert unreadable["status"] == "skipped" and unreadable["reason"] == "unreadable" and unreadable["device"] is None


def test_an_input_of_unknown_shape_is_probed_at_a_default_size(main_run: Json) -> None:
    probes = probes_of(main_run, "tf2-input-unknown-shape")
    assert probes["status"] == "ok" and probes["image_size"] == [32, 32]
    ruleset = RuleSet()
    codes = {f.code for f in ruleset.check(main_run["by_name"]["tf2-input-unknown-shape"]).findings}
    assert "SL115" in codes and not {c for c in codes if c.startswith("SL7")}


def test_a_model_expecting_0_255_is_found_by_the_input_range(main_run: Json) -> None:
    for name in ("probe-keras-rescaling-after-resizing", "probe-tf1-rescale-late"):
        probe = probes_of(main_run, name)["results"]["input_range"]
        assert probe["blind_to_unit_range"] is True, (name, probe["summary"])
        assert probe["unit_spread"] < 0.01 * probe["output_scale"] < probe["scaled_spread"] / 10
    conforming = probes_of(main_run, "probe-keras-resizing")["results"]["input_range"]
    assert conforming["blind_to_unit_range"] is False and conforming["unit_spread"] > 0.1 * conforming["output_scale"]


def test_an_unregistered_op_is_refused_before_loading(main_run: Json) -> None:
    probes = probes_of(main_run, "sec-custom-op")  # a custom op needs native code: SL601 refuses it (issue 9)
    assert probes["status"] == "refused"
    assert "ops no TensorFlow registers (SpeclintNotARealOp at " in probes["message"]


def test_a_dangerous_op_is_refused_and_never_sent_to_the_worker(main_run: Json) -> None:
    probes = probes_of(main_run, "refused")
    assert probes["status"] == "refused" and probes["results"] == {} and probes["device"] is None
    assert "ReadFile" in probes["message"] and "--allow-unsafe" in probes["message"]
    index = main_run["names"].index("refused")
    assert not any(e["kind"] == "model-started" and e["index"] == index for e in main_run["events"])


def test_per_model_overhead_is_far_below_a_second(main_run: Json) -> None:
    for name in main_run["names"]:
        timings = probes_of(main_run, name)["timings"]
        if timings["wall_s"] is None or timings["probes_s"] is None:
            continue
        overhead = timings["wall_s"] - timings["load_s"] - timings["probes_s"]
        assert 0 <= overhead < 1.0, (name, timings)


def test_every_probe_rule_fires_on_its_failing_example_and_not_on_its_passing_one(main_run: Json) -> None:
    ruleset = RuleSet()
    codes = {name: {f.code for f in ruleset.check(main_run["by_name"][name]).findings} for name in main_run["names"]}
    rule_files = sorted((schemas_dir() / "rules").glob("SL7*.json"))
    assert len(rule_files) == 15
    for path in rule_files:
        rule = json.loads(path.read_text())
        if rule["code"] == LIMIT_RULE:
            continue
        examples = rule["examples"]
        assert rule["code"] in codes[examples["fail"]], (rule["code"], examples["fail"], codes[examples["fail"]])
        assert rule["code"] not in codes[examples["pass"]], (rule["code"], examples["pass"])
    for name in NOT_APPLICABLE:
        assert not {c for c in codes[name] if c.startswith("SL7")} - INFO_ONLY, (name, codes[name])
    for name, probe in BREAKS.items():
        assert {c for c in codes[name] if c.startswith("SL7")} - INFO_ONLY == {_code_of(probe)}, (name, codes[name])


def test_probe_findings_say_what_was_measured(main_run: Json) -> None:
    ruleset = RuleSet()
    findings = {f.code: f for f in ruleset.check(main_run["by_name"]["probe-nondeterministic"]).findings}
    message = findings["SL704"].message
    assert message.startswith("__call__(images): two calls on the same (7, 32, 32, 3) batch differ by up to ")
    assert "should not perform dropout" in message
    refused = {f.code: f for f in ruleset.check(main_run["by_name"]["refused"]).findings}
    assert refused["SL700"].message.startswith("execution: refused to execute:")
    softmax = {f.code: f for f in ruleset.check(main_run["by_name"]["probe-hidden-softmax"]).findings}
    assert softmax["SL707"].severity == "warning" and "logits" in softmax["SL707"].message


def _code_of(probe: str) -> str:
    for path in (schemas_dir() / "rules").glob("SL7*.json"):
        rule = json.loads(path.read_text())
        if rule["target"] == f"/probes/results/{probe}":
            return str(rule["code"])
    raise AssertionError(probe)


# --- failure modes: each kills the worker; the next model gets a fresh one -----------------------


def _facts(name: str, **extra: Any) -> Json:
    facts = copy.deepcopy(read_model(str(MODELS / name)))
    facts.update(extra)
    return facts


def test_a_crashing_worker_costs_one_model_and_the_next_runs() -> None:
    """A segfault (SIGSEGV sent while model 0 runs) is recorded; model 1 runs on a new worker.

    Model 1 also holds a dangerous op: with allow_unsafe it is executed anyway.
    """
    need_tensorflow()
    pids: list[int] = []
    events: list[ProgressEvent] = []

    def progress(event: ProgressEvent) -> None:
        events.append(event)
        if event.kind == "worker-started" and event.pid is not None:
            pids.append(event.pid)
        if event.kind == "model-started" and event.index == 0:
            os.kill(pids[-1], signal.SIGSEGV)

    facts = [_facts("tf2-feature-vector"), _facts("tf2-feature-vector", security={"dangerous_ops": [DANGER]})]
    execute(facts, ExecuteOptions(allow_unsafe=True, progress=progress))
    crashed, survivor = facts[0]["probes"], facts[1]["probes"]
    assert crashed["status"] == "crashed" and "SIGSEGV" in crashed["message"] and "\n" not in crashed["message"]
    assert crashed["results"] == {} and crashed["tensorflow_version"]
    assert survivor["status"] == "ok" and survivor["timings"]["worker_start_s"] > 0
    assert len(pids) == 2 and pids[0] != pids[1]


def test_a_model_past_the_timeout_is_stopped() -> None:
    need_tensorflow()
    facts = [_facts("tf2-feature-vector")]
    execute(facts, ExecuteOptions(timeout_s=0.001))
    probes = facts[0]["probes"]
    assert probes["status"] == "timeout" and probes["reason"] == "limit" and probes["results"] == {}
    assert probes["message"] == (
        "stopped: loading the model and its first call did not finish within --probe-timeout 0.001 s; "
        "rerun with --probe-timeout 0.002 or more to probe the model"
    )
    assert [entry["kind"] for entry in probes["limits"]] == ["time"]
    assert probes["timings"]["wall_s"] < 5


def test_a_model_past_the_memory_limit_is_stopped() -> None:
    need_tensorflow()
    facts = [_facts("tf2-feature-vector")]
    execute(facts, ExecuteOptions(memory_limit_mb=1))
    probes = facts[0]["probes"]
    assert probes["status"] == "out_of_memory" and probes["reason"] == "limit"
    assert "above --memory-limit 1 MiB (TensorFlow itself used " in probes["message"]
    assert "rerun with --memory-limit" in probes["message"]
    assert probes["memory"]["limit_mb"] == 1
    codes = {f.code for f in RuleSet().check(facts[0]).findings}
    assert "SL714" in codes and "SL700" not in codes  # speclint's limit, not the model's failure


def test_a_probe_past_the_memory_limit_costs_only_that_probe() -> None:
    """The issue's case: a fine-tuning step needs more than --memory-limit. probe-memory-hungry's
    regularization loss (evaluated by fine_tuning and by hub.KerasLayer) and its __call__ on more
    than 16 images allocate 1 GB: under --memory-limit 1500 those probes are stopped, a fresh
    worker runs the rest, throughput is measured at 16 instead of 32, and every other result stands."""
    need_tensorflow()
    facts = [_facts("probe-memory-hungry")]
    events: list[ProgressEvent] = []
    execute(facts, ExecuteOptions(memory_limit_mb=1500, progress=events.append))
    probes = facts[0]["probes"]
    assert probes["status"] == "ok" and probes["reason"] == "limit"
    results = probes["results"]
    limited = {name for name, r in results.items() if r.get("skip_reason") == "limit"}
    assert "fine_tuning" in limited and limited <= {"fine_tuning", "keras_layer", "keras_fine_tuning"}
    for name in limited:
        assert results[name]["limit"]["option"] == "--memory-limit" and results[name]["limit"]["reached_mb"] > 1500
        assert "rerun with --memory-limit 3072 or more" in results[name]["summary"]
    expected = {name: "pass" for name in PROBES if name not in limited}
    expected["input_size_independence"] = "skipped"  # 32x32 fixed
    if "keras_layer" in limited:
        expected["keras_fine_tuning"] = "skipped"  # its model could not be built (see keras_layer)
    assert {n: r["status"] for n, r in results.items() if n not in limited} == expected
    throughput = results["throughput"]
    assert throughput["batch"] == 16 and throughput["requested_batch"] == 32
    assert throughput["reduced"].startswith("a batch of 32 went past --memory-limit 1500 MiB")
    assert [e.kind for e in events].count("worker-started") >= 3
    ruleset = RuleSet()
    findings = {f.code: f for f in ruleset.check(facts[0]).findings}
    assert set(findings) == {"SL714"}, {c: f.message for c, f in findings.items()}
    assert findings["SL714"].message.startswith("execution: the fine_tuning probe reached ")


def test_asking_for_a_gpu_without_one_is_a_one_line_error() -> None:
    need_tensorflow()
    facts = [_facts("tf1-hub-feature-vector")]
    try:
        execute(facts, ExecuteOptions(device="gpu"))
    except SpeclintError as error:
        assert "--device gpu" in str(error) and "speclint[execute-gpu]" in str(error) and "\n" not in str(error)
    else:  # a machine with a GPU and a GPU build of TensorFlow
        assert facts[0]["probes"]["device"] == "GPU:0"


def test_progress_events_are_plain_data() -> None:
    event = ProgressEvent("model-finished", index=1, total=2, path="m", status="ok", seconds=0.5)
    assert dataclasses.asdict(event)["status"] == "ok"
