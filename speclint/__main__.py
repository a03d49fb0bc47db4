"""``python -m speclint`` is the ``speclint`` command."""

from speclint.cli import entry

entry()
