"""``speclint rules`` and ``speclint rule CODE``: print what ``speclint.rules.docs`` writes."""

from __future__ import annotations

import argparse
import json
import sys

from speclint.errors import EXIT_CLEAN
from speclint.rules.docs import explain_rule, find_rule, rules_json, rules_text
from speclint.rules.language import requested_language
from speclint.rules.ruleset import RuleSet


def run_catalogue(args: argparse.Namespace) -> int:
    """``speclint rules`` lists, ``speclint rule CODE`` explains; errors raise SpeclintError."""
    language = requested_language(args.lang if args.command == "rule" else None)
    if args.command == "rule" and args.lang is None:  # the config file's lang, as `speclint check` reads it
        from speclint.config import load_config
        from speclint.settings import _language

        config = load_config(None, ".")
        language = _language(None, config.lang, config.where) if config.lang else language
    ruleset = RuleSet(list(args.rules), language=language)
    if args.command == "rules":
        if args.format == "json":
            sys.stdout.write(json.dumps(rules_json(ruleset), indent=2, ensure_ascii=False) + "\n")
        else:
            sys.stdout.write(rules_text(ruleset))
        return EXIT_CLEAN
    rule = find_rule(ruleset, args.code)
    sys.stdout.write(explain_rule(rule, ruleset))
    return EXIT_CLEAN
