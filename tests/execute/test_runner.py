"""speclint/execute/runner.py, probe by probe: what the parent makes of a worker stopped in a stage (no TensorFlow).

A scripted worker stands in for the real one (``tests/execute/test_execute.py`` runs the real
one on ``probe-memory-hungry``): each attempt says how far it got and what stopped it, and
``runner.probe_model`` must keep every result measured before, give the stopped probe its own
result, resume with a fresh worker, and retry the information-only throughput probe smaller.
"""

from __future__ import annotations

from typing import Any

from speclint.execute.options import ExecuteOptions
from speclint.execute.plan import PROBE_NAMES, probes_record
from speclint.execute.runner import Attempt, Failure, probe_model
from speclint.rules.ruleset import RuleSet

Json = dict[str, Any]
OPTIONS = ExecuteOptions(memory_limit_mb=1500, timeout_s=30)
PRIMARY = "__call__(images)"


def passed(name: str) -> Json:
    return {"where": PRIMARY, "status": "pass", "summary": f"{name} passed", "seconds": 0.1}


def loaded() -> Json:
    record = probes_record("ok", device="CPU:0", tensorflow_version="2.x", primary=PRIMARY, image_size=[32, 32])
    record["timings"]["load_s"] = 0.5
    return record


def finished(results: dict[str, Json]) -> Json:
    record = loaded()
    record["results"] = {name: results[name] for name in PROBE_NAMES if name in results}
    record["timings"]["probes_s"] = 1.0
    return record


def stopped_in(probe: str, failure: Failure, before: list[str]) -> Attempt:
    """A worker that ran ``before`` (after the probes it was given as done), then was stopped in ``probe``."""
    return Attempt(
        loaded=loaded(),
        loaded_at=0.0,
        results={name: passed(name) for name in before},
        running=probe,
        before_mb=520.0,
        failure=failure,
        peak_mb=failure.reached_mb,
    )


class ScriptedWorker:
    def __init__(self, slot: ScriptedSlot) -> None:
        self.slot = slot
        self.ready = {"device": "CPU:0", "tensorflow_version": "2.x", "rss_mb": 500.0}

    def run(self, job: Json) -> Attempt:
        self.slot.jobs.append(job)
        attempt = self.slot.script.pop(0)
        if callable(attempt):
            return attempt(job)  # type: ignore[no-any-return]
        return attempt  # type: ignore[no-any-return]


class ScriptedSlot:
    def __init__(self, script: list[Any]) -> None:
        self.script = script
        self.jobs: list[Json] = []
        self.started = 0

    def get(self) -> ScriptedWorker:
        self.started += 1
        return ScriptedWorker(self)

    def drop(self) -> None:
        pass


def job() -> Json:
    return {"path": "m", "format": "tf2", "options": OPTIONS.job_options()}


def rest(job: Json) -> Attempt:
    """A worker that runs every probe it was not given as done, and finishes."""
    done = dict(job.get("done") or {})
    results = {name: done.get(name) or passed(name) for name in PROBE_NAMES}
    if "throughput" not in done:
        results["throughput"] = {**passed("throughput"), "batch": job["options"]["throughput_batch"]}
    return Attempt(record=finished(results), loaded=loaded())


def memory(reached: float = 1510.0) -> Failure:
    return Failure("out_of_memory", "stopped", kind="memory", reached_mb=reached)


def test_a_probe_past_the_memory_limit_costs_only_its_own_result() -> None:
    before = list(PROBE_NAMES[: PROBE_NAMES.index("fine_tuning")])
    slot = ScriptedSlot([stopped_in("fine_tuning", memory(), before), rest])
    record = probe_model(slot, job(), OPTIONS)  # type: ignore[arg-type]
    assert record["status"] == "ok" and record["reason"] == "limit"
    statuses = {name: r["status"] for name, r in record["results"].items()}
    assert list(statuses) == list(PROBE_NAMES)
    assert statuses["fine_tuning"] == "skipped" and {statuses[n] for n in PROBE_NAMES if n != "fine_tuning"} == {"pass"}
    tuning = record["results"]["fine_tuning"]
    assert tuning["skip_reason"] == "limit" and tuning["limit"]["option"] == "--memory-limit"
    assert tuning["summary"] == (
        "not measured: the fine_tuning probe reached 1,510 MiB of resident memory, above --memory-limit 1500 MiB "
        "(the loaded model held 520 MiB before it); rerun with --memory-limit 3072 or more to run it"
    )
    assert record["limits_summary"] == tuning["summary"].removeprefix("not measured: ")
    assert record["memory"]["peak_mb"] == 1510.0 and record["memory"]["limit_mb"] == 1500
    # the second worker was told what the first measured, and which call and size to use
    resumed = slot.jobs[1]
    assert set(resumed["done"]) == {*before, "fine_tuning"}
    assert resumed["resume"] == {"primary": PRIMARY, "image_size": [32, 32]}
    # the rules: SL714 (warning) says what did not run; the probe's own rule and SL700 stay silent
    facts = {"path": "m", "format": "tf2", "meta_graphs": [{}], "entry_points": [], "probes": record}
    codes = {f.code: f for f in RuleSet().check(facts, "tf2-image-feature-vector").findings}
    assert "SL714" in codes and codes["SL714"].severity == "warning"
    assert not {"SL700", "SL708"} & set(codes)


