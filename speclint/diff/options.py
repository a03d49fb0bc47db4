"""The options and settings of ``speclint diff`` beyond reading and reporting.

Two kinds of codes meet here. ``--select``/``--ignore`` choose *change* rules (``SCxxx``).
The lint-regression check (a lint rule that passed in OLD and fails in NEW) runs the lint
rules as ``speclint check`` would on that model: ``[tool.speclint]`` select/ignore/per-path/
profile and rule packs (``rules`` there, ``--rules`` here), so a rule a project has switched
off is not reported as a regression either.
"""

from __future__ import annotations

import argparse

from speclint.rules.ruleset import matches, require_known_codes
from speclint.settings import Overrides

CHANGE_LISTING = "see docs/changes/README.md"


def _codes(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def add_diff_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--select", type=_codes, metavar="CODES", help="comma-separated change codes or prefixes (SC...) to report"
    )
    parser.add_argument("--ignore", type=_codes, metavar="CODES", help="change codes or prefixes (SC...) to leave out")
    parser.add_argument(
        "--profile", help="lint profile for the lint-regression check (default: the config's, else auto)"
    )
    parser.add_argument(
        "--rules", action="append", metavar="DIR", default=[], help="add a lint rule pack (repeatable), as for check"
    )
    parser.add_argument(
        "--config", metavar="FILE", help="pyproject.toml to read [tool.speclint] from (default: found by walking up)"
    )


def lint_overrides(args: argparse.Namespace) -> Overrides:
    """``[tool.speclint]`` (found from NEW, or from the first PATH with ``--base``, as ``check``
    would find it for that model) with ``--profile``, ``--rules`` and the reading options on top;
    its fail-level and format are ``check``'s business, not diff's."""
    start = args.paths[0] if args.base else args.paths[-1]
    return Overrides(
        config=args.config,
        config_start=start,
        profile=args.profile,
        rules=args.rules,
        max_file_size=args.max_file_size,
        read_timeout=args.read_timeout,
        exclude=args.exclude,
        extend_exclude=args.extend_exclude,
    )


class ChangeSelection:
    """Which change findings a run reports: ``--select`` (default ALL), minus ``--ignore``."""

    def __init__(self, select: list[str] | None, ignore: list[str] | None, codes: list[str]) -> None:
        self.select: list[str] = select or ["ALL"]
        self.ignore: list[str] = ignore or []
        require_known_codes(self.select, codes, "--select", "change", CHANGE_LISTING)
        require_known_codes(self.ignore, codes, "--ignore", "change", CHANGE_LISTING)

    def wants(self, code: str) -> bool:
        return matches(code, self.select) and not matches(code, self.ignore)
