"""The project's GitHub workflows and the Action (``action.yml``) are valid and safe to run.

GitHub shows a broken workflow only once it is pushed, and an unpinned or over-privileged one
never fails at all: here the workflows are checked against GitHub's schemas
(check-jsonschema's vendored copies, offline), audited by zizmor (offline, no finding, no
ignore comment honoured), and held to what pyproject.toml says the project supports.
"""

from __future__ import annotations

import importlib.util
import re
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from tests.conftest import REPO, need

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

WORKFLOWS = sorted((REPO / ".github" / "workflows").glob("*.yml"))
PINNED = re.compile(r"^\s*(?:-\s+)?uses:\s*(?P<action>[\w.-]+/[\w./-]+)@(?P<ref>\S+)(?:\s+#\s*(?P<comment>.*))?$")


def _tool(name: str) -> str:
    """The console script next to this interpreter (the test extra), else on PATH."""
    beside = Path(sys.executable).parent / name
    found = str(beside) if beside.exists() else shutil.which(name)
    need(found is not None, f"{name} is not installed (test extra)")
    assert found is not None
    return found


def _pyproject() -> dict[str, Any]:
    return tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))


def _yaml(path: Path) -> Any:
    need(importlib.util.find_spec("yaml") is not None, "PyYAML is not installed (test extra, through pre-commit)")
    import yaml

    return yaml.safe_load(path.read_text(encoding="utf-8"))


def test_there_are_workflows() -> None:
    assert {path.name for path in WORKFLOWS} >= {"ci.yml", "release.yml", "docs.yml"}


