"""Compare two contract views into a list of deltas: plain facts about what changed.

A delta says *what* differs (``kind``, ``where``, ``old``, ``new`` and a few qualifiers such
as ``side`` or ``direction``); whether that breaks anyone is the change rules' business
(``schemas/changes``). Deltas are in a stable order so reports are deterministic.
"""

from __future__ import annotations

from typing import Any

from speclint.diff.view import FINE_TUNING_ATTRIBUTES, Json

# Lint codes whose regressions already have a precise delta (new dangerous/unknown op).
COVERED_LINT_CODES = frozenset({"SL600", "SL601"})


def delta(kind: str, where: str, old: Any, new: Any, **extra: Any) -> Json:
    return {"kind": kind, "where": where, "old": old, "new": new, **extra}


def compare(old: Json, new: Json) -> list[Json]:
    """Every delta between the OLD and NEW contract views."""
    found: list[Json] = []
    if old["format"] != new["format"]:
        found.append(delta("format-changed", "model", old["format"], new["format"]))
    if old["task"] and new["task"] and old["task"]["task"] != new["task"]["task"]:  # both known, with evidence
        found.append(
            delta(
                "task-changed",
                "model",
                old["task"]["task"],
                new["task"]["task"],
                old_evidence=old["task"]["evidence"],
                new_evidence=new["task"]["evidence"],
            )
        )
    if old["image_size"] and new["image_size"] and _size(old["image_size"]) != _size(new["image_size"]):
        where = new["image_size"]["where"]
        found.append(delta("image-size-changed", where, _size(old["image_size"]), _size(new["image_size"])))
    if old["family"] == new["family"]:
        found += _same_family(old, new)
    elif old["main"] and new["main"]:
        where = f"{old['main']['where']} -> {new['main']['where']}"
        found += _entry(old["main"], new["main"], where, structure=False)  # dict-of-outputs vs tensor by design
    for op in sorted(set(new["dangerous_ops"]) - set(old["dangerous_ops"])):
        found.append(delta("dangerous-op-added", "graph", None, op, op=op))
    for op in sorted(set(new["unknown_ops"]) - set(old["unknown_ops"])):
        found.append(delta("unknown-op-added", "graph", None, op, op=op))
    return found


def _size(size: Json) -> list[int]:
    return [size["height"], size["width"]]


def _same_family(old: Json, new: Json) -> list[Json]:
    found: list[Json] = []
    removed_tags = [t for t in old["tag_sets"] if t not in new["tag_sets"]]
    for tags in removed_tags:
        found.append(delta("tag-set-removed", f"tag-set {tags}", tags, None))
    for key, signature in old["signatures"].items():
        if signature["tags"] in removed_tags:
            continue
        if key not in new["signatures"]:
            found.append(delta("signature-removed", key, signature["name"], None))
            continue
        found += _signature(signature, new["signatures"][key], key)
    for key, signature in new["signatures"].items():
        if key not in old["signatures"]:
            found.append(delta("signature-added", key, None, signature["name"]))
    if old["call"] is not None:
        if new["call"] is None:
            found.append(delta("call-removed", "`__call__`", "`__call__`", None))
        else:
            for key, call in old["call"].items():
                if key in new["call"]:
                    found += _entry(call, new["call"][key], key)
    if old["training_argument"] and not new["training_argument"] and new["call"] is not None:
        found.append(delta("training-argument-removed", "`__call__`", "training", None))
    for name in FINE_TUNING_ATTRIBUTES:
        if old["attributes"].get(name) and not new["attributes"].get(name):
            found.append(delta("attribute-removed", "root object", name, None, attribute=name))
    return found


