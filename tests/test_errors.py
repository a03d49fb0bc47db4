"""speclint/errors.py: one escaped line on stderr for a user's mistake, with a near name when there is one."""

from __future__ import annotations

import pytest

from speclint.errors import EXIT_CLEAN, EXIT_ERROR, EXIT_FINDINGS, EXIT_INTERRUPTED, did_you_mean, print_error


def test_exit_codes_are_distinct_and_as_documented() -> None:
    assert (EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR, EXIT_INTERRUPTED) == (0, 1, 2, 130)


def test_a_near_name_is_suggested_and_a_far_one_is_not() -> None:
    assert did_you_mean("fail-levl", ["fail-level", "format"]) == "; did you mean 'fail-level'?"
    assert did_you_mean("SL11", ["SL110", "SL600"], quote=False) == "; did you mean SL110?"
    assert did_you_mean("zzz", ["fail-level", "format"]) == ""


def test_an_error_is_one_escaped_line_that_cannot_command_github(capsys: pytest.CaptureFixture[str]) -> None:
    print_error("models/a\x1b[2Jb: cannot read")
    print_error("::error::forged\nsecond line", level="warning")
    out, err = capsys.readouterr()
    lines = err.splitlines()
    assert out == "" and len(lines) == 2
    assert lines[0] == "speclint: error: models/a\\x1b[2Jb: cannot read"
    assert lines[1].startswith("speclint: warning: ") and "\x1b" not in err and not lines[1].startswith("::")
    assert lines[1] == "speclint: warning: ::error::forged\\nsecond line"  # one line, never starting with ::
