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
from speclint.read.graph import CALL_OPS, TOP, GraphIndex
from speclint.read.security.ops import SAVE_RESTORE, dangerous_ops, known_ops
from speclint.read.security.reach import SAVER_LABELS, Context, references
from speclint.read.security.select import scoped_nodes
from speclint.read.security.state import INTERNAL_ERRORS, MAX_ARGUMENT_CHARS, MAX_NESTED_GRAPHS, State

MAX_NESTED_DEPTH = 4  # GraphDefs inside string constants inside GraphDefs...
MAX_SOURCE_HOPS = 8  # calls an input is followed out of, looking for its constant
DT_STRING = 7
GRAPH_DEF_FIRST_BYTES = frozenset({0x0A, 0x12, 0x18, 0x22})  # tags of GraphDef fields 1, 2, 3, 4
MAX_SAVER_WALK = 10_000  # tensors visited tracing a checkpoint op's file name back to the saver's
# What TensorFlow's savers (tf.compat.v1.train.Saver, the TF2 functional saver) put between the
# fed file name and a checkpoint op: shard names, temporary-directory suffixes, the s3/gs test.
SAVER_FILENAME_OPS = frozenset(
    {"Identity", "StringJoin", "ShardedFilename", "Select", "SelectV2", "StaticRegexFullMatch", "Pack"}
)
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
    ) -> None:
        self.state = state
        self.meta_index = meta_index
        self.prefix = prefix
        self.graph_def = graph_def
        self.graph = graph
        self.depth = depth
        self.context = context
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
        if not self.applies(function, node, rule.get("only_if")):
            return
        category = rule["category"]
        labels = self.context.labels(function, node.name) if self.context is not None else []
        if category == SAVE_RESTORE and self.is_own_saver(function, node, rule, labels):
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

    # ---- the model's own saver -----------------------------------------------------------
    def is_own_saver(self, function: str | None, node: Message, rule: dict[str, Any], labels: list[str]) -> bool:
        """A checkpoint op of the model's own saver, the only one exempt.

        It is reached from the saver alone (nothing TensorFlow runs at load or call reaches
        it) and every file name it takes comes from ``saver_def.filename_tensor_name``, the
        tensor the loader feeds with the model's own ``variables/`` path (in TF2 models,
        through the saver function's file-prefix argument), joined only with relative
        constants such as ``_temp/part``. A constant path or a function named like a saver
        is not enough. Or it is another tag-set's saver (``is_peer_saver``).
        """
        if self.context is None:
            return False
        if not labels and function is None and self.depth == 0 and self.is_peer_saver(node, rule):
            return True
        if not set(labels) <= SAVER_LABELS:
            return False
        filename = self.context.saver_filename()
        if filename is None:
            return False
        inputs = [raw for raw in node.input if not raw.startswith("^")]
        scope = TOP if function is None else function
        return all(p < len(inputs) and self.from_saver_filename(scope, inputs[p], filename) for p in _file_inputs(rule))

    def is_peer_saver(self, node: Message, rule: dict[str, Any]) -> bool:
        """A top-level checkpoint op of another tag-set's saver, which this tag-set never runs.

        The v1 ``Builder`` exports all tag-sets from one graph, so ``[train]`` also holds the
        saver ``save/`` of ``[serve]``. Exempt only when nothing is reached from it here (the
        caller checks that no root TensorFlow runs reaches it), every file name it takes comes
        from the other meta graph's ``saver_def.filename_tensor_name`` through the saver's own
        ops, and the op and everything on those paths are the very same nodes in that meta
        graph: that tag-set's saver, fed with its ``variables/`` path when it is loaded.
        """
        assert self.context is not None
        inputs = [raw for raw in node.input if not raw.startswith("^")]
        positions = _file_inputs(rule)
        if not all(p < len(inputs) for p in positions):
            return False
        for filename, peer_nodes in self.context.peer_savers():
            path: set[str] = {node.name}
            if all(self.from_saver_filename(TOP, inputs[p], filename, path) for p in positions) and all(
                _same_node(self.graph.node(self.graph.parse_ref(TOP, name)), peer_nodes.get(name)) for name in path
            ):
                return True
        return False

    def from_saver_filename(self, scope: str, raw: str, filename: str, path: set[str] | None = None) -> bool:
        """Whether a string tensor is the saver's file name, only sharded or suffixed by TensorFlow's ops.

        With ``path``, the walk stays in the top-level graph and collects the nodes it visits.
        """
        assert self.context is not None
        graph, found, steps = self.graph, False, 0
        stack = [graph.parse_ref(scope, raw)]
        seen: set[tuple[str, str, int, bool]] = set()
        while stack:
            ref = stack.pop()
            key = (ref.scope, ref.node, ref.index, ref.is_arg)
            steps += 1
            if key in seen:
                continue
            if steps > MAX_SAVER_WALK or ref.scope not in graph.scopes:
                return False
            seen.add(key)
            if path is not None:
                if ref.scope != TOP or ref.is_arg:
                    return False
                path.add(ref.node)
            if ref.is_arg:  # leave the function through every call that passes it inputs
                sites = self.context.call_sites(ref.scope)
                if not sites:
                    return False
                for caller, call in sites:
                    call_inputs = [item for item in call.input if not item.startswith("^")]
                    if ref.index >= len(call_inputs):
                        return False
                    stack.append(graph.parse_ref(TOP if caller is None else caller, call_inputs[ref.index]))
                continue
            if ref.scope == TOP and ref.node == filename:
                found = True
                continue
            producer = graph.node(ref)
            if producer is None:
                return False
            callee = _callee(producer, graph)
            if callee is not None:
                inner = graph.function_output(callee, ref.index)
                if inner is None:
                    return False
                stack.append(inner)
            elif producer.op in ("Const", "HostConst"):
                tensor = producer.attr["value"].tensor if "value" in producer.attr else None
                if tensor is not None and not all(_relative_suffix(_text(v)) for v in tensor.string_val):
                    return False
            elif producer.op in SAVER_FILENAME_OPS:
                stack.extend(graph.parse_ref(ref.scope, item) for item in producer.input if not item.startswith("^"))
            else:
                return False
        return found

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
        inner = _as_graph_def(data)
        if inner is None:
            return
        self.scanned_constants.add((function, node.name))
        self.scan_nested(self.where(function, node.name), inner)

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
        tensor = const.attr["value"].tensor
        inner = _parse_graph_def(tensor.string_val[0]) if len(tensor.string_val) == 1 else None
        if inner is None:
            self.state.error(
                "saved_model",
                f"the GraphDef {node.op} runs (constant {_text(source[1].encode())!r}) does not parse as a "
                "GraphDef, so it was not scanned",
                where,
            )
            return
        self.scan_nested(self.where(owner, source[1]), inner)

    def scan_nested(self, where: str, inner: Message) -> None:
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
        GraphScan(self.state, self.meta_index, prefix, inner, GraphIndex(inner), self.depth + 1, None).run()


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


def _callee(node: Message, graph: GraphIndex) -> str | None:
    """The function a call op (or a call by op name) runs on its inputs, or None for any other op."""
    for attr, name in references(node, graph.scopes):
        if attr is None or (attr == "f" and node.op in CALL_OPS):
            return name
    return None


def _relative_suffix(text: str) -> bool:
    """A constant a saver joins to its file name: relative, no '..', no URL scheme."""
    parts = re.split(r"[\\/]+", text)
    return not text.startswith(("/", "\\")) and ".." not in parts and "://" not in text and ":" not in text[:3]


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


def _file_inputs(rule: dict[str, Any]) -> list[int]:
    """The input positions of a checkpoint op that take file names."""
    return list(rule.get("file_inputs") or [int(rule["argument"]["input"])])


def _same_node(node: Message | None, other: Message | None) -> bool:
    """Both graphs hold this node, and it is the very same NodeDef in each."""
    return node is not None and other is not None and node == other
