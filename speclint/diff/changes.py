"""Judge deltas with the change rules: ``schemas/changes/*.json``, loaded and checked by
``rules.loader.load_change_rules`` as ``Rule``s, each change reported as a lint ``Finding``.

Like the lint rules, a change rule is data: the delta kind it judges, an optional JSON Schema
narrowing which deltas of that kind it takes (``when``), a severity and a message. Every delta
must be judged by exactly one rule; a delta no rule takes is a bug in speclint, not a pass.
"""

from __future__ import annotations

from typing import Any

from speclint.errors import SpeclintError
from speclint.project import project_url
from speclint.rules import validator
from speclint.rules.engine import group
from speclint.rules.language import change_texts, localize_ref
from speclint.rules.loader import load_change_rules
from speclint.rules.rule import Finding, Location, Rule
from speclint.rules.validator import Validator
from speclint.rules.wording import redact_function_numbers
from speclint.safe_text import escape
from speclint.version import __version__
from speclint.vocabulary import format_shape


class ChangeEngine:
    """The change rules of one run (``rules.loader.load_change_rules``), with their ``when``
    schemas compiled once: each delta is judged by the one rule of its kind that takes it."""

    def __init__(self, rules: dict[str, Rule] | None = None, language: str = "en") -> None:
        self.rules = rules if rules is not None else load_change_rules()
        self.language = language  # messages and fixes in the reader's language; causes stay English
        self._by_kind: dict[str, list[tuple[Rule, Validator | None]]] = {}
        for rule in self.rules.values():
            compiled = validator.compile_schema(rule.when) if rule.when is not None else None
            self._by_kind.setdefault(rule.delta, []).append((rule, compiled))

    def rule_for(self, delta: dict[str, Any]) -> Rule:
        matching = [r for r, when in self._by_kind.get(delta["kind"], []) if when is None or when.is_valid(delta)]
        if len(matching) != 1:
            codes = ", ".join(r.code for r in matching) or "none"
            raise SpeclintError(f"delta {delta['kind']!r} at {delta['where']!r} is judged by {codes}, not by one rule")
        return matching[0]

    def judge(self, path: str, deltas: list[dict[str, Any]], model_format: str | None) -> list[Finding]:
        """One finding per (rule, cause): a change seen in several tag-sets, signatures or
        ``__call__`` traces is one finding that keeps every place (a change has no pointer)."""
        findings = []
        for item in deltas:
            rule = self.rule_for(item)
            words = change_texts(rule.code, self.language)
            findings.append(
                Finding(
                    path=path,
                    code=rule.code,
                    where=escape_change(item["where"]),
                    name=rule.name,
                    severity=rule.severity,
                    message=render(words.get("message", rule.message), item),
                    pointer="",
                    spec_url=localize_ref(rule.spec_for(model_format), self.language).url,
                    fix=words.get("fix", rule.fix),
                    url=change_page_url(rule.code),
                    cause=cause_of(rule.message, item),
                    locations=tuple(Location(escape_change(place), "") for place in item.get("places", ())),
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


def escape_change(text: object) -> str:
    """A model's string, or a version's label, in a change: ``safe_text.escape`` with the
    undecodable bytes of git's names shown as ``speclint diff`` shows them (``\\udc80``)."""
    return escape(text, surrogates_as_bytes=False)


def delta_words(value: Any) -> str:
    """A delta value in TensorFlow's words: shapes as (-1, 224, 224, 3), none for nothing."""
    if value is None:
        return "none"
    if isinstance(value, list) and all(isinstance(v, int) and not isinstance(v, bool) for v in value):
        return format_shape(value)
    if isinstance(value, bool):
        return str(value).lower()
    return escape_change(value)


def render(template: str, values: dict[str, Any]) -> str:
    text = template
    for key, value in values.items():
        text = text.replace("{" + key + "}", delta_words(value))
    return text
