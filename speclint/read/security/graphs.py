"""Dangerous and unknown ops in one GraphDef, its function library and the GraphDefs inside it.

A GraphDef can hide another one in a string constant (``DatasetFromGraph``'s ``graph_def``):
those are parsed and scanned too, recursively up to ``MAX_NESTED_DEPTH``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

from google.protobuf import message as pb_message

from speclint.proto import messages
from speclint.proto.messages import Message
from speclint.read.graph import TOP, GraphIndex
from speclint.read.security.ops import SAVE_RESTORE, dangerous_ops, known_ops
from speclint.read.security.reach import Context
from speclint.read.security.state import INTERNAL_ERRORS, MAX_ARGUMENT_CHARS, State

MAX_NESTED_DEPTH = 4  # GraphDefs inside string constants inside GraphDefs...
MAX_SOURCE_HOPS = 8  # calls an input is followed out of, looking for its constant
DT_STRING = 7
GRAPH_DEF_FIRST_BYTES = frozenset({0x0A, 0x12, 0x18, 0x22})  # tags of GraphDef fields 1, 2, 3, 4
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
    ) -> None:
        self.state = state
        self.meta_index = meta_index
        self.prefix = prefix
        self.graph_def = graph_def
        self.graph = graph
        self.depth = depth
        self.context = context
        self.library = {function.signature.name for function in graph_def.library.function}

    def scopes(self) -> Iterator[tuple[str | None, Iterable[Message]]]:
        yield None, self.graph_def.node
        for function in self.graph_def.library.function:
            yield function.signature.name, function.node_def

    def where(self, function: str | None, node: str) -> str:
        scope = f"function {function} " if function is not None else ""
        return f"{self.prefix} {scope}node {node}"

    def run(self) -> None:
        table, known = dangerous_ops(), known_ops()
        for function, nodes in self.scopes():
            for node in nodes:
                op = node.op
                rule = table.get(op)
                if rule is not None:
                    self.dangerous(function, node, rule)
                elif op and op not in known and op not in self.library:
                    self.unknown(function, node)
                self.nested(function, node)

    def dangerous(self, function: str | None, node: Message, rule: dict[str, Any]) -> None:
        if not self.applies(function, node, rule.get("only_if")):
            return
        category = rule["category"]
        labels = self.context.labels(function, node.name) if self.context is not None else []
        if category == SAVE_RESTORE and self.context is not None and self.context.is_saver(function, node.name, labels):
            return
        argument = self.argument(function, node, rule.get("argument"))
        via = self.context.via(function) if self.context is not None else None
        where = self.where(function, node.name)
        summary = f"op {node.op} ({category}) {rule['why']}"
        if argument is not None:
            summary += f"; here: {argument!r}"
        if labels:
            summary += "; reached from " + ", ".join(labels)
        if via:
            summary += f"; {via}"
        self.state.add(
            "dangerous_ops",
            {
                "op": node.op,
                "category": category,
                "function": function,
                "node": node.name,
                "meta_graph": self.meta_index,
                "where": where,
                "why": rule["why"],
                "argument": argument,
                "reached_from": labels,
                "via": via,
                "nested_depth": self.depth,
                "summary": summary,
            },
        )

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

    # ---- conditions and arguments --------------------------------------------------------
    def applies(self, function: str | None, node: Message, only_if: dict[str, Any] | None) -> bool:
        if not only_if:
            return True
        match = only_if["match"]
        if "attr" in only_if:
            values = _attr_strings(node, only_if["attr"])
            if values is None:
                values = [only_if["default"]] if "default" in only_if else []
            if match == "nonempty":
                return any(values)
            prefixes = tuple(only_if.get("values", ()))
            if match == "prefix":
                return any(value.startswith(prefixes) for value in values)
            if match == "not_prefix":
                return any(not value.startswith(prefixes) for value in values)
            return True
        if match == "not_empty_string":
            strings = self.constant_strings(function, node, int(only_if["input"]))
            return strings is None or any(strings)
        return True

    def argument(self, function: str | None, node: Message, spec: dict[str, Any] | None) -> str | None:
        """The file, pattern or target the op names, when it is a constant."""
        if not spec:
            return None
        if "attr" in spec:
            values = _attr_strings(node, spec["attr"])
        else:
            values = self.constant_strings(function, node, int(spec["input"]))
        if not values:
            return None
        text = ", ".join(values[:3]) + (", ..." if len(values) > 3 else "")
        return text[:MAX_ARGUMENT_CHARS]

    def constant_strings(self, function: str | None, node: Message, position: int) -> list[str] | None:
        """The strings a node's ``position``-th input holds when they are known statically.

        A Const (looking through identities and into calls) gives its strings; a TF1 asset
        tensor or a TF2 captured asset path, which the loader points at the model's own
        ``assets/`` directory, gives ``assets/<filename>``. Anything else: None.
        """
        inputs = [raw for raw in node.input if not raw.startswith("^")]
        if position >= len(inputs):
            return None
        try:
            source = self.source(TOP if function is None else function, inputs[position])
        except INTERNAL_ERRORS:
            return None
        if source is None:
            return None
        scope, name = source
        if scope == TOP and self.context is not None:
            asset = self.context.asset_of(name)
            if asset is not None:
                return ["assets/" + asset]
        const = self.graph.scopes[scope].nodes.get(name)
        if const is None or const.op not in ("Const", "HostConst") or "value" not in const.attr:
            return None
        return [_text(value) for value in const.attr["value"].tensor.string_val]

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
        if self.depth >= MAX_NESTED_DEPTH or self.state.nested_budget <= 0:
            return
        inner = _as_graph_def(data)
        if inner is None:
            return
        self.state.nested_budget -= 1
        self.state.result["nested_graphs_scanned"] += 1
        prefix = f"{self.where(function, node.name)} > serialized GraphDef"
        GraphScan(self.state, self.meta_index, prefix, inner, GraphIndex(inner), self.depth + 1, None).run()


def _as_graph_def(data: bytes) -> Message | None:
    """``data`` parsed as a GraphDef when it plainly is one (named nodes with op names)."""
    graph_def = messages.GraphDef()
    try:
        graph_def.ParseFromString(data)
    except (pb_message.DecodeError, RecursionError, ValueError):
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


def _attr_strings(node: Message, name: str) -> list[str] | None:
    """A string or list-of-strings attribute as text; None when the node does not set it."""
    if name not in node.attr:
        return None
    value = node.attr[name]
    kind = value.WhichOneof("value")
    if kind == "s":
        return [_text(value.s)]
    if kind == "list":
        return [_text(item) for item in value.list.s]
    return None


def _text(data: bytes) -> str:
    return data[: MAX_ARGUMENT_CHARS * 2].decode("utf-8", "backslashreplace")
