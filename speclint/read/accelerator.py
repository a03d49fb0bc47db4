"""Which reader runs: the C accelerator ``speclint._wire`` when it was built, else pure Python.

Both give the same facts (``tests/read/test_accelerator.py`` compares them on every model); the
accelerator reads a big graph at the speed of the protobuf parse. ``SPECLINT_PURE_PYTHON=1``
forces the pure-Python reader, for comparison and for debugging.
"""

from __future__ import annotations

import os
from array import array
from collections.abc import Iterator
from contextlib import contextmanager
from types import ModuleType
from typing import Any

import speclint.read.graph.floods as python_floods


def _load() -> ModuleType | None:
    if os.environ.get("SPECLINT_PURE_PYTHON"):
        return None
    try:
        import speclint._wire as _wire
    except ImportError:
        return None
    return _wire


wire: Any = _load()


def reader_name() -> str:
    """``native`` or ``pure-python``: what ``speclint --version`` reports."""
    return "native" if wire is not None else "pure-python"


def ints(data: bytes | array) -> array:
    """An int32 array of native-endian bytes (what ``_wire`` returns), or the array itself."""
    if isinstance(data, array):
        return data
    result = array("i")
    result.frombytes(data)
    return result


def by_producer(src: array, dst: array, pos: array, size: int) -> tuple[array, array, array]:
    """``graph.floods.by_producer``, in C when it is there."""
    if wire is None:
        return python_floods.by_producer(src, dst, pos, size)
    start, out_dst, out_pos = wire.by_producer(src, dst, pos, size)
    return ints(start), ints(out_dst), ints(out_pos)


floods: Any = wire if wire is not None else python_floods  # forward, backward, ops_on


@contextmanager
def pure_python() -> Iterator[None]:
    """Run the pure-Python reader in this process until the block ends (what ``SPECLINT_PURE_PYTHON=1``
    selects for a whole process): for comparisons in tests and benchmarks."""
    global wire, floods
    saved = wire, floods
    wire, floods = None, python_floods
    try:
        yield
    finally:
        wire, floods = saved
