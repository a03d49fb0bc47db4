"""Load rule files and profiles from ``schemas/`` (and user rule packs), checking each one.

A rule file that does not match ``rule.schema.json``, whose ``schema`` is not a valid
JSON Schema, or whose code is already taken is a fatal error: a silently skipped rule
would pass every model it was meant to fail.
"""

from __future__ import annotations

import json
import os
from typing import TYPE_CHECKING, Any

from speclint.errors import SpeclintError
from speclint.rules import validator
from speclint.rules.rule import Rule, SpecRef

if TYPE_CHECKING:
    from pathlib import Path


def schemas_path() -> str:
    """``schemas/`` of a source checkout, or the copy installed as ``speclint/_schemas``.

    Plain ``os.path`` on the lint path: importing ``pathlib`` costs the hook several ms.
    """
    package = os.path.dirname(os.path.dirname(os.path.realpath(__file__)))
    for candidate in (os.path.join(package, "_schemas"), os.path.join(os.path.dirname(package), "schemas")):
        if os.path.isfile(os.path.join(candidate, "rule.schema.json")):
            return candidate
    raise SpeclintError(f"cannot find speclint's schemas/ directory next to {package}")


def schemas_dir() -> Path:
    """``schemas_path()`` as a ``Path``, for the docs generator, ``speclint rule`` and tests."""
    from pathlib import Path

    return Path(schemas_path())


def _json_files(directory: str) -> list[str]:
    return sorted(os.path.join(directory, n) for n in os.listdir(directory) if n.endswith(".json"))


def load_json(path: str | os.PathLike[str]) -> Any:
    try:
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)
    except OSError as exc:
        raise SpeclintError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise SpeclintError(f"{path}: not valid JSON: {exc}") from None


def load_rules(extra_dirs: list[str] | None = None) -> dict[str, Rule]:
    """Every built-in rule plus the rule packs in ``extra_dirs``, keyed by code."""
    base = schemas_path()
    check_rule_file = None  # compiled for the first user rule pack only
    rules: dict[str, Rule] = {}
    for directory in [os.path.join(base, "rules"), *(extra_dirs or [])]:
        if not os.path.isdir(directory):
            raise SpeclintError(f"{directory}: rule directory not found")
        builtin = directory == os.path.join(base, "rules")
        if not builtin and check_rule_file is None:
            check_rule_file = validator.compile_schema(load_json(os.path.join(base, "rule.schema.json")))
        for path in _json_files(directory):
            _add(rules, _load_rule(path, check_rule_file, strict=not builtin), "rule")
    return rules


def load_change_rules() -> dict[str, Rule]:
    """The change rules of ``speclint diff`` (``schemas/changes``), keyed by code: rules that judge
    a kind of delta between two versions (``Rule.delta``) rather than a target in the facts.

    Each file is checked against ``change.schema.json`` and its ``when`` compiled on every run:
    a broken change rule is a fatal error (exit 2), as a broken rule pack is.
    """
    base = schemas_path()
    check_file = validator.compile_schema(load_json(os.path.join(base, "change.schema.json")))
    rules: dict[str, Rule] = {}
    for path in _json_files(os.path.join(base, "changes")):
        data = load_json(path)
        _check(path, data, check_file, "change rule", meta_check=False)
        _add(rules, _rule(data, path, builtin=True), "change")
    return rules


def _add(rules: dict[str, Rule], rule: Rule, noun: str) -> None:
    if rule.code in rules:
        raise SpeclintError(f"{rule.source}: {noun} code {rule.code} is already used by {rules[rule.code].source}")
    rules[rule.code] = rule


def _load_rule(path: str, check_rule_file: validator.Validator | None, strict: bool) -> Rule:
    """One rule file, checked against the meta-schema.

    ``strict`` (user rule packs) checks the file against ``rule.schema.json`` and each schema
    against draft 2020-12's own meta-schema; the built-in rules, which ship with speclint, are
    checked that way by the test suite instead of on every run (three quarters of loading them).
    """
    data = load_json(path)
    if not strict or check_rule_file is None:  # built-in: tests/rules/test_rule_catalogue.py checks each
        return _rule(data, path, builtin=True)
    _check(path, data, check_rule_file, "rule", meta_check=True)
    return _rule(data, path, builtin=False)


def _check(path: str, data: Any, check_file: validator.Validator, kind: str, meta_check: bool) -> None:
    """``data`` matches its file's meta-schema, and its ``schema``/``when`` compile (and, with
    ``meta_check``, match draft 2020-12's own meta-schema)."""
    problem = check_file.first_error(data)
    if problem:
        raise SpeclintError(f"{path}: invalid {kind} file: {problem}")
    for key in ("schema", "when"):
        if key in data:
            try:
                if meta_check:
                    validator.check_schema(data[key])
                validator.compile_schema(data[key])
            except ValueError as exc:
                raise SpeclintError(f"{path}: invalid JSON Schema in {key!r}: {exc}") from None


def _rule(data: dict[str, Any], path: str, builtin: bool) -> Rule:
    """A lint rule's file, or a change rule's (``delta``, ``category``, ``example``)."""
    return Rule(
        code=data["code"],
        name=data["name"],
        severity=data["severity"],
        since=data["since"],
        summary=data["summary"],
        message=data["message"],
        why=data["why"],
        spec=tuple(SpecRef(**ref) for ref in data["spec"]),
        target=data.get("target", ""),
        schema=data.get("schema", {}),
        when=data.get("when"),
        found=data.get("found"),
        examples=data.get("examples") or ({"pair": data["example"]} if "example" in data else {}),
        gate=data.get("gate", False),
        source=os.fspath(path),
        family=data.get("family") or data.get("category", "custom"),
        stage="diff" if "delta" in data else data.get("stage", "static"),
        fix=data.get("fix", ""),
        cause=tuple(data.get("cause", ())),
        builtin=builtin,
        implied_by=tuple(data.get("implied_by", ())),
        delta=data.get("delta", ""),
    )


def load_profiles() -> dict[str, dict[str, Any]]:
    directory = os.path.join(schemas_path(), "profiles")
    return {os.path.basename(path)[: -len(".json")]: load_json(path) for path in _json_files(directory)}
