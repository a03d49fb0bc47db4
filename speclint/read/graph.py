"""The graph and its function library: which ops exist, where, and how data flows.

TensorFlow 2 models hide their real computation behind call ops
(``StatefulPartitionedCall`` -> ``__inference_...`` functions) and functional control flow
(``If``/``While`` branches). ``GraphIndex`` treats the top-level graph and every library
function as *scopes* and follows data across those boundaries, so later rules can ask
"what consumes the image input?", "what produces the output?" and "which ops lie on the
path between them?" without knowing how the model was built.
"""

from __future__ import annotations

import functools
import heapq
import os
import struct
import sys
from array import array
from bisect import bisect_right
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from itertools import chain, compress, repeat
from typing import Any, overload

import speclint.read.native as native
from speclint.proto import messages
from speclint.proto.messages import Message, dtype_name

TOP = ""  # the scope name of the top-level GraphDef
CALL_OPS = frozenset({"PartitionedCall", "StatefulPartitionedCall"})
IF_OPS = frozenset({"If", "StatelessIf"})
WHILE_OPS = frozenset({"While", "StatelessWhile"})
CASE_OPS = frozenset({"Case", "StatelessCase"})
CONTROL_FLOW_OPS = IF_OPS | WHILE_OPS | CASE_OPS
CALLING_OPS = CALL_OPS | CONTROL_FLOW_OPS  # with library function names as ops: all that can run a function
PLAIN, CALLING, ARGUMENT = 0, 1, 2  # kinds of ids in a GraphIndex
PASS_THROUGH_OPS = frozenset({"Identity", "IdentityN", "Snapshot", "StopGradient", "PreventGradient"})
NCHW_FORMATS = frozenset({b"NCHW", b"NCDHW", b"NCHW_VECT_C"})
# Registered ops with a ``data_format`` attribute (TensorFlow 2.21; tests/read/test_layout_ops.py checks
# it against the registry). TensorFlow ignores one on any other registered op (the same test shows it),
# so their attributes are never read for it; unregistered ops and internal ``_`` ops always are.
LAYOUT_OPS = frozenset(
    [
        "AvgPool",
        "AvgPool3D",
        "AvgPool3DGrad",
        "AvgPoolGrad",
        "BiasAdd",
        "BiasAddGrad",
        "Conv",
        "Conv2D",
        "Conv2DBackpropFilter",
        "Conv2DBackpropFilterV2",
        "Conv2DBackpropInput",
        "Conv2DBackpropInputV2",
        "Conv3D",
        "Conv3DBackpropFilterV2",
        "Conv3DBackpropInputV2",
        "DepthToSpace",
        "DepthwiseConv2dNative",
        "DepthwiseConv2dNativeBackpropFilter",
        "DepthwiseConv2dNativeBackpropInput",
        "FusedBatchNorm",
        "FusedBatchNormGrad",
        "FusedBatchNormGradV2",
        "FusedBatchNormGradV3",
        "FusedBatchNormV2",
        "FusedBatchNormV3",
        "MaxPool",
        "MaxPool3D",
        "MaxPool3DGrad",
        "MaxPool3DGradGrad",
        "MaxPoolGrad",
        "MaxPoolGradGrad",
        "MaxPoolGradGradV2",
        "MaxPoolGradV2",
        "MaxPoolV2",
        "RiscConv",
        "RiscPool",
        "SpaceToDepth",
    ]
)
SCALE_OPS = frozenset({"Mul", "RealDiv", "Div", "TrueDiv", "DivNoNan"})
OFFSET_OPS = frozenset({"Sub", "Add", "AddV2", "BiasAdd"})
LIST_CAP = 20  # longest list of nodes kept in the facts; the count is always exact
MAX_INDEX = (1 << 31) - 1  # output indices above this are hostile input; they would not fit the index arrays
MAX_CALL_DEPTH = 64  # nested calls ``backward`` follows; deeper ones (hostile input only) are not entered

_Summary = tuple[frozenset[int], frozenset[int]]  # what a function output depends on: node ids, argument positions


class Ref:
    """One tensor: ``node`` in ``scope`` (a function argument when ``is_arg``), output ``index``.

    Immutable and hashable: refs are set members and parts of traversal keys.
    """

    __slots__ = ("index", "is_arg", "node", "scope")

    def __init__(self, scope: str, node: str, index: int = 0, is_arg: bool = False) -> None:
        self.scope = scope
        self.node = node
        self.index = index
        self.is_arg = is_arg

    def _key(self) -> tuple[str, str, int, bool]:
        return (self.scope, self.node, self.index, self.is_arg)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Ref) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        return f"Ref{self._key()!r}"


