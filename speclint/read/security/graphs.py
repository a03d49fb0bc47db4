"""Dangerous and unknown ops in one GraphDef, its function library and the GraphDefs inside it.

A GraphDef can hide another one in a string constant (``DatasetFromGraph``'s ``graph_def``):
those are parsed and scanned too, recursively up to ``MAX_NESTED_DEPTH``.
"""

from __future__ import annotations

import re
from typing import Any

from google.protobuf import message as pb_message

from speclint.proto import messages
from speclint.proto.messages import Message
from speclint.read.graph.index import TOP, GraphIndex
from speclint.read.security.decide import EXEMPT, decide
from speclint.read.security.ops import PROCESS_EXIT, dangerous_ops, known_ops
from speclint.read.security.reach import Context, runs
from speclint.read.security.select import scoped_nodes
from speclint.read.security.state import INTERNAL_ERRORS, MAX_ARGUMENT_CHARS, MAX_NESTED_GRAPHS, State
from speclint.read.security.tensors import string_elements
from speclint.read.security.values import Resolver

MAX_NESTED_DEPTH = 4  # GraphDefs inside string constants inside GraphDefs...
MAX_SOURCE_HOPS = 8  # calls an input is followed out of, looking for its constant
DT_STRING = 7
GRAPH_DEF_FIRST_BYTES = frozenset({0x0A, 0x12, 0x18, 0x22})  # tags of GraphDef fields 1, 2, 3, 4
# The registered ops with a tensor-valued ``value`` attribute, where a serialized GraphDef can sit
# (TensorFlow rejects a registered op's node that sets an attribute its op does not declare).
CONSTANT_OPS = frozenset({"Const", "HostConst"})
# Registered ops that parse a string input as a GraphDef and run it: op -> input position (all
# ops of TensorFlow 2.21 with a GraphDef-valued input; the others take graphs as function attrs).
GRAPH_INPUT_OPS = {"DatasetFromGraph": 0}
NODE_OP_NAME = re.compile(r"^[A-Za-z_>][A-Za-z0-9_>./-]*$")


