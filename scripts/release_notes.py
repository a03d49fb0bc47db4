#!/usr/bin/env python3
"""Check that a release tag names the version being released, and print its release notes.

    python scripts/release_notes.py v0.3.0 [--output FILE]

The tag must be ``v`` plus the version in ``pyproject.toml``, which ``speclint/version.py``
(``speclint --version``) must repeat, and ``CHANGELOG.md`` must have a dated section for it
(``## 0.3.0 (2027-01-15)``, not ``(unreleased)``). The body of that section is the GitHub
release's text. Exit 1 with one line per problem; ``.github/workflows/release.yml`` runs this
before it builds anything, and again to write the release.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # a dependency of speclint on 3.10
    import tomli as tomllib

REPO = Path(__file__).resolve().parent.parent
HEADING = re.compile(r"^## (?P<version>\S+)(?: \((?P<when>[^)]*)\))?\s*$")
DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
PACKAGE_VERSION = re.compile(r'^__version__ = "(?P<version>[^"]+)"$', re.MULTILINE)


def project_version(repo: Path) -> str:
    return str(tomllib.loads((repo / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"])


def package_version(repo: Path) -> str | None:
    found = PACKAGE_VERSION.search((repo / "speclint" / "version.py").read_text(encoding="utf-8"))
    return found["version"] if found else None


def changelog_section(text: str, version: str) -> tuple[str | None, str]:
    """The section's date (or what stands in its place) and its body, without the heading;
    ``(None, "")`` when there is no section for ``version``."""
    lines = text.splitlines()
    for number, line in enumerate(lines):
        heading = HEADING.match(line)
        if heading and heading["version"] == version:
            body = []
            for following in lines[number + 1 :]:
                if following.startswith("## "):
                    break
                body.append(following)
            return heading["when"] or "", "\n".join(body).strip() + "\n"
    return None, ""


def problems_and_notes(tag: str, repo: Path = REPO) -> tuple[list[str], str]:
    problems = []
    version = project_version(repo)
    if tag != f"v{version}":
        problems.append(f"tag {tag!r} does not match the version in pyproject.toml ({version}): tag v{version}")
    package = package_version(repo)
    if package != version:
        problems.append(f"speclint/version.py says __version__ = {package!r}, pyproject.toml {version!r}")
    when, notes = changelog_section((repo / "CHANGELOG.md").read_text(encoding="utf-8"), version)
    if when is None:
        problems.append(f"CHANGELOG.md has no '## {version} (YYYY-MM-DD)' section")
    elif not DATE.fullmatch(when):
        problems.append(f"CHANGELOG.md: the {version} section is marked ({when}), not dated (YYYY-MM-DD)")
    elif not notes.strip():
        problems.append(f"CHANGELOG.md: the {version} section is empty")
    return problems, notes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tag", help="the release tag, e.g. v0.3.0")
    parser.add_argument("--output", type=Path, help="write the notes here instead of stdout")
    args = parser.parse_args(argv)
    problems, notes = problems_and_notes(args.tag)
    for problem in problems:
        print(f"release_notes: error: {problem}", file=sys.stderr)
    if problems:
        return 1
    if args.output:
        args.output.write_text(notes, encoding="utf-8")
    else:
        sys.stdout.write(notes)
    return 0


if __name__ == "__main__":
    sys.exit(main())