class Scope:
    """The top-level graph or one library function: its nodes, arguments and returns.

    ``nodes`` maps names to the parsed ``NodeDef`` messages without copying them; ``base`` is
    the integer id of the first node (ids ``base .. base + len(nodes)``), the arguments follow.
    """

    __slots__ = ("arg_positions", "args", "base", "name", "nodes", "outputs", "ret")

    def __init__(
        self,
        name: str,
        nodes: _Nodes,
        base: int,
        args: list[str] | None = None,
        outputs: list[str] | None = None,
        ret: dict[str, str] | None = None,
    ) -> None:
        self.name = name
        self.nodes = nodes
        self.base = base
        self.args = args or []
        self.arg_positions = {arg: i for i, arg in reversed(list(enumerate(self.args)))}  # first wins, as list.index
        self.outputs = outputs or []
        self.ret = ret or {}


class _Nodes(Mapping[str, Message]):
    """Node name -> ``NodeDef`` of one scope, over the repeated field itself (no wrapper kept per node)."""

    __slots__ = ("_ids", "_messages")

    def __init__(self, ids: dict[str, int], messages: Any) -> None:
        self._ids = ids  # name -> position in the repeated field (the last node of a duplicated name wins)
        self._messages = messages

    def __getitem__(self, name: str) -> Message:
        return self._messages[self._ids[name]]

    def __contains__(self, name: object) -> bool:
        return name in self._ids

    def __iter__(self) -> Iterator[str]:
        return iter(self._ids)

    def __len__(self) -> int:
        return len(self._ids)

    @property
    def messages(self) -> Any:
        """The scope's repeated ``NodeDef`` field itself, by position."""
        return self._messages


class NotNative(Exception):
    """The wire tables cannot stand for this graph: the caller parses the whole file with protobuf."""


class LazyNodes(Sequence[Message]):
    """The ``NodeDef`` messages of one scope, parsed from the model's bytes only when asked for.

    Stands where the index of a fully parsed model holds the repeated field: a big graph then
    costs one parse of the nodes a reader really looks at, not of every node. ``data`` is the
    file, ``starts``/``ends`` the native-endian int64 offsets of each NodeDef's payload.
    """

    __slots__ = ("_cache", "_data", "_ends", "_starts")

    def __init__(self, data: bytes, starts: bytes, ends: bytes) -> None:
        self._data = data
        self._starts = memoryview(starts).cast("q")
        self._ends = memoryview(ends).cast("q")
        self._cache: dict[int, Message] = {}

    def __len__(self) -> int:
        return len(self._starts)

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
            node = messages.NodeDef.FromString(self._data[self._starts[position] : self._ends[position]])
            self._cache[position] = node
        return node

    def spans(self) -> tuple[memoryview, memoryview]:
        """Where each NodeDef lies in the file (for the validation of ``read.lean``)."""
        return self._starts, self._ends


def function_refs(node: Message) -> Iterator[str]:
    """Names of functions a node refers to through function-valued attributes."""
    for _, name in function_attr_refs(node):
        yield name


MAX_ATTR_DEPTH = 32  # NameAttrList inside NameAttrList...: deeper is hostile input, not a model


def function_attr_refs(node: Message) -> Iterator[tuple[str, str]]:
    """(top-level attribute, function) for every function a node's attributes name, at any depth.

    A function-valued attribute is a ``NameAttrList`` whose own attributes may name more
    functions (TensorFlow instantiates them too), alone or in lists: all of them count.
    """
    attrs = node.attr
    for key in sorted(attrs):
        value = attrs[key]
        kind = value.WhichOneof("value")
        if kind == "func" or (kind == "list" and value.list.func):  # types, shapes, strings: no generator
            for name in _attr_functions(value, 0):
                yield key, name


def _attr_functions(value: Message, depth: int) -> Iterator[str]:
    if depth > MAX_ATTR_DEPTH:
        return
    kind = value.WhichOneof("value")
    funcs = [value.func] if kind == "func" else list(value.list.func) if kind == "list" else []
    for func in funcs:
        yield func.name
        for key in sorted(func.attr):
            yield from _attr_functions(func.attr[key], depth + 1)


