"""The graph index's tables: the one contract between its two builders and its queries.

The tables are built either from parsed NodeDefs (``from_messages``, pure Python) or from the
file's bytes (``from_wire``, by ``speclint._wire``); ``GraphIndex`` answers every query from
them and never asks which builder ran. Named fields, not positions: the C builder's tuple
becomes a ``ScopeTables`` in one place (``from_wire``), in the field order written here once
(``tests/read/graph/test_tables.py`` checks it against the C's own documentation).

Ids: every node of every scope, then that scope's arguments, get consecutive integer ids,
scope after scope (the top-level graph first, then the library's functions in order).
"""

from __future__ import annotations

from array import array
from collections.abc import Sequence
from typing import NamedTuple

from speclint.proto.messages import Message


class ScopeNodes(NamedTuple):
    """One scope's nodes as a builder found them."""

    name: str | None
    """The library function's name; None for the top-level graph."""
    ids: dict[str, int]
    """Node name -> position in ``nodes`` (of a repeated name, the last node wins, as in a dict)."""
    nodes: Sequence[Message]
    """The NodeDefs by position: the repeated field itself, or ``LazyNodes`` over the file's bytes."""
    args: list[str]
    """The function's argument names in signature order (repeats kept); none for the graph."""


class ScopeTables(NamedTuple):
    """Everything the index answers from, for every id (see the module docstring)."""

    scopes: list[ScopeNodes]
    """The graph, then every library function, in the GraphDef's order."""
    names: list[str]
    """Id -> node or argument name."""
    ops: list[str]
    """Id -> op type (interned); "" for an argument."""
    kind: bytearray
    """Id -> ``PLAIN``, ``CALLING`` (may run a function) or ``ARGUMENT`` (``node_rules.kind``)."""
    calling: list[int]
    """The ids of kind ``CALLING``, ascending."""
    nchw: list[tuple[int, bytes]]
    """(id, layout) of each node with a channels-first ``data_format`` (``node_rules.nchw_layout``), ascending."""
    named: list[tuple[int, int, str]]
    """(edge, scope number, raw input) of each input naming an output by a called function's output
    name (``call:y:0``): its ``output`` stays 0 until the index resolves it with the callee's signature."""
    in_start: array
    """Int32, one more than ids: the data inputs of id ``i`` are the edges ``in_start[i]:in_start[i + 1]``."""
    src: array
    """Int32, edge -> producer id (-1: the input names no node of its scope)."""
    output: array
    """Int32, edge -> output index of the producer read (``node_rules.output_index``); the C calls it
    ``index``, a name a tuple's field cannot take."""
    dst: array
    """Int32, edge -> consumer id (edges are in consumer order)."""
    pos: array
    """Int32, edge -> position among the consumer's data inputs."""
    strings: bytearray
    """Id -> 1 when the node's ``value`` may be a string tensor (``node_rules.may_be_string``), else 0."""

    @property
    def size(self) -> int:
        """How many ids the tables hold."""
        return len(self.kind)
