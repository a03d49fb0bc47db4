"""Whether the text report has colour: ``--color``, ``--output``, NO_COLOR, FORCE_COLOR, TERM, a terminal.

The order (no-color.org, force-color.org, CPython 3.13's own colour): the flag, then a report
file (never coloured), then NO_COLOR, then FORCE_COLOR, then TERM=dumb, then whether stdout
is a terminal.
"""

from __future__ import annotations

import io
import sys

import pytest

from speclint.check import use_color
from tests.conftest import MODELS, run_speclint


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(
    "choice,output,env,tty,expected",
    [
        ("auto", None, {}, True, True),
        ("auto", None, {}, False, False),
        ("auto", None, {"NO_COLOR": "1"}, True, False),
        ("auto", None, {"NO_COLOR": ""}, True, True),  # set but empty: as if unset (no-color.org)
        ("auto", None, {"FORCE_COLOR": "1"}, False, True),
        ("auto", None, {"FORCE_COLOR": ""}, False, False),
        ("auto", None, {"FORCE_COLOR": "1", "NO_COLOR": "1"}, False, False),  # NO_COLOR wins
        ("auto", None, {"TERM": "dumb"}, True, False),
        ("auto", None, {"TERM": "dumb", "FORCE_COLOR": "1"}, True, True),
        ("auto", "report.txt", {"FORCE_COLOR": "1"}, True, False),  # a file never gets escape codes
        ("always", None, {"NO_COLOR": "1"}, False, True),  # the flag wins over the environment
        ("never", None, {"FORCE_COLOR": "1"}, True, False),
    ],
)
def test_colour_decision(
    monkeypatch: pytest.MonkeyPatch, choice: str, output: str | None, env: dict[str, str], tty: bool, expected: bool
) -> None:
    monkeypatch.setattr(sys, "stdout", _Terminal() if tty else io.StringIO())
    assert use_color(choice, output, env) is expected


@pytest.mark.parametrize("no_color,coloured", [("", True), ("1", False)])
def test_force_color_through_a_pipe(no_color: str, coloured: bool) -> None:
    """stdout is a pipe here, as in a CI log: FORCE_COLOR colours it unless NO_COLOR is set."""
    completed = run_speclint(str(MODELS / "tf2-input-uint8"), env={"FORCE_COLOR": "1", "NO_COLOR": no_color})
    assert completed.returncode == 1 and "SL112" in completed.stdout, completed.stderr
    assert ("\x1b[" in completed.stdout) is coloured
