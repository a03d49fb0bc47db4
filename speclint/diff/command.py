"""``speclint diff``: pair the versions, read both, compare, judge, report, choose the exit code.

Exit 0: NEW is compatible for consumers of OLD; 1: a change at or above ``--fail-on``
(default breaking); 2: usage error, or a version that cannot be read (then nothing can be
promised about that model; the other pairs are still reported).
"""

from __future__ import annotations

import argparse
import os
from typing import Any, NamedTuple

from speclint import __version__
from speclint.check import require_known_selectors
from speclint.config import Config
from speclint.diff.changes import ChangeEngine, ChangeFinding, change_rank
from speclint.diff.deltas import compare, delta, lint_regressions
from speclint.diff.options import ChangeSelection, lint_settings
from speclint.diff.sources import Pair, git_pairs, path_pairs
from speclint.diff.view import contract_view
from speclint.errors import EXIT_CLEAN, EXIT_ERROR, EXIT_FINDINGS, SpeclintError, print_error
from speclint.read import read_model
from speclint.read.loading import DEFAULT_MAX_BYTES
from speclint.rules.profiles import require_known
from speclint.rules.ruleset import RuleSet


class DiffResult(NamedTuple):
    """One model's verdict: both sides as shown to the user, and the changes between them."""

    path: str
    old: str | None
    new: str | None
    old_format: str | None
    new_format: str | None
    status: str  # compared | added | removed | unreadable
    findings: list[ChangeFinding]


def run_diff(args: argparse.Namespace) -> int:
    lint = LintSettings.from_args(args)  # a bad config or code is exit 2 before reading anything
    engine = ChangeEngine()
    selection = ChangeSelection(args, list(engine.rules))
    max_bytes = args.max_file_size or lint.config.max_file_size or DEFAULT_MAX_BYTES

    def read(model_dir: str) -> dict[str, Any]:
        return read_model(model_dir, max_bytes)

    if args.base:
        pairs, errors = git_pairs(args.base, args.paths, read)
    else:
        if len(args.paths) != 2:
            raise SpeclintError("usage: speclint diff OLD NEW, or speclint diff --base REV PATH...")
        pairs, errors = path_pairs(args.paths[0], args.paths[1], read)
    for problem in errors:
        print_error(problem)
    if not pairs:
        return EXIT_ERROR
    results = [diff_pair(pair, engine, lint) for pair in pairs]
    results = [r._replace(findings=[f for f in r.findings if selection.wants(f.code)]) for r in results]
    model_format = args.format or ("github" if os.environ.get("GITHUB_ACTIONS") == "true" else "text")
    from speclint.diff.report import render, step_summary
    from speclint.report import append_step_summary, write_report

    write_report(render(model_format, results, engine.rules), args.output)
    append_step_summary(lambda: step_summary(results, __version__))
    if errors or any(r.status == "unreadable" for r in results):
        return EXIT_ERROR
    threshold = change_rank(args.fail_on)
    failing = any(change_rank(f.severity) >= threshold for r in results for f in r.findings)
    return EXIT_FINDINGS if failing else EXIT_CLEAN


class LintSettings(NamedTuple):
    """The lint rules of the lint-regression check, chosen as ``check`` chooses them."""

    ruleset: RuleSet
    config: Config

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> LintSettings:
        config = lint_settings(args)
        ruleset = RuleSet(config.rules)
        require_known(config.profile)
        require_known_selectors(ruleset, config, argparse.Namespace(select=None, ignore=None))
        return cls(ruleset, config)


def diff_pair(pair: Pair, engine: ChangeEngine, lint: LintSettings) -> DiffResult:
    """Compare one pair; a side that cannot be read is reported on stderr, never raised."""
    if pair.old is None or pair.new is None:
        side = pair.new or pair.old
        assert side is not None
        status = "added" if pair.old is None else "removed"
        item = delta(f"model-{status}", "model", side.label if status == "removed" else None, side.label)
        if status == "removed":
            item["new"] = None
        findings = engine.judge(pair.key, [item], None)
        return DiffResult(pair.key, _label(pair.old), _label(pair.new), None, None, status, findings)
    old_facts, new_facts = pair.old.load(), pair.new.load()
    unreadable = [f for f in (old_facts, new_facts) if not f["meta_graphs"]]
    for facts in unreadable:
        problem = facts["errors"][0]["message"] if facts["errors"] else "no meta graph"
        where = facts["errors"][0]["file"] if facts["errors"] else "saved_model.pb"
        print_error(f"{facts['path']}/{where}: cannot read: {problem}")
    if unreadable:
        return DiffResult(
            pair.key, pair.old.label, pair.new.label, old_facts["format"], new_facts["format"], "unreadable", []
        )
    deltas = compare(contract_view(old_facts), contract_view(new_facts))
    deltas += _lint(old_facts, new_facts, lint, pair.key)
    findings = engine.judge(pair.key, deltas, new_facts["format"])
    return DiffResult(
        pair.key, pair.old.label, pair.new.label, old_facts["format"], new_facts["format"], "compared", findings
    )


def _lint(old_facts: dict[str, Any], new_facts: dict[str, Any], lint: LintSettings, key: str) -> list[dict[str, Any]]:
    """The normal rule engine on both versions, with the profile, select and ignore ``check``
    would use for this model: rules that ran on OLD and passed, and fail on NEW."""
    ruleset = lint.ruleset
    profile, select, ignore = lint.config.for_model(key)
    old_result = ruleset.check(old_facts, profile, select, ignore)
    new_result = ruleset.check(new_facts, profile, select, ignore)
    ran = {code for code, rule in ruleset.rules.items() if rule.gate}
    if old_result.profile is not None:
        ran |= set(ruleset.codes_for(old_result.profile))
    return lint_regressions(old_result.findings, new_result.findings, ran)


def _label(side: Any) -> str | None:
    return None if side is None else str(side.label)
