"""The queries of the graph index: which ops exist, where, and how data flows.

TensorFlow 2 models hide their real computation behind call ops
(``StatefulPartitionedCall`` -> ``__inference_...`` functions) and functional control flow
(``If``/``While`` branches). ``GraphIndex`` treats the top-level graph and every library
function as *scopes* and follows data across those boundaries, so later rules can ask
"what consumes the image input?", "what produces the output?" and "which ops lie on the
path between them?" without knowing how the model was built. It answers from the tables
of ``tables.py`` and never asks which builder (``from_messages``, ``from_wire``) made them.
"""

from __future__ import annotations

import heapq
from array import array
from bisect import bisect_right
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from itertools import chain, compress
from typing import Any

import speclint.read.accelerator as accelerator
import speclint.read.graph.from_messages as from_messages
from speclint.proto.messages import Message
from speclint.read.graph.node_rules import (
    ARGUMENT,
    CALL_OPS,
    CALLING,
    CASE_OPS,
    CONTROL_FLOW_OPS,
    IF_OPS,
    NCHW_FORMATS,
    PLAIN,
    WHILE_OPS,
    no_layout_ops,
    output_index,
    plain_ops,
)
from speclint.read.graph.tables import ScopeNodes, ScopeTables

TOP = ""  # the scope name of the top-level GraphDef
PASS_THROUGH_OPS = frozenset({"Identity", "IdentityN", "Snapshot", "StopGradient", "PreventGradient"})
LIST_CAP = 20  # longest list of nodes kept in the facts; the count is always exact
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

    Built from ``ScopeTables``: every node and function argument has an integer id, every
    data input was parsed once into (producer id, output index), and consumers are found in
    the edges sorted by producer. Queries walk integers, and each answer
    is kept: many entry points that share an input, an output or a function cost one walk.
    """

    def __init__(self, graph_def: Message, tables: ScopeTables | None = None) -> None:
        """Index ``graph_def`` from ``tables``, built by ``from_wire`` (``graph_def`` then holds no
        nodes: ``read.lazy_read``) or, when None, by ``from_messages`` from its parsed nodes."""
        self.scopes: dict[str, Scope] = {}
        self.top_shadowed = False  # scopes[TOP] is a function named "" (hostile input), not the graph
        self._bases: list[int] = []  # first id of each scope, ascending
        self._scope_names: list[str] = []
        self._arg_position: dict[int, int] = {}  # argument id -> its position
        self._targets: dict[int, list[tuple[str, int]]] = {}
        self._memo: dict[tuple[Any, ...], Any] = {}
        self._consumers_of: dict[int, tuple[tuple[str, str, int], ...]] = {}
        self._size = 0  # ids handed out: every scope's nodes, then its arguments
        self._summaries: dict[tuple[str, int], _Summary] = {}  # complete: true wherever the walk entered
        self._partial: dict[tuple[str, int], _Summary] = {}
        self._incomplete = False
        self._stamp: array | None = None  # per node: the walk of ``_backward_from`` that last visited it
        self._marks = 0
        if tables is None:
            tables = from_messages.read_tables(graph_def)
        functions = graph_def.library.function
        order = [self._add_scope(TOP, tables.scopes[0])]
        order += [
            self._add_function(function, scope) for function, scope in zip(functions, tables.scopes[1:], strict=True)
        ]
        self._names, self._ops, self._kind = tables.names, tables.ops, tables.kind
        self._calling, self._nchw, self._strings = tables.calling, tables.nchw, tables.strings
        # Data edges in consumer order: producer id, output index (consumer id and input position
        # only until sorted by producer below). 32-bit: ids and edges number fewer than the bytes
        # of a file protobuf can parse (< 2 GiB).
        self._in_start, self._edge_src, self._edge_index = tables.in_start, tables.src, tables.output
        for edge, number, raw in tables.named:  # an output named by the function a node calls
            self._edge_index[edge] = self.parse_ref(order[number].name, raw).index
        # The same edges sorted by producer: a node's consumers are one slice.
        self._out_start, self._out_dst, self._out_pos = accelerator.by_producer(
            tables.src, tables.dst, tables.pos, self._size
        )
        self._calls_flags = bytearray(self._size)  # 1: a producer with a consumer that may run a function
        for node_id in self._calling:
            for edge in range(self._in_start[node_id], self._in_start[node_id + 1]):
                if self._edge_src[edge] >= 0:
                    self._calls_flags[self._edge_src[edge]] = 1

    def _add_function(self, function: Message, scope: ScopeNodes) -> Scope:
        """Register a library function: its nodes and arguments as the tables hold them."""
        signature = function.signature
        return self._add_scope(
            signature.name, scope, outputs=[arg.name for arg in signature.output_arg], ret=dict(function.ret)
        )

    def _add_scope(
        self, name: str, found: ScopeNodes, outputs: list[str] | None = None, ret: dict[str, str] | None = None
    ) -> Scope:
        """Register a scope and its ids, in the tables' order."""
        base = self._size
        scope = Scope(name, _Nodes(found.ids, found.nodes), base, found.args, outputs, ret)
        if name in self.scopes and name == TOP:
            self.top_shadowed = True  # a function with an empty name took the graph's place in ``scopes``
        self.scopes[name] = scope
        self._bases.append(base)
        self._scope_names.append(name)
        count = len(found.nodes)
        self._size += count + len(scope.args)
        for position in range(len(scope.args)):
            self._arg_position[base + count + position] = position
        return scope

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

    def string_flags(self, scope_name: str) -> bytearray:
        """Per node of a scope, whether its ``value`` attribute may be a string tensor (a serialized
        graph can hide in one; ``node_rules.may_be_string``): where it is 0, a scan need not parse the node."""
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
        plain = plain_ops()
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
        skip = no_layout_ops() if attr == "data_format" else frozenset()
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
            return Ref(scope_name, parts[0], output_index(parts[1]))
        node, out_name, index = parts[0], parts[1], output_index(parts[2])
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
        """Flags of the nodes data reaches from ``start``: the flood runs in ``accelerator.floods``; the
        calls it meets lead on into the functions' arguments."""
        visited, reached = bytearray(self._size), bytearray(self._size)
        seeds = [start]
        while seeds:
            calls = accelerator.floods.forward(
                self._out_start, self._out_dst, self._calls_flags, seeds, visited, reached
            )
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

        Plain nodes are walked by ``accelerator.floods.backward`` (each once per walk: the walk's own
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
                pending += accelerator.floods.backward(
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
            self._memo[key] = sorted(accelerator.floods.ops_on(self._ops, reached, self._backward_ids(sink)))
        return list(self._memo[key])
