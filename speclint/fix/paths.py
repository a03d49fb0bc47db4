"""Where ``fix`` may write: a new or empty OUT that is neither IN nor inside it, or around it.

Paths are compared after ``realpath`` so a symlink cannot make OUT alias IN. ``fix`` removes
only what it created: OUT itself when it made it, else only OUT's contents (OUT was empty).
"""

from __future__ import annotations

import os
import shutil

from speclint.errors import SpeclintError
from speclint.safe_text import display_path


class Destination:
    """OUT, checked and created; ``discard()`` undoes exactly what ``create()`` did."""

    def __init__(self, source: str, out: str) -> None:
        self.source = source
        self.out = out
        self.created = False
        _check(source, out)

    def create(self) -> None:
        """Make OUT (its parent must exist); an existing OUT must still be an empty directory."""
        if os.path.lexists(self.out):
            _require_empty(self.out)
            return
        try:
            os.mkdir(self.out)
        except OSError as exc:
            raise SpeclintError(f"{display_path(self.out)}: cannot create: {exc.strerror or exc}") from None
        self.created = True

    def discard(self) -> None:
        """Remove what fix wrote: OUT when fix made it, else everything inside (it was empty)."""
        if self.created:
            shutil.rmtree(self.out, ignore_errors=True)
            return
        for name in os.listdir(self.out):
            target = os.path.join(self.out, name)
            if os.path.isdir(target) and not os.path.islink(target):
                shutil.rmtree(target, ignore_errors=True)
            else:
                os.remove(target)


def _check(source: str, out: str) -> None:
    if not os.path.isdir(source):
        raise SpeclintError(f"{display_path(source)}: not a model directory")
    real_in = os.path.realpath(source)
    real_out = os.path.realpath(out)
    if real_in == real_out:
        raise SpeclintError(f"{display_path(out)}: OUT is IN; fix never writes into the model it reads")
    if real_out.startswith(real_in.rstrip(os.sep) + os.sep):
        raise SpeclintError(f"{display_path(out)}: OUT is inside IN; fix never writes into the model it reads")
    if os.path.lexists(out):
        _require_empty(out)


def _require_empty(out: str) -> None:
    if os.path.islink(out) or not os.path.isdir(out):
        raise SpeclintError(f"{display_path(out)}: OUT exists and is not a directory")
    if os.listdir(out):
        raise SpeclintError(f"{display_path(out)}: OUT is not empty; fix writes only into a new or empty directory")
