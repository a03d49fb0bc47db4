"""speclint/execute/memory.py: memory read from Linux ``/proc``."""

from __future__ import annotations

import os
import subprocess
import sys

from speclint.execute.memory import rss_mb


def test_rss_is_read_for_this_process_and_a_child_and_none_for_a_missing_one() -> None:
    if not os.path.exists("/proc/self/status"):
        assert rss_mb() is None
        return
    mine = rss_mb()
    assert mine is not None and mine > 1
    code = "import sys; print('ready', flush=True); sys.stdin.read()"
    child = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    try:
        assert child.stdout is not None and child.stdout.readline() == b"ready\n"
        theirs = rss_mb(child.pid)
        assert theirs is not None and theirs > 1
    finally:
        child.communicate(b"")
    assert rss_mb(child.pid) is None  # reaped: no /proc entry
