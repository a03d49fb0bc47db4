"""The progress bar of a long ``speclint check`` (``rich``, on stderr, only at a terminal)."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from typing import Any

PROGRESS_MIN_MODELS = 20  # a smaller static run is over before a bar could help


def wanted(disabled: bool, models: int, execute: bool) -> bool:
    """A bar only for a person at a terminal, and only when the run takes a while."""
    if disabled or not sys.stderr.isatty():
        return False
    return models >= PROGRESS_MIN_MODELS or execute


class Progress:
    """A rich progress bar on stderr, one task per stage; does nothing when off or without rich.

    No refresh thread (``auto_refresh=False``): the reading pool forks, and a fork must not
    inherit a lock held by a thread that does not exist in the child.
    """

    def __init__(self, enabled: bool) -> None:
        self._bar: Any = None
        self._last = 0.0
        if not enabled:
            return
        try:
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn
            from rich.progress import Progress as Bar
        except ImportError:
            return
        self._bar = Bar(
            TextColumn("{task.description}", markup=False),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=Console(stderr=True),
            auto_refresh=False,
            transient=True,
        )

    def __enter__(self) -> Progress:
        if self._bar is not None:
            self._bar.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._bar is not None:
            self._bar.stop()

    def _refresh(self, force: bool = False) -> None:
        now = time.monotonic()
        if force or now - self._last >= 0.1:
            self._last = now
            self._bar.refresh()

    def stage(self, description: str, total: int) -> Callable[[], None] | None:
        if self._bar is None:
            return None
        task = self._bar.add_task(description, total=total)
        self._refresh(force=True)

        def advance() -> None:
            self._bar.advance(task)
            self._refresh()

        return advance

    def on_execute(self, total: int) -> Callable[[Any], None] | None:
        """A callback for ``ExecuteOptions.progress``: one step per model run."""
        if self._bar is None:
            return None
        task = self._bar.add_task("executing", total=total)
        self._refresh(force=True)

        from speclint.safe_text import escape  # a directory name reaches the terminal here too

        def on_event(event: Any) -> None:
            if event.kind == "model-started" and event.path:
                self._bar.update(task, description=f"executing {escape(os.path.basename(event.path))}")
            elif event.kind == "model-finished":
                self._bar.advance(task)
            self._refresh(force=True)

        return on_event
