"""The index tables of a parsed GraphDef, in Python: the reference builder.

Used when the accelerator is not built, when it hands a file back (a repeated node or
function name, anything it does not model exactly), and for text SavedModels. One pass per
scope reads names, op types and every data input once; what each node means to the index is
decided by ``node_rules``, as the C builder (``from_wire``) decides it.
"""

from __future__ import annotations

import sys
from array import array
from itertools import repeat

from speclint.proto.messages import Message
from speclint.read.graph.node_rules import (
    ARGUMENT,
    CALLING,
    CALLING_OPS,
    kind,
    may_be_string,
    nchw_layout,
    no_layout_ops,
    output_index,
)
from speclint.read.graph.tables import ScopeNodes, ScopeTables


def read_tables(graph_def: Message) -> ScopeTables:
    """The tables of ``graph_def``: its nodes, then each library function's nodes and arguments."""
    functions = graph_def.library.function
    calling_ops = CALLING_OPS | frozenset(function.signature.name for function in functions)
    scopes = [ScopeNodes(None, {}, graph_def.node, [])]
    scopes += [
        ScopeNodes(f.signature.name, {}, f.node_def, [arg.name for arg in f.signature.input_arg]) for f in functions
    ]
    size = sum(len(scope.nodes) + len(scope.args) for scope in scopes)
    ints = [array("i") for _ in range(5)]
    tables = ScopeTables(
        scopes=scopes,
        names=[],
        ops=[],
        kind=bytearray(size),
        calling=[],
        nchw=[],
        named=[],
        in_start=ints[0],
        src=ints[1],
        output=ints[2],
        dst=ints[3],
        pos=ints[4],
        strings=bytearray(size),
    )
    builder = _Builder(tables, calling_ops)
    for number, scope in enumerate(scopes):
        builder.read_scope(number, scope)
    tables.in_start.append(len(tables.src))
    tables.named.sort()  # in edge order, as the C builder finds them
    return tables


def _arg_positions(args: list[str]) -> dict[str, int]:
    """Argument name -> position; of a repeated name the first counts (one tensor, as ``list.index``)."""
    return {arg: i for i, arg in reversed(list(enumerate(args)))}


class _Builder:
    """Fills one ``ScopeTables`` scope by scope; ``base`` is the first id of the scope being read."""

    def __init__(self, tables: ScopeTables, calling_ops: frozenset[str]) -> None:
        self.tables = tables
        self.calling_ops = calling_ops
        self.base = 0

    def read_scope(self, number: int, scope: ScopeNodes) -> None:
        """Every node of a scope, then its arguments (names, no op, no inputs)."""
        tables, base = self.tables, self.base
        count = len(scope.nodes)
        for position in range(len(scope.args)):
            tables.kind[base + count + position] = ARGUMENT
        self._read_nodes(number, scope)
        for arg in scope.args:
            tables.names.append(arg)
            tables.ops.append("")
            tables.in_start.append(len(tables.src))
        self.base += count + len(scope.args)

    def _read_nodes(self, number: int, scope: ScopeNodes) -> None:
        """One pass over a scope's nodes: names, op types, and every data input parsed once.

        An input naming a node further down is resolved after the pass; a duplicated node
        name (the last one wins, as in a dict) sends the scope through ``_read_edges`` again.
        """
        t, base, ids, nodes = self.tables, self.base, scope.ids, scope.nodes
        names, ops, kinds, calling, nchw, strings = t.names, t.ops, t.kind, t.calling, t.nchw, t.strings
        in_start, src, out_index, dst, pos, named = t.in_start, t.src, t.output, t.dst, t.pos, t.named
        arg_positions = _arg_positions(scope.args) if scope.name else {}  # a function named "" has none
        arg_base = base + len(nodes)
        first_edge, first_named = len(src), len(named)
        later: list[tuple[int, str]] = []
        intern, calling_ops, no_layout = sys.intern, self.calling_ops, no_layout_ops()
        for position, node in enumerate(nodes):
            name, op = node.name, intern(node.op)
            ids[name] = position
            names.append(name)
            ops.append(op)
            node_id = base + position
            in_start.append(len(src))
            if kind(op, calling_ops) == CALLING:
                kinds[node_id] = CALLING
                calling.append(node_id)
            if op not in no_layout:
                layout = nchw_layout(node, no_layout)
                if layout is not None:
                    nchw.append((node_id, layout))
            if may_be_string(node):
                strings[node_id] = 1
            slot = 0
            for raw in node.input:
                if raw in arg_positions:
                    src.append(arg_base + arg_positions[raw])
                    out_index.append(arg_positions[raw])
                elif ":" not in raw:
                    if raw[:1] == "^":
                        continue
                    local = ids.get(raw)
                    if local is None:
                        later.append((len(src), raw))
                        src.append(-1)
                    else:
                        src.append(base + local)
                    out_index.append(0)
                else:
                    if raw[:1] == "^":
                        continue
                    parts = raw.split(":")
                    local = ids.get(parts[0])
                    if local is None:
                        later.append((len(src), raw))
                        src.append(-1)
                        out_index.append(0)
                        slot += 1
                        continue
                    src.append(base + local)
                    if len(parts) == 2:
                        text = parts[1]
                    elif parts[1] != "output" and kinds[base + local] == CALLING:  # outputs named by a function
                        named.append((len(out_index), number, raw))
                        out_index.append(0)
                        slot += 1
                        continue
                    else:
                        text = parts[2]
                    out_index.append(0 if text == "0" else output_index(text))
                slot += 1
            if slot:
                dst.extend(repeat(node_id, slot))
                pos.extend(range(slot))
        if len(ids) < len(nodes):
            del named[first_named:]
            self._read_edges(number, scope, first_edge)
            return
        for edge, raw in later:
            producer, index = self._split(number, scope, edge, raw)
            src[edge], out_index[edge] = (-1 if producer is None else producer), index

    def _split(self, number: int, scope: ScopeNodes, edge: int, raw: str) -> tuple[int | None, int]:
        """The producer id (None when unknown) and output index of a non-argument input at ``edge``;
        an output named by a called function is noted in ``named`` (index 0 until resolved)."""
        parts = raw.split(":")
        local = scope.ids.get(parts[0])
        if local is None:
            return None, 0
        producer = self.base + local
        if len(parts) == 1:
            return producer, 0
        if len(parts) == 2:
            return producer, output_index(parts[1])
        if parts[1] != "output" and self.tables.kind[producer] == CALLING:
            self.tables.named.append((edge, number, raw))
            return producer, 0
        return producer, output_index(parts[2])

    def _read_edges(self, number: int, scope: ScopeNodes, first_edge: int) -> None:
        """The edges of a scope with duplicated node names, read again with every name known."""
        t, base = self.tables, self.base
        for edges in (t.src, t.output, t.dst, t.pos):
            del edges[first_edge:]
        arg_positions = _arg_positions(scope.args) if scope.name else {}
        arg_base = base + len(scope.nodes)
        live = set(scope.ids.values())
        for position, node in enumerate(scope.nodes):
            t.in_start[base + position] = len(t.src)
            if position not in live:
                continue
            slot = 0
            for raw in node.input:
                if raw[:1] == "^":
                    continue
                producer: int | None
                if raw in arg_positions:
                    producer, index = arg_base + arg_positions[raw], arg_positions[raw]
                else:
                    producer, index = self._split(number, scope, len(t.src), raw)
                t.src.append(-1 if producer is None else producer)
                t.output.append(index)
                t.dst.append(base + position)
                t.pos.append(slot)
                slot += 1
