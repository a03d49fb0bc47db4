"""Memory from Linux ``/proc``: a process's resident size (the runner watches the worker's), the
worker's peak during one call, and what the machine has left.

The throughput probe sizes its batch from these so that it measures speed instead of
crashing the worker: a batch that would need more than ``--memory-limit`` (the parent's
watchdog kills the worker) or more than the machine has (TensorFlow aborts with
``std::bad_alloc``) is never asked for. Linux ``/proc`` only; elsewhere every answer is None
and the probe keeps its requested size. No TensorFlow here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def available_mb() -> float | None:
    """``MemAvailable`` of ``/proc/meminfo`` in MiB: what can be allocated without swapping."""
    try:
        with open("/proc/meminfo", encoding="ascii") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) / 1024
    except (OSError, ValueError):
        return None
    return None


def rss_mb(pid: int | None = None) -> float | None:
    """Resident set size of a process (this one by default) in MiB, to 0.1 MiB.

    None where there is no ``/proc`` or the process is gone: memory is then not measured.
    """
    value = _status_mb("VmRSS:", pid)
    return None if value is None else round(value, 1)


def _status_mb(field: str, pid: int | None = None) -> float | None:
    """A ``kB`` field of ``/proc/<pid>/status`` (``VmRSS``, ``VmHWM``) in MiB."""
    where = "self" if pid is None else str(pid)
    try:
        with open(f"/proc/{where}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith(field):
                    return int(line.split()[1]) / 1024
    except (OSError, ValueError):
        return None
    return None


def _reset_peak() -> bool:
    """Set this process's peak resident size (``VmHWM``) back to its current size (Linux >= 4.0)."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as clear:
            clear.write("5")
    except OSError:
        return False
    return True


def peak_during(work: Callable[[], T]) -> tuple[T, float | None]:
    """``work()``'s result and this process's peak resident memory (MiB) while it ran, if known."""
    measured = _reset_peak()
    result = work()
    return result, _status_mb("VmHWM:") if measured else None
