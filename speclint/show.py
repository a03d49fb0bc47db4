"""``speclint show``: what each model declares, read by the pipeline and worded by ``speclint.describe``."""

from __future__ import annotations

import argparse
import json
import sys

from speclint.describe import render
from speclint.errors import print_error
from speclint.pipeline import Pipeline, why_unread
from speclint.safe_text import display_path
from speclint.settings import Overrides


def run_show(args: argparse.Namespace) -> int:
    """Print every model's facts; exit 0 when all were read, 1 when some file was not, 2 when no
    model was (or a PATH was wrong)."""
    overrides = Overrides(
        max_file_size=args.max_file_size,
        read_timeout=args.read_timeout,
        exclude=args.exclude,
        extend_exclude=args.extend_exclude,
        claims=args.claims,
    )
    pipeline = Pipeline.prepare(overrides, args.paths, checking=False)  # [tool.speclint] excludes apply
    for note in pipeline.settings.notes:
        print_error(note, level="warning")
    documents = list(pipeline.facts())
    problems = list(pipeline.discovery.errors)
    for facts in documents:
        for error in facts["errors"]:
            where = "/".join(p for p in (display_path(str(facts["path"])), error["file"]) if p)  # '': the archive
            problems.append(f"{where}: {error['message']}")
    if args.format == "json":
        sys.stdout.write(json.dumps(documents, indent=2) + "\n")
    else:
        sys.stdout.write("\n".join(render(facts) for facts in documents))
    for problem in problems:
        print_error(problem)
    for facts in documents:  # a file that could not be read counts as a finding of show's
        pipeline.tally.add(str(facts["path"]), why_unread(facts), ["error"] if facts["errors"] else [])
    return pipeline.exit_code()
