"""speclint/execute/memory.py: this machine's available memory and a process's peak while it works (Linux /proc)."""

from __future__ import annotations

import sys

from speclint.execute.memory import available_mb, peak_during
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
