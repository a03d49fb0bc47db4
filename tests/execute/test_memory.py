"""speclint/execute/memory.py: this machine's available memory, a process's size and its peak
while it works (Linux /proc)."""

from __future__ import annotations

import os
import subprocess
import sys

from speclint.execute.memory import available_mb, peak_during, rss_mb
from tests.conftest import need


def test_available_memory_is_a_plausible_number_of_mib() -> None:
    need(sys.platform == "linux", "/proc is Linux's")
    available = available_mb()
    assert available is not None and 16 < available < 64 * 1024 * 1024


def test_the_peak_sees_memory_touched_and_freed_during_the_work() -> None:
    need(sys.platform == "linux", "/proc is Linux's")

    def work() -> int:
        block = bytearray(96 << 20)  # zero-filled: every page touched
        return len(block)

    baseline, _ = peak_during(lambda: 0)
    size, peak = peak_during(work)
    _, after = peak_during(lambda: 0)  # the reset forgets the freed block
    assert baseline == 0 and size == 96 << 20
    assert peak is not None and after is not None and peak - after > 80


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
