"""One escaping function for every string a model (or its file names) puts in front of a reader.

Node names, signature keys, layer names and directory names come from untrusted models. On a
terminal a raw ESC sequence can clear the screen or fake a verdict; in a GitHub Actions log a
line starting with ``::`` is a workflow command (``::error``, ``::stop-commands::``). So every
character that is not printable (Python's ``str.isprintable``: controls, bidi and other format
characters, line and paragraph separators, unassigned code points, and the surrogates that
stand for undecodable file-name bytes) is shown as an escape: ``\\n``, ``\\r``, ``\\t``,
``\\x1b``, ``\\u202e``. The result is always one line of printable text, and escaping it
again changes nothing.
"""

from __future__ import annotations

import re

_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
_COMMAND = re.compile(r"^(\s*)::", re.MULTILINE)  # a GitHub workflow command, after optional blanks


def _escape_char(char: str, surrogates_as_bytes: bool = True) -> str:
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    if surrogates_as_bytes and 0xDC80 <= code <= 0xDCFF:  # surrogateescape: one undecodable byte of a file name
        return f"\\x{code - 0xDC00:02x}"
    if code < 0x100:
        return f"\\x{code:02x}"
    if code < 0x10000:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def escape(text: object, *, surrogates_as_bytes: bool = True) -> str:
    """``text`` as one line of printable characters, every other character shown as an escape.

    ``surrogates_as_bytes=False`` shows an undecodable byte of a file name as its code point
    (``\\udc80``, Python's ``unicode_escape``) rather than as the byte (``\\x80``): the words
    ``speclint diff`` has used since 0.2.0 for the git names in its labels and messages.
    """
    text = str(text)
    if text.isprintable():  # the common case costs one C-level scan
        return text
    return "".join(char if char.isprintable() else _escape_char(char, surrogates_as_bytes) for char in text)


def display_path(path: str) -> str:
    """A path as text a report can hold, even when its bytes are not valid UTF-8: an undecodable
    byte (``surrogateescape``) becomes ``\\x80``; other characters stay for ``escape`` to show."""
    return path.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def escape_path(path: str) -> str:
    """A path for display: escaped, and never starting with ``::`` (``./::x`` names the same file)."""
    shown = escape(path)
    if shown.lstrip().startswith("::"):
        return "./" + shown
    return shown


def no_workflow_commands(text: str) -> str:
    """Text output for a log GitHub Actions parses: no line may start (after blanks) with ``::``.

    Every model string is escaped already, so it cannot begin a line; this guards the lines
    that begin with one (a path, a name) whatever a future reporter puts first.
    """
    return _COMMAND.sub(lambda match: match.group(1) + "\\x3a:", text)