def test_a_probe_past_the_timeout_and_a_crash_in_a_probe() -> None:
    slot = ScriptedSlot(
        [
            stopped_in("batch_independence", Failure("timeout", "stopped", kind="time"), ["batch_sizes"]),
            stopped_in("logits", Failure("crashed", "the worker crashed with SIGSEGV"), []),
            rest,
        ]
    )
    record = probe_model(slot, job(), OPTIONS)  # type: ignore[arg-type]
    independence = record["results"]["batch_independence"]
    assert independence["skip_reason"] == "limit" and independence["limit"]["kind"] == "time"
    assert (
        "did not finish within --probe-timeout 30 s (each probe has its own); rerun with --probe-timeout 60"
        in (independence["summary"])
    )
    crashed = record["results"]["logits"]  # a crash is the probe's own failure: its rule reports it
    assert crashed["status"] == "error" and "SIGSEGV" in crashed["summary"] and "skip_reason" not in crashed
    assert [entry["stage"] for entry in record["limits"]] == ["batch_independence"]
    assert slot.started == 3


def test_the_throughput_probe_is_retried_at_half_its_batch_instead_of_failing() -> None:
    before = list(PROBE_NAMES[: PROBE_NAMES.index("throughput")])
    slot = ScriptedSlot([stopped_in("throughput", memory(1600.0), before), rest])
    record = probe_model(slot, job(), OPTIONS)  # type: ignore[arg-type]
    assert record["limits"] == [] and record["limits_summary"] is None and record["reason"] is None
    retried = slot.jobs[1]["options"]
    assert retried["throughput_batch"] == 16 and retried["throughput_requested"] == 32
    assert retried["throughput_stopped"] == ["a batch of 32 went past --memory-limit 1500 MiB at 1,600 MiB"]
    assert "throughput" not in slot.jobs[1]["done"] and record["results"]["throughput"]["batch"] == 16


def test_a_throughput_batch_that_cannot_shrink_further_is_a_limit() -> None:
    options = {**OPTIONS.job_options(), "throughput_batch": 7}
    slot = ScriptedSlot([stopped_in("throughput", memory(), []), rest])
    record = probe_model(slot, {**job(), "options": options}, OPTIONS)  # type: ignore[arg-type]
    assert record["results"]["throughput"]["skip_reason"] == "limit"


def test_a_model_stopped_while_loading_is_a_limit_and_a_crash_while_loading_is_sl700() -> None:
    slot = ScriptedSlot([Attempt(failure=memory(2000.0))])
    record = probe_model(slot, job(), OPTIONS)  # type: ignore[arg-type]
    assert record["status"] == "out_of_memory" and record["reason"] == "limit" and record["results"] == {}
    assert record["message"] == (
        "stopped: loading the model and its first call reached 2,000 MiB of resident memory, above --memory-limit "
        "1500 MiB (TensorFlow itself used 500 MiB); rerun with --memory-limit 3072 or more to probe the model"
    )
    facts = {"path": "m", "format": "tf2", "meta_graphs": [{}], "entry_points": [], "probes": record}
    codes = {f.code for f in RuleSet().check(facts, "tf2-image-feature-vector").findings}
    assert "SL714" in codes and "SL700" not in codes
    crash = probe_model(ScriptedSlot([Attempt(failure=Failure("crashed", "SIGSEGV"))]), job(), OPTIONS)  # type: ignore[arg-type]
    assert crash["status"] == "crashed" and crash["reason"] == "crashed" and crash["limits"] == []
    facts["probes"] = crash
    assert "SL700" in {f.code for f in RuleSet().check(facts, "tf2-image-feature-vector").findings}


def test_a_model_stopped_again_and_again_keeps_what_it_measured() -> None:
    slot = ScriptedSlot([stopped_in(name, memory(), []) for name in PROBE_NAMES[:7]])
    record = probe_model(slot, job(), OPTIONS)  # type: ignore[arg-type]
    assert slot.started == 6
    skipped = [r["summary"] for r in record["results"].values() if r.get("skip_reason") != "limit"]
    assert skipped and all(s == "not run: the worker was stopped 6 times on this model" for s in skipped)
    assert len(record["limits"]) == 6
