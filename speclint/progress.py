"""The progress line of a long ``speclint check``: one line on stderr, only at a terminal.

Built in rather than ``rich``: importing ``rich.progress`` costs more CPU than a whole small
run (``benchmarks/bench_startup.py``), and this needs nothing but ``\\r`` and "erase line".
No thread: the reading pool forks, and a fork must not inherit a lock held by a thread that
does not exist in the child; the line is redrawn when work advances, at most 10 times a second.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from typing import Any, TextIO

PROGRESS_MIN_MODELS = 20  # a smaller static run is over before a bar could help
REFRESH_SECONDS = 0.1
BAR_WIDTH = 30


def wanted(disabled: bool, models: int, execute: bool) -> bool:
    """A line only for a person at a terminal, and only when the run takes a while."""
    if disabled or not sys.stderr.isatty() or os.environ.get("TERM") == "dumb":
        return False
    return models >= PROGRESS_MIN_MODELS or execute


class _Stage:
    def __init__(self, description: str, total: int) -> None:
        self.description = description
        self.total = total
        self.done = 0


class Progress:
    """The progress line; a context manager that erases it at the end, whatever ends the run.

    ``stage`` and ``on_execute`` return the callbacks the pipeline calls, or None when off.
    The line shows the stage that moved last (reading and executing overlap under ``--execute``).
    """

    def __init__(self, enabled: bool, stream: TextIO | None = None) -> None:
        self._stream: TextIO | None = (stream or sys.stderr) if enabled else None
        self._stages: list[_Stage] = []
        self._current: _Stage | None = None
        self._started = time.monotonic()
        self._last = 0.0
        self._drawn = False
        # "\x1b[2K" (erase the line) needs VT processing, which an old Windows console lacks: pad there
        self._erase = "\r" if sys.platform == "win32" else "\r\x1b[2K"

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._drawn:
            self._write(self._erase + (" " * (self._width() - 1) + "\r" if sys.platform == "win32" else ""))

    def stage(self, description: str, total: int) -> Callable[[], None] | None:
        if self._stream is None:
            return None
        stage = self._add(description, total)

        def advance() -> None:
            stage.done += 1
            self._current = stage
            self._draw(force=stage.done == stage.total)  # the last step always shows

        return advance

    def on_execute(self, total: int) -> Callable[[Any], None] | None:
        """A callback for ``ExecuteOptions.progress``: one step per model run."""
        if self._stream is None:
            return None
        stage = self._add("executing", total)

        from speclint.safe_text import escape  # a directory name reaches the terminal here

        def on_event(event: Any) -> None:
            if event.kind == "model-started" and event.path:
                stage.description = f"executing {escape(os.path.basename(event.path))}"
            elif event.kind == "model-finished":
                stage.done += 1
            self._current = stage
            self._draw(force=True)  # a model run takes seconds: every step is worth showing

        return on_event

    def _add(self, description: str, total: int) -> _Stage:
        stage = _Stage(description, total)
        self._stages.append(stage)
        self._current = stage
        self._draw(force=True)
        return stage

    def _draw(self, force: bool = False) -> None:
        now = time.monotonic()
        if self._current is None or (not force and now - self._last < REFRESH_SECONDS):
            return
        self._last = now
        self._write(self._erase + line(self._current, now - self._started, self._width()))
        self._drawn = True

    def _width(self) -> int:
        """``COLUMNS`` if set (as ``shutil.get_terminal_size``), else the terminal's; 80 when it says 0."""
        try:
            return int(os.environ["COLUMNS"])
        except (KeyError, ValueError):
            pass
        try:
            columns = os.get_terminal_size(self._stream.fileno()).columns  # type: ignore[union-attr]
        except (AttributeError, OSError, ValueError):
            columns = 0
        return columns or 80

    def _write(self, text: str) -> None:
        if self._stream is None:
            return
        try:
            self._stream.write(text)
            self._stream.flush()
        except (OSError, ValueError):  # the terminal went away: the run goes on without the line
            self._stream = None


def line(stage: _Stage, seconds: float, width: int) -> str:
    """``reading 143/500 [========>        ]  28.6% 0:12``, cut to fit: a wrapped line breaks ``\\r``."""
    minutes, rest = divmod(int(seconds), 60)
    head = f"{stage.description} {stage.done}/{stage.total}"
    tail = f" {100 * stage.done / stage.total:5.1f}% {minutes}:{rest:02d}" if stage.total else f" {minutes}:{rest:02d}"
    room = width - 1 - len(head) - len(tail) - 3
    bar = ""
    if room >= 10 and stage.total:
        size = min(room, BAR_WIDTH)
        filled = size * min(stage.done, stage.total) // stage.total
        bar = " [" + ("=" * filled + (">" if filled < size else "")).ljust(size) + "]"
    return (head + bar + tail)[: max(width - 1, 0)]  # the last column would make some terminals wrap
