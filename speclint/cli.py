"""Command-line parsing only: each command hands its options to a module that does the work.

``speclint PATH...`` is ``speclint check PATH...``; ``show``, ``rules`` and ``rule`` are the
other commands. argparse rather than click: the pre-commit hook must answer in a fraction
of a second, and click alone costs about 30 ms of start-up here.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import Any

from speclint.errors import EXIT_ERROR, EXIT_INTERRUPTED, SpeclintError, print_error
from speclint.rules.profiles import PROFILE_NAMES
from speclint.severity import CHANGE_ORDER, SEVERITIES
from speclint.version import __version__

COMMANDS = ("check", "show", "rules", "rule", "diff", "fix", "completion")
LANG_HELP = "quote and link the TF2 spec in zh-CN or pt-BR (default: from LANG; en otherwise and for TF1)"


class _Formatter(argparse.HelpFormatter):
    """argparse's formatter, told the width: its default imports ``shutil`` (~5 ms) on every run."""

    def __init__(self, prog: str) -> None:
        try:
            width = os.get_terminal_size(sys.stderr.fileno()).columns - 2
        except (OSError, ValueError):
            width = 78
        super().__init__(prog, width=max(width, 40))


class _Parser(argparse.ArgumentParser):
    """Usage errors exit 2 with one line, like every other error."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", _Formatter)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> None:  # type: ignore[override]
        raise SpeclintError(f"usage: {message} (see `{self.prog} --help`)")


def _add_limits(parser: argparse.ArgumentParser) -> None:
    """The limits every model is read under, whichever command reads it."""
    parser.add_argument(
        "--max-file-size",
        type=int,
        default=None,
        metavar="BYTES",
        help="refuse model files larger than this (default 1 GiB; protobuf's own limit is 2 GiB)",
    )
    parser.add_argument(
        "--read-timeout",
        type=float,
        default=None,
        metavar="SECONDS",
        help="give up on one model after this long (reading, checking and reporting it); "
        "it is reported as unreadable (default 120)",
    )


def _add_read_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="+", metavar="PATH", help="model directory, tree of models, or a model file")
    _add_limits(parser)
    parser.add_argument(
        "--exclude",
        type=_code_list,
        action="extend",
        metavar="PATTERNS",
        help="comma-separated directory names or path globs a tree walk skips, replacing the defaults "
        "(.git, .venv, venv, site-packages, node_modules, __pycache__, ...); .gitignore is honoured too",
    )
    parser.add_argument(
        "--extend-exclude", type=_code_list, action="extend", metavar="PATTERNS", help="like --exclude, added to it"
    )


def _add_claims_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--claims",
        metavar="FILE",
        help="the model's documentation kept outside it: tfhub.dev Markdown or Kaggle's "
        "model-instance-metadata.json (read with README.md and model-instance-metadata.json in the model)",
    )


class _Version(argparse.Action):
    """``speclint 0.2.0 (native reader)``: which reader runs matters for speed on big graphs, and
    is looked up only when asked (importing the reader costs every other command nothing)."""

    def __call__(self, parser: argparse.ArgumentParser, *args: Any, **kwargs: Any) -> None:
        from speclint.read.accelerator import reader_name

        print(f"speclint {__version__} ({reader_name()} reader)")
        parser.exit()


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="speclint", description="Check TensorFlow image SavedModels against the TF Hub image contracts."
    )
    parser.add_argument("--version", action=_Version, nargs=0, help="print the version and the reader that runs")
    commands = parser.add_subparsers(dest="command", parser_class=_Parser)

    check = commands.add_parser("check", help="check models against the spec (the default command)")
    _add_read_options(check)
    check.add_argument(
        "--format",
        "--output-format",
        dest="format",
        choices=("full", "concise", "text", "json", "github", "sarif", "jsonl", "html"),
        help="default: github under GitHub Actions, else full (concise: one line per finding; "
        "text: full's old name; jsonl: one line per model, streamed)",
    )
    check.add_argument("--resume", metavar="FILE", help="jsonl: skip the models already in FILE (a previous run)")
    check.add_argument("--output", "-o", metavar="FILE", help="write the report to FILE instead of standard output")
    check.add_argument("--sarif-output", metavar="FILE", help="also write a SARIF report to FILE")
    check.add_argument("--profile", help="auto (default) or one of: " + ", ".join(PROFILE_NAMES))
    _add_claims_option(check)
    check.add_argument(
        "--select",
        type=_code_list,
        metavar="CODES",
        help="comma-separated rule codes or prefixes to report (default ALL)",
    )
    check.add_argument(
        "--ignore", type=_code_list, metavar="CODES", help="comma-separated rule codes or prefixes to leave out"
    )
    check.add_argument(
        "--fail-level", choices=SEVERITIES, help="exit 1 when a finding is at least this severe (default warning)"
    )
    check.add_argument(
        "--fail-on-not-applicable",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="exit 1 when a model takes no images (SL002: text, tabular, serving models); "
        "by default such a model is reported as not applicable and fails nothing",
    )
    check.add_argument(
        "--exit-zero", action="store_true", help="exit 0 even when there are findings or unreadable models"
    )
    check.add_argument(
        "--rules", action="append", metavar="DIR", default=[], help="add an organisation's rule pack (repeatable)"
    )
    check.add_argument(
        "--config", metavar="FILE", help="pyproject.toml to read [tool.speclint] from (default: found by walking up)"
    )
    check.add_argument(
        "--jobs",
        "-j",
        type=int,
        default=None,
        metavar="N",
        help="lint N models in parallel (default and most: one per core)",
    )
    check.add_argument(
        "--memory-budget",
        type=int,
        default=None,
        metavar="MB",
        help="memory the parallel readers may hold at once; models wait for room (default: half the machine's)",
    )
    check.add_argument("--no-progress", action="store_true", help="never show a progress bar")
    check.add_argument("--lang", metavar="LANG", help=LANG_HELP)
    check.add_argument(
        "--quiet", "-q", action="store_true", help="full/concise: only findings that count (no not-applicable lines)"
    )
    check.add_argument(
        "--verbose",
        "-v",
        "--show-clean",
        dest="verbose",
        action="store_true",
        help="full/concise: list clean models too (by default they are only counted in the closing line)",
    )
    check.add_argument(
        "--statistics", action="store_true", help="print a count per rule instead of each finding (text or json)"
    )
    check.add_argument(
        "--color",
        choices=("auto", "always", "never"),
        default="auto",
        help="colour the text report (auto: on a terminal other than TERM=dumb, or with FORCE_COLOR set; "
        "never with NO_COLOR set)",
    )
    check.add_argument(
        "--write-baseline", metavar="FILE", help="record today's findings in FILE (exit 0), to adopt speclint"
    )
    check.add_argument("--baseline", metavar="FILE", help="report only findings that FILE does not record")
    execute = check.add_argument_group("execution stage (needs TensorFlow: pip install 'speclint[execute]')")
    execute.add_argument(
        "--execute", action="store_true", help="also load each model with TensorFlow and run numerical probes"
    )
    execute.add_argument(
        "--device",
        choices=("auto", "cpu", "gpu"),
        default="auto",
        help="where probes run (auto: GPU if TensorFlow sees one)",
    )
    execute.add_argument(
        "--allow-unsafe", action="store_true", help="execute models even when they contain dangerous ops"
    )
    execute.add_argument(
        "--probe-timeout",
        type=float,
        default=None,
        metavar="SECONDS",
        help="time limit for loading a model and for each probe, each on its own (default 120)",
    )
    execute.add_argument(
        "--memory-limit",
        type=int,
        default=None,
        metavar="MB",
        help="resident memory limit of the worker while it loads and probes a model (default 4096)",
    )
    execute.add_argument(
        "--executor", choices=("local", "ray"), default="local", help="local worker (default) or one Ray task per model"
    )
    execute.add_argument("--ray-address", metavar="ADDR", help="join this Ray cluster (default: RAY_ADDRESS or local)")

    show = commands.add_parser("show", help="print what each model declares (the facts document)")
    _add_read_options(show)
    show.add_argument("--format", choices=("text", "json"), default="text")
    _add_claims_option(show)

    rules = commands.add_parser("rules", help="list every rule")
    rules.add_argument("--format", choices=("text", "json"), default="text")
    rules.add_argument("--rules", action="append", metavar="DIR", default=[], help="include a rule pack")

    rule = commands.add_parser("rule", help="explain one rule")
    rule.add_argument("code", metavar="CODE")
    rule.add_argument("--lang", metavar="LANG", help=LANG_HELP)
    rule.add_argument("--rules", action="append", metavar="DIR", default=[], help="include a rule pack")

    diff = commands.add_parser("diff", help="changes that break consumers between two versions of a model")
    _add_read_options(diff)
    diff.add_argument("--base", metavar="REV", help="compare each model under PATH with its version at git revision")
    diff.add_argument("--format", choices=("text", "json", "github", "sarif"), help="as for check")
    diff.add_argument("--output", "-o", metavar="FILE", help="write the report to FILE instead of standard output")
    diff.add_argument("--fail-on", choices=CHANGE_ORDER[:-1], default="breaking", help="exit 1 from this severity on")
    from speclint.diff.options import add_diff_options  # --select/--ignore (SC codes), --profile, --rules, --config

    add_diff_options(diff)
    _add_fix_command(commands)
    completion = commands.add_parser("completion", help="print the shell completion script for bash, zsh or fish")
    completion.add_argument("shell", choices=("bash", "zsh", "fish"), help="the shell to complete in")
    return parser


def _print_help() -> int:
    """``speclint --help``: the commands, then the options of ``check``, the default command."""
    parser = build_parser()
    sys.stdout.write(parser.format_help())
    for action in parser._subparsers._group_actions if parser._subparsers else []:
        choices = getattr(action, "choices", None) or {}
        if "check" in choices:
            sys.stdout.write("\n`speclint PATH...` is `speclint check PATH...`:\n\n" + choices["check"].format_help())
    return 0


def _add_fix_command(commands: Any) -> None:
    fix = commands.add_parser(
        "fix", help="write a conforming wrapper of a model into a new directory, proven equal (needs TensorFlow)"
    )
    fix.add_argument("source", metavar="IN", help="the model directory (never written)")
    fix.add_argument("out", metavar="OUT", help="a new or empty directory for the fixed model")
    fix.add_argument("--profile", help="auto (default) or one of: " + ", ".join(PROFILE_NAMES))
    fix.add_argument("--dry-run", action="store_true", help="list the fixes without writing anything")
    fix.add_argument("--input", metavar="KEY", help="the image input when the model has several")
    fix.add_argument("--output", metavar="KEY", help="the output to return when the model has several")
    fix.add_argument("--image-size", metavar="HxW", help="TF1: the image size when the model does not say")
    fix.add_argument("--device", choices=("auto", "cpu", "gpu"), default="auto", help="where the proof's probes run")
    _add_limits(fix)


def _code_list(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    if args_list and args_list[0] not in COMMANDS and args_list[0] not in ("-h", "--help", "--version"):
        args_list.insert(0, "check")  # also `speclint --execute PATH`, the pre-commit entry
    try:
        if args_list[:1] in (["-h"], ["--help"]):
            return _print_help()
        args = build_parser().parse_args(args_list)
        if args.command == "show":
            from speclint.show import run_show

            return run_show(args)
        if args.command == "check":
            from speclint.check import run_check

            return run_check(args)
        if args.command == "diff":
            from speclint.diff.command import run_diff

            return run_diff(args)
        if args.command == "fix":
            from speclint.fix.command import run_fix

            return run_fix(args)
        if args.command == "completion":  # generated from this parser: it never falls behind the options
            from speclint.completion import script

            sys.stdout.write(script(args.shell, build_parser()))
            return 0
        if args.command in ("rules", "rule"):
            from speclint.catalogue import run_catalogue

            return run_catalogue(args)
        if args.command is None:
            build_parser().print_help()
            return EXIT_ERROR
        raise SpeclintError(f"unknown command {args.command!r}")
    except SpeclintError as exc:
        print_error(exc)
        return EXIT_ERROR
    except KeyboardInterrupt:  # what is done is written already (jsonl lines); the workers are stopped
        _flush()
        print("speclint: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        return EXIT_ERROR
    except Exception as exc:  # a bug in speclint: still one line, never a traceback (SPECLINT_DEBUG=1 shows it)
        if os.environ.get("SPECLINT_DEBUG"):
            raise
        print_error(f"{type(exc).__name__}: {exc} (set SPECLINT_DEBUG=1 for details)", level="internal error")
        return EXIT_ERROR


def _flush() -> None:
    import contextlib

    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):
            stream.flush()


def entry() -> None:
    """The ``speclint`` console script: ``main``, then exit without interpreter teardown.

    Freeing protobuf's descriptor pools and every module costs ~20 ms after the work is
    done, a fifth of a pre-commit hook's budget; the output is flushed first.
    """
    code = main()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (BrokenPipeError, ValueError):
        code = code or EXIT_ERROR
    os._exit(code)
