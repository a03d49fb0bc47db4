"""Exit codes, the one exception type that carries a user-facing, one-line message, and stderr."""

from __future__ import annotations

import sys

EXIT_CLEAN = 0
EXIT_FINDINGS = 1
EXIT_ERROR = 2  # usage, configuration, nothing readable, internal error
EXIT_INTERRUPTED = 130  # Ctrl-C (128 + SIGINT), as a shell reports it


class SpeclintError(Exception):
    """An error the user can act on: printed as one line, never as a traceback."""


def did_you_mean(word: str, known: list[str], quote: bool = True) -> str:
    """``; did you mean 'fail-level'?`` for a near name in ``known`` (difflib), else ""."""
    import difflib

    near = difflib.get_close_matches(word, known, n=1, cutoff=0.6)
    if not near:
        return ""
    return f"; did you mean {near[0]!r}?" if quote else f"; did you mean {near[0]}?"


def print_error(message: object, level: str = "error") -> None:
    """``speclint: error: MESSAGE`` on stderr, escaped: messages name files and models an attacker chose."""
    from speclint.safe_text import escape, no_workflow_commands

    print(no_workflow_commands(f"speclint: {level}: {escape(message)}"), file=sys.stderr)
