"""How bad a finding is: the severities of lint findings and of ``speclint diff``'s changes, and
their rank, which ``--fail-level``/``--fail-on``, the exit code and the reports compare by."""

from __future__ import annotations

SEVERITIES = ("info", "warning", "error")  # ascending
SEVERITY_ORDER = tuple(reversed(SEVERITIES))  # worst first: the order reports count them in
CHANGE_SEVERITIES = ("info", "warning", "breaking")  # ascending
CHANGE_ORDER = tuple(reversed(CHANGE_SEVERITIES))  # breaking, warning, info


def severity_rank(severity: str) -> int:
    """0 for info up to 2 for error: a finding fails the run at or above the threshold's rank."""
    return SEVERITIES.index(severity)


def change_rank(severity: str) -> int:
    """0 for info up to 2 for breaking (``speclint diff --fail-on``)."""
    return CHANGE_SEVERITIES.index(severity)
