"""What speclint's own limits stopped, worded for the report: what it needed, which limit, how to raise it.

A model is loaded and probed under ``--probe-timeout`` (loading, and each probe on its own)
and ``--memory-limit`` (the worker's resident memory). Going past one says nothing about the
model: the fine-tuning step of a large super-resolution model may well need 6 GiB. So the
stage that went past it gets a ``limits`` entry instead of a verdict, the other probes'
results stand, and rule SL714 tells the reviewer which check did not run and how to run it.
Plain data, no TensorFlow: the parent builds these from what its watchdog saw.
"""

from __future__ import annotations

import math

from speclint.execute.options import ExecuteOptions
from speclint.vocabulary import Json

LOAD = "load"  # the stage before the probes: loading the model and its first call
KINDS = ("memory", "time", "machine-memory")


def stage_name(stage: str) -> str:
    return "loading the model and its first call" if stage == LOAD else f"the {stage} probe"


def limit_entry(
    stage: str,
    kind: str,
    options: ExecuteOptions,
    *,
    reached_mb: float | None = None,
    before_mb: float | None = None,
    detail: str | None = None,
) -> Json:
    """One ``probes["limits"]`` item: the stage, the limit it went past, and a one-line summary."""
    what = stage_name(stage)
    if kind == "time":
        seconds = options.timeout_s
        summary = (
            f"{what} did not finish within --probe-timeout {seconds:g} s"
            + (" (each probe has its own)" if stage != LOAD else "")
            + f"; rerun with --probe-timeout {2 * seconds:g} or more to {_goal(stage)}"
        )
        return _entry(stage, kind, "--probe-timeout", seconds, "s", None, before_mb, summary)
    if kind == "memory":
        limit = options.memory_limit_mb
        reached = f"reached {reached_mb:,.0f} MiB of resident memory" if reached_mb else "went past it"
        if not before_mb:
            held = ""
        elif stage == LOAD:
            held = f" (TensorFlow itself used {before_mb:,.0f} MiB)"
        else:
            held = f" (the loaded model held {before_mb:,.0f} MiB before it)"
        summary = (
            f"{what} {reached}, above --memory-limit {limit} MiB{held}; "
            f"rerun with --memory-limit {suggested_memory(limit, reached_mb)} or more to {_goal(stage)}"
        )
        return _entry(stage, kind, "--memory-limit", limit, "MiB", reached_mb, before_mb, summary)
    at = f" at {reached_mb:,.0f} MiB resident" if reached_mb else ""
    summary = (
        f"{what} ran out of this machine's memory: TensorFlow could not allocate more{at} "
        f"({detail or 'std::bad_alloc'}); run speclint on a machine with more memory to {_goal(stage)}"
    )
    return _entry(stage, "machine-memory", None, None, "MiB", reached_mb, before_mb, summary)


def _entry(
    stage: str,
    kind: str,
    option: str | None,
    value: float | None,
    unit: str,
    reached_mb: float | None,
    before_mb: float | None,
    summary: str,
) -> Json:
    return {
        "stage": stage,
        "kind": kind,
        "option": option,
        "limit": value,
        "unit": unit,
        "reached_mb": None if reached_mb is None else round(reached_mb, 1),
        "before_mb": None if before_mb is None else round(before_mb, 1),
        "summary": summary,
    }


def _goal(stage: str) -> str:
    return "probe the model" if stage == LOAD else "run it"


def suggested_memory(limit_mb: int, reached_mb: float | None) -> int:
    """Twice the limit, or more when it was overshot by more, rounded up to a whole GiB."""
    wanted = max(2 * limit_mb, 1.5 * (reached_mb or 0))
    return int(math.ceil(wanted / 1024) * 1024)


def probe_result(entry: Json, where: str, seconds: float) -> Json:
    """The result of a probe that a limit stopped: skipped, for a reason that is not the model's."""
    return {
        "where": where,
        "status": "skipped",
        "summary": f"not measured: {entry['summary']}",
        "skip_reason": "limit",
        "limit": entry,
        "seconds": round(seconds, 6),
    }


def summary(limits: list[Json]) -> str | None:
    """One line for the whole model: every stage a limit stopped (SL714's ``found``)."""
    if not limits:
        return None
    return "; ".join(entry["summary"] for entry in limits)
