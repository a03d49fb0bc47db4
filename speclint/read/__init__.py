"""The static reader: one model directory in, one plain-JSON facts document out.

Pure function of the files, protobuf only: never TensorFlow, never executing anything.
"""

import sys
import types

from speclint.read.facts import FACTS_VERSION, read_model

__all__ = ["FACTS_VERSION", "read_model"]


class _CallableModule(types.ModuleType):
    """``speclint.read(path)`` is the API's ``read`` even once this package is imported as ``speclint.read``."""

    def __call__(self, path: str, **kwargs: object) -> dict[str, object]:
        from speclint.api import read

        return read(path, **kwargs)  # type: ignore[arg-type]


sys.modules[__name__].__class__ = _CallableModule
