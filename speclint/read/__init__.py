"""The static reader: one model directory in, one plain-JSON facts document out.

Pure function of the files, protobuf only: never TensorFlow, never executing anything.
(``speclint.read(path)``, the Python API's function, lives in ``speclint.api``.)
"""

from speclint.read.facts import FACTS_VERSION, read_model

__all__ = ["FACTS_VERSION", "read_model"]
