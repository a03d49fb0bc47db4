"""speclint/settings.py: the config file and an entry point's overrides merged once, every value checked in
the entry point's own words (``--jobs`` on the command line, ``jobs`` in the API)."""

from __future__ import annotations

from pathlib import Path

import pytest

from speclint.config import PerPath
from speclint.errors import SpeclintError
from speclint.settings import API_WORDS, MB, Overrides, Selection, default_jobs, merge

CONFIG = """[tool.speclint]
profile = "tf2-image"
fail-level = "info"
ignore = ["SL125"]
read-timeout = 7.5

[[tool.speclint.per-path]]
path = "models/legacy/*"
profile = "tf1-image"
ignore = ["SL112"]

[[tool.speclint.per-path]]
path = "models/legacy/old"
select = ["SL1"]
claims = "docs/old.md"
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "pyproject.toml").write_text(CONFIG, encoding="utf-8")
    (tmp_path / "models" / "legacy" / "old").mkdir(parents=True)
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "old.md").write_text("# Module a/b/1\n", encoding="utf-8")
    return tmp_path


def test_the_file_s_values_and_the_overrides_on_top(project: Path) -> None:
    settings = merge(Overrides(ignore=["SL600"], jobs=1, memory_budget_mb=64), [str(project / "models")])
    assert settings.config_source == str(project / "pyproject.toml")
    assert (settings.fail_level, settings.seconds, settings.jobs, settings.memory_budget) == ("info", 7.5, 1, 64 * MB)
    assert settings.selection.profile == "tf2-image" and settings.selection.ignore == ["SL125", "SL600"]
    override = merge(Overrides(fail_level="error", read_timeout=3), [str(project)])
    assert (override.fail_level, override.seconds) == ("error", 3)


def test_per_path_entries_apply_in_order_the_last_one_winning(project: Path) -> None:
    selection = merge(Overrides(), [str(project)]).selection
    old, other = project / "models" / "legacy" / "old", project / "models" / "new"
    assert selection.for_model(str(old)) == ("tf1-image", ["SL1"], ["SL125", "SL112"])
    assert selection.for_model(str(other)) == ("tf2-image", ["ALL"], ["SL125"])
    assert (
        selection.claims_for(str(old)) == str(project / "docs" / "old.md") and selection.claims_for(str(other)) is None
    )
    assert selection.unmatched([str(other)]) == list(selection.per_path)
    assert selection.unmatched([str(old)]) == []


def test_an_explicit_profile_applies_everywhere(project: Path) -> None:
    selection = merge(Overrides(profile="tf2-image-classification"), [str(project)]).selection
    assert selection.for_model(str(project / "models" / "legacy" / "old"))[0] == "tf2-image-classification"


def test_no_config_file_when_asked(project: Path) -> None:
    settings = merge(Overrides(use_config=False), [str(project)])
    assert settings.config_source is None and settings.selection.ignore == [] and settings.fail_level != "info"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (Overrides(fail_level="fatal"), "--fail-level must be one of info, warning, error, not 'fatal'"),
        (Overrides(fail_level="fatal", words=API_WORDS), "fail_level must be one of info, warning, error, not 'fatal'"),
        (Overrides(jobs=0), "--jobs"),
        (Overrides(memory_budget_mb=-1, words=API_WORDS), "memory_budget_mb"),
        (Overrides(read_timeout=0), "--read-timeout"),
        (Overrides(max_file_size=0), "--max-file-size"),
    ],
)
def test_a_bad_value_is_named_in_the_entry_point_s_words(tmp_path: Path, overrides: Overrides, message: str) -> None:
    with pytest.raises(SpeclintError) as error:
        merge(overrides._replace(use_config=False), [str(tmp_path)])
    assert str(error.value).startswith(message) and "\n" not in str(error.value)


def test_more_jobs_than_cores_is_capped_with_a_note(tmp_path: Path) -> None:
    settings = merge(Overrides(use_config=False, jobs=default_jobs() + 3), [str(tmp_path)])
    assert settings.jobs == default_jobs()
    cores = default_jobs()
    assert settings.notes == [f"--jobs {cores + 3} is more than the {cores} CPUs this process may use; using {cores}"]


def test_the_command_line_claims_file_wins_over_per_path() -> None:
    selection = Selection("auto", [], [], [PerPath("*", claims="b.md")], "/", claims="a.md")
    assert selection.claims_for("/m") == "a.md"