def _signature(old: Json, new: Json, where: str) -> list[Json]:
    found: list[Json] = []
    for side, plural in (("input", "inputs"), ("output", "outputs")):
        mine, theirs = old[plural], new[plural]
        removed = [k for k in mine if k not in theirs]
        added = [k for k in theirs if k not in mine]
        for key in removed:
            if len(removed) == 1 and len(added) == 1 and theirs[added[0]] == mine[key]:  # never a scan per key
                found.append(delta("key-renamed", where, key, added[0], side=side))
                added.clear()
            else:
                found.append(delta("key-removed", where, key, None, side=side))
        for key in added:
            found.append(delta("key-added", where, None, key, side=side))
        for key in mine:
            if key in theirs:
                found += _tensor(mine[key], theirs[key], where, side, key, images=side == "input" and key == "images")
    return found


def _entry(old: Json, new: Json, where: str, structure: bool = True) -> list[Json]:
    """One entry point (``__call__`` variant, or the main entry across formats)."""
    found: list[Json] = []
    if structure and old["output_structure"] != new["output_structure"] and old["output"] is not None:
        found.append(delta("output-structure-changed", where, old["output_structure"], new["output_structure"]))
    for side, key, name in (("input", "images", "images"), ("output", "output", "output")):
        if old[key] is not None and new[key] is not None:
            found += _tensor(old[key], new[key], where, side, name, images=side == "input")
    return found


def _tensor(old: Json | None, new: Json | None, where: str, side: str, key: str, images: bool) -> list[Json]:
    if old is None or new is None:
        return []
    found: list[Json] = []
    if old["dtype"] != new["dtype"]:
        found.append(delta("dtype-changed", where, old["dtype"], new["dtype"], side=side, key=key))
    old_shape, new_shape = old["shape"], new["shape"]
    skip: set[int] = set()
    if isinstance(old_shape, list) and isinstance(new_shape, list) and len(old_shape) == len(new_shape):
        if images and len(old_shape) == 4:
            skip = {i for i in (1, 2) if old_shape[i] > 0 and new_shape[i] > 0}  # the image size's business
        if side == "output" and old_shape and old_shape[-1] > 0 and new_shape[-1] > 0:
            skip.add(len(old_shape) - 1)
            if old_shape[-1] != new_shape[-1]:
                found.append(delta("output-width-changed", where, old_shape[-1], new_shape[-1], side=side, key=key))
    direction = shape_direction(old_shape, new_shape, skip)
    if direction is not None:
        found.append(delta("shape-changed", where, old_shape, new_shape, side=side, key=key, direction=direction))
    return found


def shape_direction(old: list[int] | None, new: list[int] | None, skip: set[int] | None = None) -> str | None:
    """``relaxed`` (a fixed size became -1), ``narrowed`` (-1 became fixed), ``changed``, or None.

    ``changed`` (another rank, another fixed size) beats ``narrowed``, which beats ``relaxed``.
    """
    if old == new:
        return None
    if old is None:
        return "narrowed"
    if new is None:
        return "relaxed"
    if len(old) != len(new):
        return "changed"
    seen: set[str] = set()
    for index, (before, after) in enumerate(zip(old, new, strict=True)):
        if before == after or index in (skip or set()):
            continue
        if before < 0 <= after:
            seen.add("narrowed")
        elif after < 0 <= before:
            seen.add("relaxed")
        else:
            seen.add("changed")
    return next((d for d in ("changed", "narrowed", "relaxed") if d in seen), None)


def lint_regressions(old_findings: list[Any], new_findings: list[Any], old_codes: set[str]) -> list[Json]:
    """Lint rules that ran on OLD without a finding and fail on NEW (keyed by code, not location:
    locations carry TensorFlow's per-save function numbers)."""
    from speclint.rules.wording import redact_function_numbers as redact  # per-save numbers are not part of a change

    failed_before = {f.code for f in old_findings}
    first: dict[str, Any] = {}
    for finding in new_findings:
        first.setdefault(finding.code, finding)
    found = []
    for code, finding in sorted(first.items()):
        if code in failed_before or code not in old_codes or code in COVERED_LINT_CODES:
            continue
        found.append(
            delta(
                "lint-regression",
                redact(finding.where),
                "passed",
                "fails",
                code=code,
                lint_severity=finding.severity,
                lint_name=finding.name,
                lint_message=redact(finding.message),
                places=[redact(place.where) for place in finding.all_locations],
            )
        )
    return found
