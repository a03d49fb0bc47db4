"""Rule codes are never reused: each is recorded in CHANGELOG.md, and retired ones stay retired."""

from __future__ import annotations

import json
import re

from speclint import __version__
from speclint.rules.loader import schemas_dir
from tests.conftest import REPO


def _sections() -> dict[str, str]:
    text = (REPO / "CHANGELOG.md").read_text()
    parts = re.split(r"^## ", text, flags=re.M)[1:]
    return {part.split("\n", 1)[0].split(" ")[0]: part for part in parts}


def test_every_rule_is_recorded_under_its_since_version() -> None:
    sections = _sections()
    for path in sorted((schemas_dir() / "rules").glob("*.json")):
        rule = json.loads(path.read_text())
        section = sections.get(rule["since"])
        assert section is not None, f"CHANGELOG.md has no section for {rule['since']} ({rule['code']})"
        added = re.search(r"^Rules added: (.*)$", section, flags=re.M)
        assert added and rule["code"] in added.group(1).split(), f"{rule['code']} missing from {rule['since']}"


def test_retired_codes_are_not_reused() -> None:
    retired = set(re.findall(r"\b[A-Z]{2,8}\d{3}\b", _sections()["Retired"]))
    live = {json.loads(p.read_text())["code"] for p in (schemas_dir() / "rules").glob("*.json")}
    assert retired.isdisjoint(live)


def test_package_version_has_a_changelog_entry() -> None:
    assert __version__ in _sections()
