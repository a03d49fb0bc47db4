"""The one escaping function, and the message formatter that must not re-read model text."""

from __future__ import annotations

import pytest

from speclint.rules.engine import _format
from speclint.safe_text import escape, escape_path, no_workflow_commands


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("images", "images"),
        ("a\nb\rc\td", "a\\nb\\rc\\td"),
        ("\x1b[2J\x1b]0;t\x07", "\\x1b[2J\\x1b]0;t\\x07"),
        ("\x00\x7f\x9b", "\\x00\\x7f\\x9b"),
        ("abc\u202edcba\u2066x\u2069", "abc\\u202edcba\\u2066x\\u2069"),  # bidi overrides and isolates
        ("zero\u200bwidth\ufeff", "zero\\u200bwidth\\ufeff"),
        ("line\u2028para\u2029", "line\\u2028para\\u2029"),
        ("bad-byte-\udcff", "bad-byte-\\xff"),  # a surrogateescape'd file-name byte
        ("\U000e0041tag", "\\U000e0041tag"),
        ("猫 und Käse", "猫 und Käse"),  # printable text of any script stays as it is
        ("{found} {where}", "{found} {where}"),
    ],
)
def test_escape(raw: str, shown: str) -> None:
    assert escape(raw) == shown
    assert escape(shown) == shown  # escaping twice changes nothing
    assert escape(raw).isprintable()


def test_escape_path_never_starts_a_workflow_command() -> None:
    assert escape_path("::error::x") == "./::error::x"
    assert escape_path("  ::stop-commands::t") == "./  ::stop-commands::t"
    assert escape_path("models/::error::x") == "models/::error::x"
    assert escape_path("a\nb") == "a\\nb"


def test_no_workflow_commands() -> None:
    text = "ok\n::error::forged\n   ::stop-commands::t\nx ::notice::fine\n"
    assert no_workflow_commands(text) == "ok\n\\x3a:error::forged\n   \\x3a:stop-commands::t\nx ::notice::fine\n"


def test_message_placeholders_are_filled_once() -> None:
    """A ``{found}`` inside a name (the ``where``) stays text; it is not filled with the found value."""
    assert _format("{where}: {found}", where="sig {found}", found="DT_UINT8") == "sig {found}: DT_UINT8"
    assert _format("{where}: {found}", where="a", found="{where}") == "a: {where}"
    assert _format("{where} {other}", where="w") == "w {other}"
