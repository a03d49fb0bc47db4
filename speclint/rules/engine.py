"""Apply rules to a facts document: resolve each target, test it, word each failure.

The engine knows nothing about protobuf or TensorFlow. A rule is data: a target in the
facts, an optional ``when`` schema choosing the targets it applies to, and the ``schema``
each of them must satisfy.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from typing import Any

from speclint.project import rule_page_url
from speclint.rules.rule import Finding, G, Rule
from speclint.rules.validator import Validator, compile_schema
from speclint.rules.wording import namer, redact_function_numbers, value_words


class CompiledRule:
    """A rule with its schemas compiled once per run."""

    def __init__(self, rule: Rule) -> None:
        self.rule = rule
        self.check = compile_schema(rule.schema)
        self.applies: Validator | None = compile_schema(rule.when) if rule.when is not None else None

    def findings(self, facts: dict[str, Any]) -> Iterator[Finding]:
        """One finding per failing target; ``group`` then merges those of one root cause."""
        rule = self.rule
        reword = None
        spec_url = rule.spec_for(facts.get("format")).url
        url = rule_page_url(rule.code) if rule.builtin else spec_url
        for pointer, target, where in resolve_with_where(facts, rule.target):
            if self.applies is not None and not self.applies.is_valid(target):
                continue
            if self.check.is_valid(target):
                continue
            reword = reword or namer(facts)
            found = value_words(get(target, rule.found)) if rule.found is not None else ""
            if rule.cause:
                cause = "\0".join(value_words(get(target, pointer)) for pointer in rule.cause)
            else:
                cause = _format(rule.cause_template, where="", found=found)
            cause = redact_function_numbers(cause)
            yield Finding(
                path=str(facts["path"]),
                code=rule.code,
                where=reword(where),
                name=rule.name,
                severity=rule.severity,
                message=reword(_format(rule.message, where=where, found=found)),
                pointer=pointer,
                spec_url=spec_url,
                fix=rule.fix,
                url=url,
                cause=cause,
                fingerprint=fingerprint(rule.code, cause),
            )


def fingerprint(code: str, cause: str) -> str:
    """The same for the same root cause of the same rule, whatever TensorFlow numbered its
    functions this time; the model it is in is the baseline's business, not the hash's."""
    return hashlib.sha256(f"{code}\0{cause}".encode("utf-8", "surrogatepass")).hexdigest()[:16]


def group(findings: list[G]) -> list[G]:
    """One finding per (model, rule, cause), with the locations of all in their order (lint
    findings, and the change findings of ``speclint diff``)."""
    merged: dict[tuple[str, str, str], list[G]] = {}
    for finding in findings:
        merged.setdefault((finding.path, finding.code, finding.cause), []).append(finding)
    grouped = []
    for same in merged.values():
        # a dict keeps the first occurrence of each location in order; a list's ``in`` made a
        # model with 200,000 places of one cause take minutes
        locations = dict.fromkeys(location for finding in same for location in finding.all_locations)
        grouped.append(same[0]._replace(locations=tuple(locations)))
    return grouped


def resolve(document: Any, pointer: str) -> Iterator[tuple[str, Any]]:
    """Every (concrete pointer, value) a target pointer names; ``*`` matches every item."""
    for concrete, value, _ in resolve_with_where(document, pointer):
        yield concrete, value


def resolve_with_where(document: Any, pointer: str) -> Iterator[tuple[str, Any, str]]:
    """Like ``resolve``, with the nearest ``where`` of the target or its ancestors."""
    parts = [p.replace("~1", "/").replace("~0", "~") for p in pointer.split("/")[1:]] if pointer else []
    yield from _resolve(document, parts, "", "model")


def _resolve(value: Any, parts: list[str], prefix: str, where: str) -> Iterator[tuple[str, Any, str]]:
    if isinstance(value, dict) and isinstance(value.get("where"), str):
        where = value["where"]
    if not parts:
        yield prefix or "", value, where
        return
    head, rest = parts[0], parts[1:]
    if head == "*":
        if isinstance(value, list):
            items: list[tuple[str, Any]] = [(str(i), v) for i, v in enumerate(value)]
        elif isinstance(value, dict):
            items = list(value.items())
        else:
            return
        for key, item in items:
            yield from _resolve(item, rest, f"{prefix}/{_escape(key)}", where)
        return
    if isinstance(value, dict) and head in value:
        yield from _resolve(value[head], rest, f"{prefix}/{_escape(head)}", where)
    elif isinstance(value, list) and head.isdigit() and int(head) < len(value):
        yield from _resolve(value[int(head)], rest, f"{prefix}/{head}", where)


def get(value: Any, pointer: str) -> Any:
    """The value at a relative pointer, or None when it is absent."""
    for _, found in resolve(value, pointer):
        return found
    return None


def _escape(key: str) -> str:
    return key.replace("~", "~0").replace("/", "~1")


def _format(template: str, **values: str) -> str:
    """Fill ``{where}``/``{found}`` in one pass, so a ``{found}`` inside a model's name stays text."""
    return re.sub(r"\{(\w+)\}", lambda match: values.get(match.group(1), match.group(0)), template)
