"""speclint/rules/loader.py: built-in rules and user rule packs, every mistake in a pack a one-line error.

The packs are real rule files in ``tmp_path``, made from a shipped rule with a new code.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from speclint.errors import SpeclintError
from speclint.rules.loader import load_json, load_profiles, load_rules, schemas_dir
from speclint.rules.profiles import PROFILE_NAMES

SHIPPED = schemas_dir() / "rules" / "SL112-images-input-dtype.json"


def pack(tmp_path: Path, **changes: Any) -> Path:
    """A rule pack holding one rule: SL112's file under the code ACME100, with ``changes``."""
    data = {**json.loads(SHIPPED.read_text(encoding="utf-8")), "code": "ACME100", **changes}
    data = {key: value for key, value in data.items() if value is not None}
    folder = tmp_path / "pack"
    folder.mkdir(exist_ok=True)
    (folder / "ACME100.json").write_text(json.dumps(data), encoding="utf-8")
    return folder


def test_the_built_in_rules_are_loaded_with_their_file() -> None:
    rules = load_rules()
    rule = rules["SL112"]
    assert rule.builtin and rule.source == str(SHIPPED) and rule.severity == "error" and rule.family == "input"
    assert [ref.document for ref in rule.spec] == ["tf1", "tf2"] and rule.spec[0].section == "#input"
    assert len(rules) == len(list((schemas_dir() / "rules").glob("*.json")))


def test_a_rule_pack_adds_its_rules_beside_the_built_in_ones(tmp_path: Path) -> None:
    rules = load_rules([str(pack(tmp_path))])
    assert "SL112" in rules and not rules["ACME100"].builtin
    assert rules["ACME100"].source == str(tmp_path / "pack" / "ACME100.json")


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"code": "SL112"}, "rule code SL112 is already used by "),
        ({"severity": "fatal"}, "invalid rule file: "),
        ({"fix": None}, "invalid rule file: "),
        ({"schema": {"type": "no-such-type"}}, "invalid JSON Schema in 'schema': "),
    ],
)
def test_a_broken_rule_in_a_pack_is_a_one_line_error_naming_the_file(
    tmp_path: Path, changes: dict[str, Any], message: str
) -> None:
    folder = pack(tmp_path, **changes)
    with pytest.raises(SpeclintError) as error:
        load_rules([str(folder)])
    assert str(error.value).startswith(f"{folder / 'ACME100.json'}: {message}") and "\n" not in str(error.value)


def test_a_missing_pack_and_a_file_that_is_not_json(tmp_path: Path) -> None:
    with pytest.raises(SpeclintError, match="rule directory not found"):
        load_rules([str(tmp_path / "nowhere")])
    (tmp_path / "bad.json").write_text("{", encoding="utf-8")
    with pytest.raises(SpeclintError, match=r"bad\.json: not valid JSON: "):
        load_json(tmp_path / "bad.json")
    with pytest.raises(SpeclintError, match=r"missing\.json: cannot read: "):
        load_json(tmp_path / "missing.json")


def test_every_profile_is_loaded_with_its_rules() -> None:
    profiles = load_profiles()
    assert sorted(profiles) == sorted(PROFILE_NAMES)
    assert all(profile["rules"] for profile in profiles.values())
