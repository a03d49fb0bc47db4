"""``speclint fix IN OUT``: write a conforming wrapper of a model into a new directory, and prove it.

The only command that writes. The plan (what to fix, from the ordinary lint of IN) needs no
TensorFlow, so ``--dry-run`` needs none either; writing and the proof import it lazily.
"""

from __future__ import annotations

__all__: list[str] = []
