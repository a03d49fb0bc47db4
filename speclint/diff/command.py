"""``speclint diff``: pair the versions, read both, compare, judge, report, choose the exit code.

Exit 0: NEW is compatible for consumers of OLD; 1: a change at or above ``--fail-on``
(default breaking); 2: usage error, or a version that cannot be read (then nothing can be
promised about that model; the other pairs are still reported).

Reading, the lint of each version, the settings and the exit code are ``speclint.pipeline``'s,
as for ``check``: trees are walked with the same excludes, every version is read and linted
under the per-model time limit. Comparing one pair (and rendering its changes) has that limit too.
"""

from __future__ import annotations

import argparse
import os
from typing import Any

from speclint.diff.changes import ChangeEngine
from speclint.diff.deltas import compare, delta, lint_regressions
from speclint.diff.options import ChangeSelection, lint_overrides
from speclint.diff.report import DiffResult
from speclint.diff.sources import Pair, git_pairs, path_pairs
from speclint.diff.view import contract_view
from speclint.errors import EXIT_ERROR, SpeclintError, print_error
from speclint.pipeline import Pipeline, Tally, why_unread
from speclint.read.guard import TimeLimit, crash_message, deadline, time_limit_message
from speclint.settings import default_format
from speclint.severity import change_rank
from speclint.version import __version__


def run_diff(args: argparse.Namespace) -> int:
    if not args.base and len(args.paths) != 2:
        raise SpeclintError("usage: speclint diff OLD NEW, or speclint diff --base REV PATH...")
    pipeline = Pipeline.prepare(lint_overrides(args))  # a bad config or code is exit 2 before reading anything
    for note in pipeline.settings.notes:
        print_error(note, level="warning")
    engine = ChangeEngine(language=pipeline.settings.language)  # check's --lang/LANG, as its lint
    selection = ChangeSelection(args.select, args.ignore, list(engine.rules))
    model_format = args.format or default_format(to_file=bool(args.output))  # the config's format is check's
    if args.base:
        pairs, errors = git_pairs(args.base, args.paths, pipeline)
    else:
        pairs, errors = path_pairs(args.paths[0], args.paths[1], pipeline)
    for problem in errors:
        print_error(problem)
    if not pairs:
        return EXIT_ERROR
    comparer = Comparer(engine, pipeline, selection, model_format)
    results = [comparer.diff(pair) for pair in pairs]
    from speclint.diff.report import render, step_summary
    from speclint.report import append_step_summary, write_report

    write_report(render(model_format, results, engine.rules), args.output)
    append_step_summary(lambda: step_summary(results, __version__))
    tally = Tally(change_rank(args.fail_on), change_rank)
    for result in results:
        tally.add(result.path, result.unread, (f.severity for f in result.findings))
    return tally.exit_code(path_errors=bool(errors), unread_is_error=True)


class Comparer:
    """Compares pairs with one set of change rules and one lint pipeline."""

    def __init__(self, engine: ChangeEngine, pipeline: Pipeline, selection: ChangeSelection, format: str) -> None:
        self.engine, self.pipeline, self.selection, self.format = engine, pipeline, selection, format

    def diff(self, pair: Pair) -> DiffResult:
        """Compare one pair; a side that cannot be read is reported on stderr, never raised."""
        if pair.old is None or pair.new is None:
            return self._added_or_removed(pair)
        old_facts, new_facts = pair.old.load(), pair.new.load()
        unread = [(facts, why_unread(facts)) for facts in (old_facts, new_facts)]
        for facts, why in unread:
            if why is not None:
                first = facts["errors"][0] if facts["errors"] else {}
                where, problem = first.get("file") or "saved_model.pb", first.get("message") or "no meta graph"
                print_error(f"{facts['path']}/{where}: cannot read: {problem}")
        reasons = [f"{facts['path']}: {why}" for facts, why in unread if why is not None]
        if reasons:
            return self._unreadable(pair, old_facts, new_facts, "; ".join(reasons))
        seconds = self.pipeline.settings.seconds
        stage = "linting"
        try:
            lint = [self.pipeline.work.check(facts, as_path=pair.key) for facts in (old_facts, new_facts)]
            lint_unread = [f"{c.result.path}: {c.unread}" for c in lint if c.unread is not None]
            if lint_unread:
                return self._unreadable(pair, old_facts, new_facts, "; ".join(lint_unread))
            stage = "comparing"
            with deadline(seconds):
                result = self._compared(pair, old_facts, new_facts, lint[0].result, lint[1].result)
                from speclint.diff.report import render

                render(self.format, [result], self.engine.rules)  # rendering its changes counts too
            return result
        except TimeLimit:
            why = time_limit_message(stage, seconds)
        except (Exception, RecursionError, MemoryError) as exc:
            if os.environ.get("SPECLINT_DEBUG"):
                raise
            why = crash_message("compare", exc)
        print_error(f"{pair.key}: cannot compare: {why}")
        return self._unreadable(pair, old_facts, new_facts, why)

    def _compared(
        self, pair: Pair, old_facts: dict[str, Any], new_facts: dict[str, Any], old_lint: Any, new_lint: Any
    ) -> DiffResult:
        assert pair.old is not None and pair.new is not None
        deltas = compare(contract_view(old_facts), contract_view(new_facts))
        deltas += self._regressions(old_lint, new_lint)
        findings = [f for f in self.engine.judge(pair.key, deltas, new_facts["format"]) if self.selection.wants(f.code)]
        return DiffResult(
            pair.key, pair.old.label, pair.new.label, old_facts["format"], new_facts["format"], "compared", findings
        )

    def _regressions(self, old_result: Any, new_result: Any) -> list[dict[str, Any]]:
        """The normal rule engine on both versions, with the profile, select and ignore ``check``
        would use for this model: rules that ran on OLD and passed, and fail on NEW."""
        ruleset = self.pipeline.ruleset
        ran = {code for code, rule in ruleset.rules.items() if rule.gate}
        if old_result.profile is not None:
            ran |= set(ruleset.codes_for(old_result.profile))
        return lint_regressions(old_result.findings, new_result.findings, ran)

    def _added_or_removed(self, pair: Pair) -> DiffResult:
        side = pair.new or pair.old
        assert side is not None
        status = "added" if pair.old is None else "removed"
        item = delta(f"model-{status}", "model", side.label if status == "removed" else None, side.label)
        if status == "removed":
            item["new"] = None
        findings = [f for f in self.engine.judge(pair.key, [item], None) if self.selection.wants(f.code)]
        return DiffResult(pair.key, _label(pair.old), _label(pair.new), None, None, status, findings)

    def _unreadable(self, pair: Pair, old_facts: dict[str, Any], new_facts: dict[str, Any], why: str) -> DiffResult:
        return DiffResult(
            pair.key,
            _label(pair.old),
            _label(pair.new),
            old_facts["format"],
            new_facts["format"],
            "unreadable",
            [],
            why,
        )


def _label(side: Any) -> str | None:
    return None if side is None else str(side.label)