class GraphScan:
    """One GraphDef: the meta graph's own (depth 0) or one serialized inside a string constant."""

    def __init__(
        self,
        state: State,
        meta_index: int,
        prefix: str,
        graph_def: Message,
        graph: GraphIndex,
        depth: int,
        context: Context | None,
        inherited: tuple[str, ...] = (),
    ) -> None:
        """``inherited``: for a GraphDef serialized in a constant, the roots that reach that constant."""
        self.state = state
        self.meta_index = meta_index
        self.prefix = prefix
        self.graph_def = graph_def
        self.graph = graph
        self.depth = depth
        self.context = context
        self.inherited = inherited
        self.resolver = Resolver(graph, context)
        if context is not None:
            context.resolver = self.resolver
        self.library = {function.signature.name for function in graph_def.library.function}
        self.scanned_constants: set[tuple[str | None, str]] = set()  # (function, node) parsed as GraphDefs

    def where(self, function: str | None, node: str) -> str:
        scope = f"function {function} " if function is not None else ""
        return f"{self.prefix} {scope}node {node}"

    def run(self) -> None:
        table, known, library = dangerous_ops(), known_ops(), self.library

        def keep(op: str) -> bool:  # what can be dangerous, unknown, hold or run a serialized graph
            return op in table or op not in known or op in CONSTANT_OPS or op in GRAPH_INPUT_OPS

        runs_graph: list[tuple[str | None, Message]] = []
        sniffed = CONSTANT_OPS - set(table) - set(GRAPH_INPUT_OPS)  # kept only to look for a serialized graph
        for function, nodes in scoped_nodes(self.graph_def, self.graph, keep, string_values=frozenset(sniffed)):
            for node in nodes:
                op = node.op
                rule = table.get(op)
                if rule is not None:
                    self.dangerous(function, node, rule)
                elif op and op not in known and op not in library:
                    self.unknown(function, node)
                if op in GRAPH_INPUT_OPS:
                    runs_graph.append((function, node))
                self.nested(function, node)
        for function, node in runs_graph:
            self.consumed_graph(function, node, GRAPH_INPUT_OPS[node.op])

    def dangerous(self, function: str | None, node: Message, rule: dict[str, Any]) -> None:
        """Record a table op unless the model proves it harmless (see ``decide``)."""
        scope = TOP if function is None else function
        labels = list(self.labels_of(function, node.name))
        argument = decide(self, scope, node, rule, labels)
        if argument is EXEMPT:
            return
        category = rule["category"]
        via = self.context.via(function) if self.context is not None else None
        summary = f"op {node.op} ({category}) {rule['why']}"
        if argument is not None:
            summary += f"; here: {argument!r}"
        if labels:
            summary += "; reached from " + ", ".join(labels)
        if via:
            summary += f"; {via}"
        entry = {
            "op": node.op,
            "category": category,
            "function": function,
            "node": node.name,
            "meta_graph": self.meta_index,
            "where": self.where(function, node.name),
            "why": rule["why"],
            "argument": argument,
            "reached_from": labels,
            "via": via,
            "nested_depth": self.depth,
            "summary": summary,
        }
        if not runs(labels):
            self.state.add("unreached_ops", entry)
        elif category == PROCESS_EXIT:
            self.state.add("process_killing_ops", entry)
        else:
            self.state.add("dangerous_ops", entry)

    def unknown(self, function: str | None, node: Message) -> None:
        self.state.add(
            "unknown_ops",
            {
                "op": node.op,
                "function": function,
                "node": node.name,
                "meta_graph": self.meta_index,
                "where": self.where(function, node.name),
                "nested_depth": self.depth,
            },
        )

    def source(self, scope: str, raw: str) -> tuple[str, str] | None:
        """(scope, node) that produces an input, leaving functions through their only call site."""
        for _ in range(MAX_SOURCE_HOPS):
            if scope not in self.graph.scopes:
                return None
            producer = self.graph.producer(self.graph.parse_ref(scope, raw))
            if producer["op"] is not None:
                return producer["function"] or TOP, producer["node"]
            args = self.graph.scopes[scope].args
            sites = self.context.call_sites(scope) if self.context is not None and scope != TOP else []
            if producer["node"] not in args or len(sites) != 1:
                return None
            caller, call = sites[0]
            position = args.index(producer["node"])
            inputs = [item for item in call.input if not item.startswith("^")]
            if position >= len(inputs):
                return None
            scope, raw = TOP if caller is None else caller, inputs[position]
        return None

    # ---- GraphDefs serialized in constants ------------------------------------------------
    def nested(self, function: str | None, node: Message) -> None:
        """Scan a GraphDef serialized in the node's constant (``DatasetFromGraph``'s graph_def)."""
        if "value" not in node.attr:
            return
        value = node.attr["value"]
        if value.WhichOneof("value") != "tensor":
            return
        tensor = value.tensor
        if tensor.dtype != DT_STRING or len(tensor.string_val) != 1:
            return
        data = tensor.string_val[0]
        if len(data) < 4 or data[0] not in GRAPH_DEF_FIRST_BYTES:
            return
        inner = _as_graph_def(data)
        if inner is None:
            return
        self.scanned_constants.add((function, node.name))
        self.scan_nested(self.where(function, node.name), inner, self.labels_of(function, node.name))

    def consumed_graph(self, function: str | None, node: Message, position: int) -> None:
        """The GraphDef an op runs (``DatasetFromGraph``'s ``graph_def``): scanned, or a finding saying why not.

        The sniff in ``nested`` only takes strings that plainly are GraphDefs. What TensorFlow
        parses as a graph is decided by the op that consumes the string, so here any constant
        that reaches such an input is parsed whatever its first bytes (fields may come in any
        order, unknown ones first), and one that does not parse, or is not a constant speclint
        can follow, leaves the scan incomplete (SL604) instead of passing in silence.
        """
        where = self.where(function, node.name)
        inputs = [raw for raw in node.input if not raw.startswith("^")]
        if position >= len(inputs):
            return  # TensorFlow refuses a node without the input: it runs nothing
        try:
            source = self.source(TOP if function is None else function, inputs[position])
        except INTERNAL_ERRORS:
            source = None
        const = self.graph.scopes[source[0]].nodes.get(source[1]) if source is not None else None
        if source is None or const is None or const.op not in CONSTANT_OPS or "value" not in const.attr:
            self.state.error(
                "saved_model",
                f"the GraphDef {node.op} runs is not a constant (computed in the graph), so it was not scanned",
                where,
            )
            return
        owner = None if source[0] == TOP else source[0]
        if (owner, source[1]) in self.scanned_constants:
            return
        self.scanned_constants.add((owner, source[1]))
        elements = string_elements(const.attr["value"].tensor)
        inner = _parse_graph_def(next(iter(elements))) if elements is not None and len(elements) == 1 else None
        if inner is None:
            self.state.error(
                "saved_model",
                f"the GraphDef {node.op} runs (constant {_text(source[1].encode())!r}) does not parse as a "
                "GraphDef, so it was not scanned",
                where,
            )
            return
        labels = self.labels_of(function, node.name)  # the graph runs where the op that parses it runs
        self.scan_nested(self.where(owner, source[1]), inner, labels)

    def labels_of(self, function: str | None, node: str) -> tuple[str, ...]:
        """The roots that reach a node of this graph (inherited, in a serialized one)."""
        if self.context is None:
            return self.inherited
        return tuple(self.context.labels(function, node))

    def scan_nested(self, where: str, inner: Message, labels: tuple[str, ...]) -> None:
        """Scan a GraphDef found in a constant, within the depth and count limits (else SL604)."""
        if self.depth >= MAX_NESTED_DEPTH or self.state.nested_budget <= 0:
            limit = (
                f"depth limit {MAX_NESTED_DEPTH}" if self.depth >= MAX_NESTED_DEPTH else f"{MAX_NESTED_GRAPHS} graphs"
            )
            self.state.error("saved_model", f"a serialized GraphDef was not scanned: the scan stops at {limit}", where)
            return
        self.state.nested_budget -= 1
        self.state.result["nested_graphs_scanned"] += 1
        prefix = f"{where} > serialized GraphDef"
        GraphScan(self.state, self.meta_index, prefix, inner, GraphIndex(inner), self.depth + 1, None, labels).run()


def _parse_graph_def(data: bytes) -> Message | None:
    """``data`` parsed as a GraphDef, or None when it does not parse."""
    graph_def = messages.GraphDef()
    try:
        graph_def.ParseFromString(data)
    except (pb_message.DecodeError, RecursionError, ValueError):
        return None
    return graph_def


def _as_graph_def(data: bytes) -> Message | None:
    """``data`` parsed as a GraphDef when it plainly is one (named nodes with op names)."""
    graph_def = _parse_graph_def(data)
    if graph_def is None:
        return None
    if not graph_def.node and not graph_def.library.function:
        return None
    nodes = list(graph_def.node)
    for function in graph_def.library.function:
        if not function.signature.name:
            return None
        nodes.extend(function.node_def)
    if not all(node.name and NODE_OP_NAME.match(node.op) for node in nodes):
        return None
    return graph_def


def _text(data: bytes) -> str:
    return data[: MAX_ARGUMENT_CHARS * 2].decode("utf-8", "backslashreplace")
