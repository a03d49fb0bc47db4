"""The documentation site builds strictly, and its generated references say what the code does.

``mkdocs build --strict`` with mkdocs.yml's ``validation`` fails on a broken link or anchor and on
a page left out of the navigation; the hooks (``scripts/docs_hooks.py``) generate the command-line
and configuration references from the parser and ``speclint.config`` at build time.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType, SimpleNamespace

import pytest

from tests.conftest import REPO, need


def _hooks() -> ModuleType:
    spec = importlib.util.spec_from_file_location("docs_hooks", REPO / "scripts" / "docs_hooks.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    for module in ("mkdocs", "material", "mkdocstrings_handlers.python"):
        need(importlib.util.find_spec(module.split(".")[0]) is not None, f"{module} is not installed (docs extra)")
    out = tmp_path_factory.mktemp("site")
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(out)],
        capture_output=True,
        text=True,
        cwd=REPO,
        env=env,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    assert "WARNING" not in result.stderr, result.stderr[-4000:]
    return out


def test_the_site_builds_strictly_with_every_page(site: Path) -> None:
    docs = REPO / "docs"
    for page in docs.rglob("*.md"):
        relative = page.relative_to(docs)
        built = relative.parent if relative.stem in ("index", "README") else relative.with_suffix("")
        assert (site / built / "index.html").is_file(), f"{relative} is not on the site"
    assert (site / "changelog" / "index.html").is_file()


def test_generated_parts_are_filled_in(site: Path) -> None:
    cli = (site / "cli" / "index.html").read_text(encoding="utf-8")
    assert 'id="speclint-check"' in cli and "--fail-level" in cli
    config = (site / "configuration" / "index.html").read_text(encoding="utf-8")
    assert "respect-gitignore" in config and "<!-- generated" not in config
    home = (site / "index.html").read_text(encoding="utf-8")
    assert "SL112 error" in home, "the example report was not run"
    api = (site / "python-api" / "index.html").read_text(encoding="utf-8")
    assert "iter_lint" in api and "max_file_size" in api, "mkdocstrings rendered no signature"


def test_cli_reference_lists_every_option_of_every_command() -> None:
    hooks = _hooks()
    text = hooks.cli_reference()
    parser = hooks.build_parser()
    commands = list(hooks._subcommands(parser))
    assert {name for name, _, _ in commands} == {"check", "show", "rules", "rule", "diff", "fix", "completion"}
    for name, _, sub in commands:
        assert f"## `speclint {name}`" in text
        for action in sub._actions:
            for option in action.option_strings:
                if option not in ("-h", "--help"):
                    assert f"`{option}" in text, f"speclint {name} {option} is missing from the CLI reference"


def test_config_reference_names_every_key_and_refuses_an_undescribed_one(monkeypatch: pytest.MonkeyPatch) -> None:
    import speclint.config

    hooks = _hooks()
    text = hooks.config_reference()
    for key in speclint.config.TOP_KEYS:
        assert f"| `{key}` |" in text
    for key in speclint.config.PER_PATH_KEYS:
        assert f"| `{key}` |" in text
    assert '`"warning"`' in text and "`1073741824` (1 GiB)" in text  # defaults from the code
    monkeypatch.setattr(speclint.config, "TOP_KEYS", {*speclint.config.TOP_KEYS, "new-key"})
    with pytest.raises(ValueError, match="new-key"):
        hooks.config_reference()


def test_an_unknown_generated_part_stops_the_build() -> None:
    page = SimpleNamespace(file=SimpleNamespace(src_path="cli.md"))
    with pytest.raises(ValueError, match="unknown generated part"):
        _hooks().on_page_markdown("# x\n\n<!-- generated: cli-referense -->\n", page, {}, None)


def test_spec_quotes_with_brackets_stay_text_and_code_stays_untouched() -> None:
    brackets = _hooks().literal_brackets
    markdown = '> outputs["default"][i, c] in `x[0][1]`\n\n```json\n[[1], [2]][0]\n```\n'
    assert brackets(markdown) == '> outputs["default"]\\[i, c] in `x[0][1]`\n\n```json\n[[1], [2]][0]\n```\n'
