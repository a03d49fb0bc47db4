"""speclint/project.py: every link speclint prints is built from one project URL, which a fork can change."""

from __future__ import annotations

import pytest

from speclint.project import DEFAULT_PROJECT_URL, project_url, rule_page_url
from speclint.version import __version__


def test_rule_pages_link_the_released_tag(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SPECLINT_PROJECT_URL", raising=False)
    assert project_url() == DEFAULT_PROJECT_URL
    assert rule_page_url("SL112") == f"{DEFAULT_PROJECT_URL}/blob/v{__version__}/docs/rules/SL112.md"
    assert rule_page_url("SL600", "9.9.9").endswith("/blob/v9.9.9/docs/rules/SL600.md")


@pytest.mark.parametrize("value", ["https://git.example.org/fork/speclint/", "https://git.example.org/fork/speclint"])
def test_a_fork_sets_its_own_url(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("SPECLINT_PROJECT_URL", value)
    assert rule_page_url("SL112", "1.0.0") == "https://git.example.org/fork/speclint/blob/v1.0.0/docs/rules/SL112.md"


def test_an_empty_setting_keeps_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SPECLINT_PROJECT_URL", "")
    assert project_url() == DEFAULT_PROJECT_URL