class GraphIndex:
    """The top-level graph and its function library as scopes, with data-flow queries.

    Built in one pass over the nodes: every node and function argument gets an integer id,
    every data input is parsed once into (producer id, output index), and consumers are found
    by binary search in the edges sorted by producer. Queries walk integers, and each answer
    is kept: many entry points that share an input, an output or a function cost one walk.
    """

    def __init__(self, graph_def: Message, wire: tuple[bytes, int, int] | None = None) -> None:
        """Index ``graph_def``; with ``wire`` (the file and the span of this GraphDef in it), read
        the nodes from the bytes with ``speclint._wire`` (``graph_def`` then holds no nodes:
        ``read.lean``). Raises ``NotNative`` when the wire tables cannot stand for the graph."""
        self.scopes: dict[str, Scope] = {}
        self.top_shadowed = False  # scopes[TOP] is a function named "" (hostile input), not the graph
        self._ops: list[str] = []  # id -> op type ("" for an argument)
        self._names: list[str] = []  # id -> node or argument name
        self._bases: list[int] = []  # first id of each scope, ascending
        self._scope_names: list[str] = []
        self._arg_position: dict[int, int] = {}  # argument id -> its position
        self._targets: dict[int, list[tuple[str, int]]] = {}
        self._memo: dict[tuple[Any, ...], Any] = {}
        self._consumers_of: dict[int, tuple[tuple[str, str, int], ...]] = {}
        self._size = 0  # ids handed out: every scope's nodes, then its arguments
        self._calling: list[int] = []  # ids of nodes that may run a function
        self._nchw: list[tuple[int, bytes]] = []  # (id, layout) of nodes whose data_format is channels-first
        self._summaries: dict[tuple[str, int], _Summary] = {}  # complete: true wherever the walk entered
        self._partial: dict[tuple[str, int], _Summary] = {}
        self._incomplete = False
        self._stamp: array | None = None  # per node: the walk of ``_backward_from`` that last visited it
        self._strings: bytearray | None = None  # per node, when read from the wire: 0 = its ``value`` is no string
        self._marks = 0
        functions = list(graph_def.library.function)
        self._function_names = frozenset(f.signature.name for f in functions)
        self._calling_ops = CALLING_OPS | self._function_names
        # Data edges in consumer order: producer id, output index, consumer id, input position.
        # 32-bit: ids and edges number fewer than the bytes of a file protobuf can parse (< 2 GiB).
        if wire is None:
            self._read_messages(graph_def, functions)
        else:
            self._read_wire(functions, *wire)
        # The same edges sorted by producer: a node's consumers are one slice.
        self._out_start, self._out_dst, self._out_pos = native.by_producer(
            self._edge_src, self._edge_dst, self._edge_pos, self._size
        )
        del self._edge_dst, self._edge_pos  # only the sorted copies are read from here on
        self._calls_flags = bytearray(self._size)  # 1: a producer with a consumer that may run a function
        for node_id in self._calling:
            for edge in range(self._in_start[node_id], self._in_start[node_id + 1]):
                if self._edge_src[edge] >= 0:
                    self._calls_flags[self._edge_src[edge]] = 1

    def _read_messages(self, graph_def: Message, functions: list[Message]) -> None:
        """The index of a parsed GraphDef, in Python."""
        pending: list[tuple[Scope, Any]] = [(self._add_scope(TOP, graph_def.node), graph_def.node)]
        for function in functions:
            scope = self._add_function(function, function.node_def)
            pending.append((scope, function.node_def))
        self._kind = bytearray(self._size)  # id -> PLAIN, CALLING (may run a function) or ARGUMENT
        for argument in self._arg_position:
            self._kind[argument] = ARGUMENT
        self._in_start = array("i")
        self._edge_src = array("i")
        self._edge_index = array("i")
        self._edge_dst = array("i")
        self._edge_pos = array("i")
        for scope, nodes in pending:
            self._read_nodes(scope, nodes)
        self._in_start.extend([len(self._edge_src)] * (self._size + 1 - len(self._in_start)))  # arguments

    def _read_wire(self, functions: list[Message], data: bytes, start: int, end: int) -> None:
        """The index read from the file's bytes by ``speclint._wire``: the same tables, in C."""
        tables = native.wire.graph_index(data, start, end, CALLING_OPS, _no_layout_ops()) if native.wire else None
        if tables is None or len(tables[0]) != len(functions) + 1:
            raise NotNative
        scope_tables, self._names, self._ops, self._kind, self._calling, self._nchw, named = tables[:7]
        in_start, src, index, dst, pos = (native.ints(table) for table in tables[7:12])
        self._strings = tables[12]
        order = []
        for number, (name, ids, starts, ends, args) in enumerate(scope_tables):
            nodes = LazyNodes(data, starts, ends)
            if number == 0:
                scope = self._add_scope(TOP, nodes)
            else:
                function = functions[number - 1]
                if function.signature.name != name:
                    raise NotNative  # never seen: C and protobuf read the signature alike
                scope = self._add_function(function, nodes, args)
            scope.nodes._ids = ids
            order.append(scope)
        if self._size != len(self._kind):
            raise NotNative
        self._in_start, self._edge_src, self._edge_index = in_start, src, index
        self._edge_dst, self._edge_pos = dst, pos
        for edge, number, raw in named:  # an output named by the function a node calls
            self._edge_index[edge] = self.parse_ref(order[number].name, raw).index

    def _add_function(self, function: Message, nodes: Any, args: list[str] | None = None) -> Scope:
        """Register a library function; ``args``: its argument names when the wire reader has them."""
        signature = function.signature
        return self._add_scope(
            signature.name,
            nodes,
            args=[arg.name for arg in signature.input_arg] if args is None else args,
            outputs=[arg.name for arg in signature.output_arg],
            ret=dict(function.ret),
        )

    def _add_scope(
        self,
        name: str,
        nodes: Any,
        args: list[str] | None = None,
        outputs: list[str] | None = None,
        ret: dict[str, str] | None = None,
    ) -> Scope:
        """Register a scope and its ids before any node is read (inputs may name any function)."""
        base = self._size
        scope = Scope(name, _Nodes({}, nodes), base, args, outputs, ret)
        if name in self.scopes and name == TOP:
            self.top_shadowed = True  # a function with an empty name took the graph's place in ``scopes``
        self.scopes[name] = scope
        self._bases.append(base)
        self._scope_names.append(name)
        count = len(nodes)
        self._size += count + len(scope.args)
        for position in range(len(scope.args)):
            self._arg_position[base + count + position] = position
        return scope

    def _read_nodes(self, scope: Scope, nodes: Any) -> None:
        """One pass over a scope's nodes: names, op types, and every data input parsed once.

        An input naming a node further down is resolved after the pass; a duplicated node
        name (the last one wins, as in a dict) sends the scope through ``_read_edges`` again.
        """
        base, ids = scope.base, scope.nodes._ids
        names, ops, kind, calling_ops = self._names, self._ops, self._kind, self._calling_ops
        in_start, src, out_index = self._in_start, self._edge_src, self._edge_index
        dst, pos = self._edge_dst, self._edge_pos
        arg_positions = scope.arg_positions if scope.name != TOP else {}
        arg_base = base + len(nodes)
        first_edge = len(src)
        later: list[tuple[int, str]] = []
        intern, calling, data_format = sys.intern, self._calling, self._nchw
        no_layout = _no_layout_ops()
        for position, node in enumerate(nodes):
            name, op = node.name, intern(node.op)
            ids[name] = position
            names.append(name)
            ops.append(op)
            node_id = base + position
            in_start.append(len(src))
            if op in calling_ops:
                kind[node_id] = CALLING
                calling.append(node_id)
            if op not in no_layout:
                attrs = node.attr
                if "data_format" in attrs:
                    layout = attrs["data_format"].s
                    if layout in NCHW_FORMATS:
                        data_format.append((node_id, layout))
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
                    elif parts[1] != "output" and kind[base + local] == CALLING:  # outputs named by a function
                        out_index.append(self.parse_ref(scope.name, raw).index)
                        slot += 1
                        continue
                    else:
                        text = parts[2]
                    out_index.append(0 if text == "0" else _int(text))
                slot += 1
            if slot:
                dst.extend(repeat(node_id, slot))
                pos.extend(range(slot))
        for arg in scope.args:  # arguments: names, no op, no inputs
            names.append(arg)
            ops.append("")
            in_start.append(len(src))
        if len(ids) < len(nodes):
            self._read_edges(scope, nodes, first_edge)
            return
        for edge, raw in later:
            producer, index = self._split(scope, raw)
            src[edge], out_index[edge] = (-1 if producer is None else producer), index

    def _split(self, scope: Scope, raw: str) -> tuple[int | None, int]:
        """The producer id (None when unknown) and output index of a non-argument input, as ``parse_ref``."""
        parts = raw.split(":")
        local = scope.nodes._ids.get(parts[0])
        if local is None:
            return None, 0
        if len(parts) == 1:
            return scope.base + local, 0
        if len(parts) == 2:
            return scope.base + local, _int(parts[1])
        if parts[1] != "output" and self._kind[scope.base + local] == CALLING:
            return scope.base + local, self.parse_ref(scope.name, raw).index
        return scope.base + local, _int(parts[2])

    def _read_edges(self, scope: Scope, nodes: Any, first_edge: int) -> None:
        """The edges of a scope with duplicated node names, read again with every name known."""
        for edges in (self._edge_src, self._edge_index, self._edge_dst, self._edge_pos):
            del edges[first_edge:]
        base, ids = scope.base, scope.nodes._ids
        live = set(ids.values())
        for position, node in enumerate(nodes):
            self._in_start[base + position] = len(self._edge_src)
            if position not in live:
                continue
            slot = 0
            for raw in node.input:
                if raw[:1] == "^":
                    continue
                producer: int | None
                if scope.name != TOP and raw in scope.arg_positions:
                    producer, index = self._arg_id(scope.name, scope.arg_positions[raw]), scope.arg_positions[raw]
                else:
                    producer, index = self._split(scope, raw)
                self._edge_src.append(-1 if producer is None else producer)
                self._edge_index.append(index)
                self._edge_dst.append(base + position)
                self._edge_pos.append(slot)
                slot += 1
        for position in range(len(nodes), len(nodes) + len(scope.args)):
            self._in_start[base + position] = len(self._edge_src)

    # ---- ids -------------------------------------------------------------------------
    def _id(self, ref: Ref) -> int:
        """The id of a ref's node or argument; -1 when it names nothing."""
        scope = self.scopes.get(ref.scope)
        if scope is None:
            return -1
        if ref.is_arg:
            position = scope.arg_positions.get(ref.node)
            return -1 if position is None else scope.base + len(scope.nodes._messages) + position
        local = scope.nodes._ids.get(ref.node)
        return -1 if local is None else scope.base + local

    def _scope_of(self, node_id: int) -> str:
        return self._scope_names[bisect_right(self._bases, node_id) - 1]

    def _out(self, node_id: int) -> Iterable[tuple[int, int]]:
        """(consumer id, input position) of every data edge leaving ``node_id``."""
        low, high = self._out_start[node_id], self._out_start[node_id + 1]
        return zip(self._out_dst[low:high], self._out_pos[low:high], strict=True)

    def _targets_of(self, node_id: int) -> list[tuple[str, int]]:
        """``_call_targets`` of a node by id, computed once and only for ops that can call."""
        if self._kind[node_id] != CALLING:
            return []
        targets = self._targets.get(node_id)
        if targets is None:
            scope = self.scopes[self._scope_of(node_id)]
            targets = self._call_targets(scope.nodes._messages[node_id - scope.base])
            self._targets[node_id] = targets
        return targets

    def _arg_id(self, function: str, position: int) -> int:
        scope = self.scopes.get(function)
        if scope is None or not 0 <= position < len(scope.args):
            return -1
        first = scope.arg_positions[scope.args[position]]  # a repeated argument name is one tensor, the first
        return scope.base + len(scope.nodes._messages) + first

    # ---- inventory -------------------------------------------------------------------
    def top(self) -> Scope | None:
        """The top-level graph's scope; None when a library function named "" took its key in ``scopes``."""
        return None if self.top_shadowed else self.scopes.get(TOP)

    def ops_in(self, scope_name: str) -> list[str]:
        """The op type of every node of a scope, in the order of its repeated field (duplicates too).

        A scan looking for a few op types can test these strings and touch only the ``NodeDef``
        messages it needs (``scopes[name].nodes.messages[i]``), not one wrapper per node.
        """
        scope = self.scopes[scope_name]
        return self._ops[scope.base : scope.base + len(scope.nodes._messages)]

    def string_flags(self, scope_name: str) -> bytearray | None:
        """Per node of a scope, whether its ``value`` attribute may be a string tensor (a serialized
        graph can hide in one): 0 only where the wire reader saw it is not, so a scan need not
        parse that node. None when the index was built from parsed messages (no such knowledge)."""
        if self._strings is None:
            return None
        scope = self.scopes[scope_name]
        return self._strings[scope.base : scope.base + len(scope.nodes._messages)]

    def op_counts(self, scope_name: str) -> dict[str, int]:
        scope = self.scopes[scope_name]
        if len(scope.nodes._ids) == len(scope.nodes._messages):
            ops = self._ops[scope.base : scope.base + len(scope.nodes._ids)]
        else:
            ops = [self._ops[scope.base + local] for local in scope.nodes._ids.values()]
        return dict(sorted(Counter(ops).items()))

    def reachable_functions(self, start: str = TOP) -> list[str]:
        """Functions reached from ``start`` by calls or function-valued attributes, transitively.

        Only ops that can carry a function attribute have their attributes read: a registered op
        without one, which is nearly every node, is never asked.
        """
        seen: set[str] = set()
        stack = [start]
        plain = _plain_ops()
        while stack:
            scope = self.scopes[stack.pop()]
            messages = scope.nodes._messages
            span = self._ops[scope.base : scope.base + len(messages)]
            if len(scope.nodes._ids) == len(messages):
                names = [op for op in set(span) if op in self.scopes]  # functions called by op name
                names += [name for i, op in enumerate(span) if op not in plain for name in function_refs(messages[i])]
            else:  # a duplicated node name: only the last node of that name counts
                live = scope.nodes._ids.values()
                names = [span[i] for i in live]
                names += [name for i in live if span[i] not in plain for name in function_refs(messages[i])]
            for name in names:
                if name in self.scopes and name != TOP and name not in seen:
                    seen.add(name)
                    stack.append(name)
        return sorted(seen)

    def nodes_with_attr(self, attr: str, values: frozenset[bytes]) -> list[dict[str, str | None]]:
        found: list[dict[str, str | None]] = []
        unique = all(len(s.nodes._ids) == len(s.nodes._messages) for s in self.scopes.values())
        if attr == "data_format" and values == NCHW_FORMATS and unique:
            for node_id, layout in self._nchw:  # noted while reading: no second pass over every node
                scope_name = self._scope_of(node_id)
                entry = {"function": scope_name or None, "node": self._names[node_id], "op": self._ops[node_id]}
                found.append({**entry, attr: layout.decode()})
            return found
        skip = _no_layout_ops() if attr == "data_format" else frozenset()
        for scope in self.scopes.values():
            for name, node in scope.nodes.items():
                if node.op not in skip and attr in node.attr and node.attr[attr].s in values:
                    found.append(
                        {"function": scope.name or None, "node": name, "op": node.op, attr: node.attr[attr].s.decode()}
                    )
        return found

    # ---- references ------------------------------------------------------------------
    def parse_ref(self, scope_name: str, raw: str) -> Ref:
        """``node``, ``node:1`` (GraphDef) or ``arg``, ``node:output:1`` (FunctionDef)."""
        scope = self.scopes[scope_name]
        if scope_name != TOP and raw in scope.arg_positions:
            return Ref(scope_name, raw, scope.arg_positions[raw], is_arg=True)
        parts = raw.split(":")
        if len(parts) == 1:
            return Ref(scope_name, parts[0])
        if len(parts) == 2:
            return Ref(scope_name, parts[0], _int(parts[1]))
        node, out_name, index = parts[0], parts[1], _int(parts[2])
        if out_name != "output":
            local = scope.nodes._ids.get(node)
            if local is not None:
                targets = self._targets_of(scope.base + local)  # a function called by name: outputs are named
                if targets and out_name in self.scopes[targets[0][0]].outputs:
                    index += self.scopes[targets[0][0]].outputs.index(out_name)
        return Ref(scope_name, node, index)

    def tensor_ref(self, tensor_name: str) -> Ref | None:
        """A signature's tensor name (``images:0``) in the top-level graph."""
        ref = self.parse_ref(TOP, tensor_name)
        return ref if ref.node in self.scopes[TOP].nodes else None

    def function_arg(self, function: str, position: int) -> Ref | None:
        scope = self.scopes.get(function)
        if scope is None or not 0 <= position < len(scope.args):
            return None
        return Ref(function, scope.args[position], position, is_arg=True)

    def function_output(self, function: str, position: int) -> Ref | None:
        scope = self.scopes.get(function)
        if scope is None or not 0 <= position < len(scope.outputs) or scope.outputs[position] not in scope.ret:
            return None
        return self.parse_ref(function, scope.ret[scope.outputs[position]])

    def node(self, ref: Ref) -> Message | None:
        return None if ref.is_arg else self.scopes[ref.scope].nodes.get(ref.node)

    def _call_targets(self, node: Message) -> list[tuple[str, int]]:
        """Functions a node runs on its inputs, with the offset of its first mapped input."""
        op = node.op
        if op in CALL_OPS and "f" in node.attr:
            names, offset = [node.attr["f"].func.name], 0
        elif op in self.scopes and op != TOP:
            names, offset = [op], 0
        elif op in IF_OPS:
            names, offset = [node.attr[b].func.name for b in ("then_branch", "else_branch") if b in node.attr], 1
        elif op in WHILE_OPS:
            names, offset = [node.attr["body"].func.name] if "body" in node.attr else [], 0
        elif op in CASE_OPS:
            names, offset = [f.name for f in node.attr["branches"].list.func] if "branches" in node.attr else [], 1
        else:
            return []
        return [(name, offset) for name in names if name in self.scopes]

    # ---- data flow -------------------------------------------------------------------
    def producer(self, ref: Ref, depth: int = 0) -> dict[str, Any]:
        """The op that really produces ``ref``, looking through identities and calls."""
        key = ("producer", ref)
        if depth == 0 and key in self._memo:
            return dict(self._memo[key])
        node = self.node(ref)
        if node is None or depth > 200:
            result = {"op": None, "node": ref.node, "function": ref.scope or None}
        else:
            result = self._producer_through(ref, node, depth)
        if depth == 0:
            self._memo[key] = result
            return dict(result)
        return result

    def _producer_through(self, ref: Ref, node: Message, depth: int) -> dict[str, Any]:
        if node.op in PASS_THROUGH_OPS:
            inputs = [raw for raw in node.input if not raw.startswith("^")]
            index = ref.index if node.op == "IdentityN" else 0
            if index < len(inputs):
                return self.producer(self.parse_ref(ref.scope, inputs[index]), depth + 1)
        targets = self._call_targets(node)
        if node.op not in CONTROL_FLOW_OPS and targets:
            inner = self.function_output(targets[0][0], ref.index)
            if inner is not None:
                return self.producer(inner, depth + 1)
        return {"op": node.op, "node": ref.node, "function": ref.scope or None}

    def direct_consumers(self, ref: Ref) -> list[tuple[str, str, int]]:
        """(scope, node, input position) of every node reading any output of ``ref``'s node directly."""
        node_id = self._id(ref)
        if node_id < 0:
            return []
        return [(self._scope_of(c), self._names[c], position) for c, position in self._out(node_id)]

    def call_targets(self, scope: str, node: str) -> list[tuple[str, int]]:
        """The library functions a node runs on its inputs, with the offset of its first mapped input."""
        found = self.scopes[scope].nodes.get(node)
        return self._call_targets(found) if found is not None else []

    def consumers(self, ref: Ref) -> list[dict[str, Any]]:
        """The first real ops that read ``ref``, looking through identities and into calls."""
        key = ("consumers", ref.scope, ref.node, ref.is_arg)
        if key not in self._memo:
            self._memo[key] = self._consumers(self._id(ref))
        return [dict(found) for found in self._memo[key]]

    def _consumers(self, start: int) -> list[dict[str, Any]]:
        ops = self._ops
        keys = self._consumer_keys(start) if start >= 0 else ()
        return [{"op": ops[node_id], "node": name, "function": scope or None} for scope, name, node_id in keys]

    def _consumer_step(self, node_id: int) -> tuple[list[tuple[str, str, int]], list[int]]:
        """Where the consumer walk goes from one tensor: real consumers found, and where it goes on.

        It looks through pass-through ops (on to the op's own consumers) and into called
        functions (on to the argument fed).
        """
        ops, found, onward = self._ops, [], []
        for consumer, position in self._out(node_id):
            op = ops[consumer]
            if op in PASS_THROUGH_OPS:
                onward.append(consumer)
                continue
            targets = self._targets_of(consumer)
            if targets and op not in CONTROL_FLOW_OPS:
                onward.extend(self._arg_id(function, position - offset) for function, offset in targets)
            else:
                found.append((self._scope_of(consumer), self._names[consumer], consumer))
        return found, [node for node in onward if node >= 0]

    def _consumer_keys(self, start: int) -> tuple[tuple[str, str, int], ...]:
        """The first ``LIST_CAP`` (scope, node, id) of the real consumers reached from ``start``.

        Every tensor the walk passes gets its own answer, computed once per graph (strongly
        connected components first, Tarjan's algorithm without recursion): many inputs along one
        chain of identities cost one walk of the chain, not one each.
        """
        done = self._consumers_of
        if start in done:
            return done[start]
        number: dict[int, int] = {start: 0}
        low: dict[int, int] = {start: 0}
        steps = {start: self._consumer_step(start)}
        component: list[int] = [start]
        on_component = {start}
        walk = [(start, iter(steps[start][1]))]
        while walk:
            node, onward = walk[-1]
            for nxt in onward:
                if nxt in done:
                    continue
                if nxt not in number:
                    number[nxt] = low[nxt] = len(number)
                    steps[nxt] = self._consumer_step(nxt)
                    component.append(nxt)
                    on_component.add(nxt)
                    walk.append((nxt, iter(steps[nxt][1])))
                    break
                if nxt in on_component:
                    low[node] = min(low[node], number[nxt])
            else:
                walk.pop()
                if walk:
                    parent = walk[-1][0]
                    low[parent] = min(low[parent], low[node])
                if low[node] == number[node]:  # ``node`` roots a component: all it reaches is known
                    members = []
                    while True:
                        member = component.pop()
                        on_component.discard(member)
                        members.append(member)
                        if member == node:
                            break
                    found: set[tuple[str, str, int]] = set()
                    for member in members:
                        found.update(steps[member][0])
                        for nxt in steps[member][1]:
                            if nxt in done:
                                found.update(done[nxt])
                    answer = tuple(heapq.nsmallest(LIST_CAP, found))
                    for member in members:
                        done[member] = answer
        return done[start]

    def forward(self, ref: Ref) -> set[tuple[str, str]]:
        """Every node data can reach from ``ref`` (entering every function it flows into)."""
        reached = self._forward(self._id(ref))
        return {(self._scope_of(i), self._names[i]) for i in compress(range(self._size), reached)}

    def _forward(self, start: int) -> bytearray:
        """Flags of the nodes data reaches from ``start``: the flood runs in ``native.floods``; the
        calls it meets lead on into the functions' arguments."""
        visited, reached = bytearray(self._size), bytearray(self._size)
        seeds = [start]
        while seeds:
            calls = native.floods.forward(self._out_start, self._out_dst, self._calls_flags, seeds, visited, reached)
            seeds = [
                self._arg_id(function, position - offset)
                for current in calls
                for consumer, position in self._out(current)
                for function, offset in self._targets_of(consumer)
            ]
        return reached

    def backward(self, ref: Ref) -> set[tuple[str, str]]:
        """Every node ``ref`` depends on, following calls into the functions they run.

        Each (function, output) is summarised once per graph: the nodes it depends on and the
        arguments it reads, which lead back to the call site's inputs. Shared and nested calls so
        cost linear time, where one walk per calling context grows exponentially with nested
        shared calls.
        """
        return {(self._scope_of(i), self._names[i]) for i in set(self._backward_ids(ref))}

    def _backward_ids(self, ref: Ref) -> Iterable[int]:
        """The ids ``ref`` depends on, some more than once: a set of them costs more than a big walk."""
        self._partial = {}  # summaries that hold only for this walk (see _function_summary)
        reached, _ = self._backward_from(self._id(ref), ref.index, 0)
        self._partial = {}
        return reached

    def _backward_from(self, start: int, index: int, depth: int) -> tuple[Iterable[int], set[int]]:
        """Nodes ``start`` depends on within its scope and the calls it makes (with repeats), and the
        arguments it reads.

        Plain nodes are walked by ``native.floods.backward`` (each once per walk: the walk's own
        mark in ``_stamp``); it hands back the arguments and the nodes that may run a function,
        each visited here once per output index (its functions' summaries depend on it).
        """
        parts: list[Iterable[int]] = []
        args: set[int] = set()
        calls: set[tuple[int, int]] = set()
        visited: list[int] = []
        if self._stamp is None:
            self._stamp = array("i", bytes(4 * self._size))
        self._marks += 1
        mark, stamp = self._marks, self._stamp
        in_start, kinds = self._in_start, self._kind
        pending = [(start, index)]
        edges: list[int] = []
        while pending or edges:
            if edges:
                pending += native.floods.backward(
                    in_start, self._edge_src, self._edge_index, kinds, stamp, mark, edges, visited
                )
                edges = []
                continue
            current, index = pending.pop()
            if current < 0:
                continue
            kind = kinds[current]
            if kind == PLAIN:  # the start itself
                if stamp[current] != mark:
                    stamp[current] = mark
                    visited.append(current)
                    edges.extend(range(in_start[current], in_start[current + 1]))
                continue
            if kind == ARGUMENT:
                args.add(self._arg_position[current])
                continue
            if (current, index) in calls:
                continue
            calls.add((current, index))
            first, end = in_start[current], in_start[current + 1]
            targets = self._targets_of(current)
            for function, offset in targets:
                inner_nodes, inner_args = self._function_summary(function, index, depth + 1)
                parts.append(inner_nodes)
                for arg in inner_args:  # leave the function through the call site's matching input
                    if first + arg + offset < end:
                        edges.append(first + arg + offset)
            if not targets or self._ops[current] in CONTROL_FLOW_OPS:
                edges.extend(range(first, end))
        parts.append(visited)
        parts.append([node for node, _ in calls])
        return chain.from_iterable(parts), args

    def _function_summary(self, function: str, index: int, depth: int) -> _Summary:
        """What output ``index`` of ``function`` depends on: its nodes and the arguments it reads.

        A summary is kept for the whole graph only when it is complete. One that met a function
        still being summarised (a function that calls itself sees an empty summary of itself) or
        the depth limit depends on where the walk entered; it is kept for the current walk only
        (``_partial``), and so is every summary that used it. Every answer is what a walk of its
        own would give, whatever was asked before.
        """
        key = (function, index)
        if key in self._summaries:
            return self._summaries[key]
        empty: _Summary = (frozenset(), frozenset())
        if key in self._partial or depth > MAX_CALL_DEPTH:
            self._incomplete = True
            return self._partial.get(key, empty)
        outer, self._incomplete = self._incomplete, False
        self._partial[key] = empty
        inner = self.function_output(function, index)
        summary = empty
        if inner is not None:
            nodes, args = self._backward_from(self._id(inner), inner.index, depth)
            summary = (frozenset(nodes), frozenset(args))
        if self._incomplete:
            self._partial[key] = summary
        else:
            del self._partial[key]
            self._summaries[key] = summary
        self._incomplete = outer or self._incomplete
        return summary

    def path_ops(self, source: Ref, sink: Ref) -> list[str]:
        """Op types on some data path from ``source`` to ``sink``, sorted."""
        key = ("path_ops", source.scope, source.node, source.is_arg, sink)
        if key not in self._memo:
            reached = self._forward(self._id(source))
            self._memo[key] = sorted(native.floods.ops_on(self._ops, reached, self._backward_ids(sink)))
        return list(self._memo[key])

    def constant(self, ref: Ref) -> float | None:
        """The scalar a tensor holds when it comes straight from a Const node."""
        producer = self.producer(ref)
        if producer["op"] != "Const":
            return None
        const = self.scopes[producer["function"] or TOP].nodes[producer["node"]]
        return scalar_value(const.attr["value"].tensor) if "value" in const.attr else None


