"""Apply rules to a facts document: resolve each target, test it, word each failure.

The engine knows nothing about protobuf or TensorFlow. A rule is data: a target in the
facts, an optional ``when`` schema choosing the targets it applies to, and the ``schema``
each of them must satisfy.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from speclint.rules.model import Finding, Rule
from speclint.rules.validator import Validator, compile_schema
from speclint.vocabulary import format_shape


class CompiledRule:
    """A rule with its schemas compiled once per run."""

    def __init__(self, rule: Rule) -> None:
        self.rule = rule
        self.check = compile_schema(rule.schema)
        self.applies: Validator | None = compile_schema(rule.when) if rule.when is not None else None

    def findings(self, facts: dict[str, Any]) -> Iterator[Finding]:
        rule = self.rule
        for pointer, target, where in resolve_with_where(facts, rule.target):
            if self.applies is not None and not self.applies.is_valid(target):
                continue
            if self.check.is_valid(target):
                continue
            found = _show(get(target, rule.found)) if rule.found is not None else ""
            yield Finding(
                path=str(facts["path"]),
                code=rule.code,
                where=where,
                name=rule.name,
                severity=rule.severity,
                message=_format(rule.message, where=where, found=found),
                pointer=pointer,
                spec_url=rule.spec_for(facts.get("format")).url,
            )


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


def _show(value: Any) -> str:
    """A found value in TensorFlow's words: shapes as (-1, 224, 224, 3), lists joined."""
    if value is None:
        return "none"
    if isinstance(value, list) and all(isinstance(v, int) and not isinstance(v, bool) for v in value):
        return format_shape(value)
    if isinstance(value, list):
        return ", ".join(_show(v) for v in value) if value else "none"
    if isinstance(value, dict):
        return json.dumps(value, sort_keys=True)
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)


def _format(template: str, **values: str) -> str:
    text = template
    for key, value in values.items():
        text = text.replace("{" + key + "}", value)
    return text
