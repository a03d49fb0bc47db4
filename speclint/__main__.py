"""``python -m speclint`` is the ``speclint`` command."""

import sys

from speclint.cli import main

sys.exit(main())
