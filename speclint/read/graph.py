"""The graph and its function library: which ops exist, where, and how data flows.

TensorFlow 2 models hide their real computation behind call ops
(``StatefulPartitionedCall`` -> ``__inference_...`` functions) and functional control flow
(``If``/``While`` branches). ``GraphIndex`` treats the top-level graph and every library
function as *scopes* and follows data across those boundaries, so later rules can ask
"what consumes the image input?", "what produces the output?" and "which ops lie on the
path between them?" without knowing how the model was built.
"""

from __future__ import annotations

import struct
from collections import Counter
from collections.abc import Iterator
from typing import Any

from speclint.proto.messages import Message, dtype_name

TOP = ""  # the scope name of the top-level GraphDef
CALL_OPS = frozenset({"PartitionedCall", "StatefulPartitionedCall"})
IF_OPS = frozenset({"If", "StatelessIf"})
WHILE_OPS = frozenset({"While", "StatelessWhile"})
CASE_OPS = frozenset({"Case", "StatelessCase"})
PASS_THROUGH_OPS = frozenset({"Identity", "IdentityN", "Snapshot", "StopGradient", "PreventGradient"})
NCHW_FORMATS = frozenset({b"NCHW", b"NCDHW", b"NCHW_VECT_C"})
SCALE_OPS = frozenset({"Mul", "RealDiv", "Div", "TrueDiv", "DivNoNan"})
OFFSET_OPS = frozenset({"Sub", "Add", "AddV2", "BiasAdd"})
LIST_CAP = 20  # longest list of nodes kept in the facts; the count is always exact
MAX_CALL_DEPTH = 64  # nested calls ``backward`` follows; deeper ones (hostile input only) are not entered

