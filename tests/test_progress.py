"""The built-in progress line, drawn into a fake terminal: frames, throttling, escaping, the final erase."""

from __future__ import annotations

import io
from types import SimpleNamespace

import pytest

from speclint import progress
from speclint.progress import Progress, _Stage, line


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_line_fits_the_width_and_shows_count_bar_percent_and_time() -> None:
    stage = _Stage("reading", 500)
    stage.done = 143
    text = line(stage, 72.4, 80)
    assert text.startswith("reading 143/500 [") and text.endswith("]  28.6% 1:12")
    assert len(text) <= 79
    assert len(line(stage, 1, 20)) == 19 and "[" not in line(stage, 1, 20)  # no room: no bar, still cut


def test_frames_are_throttled_and_the_line_is_erased_at_the_end(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = [100.0]
    monkeypatch.setattr(progress.time, "monotonic", lambda: clock[0])
    terminal = _Terminal()
    with Progress(True, terminal) as bar:
        advance = bar.stage("reading", 4)
        assert advance is not None
        advance()  # 0 s after the first frame: not drawn
        clock[0] += 0.2
        advance()
        clock[0] += 0.01
        advance()  # throttled
        clock[0] += 0.01
        advance()  # the last step: always drawn
    frames = terminal.getvalue().split("\r\x1b[2K")
    assert frames[0] == "" and frames[-1] == ""  # every frame erases the line first; the last erase clears it
    assert [frame.split(" [")[0] for frame in frames[1:-1]] == ["reading 0/4", "reading 2/4", "reading 4/4"]


def test_a_hostile_model_name_is_escaped() -> None:
    terminal = _Terminal()
    with Progress(True, terminal) as bar:
        on_event = bar.on_execute(2)
        assert on_event is not None
        on_event(SimpleNamespace(kind="model-started", path="/models/\x1b]0;pwned\x07"))
    written = terminal.getvalue()
    assert "executing \\x1b]0;pwned\\x07 0/2" in written
    assert "\x07" not in written and written.count("\x1b") == written.count("\x1b[2K")


def test_nothing_is_written_when_off() -> None:
    terminal = _Terminal()
    with Progress(False, terminal) as bar:
        assert bar.stage("reading", 30) is None and bar.on_execute(30) is None
    assert terminal.getvalue() == ""


def test_a_closed_terminal_does_not_stop_the_run() -> None:
    terminal = _Terminal()
    with Progress(True, terminal) as bar:
        advance = bar.stage("reading", 30)
        terminal.close()
        assert advance is not None
        advance()


@pytest.mark.parametrize(
    "tty,term,models,execute,expected",
    [
        (True, "xterm", 20, False, True),
        (True, "xterm", 2, True, True),
        (True, "xterm", 19, False, False),
        (False, "xterm", 50, True, False),
        (True, "dumb", 50, True, False),
    ],
)
def test_wanted_only_at_a_real_terminal_for_a_long_run(
    monkeypatch: pytest.MonkeyPatch, tty: bool, term: str, models: int, execute: bool, expected: bool
) -> None:
    monkeypatch.setattr(progress.sys, "stderr", _Terminal() if tty else io.StringIO())
    monkeypatch.setenv("TERM", term)
    assert progress.wanted(False, models, execute) is expected
    assert progress.wanted(True, models, execute) is False
