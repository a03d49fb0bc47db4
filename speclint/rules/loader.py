"""Load rule files and profiles from ``schemas/`` (and user rule packs), checking each one.

A rule file that does not match ``rule.schema.json``, whose ``schema`` is not a valid
JSON Schema, or whose code is already taken is a fatal error: a silently skipped rule
would pass every model it was meant to fail.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from speclint.errors import SpeclintError
from speclint.rules import validator
from speclint.rules.model import Rule, SpecRef


def schemas_dir() -> Path:
    """``schemas/`` of a source checkout, or the copy installed as ``speclint/_schemas``."""
    package = Path(__file__).resolve().parent.parent
    for candidate in (package / "_schemas", package.parent / "schemas"):
        if (candidate / "rule.schema.json").is_file():
            return candidate
    raise SpeclintError(f"cannot find speclint's schemas/ directory next to {package}")


def load_json(path: Path) -> Any:
    try:
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)
    except OSError as exc:
        raise SpeclintError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise SpeclintError(f"{path}: not valid JSON: {exc}") from None


def load_rules(extra_dirs: list[str] | None = None) -> dict[str, Rule]:
    """Every built-in rule plus the rule packs in ``extra_dirs``, keyed by code."""
    base = schemas_dir()
    check_rule_file = validator.compile_schema(load_json(base / "rule.schema.json"))
    rules: dict[str, Rule] = {}
    for directory in [base / "rules", *(Path(d) for d in extra_dirs or [])]:
        if not directory.is_dir():
            raise SpeclintError(f"{directory}: rule directory not found")
        for path in sorted(directory.glob("*.json")):
            rule = _load_rule(path, check_rule_file)
            if rule.code in rules:
                raise SpeclintError(f"{path}: rule code {rule.code} is already used by {rules[rule.code].source}")
            rules[rule.code] = rule
    return rules


def _load_rule(path: Path, check_rule_file: validator.Validator) -> Rule:
    data = load_json(path)
    problem = check_rule_file.first_error(data)
    if problem:
        raise SpeclintError(f"{path}: invalid rule file: {problem}")
    for key in ("schema", "when"):
        if key in data:
            try:
                validator.compile_schema(data[key])
            except ValueError as exc:
                raise SpeclintError(f"{path}: invalid JSON Schema in {key!r}: {exc}") from None
    return Rule(
        code=data["code"],
        name=data["name"],
        severity=data["severity"],
        since=data["since"],
        summary=data["summary"],
        message=data["message"],
        why=data["why"],
        spec=tuple(SpecRef(**ref) for ref in data["spec"]),
        target=data["target"],
        schema=data["schema"],
        when=data.get("when"),
        found=data.get("found"),
        examples=data.get("examples", {}),
        gate=data.get("gate", False),
        source=os.fspath(path),
    )


def load_profiles() -> dict[str, dict[str, Any]]:
    directory = schemas_dir() / "profiles"
    return {path.stem: load_json(path) for path in sorted(directory.glob("*.json"))}