_Summary = tuple[frozenset[tuple[str, str]], frozenset[int]]  # what a function output depends on: nodes, args


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
    """The top-level graph or one library function: its nodes, arguments and returns."""

    __slots__ = ("args", "consumers", "name", "nodes", "outputs", "ret")

    def __init__(
        self,
        name: str,
        nodes: dict[str, Message],
        args: list[str] | None = None,
        outputs: list[str] | None = None,
        ret: dict[str, str] | None = None,
    ) -> None:
        self.name = name
        self.nodes = nodes
        self.args = args or []
        self.outputs = outputs or []
        self.ret = ret or {}
        self.consumers: dict[str, list[tuple[str, int]]] = {}


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
    for key in sorted(node.attr):
        for name in _attr_functions(node.attr[key], 0):
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
    """The top-level graph and its function library as scopes, with data-flow queries."""

    def __init__(self, graph_def: Message) -> None:
        self.scopes: dict[str, Scope] = {TOP: Scope(TOP, {n.name: n for n in graph_def.node})}
        for function in graph_def.library.function:
            signature = function.signature
            self.scopes[signature.name] = Scope(
                signature.name,
                {n.name: n for n in function.node_def},
                args=[arg.name for arg in signature.input_arg],
                outputs=[arg.name for arg in signature.output_arg],
                ret=dict(function.ret),
            )
        for scope in self.scopes.values():
            for name, node in scope.nodes.items():
                position = 0
                for raw in node.input:
                    if raw.startswith("^"):
                        continue
                    ref = self.parse_ref(scope.name, raw)
                    scope.consumers.setdefault(ref.node, []).append((name, position))
                    position += 1

    # ---- inventory -------------------------------------------------------------------
    def op_counts(self, scope_name: str) -> dict[str, int]:
        return dict(sorted(Counter(n.op for n in self.scopes[scope_name].nodes.values()).items()))

    def reachable_functions(self, start: str = TOP) -> list[str]:
        """Functions reached from ``start`` by calls or function-valued attributes, transitively."""
        seen: set[str] = set()
        stack = [start]
        while stack:
            for node in self.scopes[stack.pop()].nodes.values():
                for name in (*function_refs(node), node.op):
                    if name in self.scopes and name != TOP and name not in seen:
                        seen.add(name)
                        stack.append(name)
        return sorted(seen)

    def nodes_with_attr(self, attr: str, values: frozenset[bytes]) -> list[dict[str, str]]:
        found = []
        for scope in self.scopes.values():
            for name, node in scope.nodes.items():
                if attr in node.attr and node.attr[attr].s in values:
                    found.append(
                        {"function": scope.name or None, "node": name, "op": node.op, attr: node.attr[attr].s.decode()}
                    )
        return found

    # ---- references ------------------------------------------------------------------
    def parse_ref(self, scope_name: str, raw: str) -> Ref:
        """``node``, ``node:1`` (GraphDef) or ``arg``, ``node:output:1`` (FunctionDef)."""
        scope = self.scopes[scope_name]
        if scope_name != TOP and raw in scope.args:
            return Ref(scope_name, raw, scope.args.index(raw), is_arg=True)
        parts = raw.split(":")
        if len(parts) == 1:
            return Ref(scope_name, parts[0])
        if len(parts) == 2:
            return Ref(scope_name, parts[0], _int(parts[1]))
        node, out_name, index = parts[0], parts[1], _int(parts[2])
        node_def = scope.nodes.get(node)
        if out_name != "output" and node_def is not None:
            targets = self._call_targets(node_def)  # a function called by name: outputs are named
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
        node = self.node(ref)
        if node is None or depth > 200:
            return {"op": None, "node": ref.node, "function": ref.scope or None}
        if node.op in PASS_THROUGH_OPS:
            inputs = [raw for raw in node.input if not raw.startswith("^")]
            index = ref.index if node.op == "IdentityN" else 0
            if index < len(inputs):
                return self.producer(self.parse_ref(ref.scope, inputs[index]), depth + 1)
        targets = self._call_targets(node)
        if node.op not in IF_OPS | WHILE_OPS | CASE_OPS and targets:
            inner = self.function_output(targets[0][0], ref.index)
            if inner is not None:
                return self.producer(inner, depth + 1)
        return {"op": node.op, "node": ref.node, "function": ref.scope or None}

    def consumers(self, ref: Ref) -> list[dict[str, Any]]:
        """The first real ops that read ``ref``, looking through identities and into calls."""
        found: dict[tuple[str, str], dict[str, Any]] = {}
        stack, seen = [ref], set()
        while stack:
            current = stack.pop()
            if (current.scope, current.node) in seen:
                continue
            seen.add((current.scope, current.node))
            scope = self.scopes[current.scope]
            for name, position in scope.consumers.get(current.node, []):
                node = scope.nodes[name]
                targets = self._call_targets(node)
                if node.op in PASS_THROUGH_OPS:
                    stack.append(Ref(current.scope, name))
                elif targets and node.op not in WHILE_OPS | IF_OPS | CASE_OPS:
                    for function, offset in targets:
                        arg = self.function_arg(function, position - offset)
                        if arg is not None:
                            stack.append(arg)
                else:
                    found[(current.scope, name)] = {"op": node.op, "node": name, "function": current.scope or None}
        return [found[key] for key in sorted(found)][:LIST_CAP]

    def forward(self, ref: Ref) -> set[tuple[str, str]]:
        """Every node data can reach from ``ref`` (entering every function it flows into)."""
        reached: set[tuple[str, str]] = set()
        stack = [ref]
        visited: set[tuple[str, str]] = set()
        while stack:
            current = stack.pop()
            key = (current.scope, current.node)
            if key in visited:
                continue
            visited.add(key)
            scope = self.scopes[current.scope]
            for name, position in scope.consumers.get(current.node, []):
                reached.add((current.scope, name))
                stack.append(Ref(current.scope, name))
                for function, offset in self._call_targets(scope.nodes[name]):
                    arg = self.function_arg(function, position - offset)
                    if arg is not None:
                        stack.append(arg)
        return reached

    def backward(self, ref: Ref) -> set[tuple[str, str]]:
        """Every node ``ref`` depends on, following calls into the functions they run.

        Each (function, output) is summarised once: the nodes it depends on and the arguments it
        reads, which lead back to the call site's inputs. Shared and nested calls so cost linear
        time, where one walk per calling context grows exponentially with nested shared calls.
        """
        memo: dict[tuple[str, int], _Summary] = {}
        reached, _ = self._backward_from(ref, memo, 0)
        return reached

    def _backward_from(
        self, ref: Ref, memo: dict[tuple[str, int], _Summary], depth: int
    ) -> tuple[set[tuple[str, str]], set[int]]:
        """Nodes ``ref`` depends on within its scope and the calls it makes, and the arguments it reads."""
        reached: set[tuple[str, str]] = set()
        args: set[int] = set()
        stack = [ref]
        visited: set[Ref] = set()
        while stack:
            current = stack.pop()
            if current in visited:
                continue
            visited.add(current)
            if current.is_arg:
                args.add(current.index)
                continue
            node = self.node(current)
            if node is None:
                continue
            reached.add((current.scope, current.node))
            targets = self._call_targets(node)
            for function, offset in targets:
                inner_nodes, inner_args = self._function_summary(function, current.index, memo, depth + 1)
                reached |= inner_nodes
                inputs = [raw for raw in node.input if not raw.startswith("^")]
                for arg in inner_args:  # leave the function through the call site's matching input
                    if arg + offset < len(inputs):
                        stack.append(self.parse_ref(current.scope, inputs[arg + offset]))
            if not targets or node.op in IF_OPS | WHILE_OPS | CASE_OPS:
                for raw in node.input:
                    if not raw.startswith("^"):
                        stack.append(self.parse_ref(current.scope, raw))
        return reached, args

    def _function_summary(
        self, function: str, index: int, memo: dict[tuple[str, int], _Summary], depth: int
    ) -> _Summary:
        key = (function, index)
        if key in memo:
            return memo[key]
        empty: _Summary = (frozenset(), frozenset())
        if depth > MAX_CALL_DEPTH:
            return empty
        memo[key] = empty  # a function that calls itself sees an empty summary of itself
        inner = self.function_output(function, index)
        if inner is not None:
            nodes, args = self._backward_from(inner, memo, depth)
            memo[key] = (frozenset(nodes), frozenset(args))
        return memo[key]

    def path_ops(self, source: Ref, sink: Ref) -> list[str]:
        """Op types on some data path from ``source`` to ``sink``, sorted."""
        on_path = self.forward(source) & self.backward(sink)
        return sorted({self.scopes[s].nodes[n].op for s, n in on_path})

    def input_rescaling(self, ref: Ref) -> list[dict[str, Any]]:
        """Scalar constants the input is first scaled by (x/255, x*(1/127.5)) or shifted by (x-127.5)."""
        found = []
        for consumer in self._consumers_through(ref, frozenset({"Cast"})):
            if consumer["op"] not in SCALE_OPS | OFFSET_OPS:
                continue
            scope = self.scopes[consumer["function"] or TOP]
            node = scope.nodes[consumer["node"]]
            inputs = [raw for raw in node.input if not raw.startswith("^")]
            for position, raw in enumerate(inputs):
                value = self.constant(self.parse_ref(scope.name, raw))
                if value is None or value == 0:
                    continue
                entry = {"op": consumer["op"], "node": consumer["node"], "function": consumer["function"]}
                if consumer["op"] in SCALE_OPS:
                    divides = consumer["op"] != "Mul" and position == 1
                    multiplier = round(1.0 / value if divides else value, 6)
                    found.append({**entry, "kind": "scale", "constant": value, "multiplier": multiplier})
                else:
                    offset = -value if consumer["op"] == "Sub" and position == 1 else value
                    found.append({**entry, "kind": "offset", "constant": value, "offset": offset})
        return found

    def constant(self, ref: Ref) -> float | None:
        """The scalar a tensor holds when it comes straight from a Const node."""
        producer = self.producer(ref)
        if producer["op"] != "Const":
            return None
        const = self.scopes[producer["function"] or TOP].nodes[producer["node"]]
        return scalar_value(const.attr["value"].tensor) if "value" in const.attr else None

    def _consumers_through(self, ref: Ref, skip: frozenset[str]) -> list[dict[str, Any]]:
        result = []
        for consumer in self.consumers(ref):
            if consumer["op"] in skip:
                result.extend(self.consumers(Ref(consumer["function"] or TOP, consumer["node"])))
            else:
                result.append(consumer)
        return result


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
    return int(text) if text.isdigit() else 0
