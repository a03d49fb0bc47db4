"""The index tables read from the file's bytes by the accelerator (``speclint._wire.graph_index``).

A big graph then costs no parsed NodeDef per node: names, op types, kinds, layouts, string flags
and edges come from C, deciding each by the rules ``node_rules`` writes in Python, and every
scope's NodeDefs stay in the file as ``LazyNodes``, parsed one by one when a reader asks. The C
returns a plain tuple; ``_from_c`` is the one place that turns it into ``ScopeTables``.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from typing import Any, overload

import speclint.read.accelerator as accelerator
from speclint.proto import messages
from speclint.proto.messages import Message
from speclint.read.graph.node_rules import CALLING_OPS, no_layout_ops
from speclint.read.graph.tables import ScopeNodes, ScopeTables

OFFSET = struct.Struct("=q")  # one NodeDef offset as ``_wire`` writes it: a native-endian int64


class NotNative(Exception):
    """The wire tables cannot stand for this graph: the caller parses the whole file with protobuf."""


class LazyNodes(Sequence[Message]):
    """The ``NodeDef`` messages of one scope, parsed from the model's bytes only when asked for.

    Stands where the index of a fully parsed model holds the repeated field: a big graph then
    costs one parse of the nodes a reader really looks at, not of every node. ``data`` is the
    file, ``starts``/``ends`` the native-endian int64 offsets of each NodeDef's payload, kept as
    the bytes the accelerator gave: a model of 200,000 one-node functions has 200,000 of these.
    """

    __slots__ = ("_cache", "_data", "_ends", "_starts")

    def __init__(self, data: bytes, starts: bytes, ends: bytes) -> None:
        self._data = data
        self._starts = starts
        self._ends = ends
        self._cache: dict[int, Message] = {}

    def __len__(self) -> int:
        return len(self._starts) // OFFSET.size

    @overload
    def __getitem__(self, position: int) -> Message: ...

    @overload
    def __getitem__(self, position: slice) -> list[Message]: ...

    def __getitem__(self, position: int | slice) -> Message | list[Message]:
        if isinstance(position, slice):
            return [self[i] for i in range(*position.indices(len(self)))]
        if position < 0:
            position += len(self)
        node = self._cache.get(position)
        if node is None:
            if not 0 <= position < len(self):
                raise IndexError(position)
            (start,) = OFFSET.unpack_from(self._starts, OFFSET.size * position)
            (end,) = OFFSET.unpack_from(self._ends, OFFSET.size * position)
            node = messages.NodeDef.FromString(self._data[start:end])
            self._cache[position] = node
        return node

    def spans(self) -> tuple[memoryview, memoryview]:
        """Where each NodeDef lies in the file (for the validation of ``read.lazy_read``)."""
        return memoryview(self._starts).cast("q"), memoryview(self._ends).cast("q")


def read_tables(data: bytes, start: int, end: int, functions: Sequence[Message]) -> ScopeTables:
    """The tables of the GraphDef payload ``data[start:end]``, whose library functions' signatures
    (from the parsed skeleton) are ``functions``. Raises ``NotNative`` when the accelerator is not
    there or the wire tables cannot stand for the graph."""
    wire = accelerator.wire
    raw = wire.graph_index(data, start, end, CALLING_OPS, no_layout_ops()) if wire is not None else None
    if raw is None:
        raise NotNative
    tables = _from_c(raw, data)
    if len(tables.scopes) != len(functions) + 1:
        raise NotNative
    for scope, function in zip(tables.scopes[1:], functions, strict=True):
        if function.signature.name != scope.name:
            raise NotNative  # never seen: C and protobuf read the signature alike
    if sum(len(scope.nodes) + len(scope.args) for scope in tables.scopes) != tables.size:
        raise NotNative
    return tables


def _from_c(raw: tuple[Any, ...], data: bytes) -> ScopeTables:
    """``graph_index``'s tuple as the contract: the same fields in the same order, each scope's
    NodeDef offsets made ``LazyNodes`` (in the C's own list: a model of many small functions
    never holds both forms of every scope) and the int32 tables made arrays."""
    tables = ScopeTables._make(raw)
    scopes: list[Any] = tables.scopes  # per scope from C: name, ids, NodeDef starts and ends (int64 bytes), args
    for number, (name, ids, starts, ends, args) in enumerate(scopes):
        scopes[number] = ScopeNodes(name, ids, LazyNodes(data, starts, ends), args)
    ints = accelerator.ints
    return tables._replace(
        in_start=ints(tables.in_start),
        src=ints(tables.src),
        output=ints(tables.output),
        dst=ints(tables.dst),
        pos=ints(tables.pos),
    )