def scalar_value(tensor: Message) -> float | None:
    """The single number a Const tensor holds, if it holds exactly one."""
    for field_name in ("float_val", "double_val", "int_val", "int64_val"):
        values = getattr(tensor, field_name)
        if len(values) == 1:
            return float(values[0])
    content = tensor.tensor_content
    formats = {"DT_FLOAT": "<f", "DT_DOUBLE": "<d", "DT_INT32": "<i", "DT_INT64": "<q"}
    fmt = formats.get(dtype_name(tensor.dtype))
    if fmt and len(content) == struct.calcsize(fmt):
        return float(struct.unpack(fmt, content)[0])
    return None


def _int(text: str) -> int:
    """An output index; anything but ASCII digits is 0, and absurd values stop at ``MAX_INDEX``."""
    if not (text.isascii() and text.isdigit()):
        return 0  # str.isdigit() alone accepts "²", which int() refuses
    return int(text) if len(text) < 10 else min(int(text), MAX_INDEX)


@functools.lru_cache(maxsize=1)
def _no_layout_ops() -> frozenset[str]:
    """Registered public ops that declare no ``data_format`` attribute."""
    return frozenset(op for op in _registered_ops() if op not in LAYOUT_OPS and not op.startswith("_"))


@functools.lru_cache(maxsize=1)
def _registered_ops() -> frozenset[str]:
    return _op_file("known_ops.txt")


def _op_file(file_name: str) -> frozenset[str]:
    data = os.path.join(os.path.dirname(os.path.dirname(os.path.realpath(__file__))), "data")
    with open(os.path.join(data, file_name), encoding="utf-8") as handle:
        return frozenset(line for line in handle.read().split("\n") if line and not line.startswith("#"))


@functools.lru_cache(maxsize=1)
def _plain_ops() -> frozenset[str]:
    """Registered ops that declare no function-valued attribute: TensorFlow runs no function through them."""
    return _registered_ops() - _op_file("function_ops.txt")
