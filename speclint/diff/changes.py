"""Change rules: load ``schemas/changes/*.json`` (checked against ``change.schema.json``) and
judge deltas with them.

Like the lint rules, a change rule is data: the delta kind it judges, an optional JSON Schema
narrowing which deltas of that kind it takes (``when``), a severity and a message. Every delta
must be judged by exactly one rule; a delta no rule takes is a bug in speclint, not a pass.
"""

from __future__ import annotations

import os
from typing import Any, NamedTuple

from speclint.errors import SpeclintError
from speclint.project import project_url
from speclint.read.hub import format_shape
from speclint.rules import validator
from speclint.rules.engine import group
from speclint.rules.language import change_texts, localize_ref
from speclint.rules.loader import load_json, schemas_path
from speclint.rules.model import Location, SpecRef
from speclint.rules.validator import Validator
from speclint.rules.wording import redact_function_numbers
from speclint.version import __version__

CHANGE_SEVERITIES = ("info", "warning", "breaking")  # ascending


def change_rank(severity: str) -> int:
    return CHANGE_SEVERITIES.index(severity)


class ChangeRule(NamedTuple):
    code: str
    name: str
    severity: str
    category: str
    since: str
    summary: str
    delta: str
    message: str
    why: str
    fix: str
    spec: tuple[SpecRef, ...]
    example: str
    when: dict[str, Any] | None = None
    source: str = ""

    def spec_for(self, model_format: str | None) -> SpecRef:
        wanted = "tf2" if model_format == "tf2" else "tf1"
        return next((ref for ref in self.spec if ref.document == wanted), self.spec[0])


class ChangeFinding(NamedTuple):
    """One change between the two versions of one model: one root cause, with every place it
    shows (issue 11's rule for lint findings, applied to changes). ``where``/``message`` are
    those of the first place. Field order is the sort order."""

    path: str
    code: str
    where: str
    name: str
    severity: str
    category: str
    message: str
    spec_url: str
    fix: str
    url: str = ""  # the change rule's page, docs/changes/SCxxx.md
    cause: str = ""  # the delta without its place: the same values, key and side
    locations: tuple[Location, ...] = ()

    @property
    def all_locations(self) -> tuple[Location, ...]:
        return self.locations or (Location(self.where, ""),)

    def to_json(self) -> dict[str, Any]:
        data = self._asdict()
        data.pop("cause")
        data["locations"] = [{"where": place.where} for place in self.all_locations]
        return dict(data)


def changes_dir() -> str:
    return os.path.join(schemas_path(), "changes")


def load_change_rules() -> dict[str, ChangeRule]:
    """Every change rule, keyed by code; a broken rule file is a fatal error (exit 2)."""
    base = schemas_path()
    check_file = validator.compile_schema(load_json(os.path.join(base, "change.schema.json")))
    rules: dict[str, ChangeRule] = {}
    directory = changes_dir()
    for name in sorted(os.listdir(directory)):
        if not name.endswith(".json"):
            continue
        path = os.path.join(directory, name)
        data = load_json(path)
        problem = check_file.first_error(data)
        if problem:
            raise SpeclintError(f"{path}: invalid change rule file: {problem}")
        if "when" in data:
            try:
                validator.compile_schema(data["when"])
            except ValueError as exc:
                raise SpeclintError(f"{path}: invalid JSON Schema in 'when': {exc}") from None
        if data["code"] in rules:
            raise SpeclintError(f"{path}: change code {data['code']} is already used by {rules[data['code']].source}")
        rules[data["code"]] = ChangeRule(
            code=data["code"],
            name=data["name"],
            severity=data["severity"],
            category=data["category"],
            since=data["since"],
            summary=data["summary"],
            delta=data["delta"],
            message=data["message"],
            why=data["why"],
            fix=data["fix"],
            spec=tuple(SpecRef(**ref) for ref in data["spec"]),
            example=data["example"],
            when=data.get("when"),
            source=path,
        )
    return rules


class ChangeEngine:
    """The change rules of one run, with their ``when`` schemas compiled once."""

    def __init__(self, rules: dict[str, ChangeRule] | None = None, language: str = "en") -> None:
        self.rules = rules if rules is not None else load_change_rules()
        self.language = language  # messages and fixes in the reader's language; causes stay English
        self._by_kind: dict[str, list[tuple[ChangeRule, Validator | None]]] = {}
        for rule in self.rules.values():
            compiled = validator.compile_schema(rule.when) if rule.when is not None else None
            self._by_kind.setdefault(rule.delta, []).append((rule, compiled))

    def rule_for(self, delta: dict[str, Any]) -> ChangeRule:
        matching = [r for r, when in self._by_kind.get(delta["kind"], []) if when is None or when.is_valid(delta)]
        if len(matching) != 1:
            codes = ", ".join(r.code for r in matching) or "none"
            raise SpeclintError(f"delta {delta['kind']!r} at {delta['where']!r} is judged by {codes}, not by one rule")
        return matching[0]

    def judge(self, path: str, deltas: list[dict[str, Any]], model_format: str | None) -> list[ChangeFinding]:
        """One finding per (rule, cause): a change seen in several tag-sets, signatures or
        ``__call__`` traces is one finding that keeps every place."""
        findings = []
        for item in deltas:
            rule = self.rule_for(item)
            words = change_texts(rule.code, self.language)
            findings.append(
                ChangeFinding(
                    path=path,
                    code=rule.code,
                    where=safe(str(item["where"])),
                    name=rule.name,
                    severity=rule.severity,
                    category=rule.category,
                    message=render(words.get("message", rule.message), item),
                    spec_url=localize_ref(rule.spec_for(model_format), self.language).url,
                    fix=words.get("fix", rule.fix),
                    url=change_page_url(rule.code),
                    cause=cause_of(rule.message, item),
                    locations=tuple(Location(safe(str(place)), "") for place in item.get("places", ())),
                )
            )
        return group(sorted(set(findings)))


def change_page_url(code: str, version: str = __version__) -> str:
    """``docs/changes/<CODE>.md`` at the released tag, as lint findings link ``docs/rules``."""
    return f"{project_url()}/blob/v{version}/docs/changes/{code}.md"


def cause_of(template: str, item: dict[str, Any]) -> str:
    """What makes two deltas one change: the rule's message without the place (the same values,
    key and side: what the reader is told), free of the function numbers TensorFlow gives each
    save. Lint rules without ``cause`` pointers group the same way (``engine.CompiledRule``)."""
    return redact_function_numbers(render(template, {**item, "where": ""}))


def safe(text: str) -> str:
    """Model strings are data: control and other unprintable characters are shown escaped."""
    return "".join(ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii") for ch in text)


def show(value: Any) -> str:
    """A delta value in TensorFlow's words: shapes as (-1, 224, 224, 3), none for nothing."""
    if value is None:
        return "none"
    if isinstance(value, list) and all(isinstance(v, int) and not isinstance(v, bool) for v in value):
        return format_shape(value)
    if isinstance(value, bool):
        return str(value).lower()
    return safe(str(value))


def render(template: str, values: dict[str, Any]) -> str:
    text = template
    for key, value in values.items():
        text = text.replace("{" + key + "}", show(value))
    return text