@pytest.mark.parametrize(
    ("schema", "files"),
    [
        ("vendor.github-workflows", WORKFLOWS),
        ("custom.github-workflows-require-timeout", WORKFLOWS),  # a hung job holds a runner for 6 h
        ("vendor.github-actions", [REPO / "action.yml"]),
        ("vendor.dependabot", [REPO / ".github" / "dependabot.yml"]),
    ],
)
def test_files_match_githubs_schema(schema: str, files: list[Path]) -> None:
    result = subprocess.run(
        [_tool("check-jsonschema"), "--builtin-schema", schema, *map(str, files)],
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_zizmor_finds_nothing() -> None:
    """Workflows, action.yml, dependabot.yml and the pre-commit hooks, as zizmor collects them."""
    result = subprocess.run(
        [_tool("zizmor"), "--offline", "--no-config", "--no-ignores", "--format", "plain", "."],
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "completed ./action.yml" in result.stderr and "completed ./.github/workflows/ci.yml" in result.stderr


def _pins(path: Path) -> dict[str, set[str]]:
    """Action -> the ``commit version`` pins it has in ``path``, each checked for form."""
    pins: dict[str, set[str]] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if "uses:" not in line or re.search(r"uses:\s*[$.]/", line):
            continue  # a local action or workflow
        found = PINNED.match(line)
        assert found, f"{path.name}:{number}: unexpected uses: line {line.strip()!r}"
        assert re.fullmatch(r"[0-9a-f]{40}", found["ref"]), f"{path.name}:{number}: not a full commit"
        assert re.fullmatch(r"v\d+\.\d+\.\d+", found["comment"] or ""), f"{path.name}:{number}: no '# vX.Y.Z'"
        pins.setdefault(found["action"], set()).add(f"{found['ref']} {found['comment']}")
    return pins


def test_every_action_is_pinned_to_a_commit_with_its_version() -> None:
    """zizmor wants a commit; a reader (and Dependabot) wants the version beside it; and one
    action at two commits in two workflows is an update done halfway. (The Action's own
    ``action.yml`` runs on its users' runners and moves on its own schedule.)"""
    assert _pins(REPO / "action.yml"), "action.yml uses no third-party action"
    workflows: dict[str, set[str]] = {}
    for path in WORKFLOWS:
        for action, pins in _pins(path).items():
            workflows.setdefault(action, set()).update(pins)
    assert workflows, "no third-party action found"
    assert {action: pins for action, pins in workflows.items() if len(pins) > 1} == {}


def test_ci_runs_every_python_and_the_protobuf_range_pyproject_promises() -> None:
    project = _pyproject()["project"]
    oldest = re.fullmatch(r">=3\.(\d+)", project["requires-python"])
    assert oldest, project["requires-python"]
    jobs = _yaml(REPO / ".github" / "workflows" / "ci.yml")["jobs"]
    pythons = set(jobs["static"]["strategy"]["matrix"]["python"])
    assert {f"3.{minor}" for minor in range(int(oldest[1]), 14)} <= pythons
    (protobuf,) = [d for d in project["dependencies"] if d.startswith("protobuf")]
    bounds = re.fullmatch(r"protobuf>=(\d+)\.(\d+),<(\d+)", protobuf)
    assert bounds, protobuf
    floor, below = f"{bounds[1]}.{bounds[2]}.0", int(bounds[3])
    newest = f"protobuf>={below - 1},<{below}"
    assert jobs["protobuf"]["strategy"]["matrix"]["protobuf"] == [f"protobuf=={floor}", newest]


def test_ci_runs_the_sanitizer_build_with_gcc_and_clang() -> None:
    """scripts/sanitize.sh (speclint/_wire.c under ASan and UBSan) once ran only by hand: both CI
    entry points run it with both compilers, `.ci/run` after README's test command."""
    jobs = _yaml(REPO / ".github" / "workflows" / "ci.yml")["jobs"]
    sanitizer = jobs["sanitizer"]
    assert sanitizer["strategy"]["matrix"]["cc"] == ["gcc", "clang"]
    (step,) = [step for step in sanitizer["steps"] if "scripts/sanitize.sh" in step.get("run", "")]
    assert step["env"]["CC"] == "${{ matrix.cc }}"
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    _, _, after = ci.partition('bash -euo pipefail -c "$command"')
    assert after and "for cc in gcc clang; do" in after
    assert 'PYTHON="$python" CC="$cc" scripts/sanitize.sh; then' in after
    assert "exit 1" in after.split("scripts/sanitize.sh; then", 1)[1].split("fi", 1)[0]


def test_release_installs_the_tool_versions_of_the_dist_extra() -> None:
    """The wheels CI publishes are built by the cibuildwheel, build and twine this checkout tests."""
    extra = _pyproject()["project"]["optional-dependencies"]["dist"]
    dist = {re.split(r"[=;]", d)[0].strip(): d.split(";")[0].strip() for d in extra}
    release = (REPO / ".github" / "workflows" / "release.yml").read_text(encoding="utf-8")
    installed = re.findall(r"'([\w-]+==[^']+)'", release)
    assert installed, "release.yml installs no pinned tool"
    for requirement in installed:
        name = requirement.split("==")[0]
        assert dist.get(name) == requirement, f"release.yml: {requirement}, pyproject's dist extra: {dist.get(name)}"


def _release_notes() -> ModuleType:
    spec = importlib.util.spec_from_file_location("release_notes", REPO / "scripts" / "release_notes.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _project(tmp_path: Path, version: str, package: str, changelog: str) -> Path:
    (tmp_path / "speclint").mkdir()
    (tmp_path / "pyproject.toml").write_text(f'[project]\nname = "speclint"\nversion = "{version}"\n')
    (tmp_path / "speclint" / "version.py").write_text(f'"""speclint."""\n\n__version__ = "{package}"\n')
    (tmp_path / "CHANGELOG.md").write_text(changelog)
    return tmp_path


CHANGELOG = (
    "# Changelog\n\n## 1.3.0 (unreleased)\n\n- next\n\n"
    "## 1.2.0 (2027-02-01)\n\n- `fix`: better.\n\n## 1.1.0 (2027-01-01)\n\n- old\n"
)


def test_release_notes_are_the_dated_changelog_section_of_the_tagged_version(tmp_path: Path) -> None:
    notes = _release_notes()
    problems, text = notes.problems_and_notes("v1.2.0", _project(tmp_path, "1.2.0", "1.2.0", CHANGELOG))
    assert problems == []
    assert text == "- `fix`: better.\n"


@pytest.mark.parametrize(
    ("tag", "version", "package", "expected"),
    [
        ("v1.2.1", "1.2.0", "1.2.0", "tag 'v1.2.1' does not match the version in pyproject.toml (1.2.0)"),
        ("1.2.0", "1.2.0", "1.2.0", "tag '1.2.0' does not match"),
        ("v1.2.0", "1.2.0", "1.1.0", "speclint/version.py says __version__ = '1.1.0'"),
        ("v1.3.0", "1.3.0", "1.3.0", "the 1.3.0 section is marked (unreleased), not dated"),
        ("v1.4.0", "1.4.0", "1.4.0", "CHANGELOG.md has no '## 1.4.0 (YYYY-MM-DD)' section"),
    ],
)
def test_a_release_tag_that_does_not_match_is_refused(
    tmp_path: Path, tag: str, version: str, package: str, expected: str
) -> None:
    problems, _ = _release_notes().problems_and_notes(tag, _project(tmp_path, version, package, CHANGELOG))
    assert any(expected in problem for problem in problems), problems


def test_release_notes_command_line_on_this_checkout() -> None:
    """The real files agree with each other: a tag of today's version is refused only for an
    undated CHANGELOG section, never for a version mismatch."""
    version = _pyproject()["project"]["version"]
    result = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "release_notes.py"), f"v{version}"], capture_output=True, text=True
    )
    errors = [line for line in result.stderr.splitlines() if line.startswith("release_notes: error:")]
    assert all("not dated" in line for line in errors), result.stderr
    assert result.returncode == (1 if errors else 0)
