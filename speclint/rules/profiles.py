"""Profiles: which rules a model is held to, and how ``auto`` picks one from the facts."""

from __future__ import annotations

from typing import Any, NamedTuple

from speclint.errors import SpeclintError
from speclint.rules.declared import declared_profile
from speclint.vocabulary import TF2, is_tf1

PROFILE_NAMES = (
    "tf1-image-feature-vector",
    "tf1-image-classification",
    "tf2-image-feature-vector",
    "tf2-image-classification",
)
PROBABILITY_OPS = frozenset({"Softmax", "Sigmoid"})


class Choice(NamedTuple):
    """The profile a model is checked against (None: only the gate rules), and why.

    Whether the model is an image model at all is the gate rule SL002's call, not this one's.
    """

    profile: str | None
    reason: str


def require_known(profile: str) -> None:
    """A one-line error for a profile name that is neither ``auto`` nor one of the four."""
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
    entries = facts["entry_points"]
    model_format = facts["format"]
    if is_tf1(model_format):
        signatures = {e["signature"] for e in entries}
        if "image_classification" in signatures:
            return Choice("tf1-image-classification", "auto: TF1 Hub format with an image_classification signature")
        if "image_feature_vector" in signatures:
            return Choice("tf1-image-feature-vector", "auto: TF1 Hub format with an image_feature_vector signature")
        return _by_output("tf1", entries, "TF1 model taking a 4-D image batch")
    if model_format == TF2:
        return _by_output("tf2", entries, "TF2 SavedModel taking a 4-D image batch")
    return Choice(None, f"auto: format {model_format} is not an image-model format")


def _by_output(family: str, entries: list[dict[str, Any]], what: str) -> Choice:
    producers: set[str] = {str((e.get("output_producer") or {}).get("op")) for e in entries}
    if producers & PROBABILITY_OPS:
        op = sorted(producers & PROBABILITY_OPS)[0]
        return Choice(f"{family}-image-classification", f"auto: {what}; its output comes from {op}, so a classifier")
    return Choice(f"{family}-image-feature-vector", f"auto: {what}; no classification signature or softmax output")
