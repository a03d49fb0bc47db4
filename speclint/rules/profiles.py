"""Profiles: which rules a model is held to, and how ``auto`` picks one from the evidence.

The reader lists what the model's structure shows about its task (``task_evidence``: a TF1
signature named for its task, a Softmax or Sigmoid making the output, a global pool, the
outputs of a detector...). ``auto`` follows it and says what it followed. A model that
shows neither task, or both, or another one (object detection, dense prediction such as
segmentation or style transfer, several outputs) is held to the rules both tasks share
(``tf1-image``, ``tf2-image``): its image input, its output and the API are still judged,
but no task-only rule (a named task signature, logits) makes errors on a guess.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from speclint.errors import SpeclintError
from speclint.rules.declared import declared_profile
from speclint.vocabulary import TF1_HUB, TF2, is_tf1

PROFILE_NAMES = (
    "tf1-image-feature-vector",
    "tf1-image-classification",
    "tf1-image",
    "tf2-image-feature-vector",
    "tf2-image-classification",
    "tf2-image",
)
PROBABILITY_OPS = frozenset({"Softmax", "Sigmoid"})
TASK_PROFILES = {"classification": "image-classification", "feature-vector": "image-feature-vector"}
OTHER_TASKS = {
    "detection": "object detection",
    "dense-prediction": "dense prediction",
    "multi-output": "several outputs",
}


class Choice(NamedTuple):
    """The profile a model is checked against (None: only the gate rules), and why.

    Whether the model is an image model at all is the gate rule SL002's call, not this one's.
    """

    profile: str | None
    reason: str


def require_known(profile: str) -> None:
    """A one-line error for a profile name that is neither ``auto`` nor a known one."""
    if profile != "auto" and profile not in PROFILE_NAMES:
        raise SpeclintError(f"unknown profile {profile!r} (choose auto or one of {', '.join(PROFILE_NAMES)})")


def choose(facts: dict[str, Any], requested: str) -> Choice:
    if requested != "auto":
        require_known(requested)
        return Choice(requested, "chosen by configuration")
    if not facts["meta_graphs"]:
        return Choice(None, "auto: the model could not be read")
    declared = declared_profile(facts)  # the publisher's task line wins over the evidence (issue 26)
    if declared is not None:
        return Choice(*declared)
    model_format = facts["format"]
    if is_tf1(model_format):
        kind = "TF1 Hub module" if model_format == TF1_HUB else "TF1 SavedModel"
        family, what = "tf1", f"{kind} taking a 4-D image batch"
    elif model_format == TF2:
        family, what = "tf2", "TF2 SavedModel taking a 4-D image batch"
    else:
        return Choice(None, f"auto: format {model_format} is not an image-model format")
    return _by_evidence(family, what, facts.get("task_evidence") or [])


def _by_evidence(family: str, what: str, evidence: list[dict[str, Any]]) -> Choice:
    declared = [e for e in evidence if e.get("declared")]
    if declared:  # a TF1 signature named for its task is the publisher's own word; classification first
        task = min(e["task"] for e in declared)
        return _task_choice(family, what, task, [e for e in declared if e["task"] == task])
    others = [e for e in evidence if e["task"] in OTHER_TASKS]
    if others:
        return Choice(
            f"{family}-image",
            f"auto: {what}; {OTHER_TASKS[others[0]['task']]} ({_first(others)}), not one of the spec's two tasks, "
            "so only the rules both image tasks share are checked",
        )
    tasks = sorted({e["task"] for e in evidence if e["task"] in TASK_PROFILES})
    if len(tasks) == 1:
        return _task_choice(family, what, tasks[0], [e for e in evidence if e["task"] == tasks[0]])
    if tasks:
        shown = "; ".join(f"{task}: {_first([e for e in evidence if e['task'] == task])}" for task in tasks)
        doubt = f"the evidence points both ways ({shown})"
    else:
        doubt = "its structure does not show its task (no task signature, no softmax, sigmoid or global pool output)"
    return Choice(f"{family}-image", f"auto: {what}; {doubt}, so only the rules both image tasks share are checked")


def _task_choice(family: str, what: str, task: str, evidence: list[dict[str, Any]]) -> Choice:
    words = TASK_PROFILES[task].replace("-", " ")
    return Choice(f"{family}-{TASK_PROFILES[task]}", f"auto: {what}; {words}: {_first(evidence)}")


def _first(evidence: list[dict[str, Any]]) -> str:
    return str(evidence[0]["evidence"])
