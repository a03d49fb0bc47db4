"""What a string input or attribute of a node holds, resolved through the model's data flow.

Whether an op touches the outside is decided by values: the file a ``ReadFile`` opens, the
stream ``PrintV2`` writes to, a ``CacheDataset`` file name, a descriptor source. A value is
followed back through what TensorFlow computes (identities, joins with their separator,
selects, packs and slices, calls into functions and out of them through every call site) and
through every encoding (``string_val``, ``tensor_content``, attribute placeholders bound by
the caller). What cannot be followed to something the model itself fixes is *unresolved*
(``None``) and counts as outside: fail closed.

Resolved values are literals, the model's own assets (an ``AssetFileDef`` tensor, which the
loader feeds with the path of the file under ``assets/``), or the tensor the loader feeds with
the model's ``variables/`` path (the saver's file name).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, NamedTuple

from speclint.proto.messages import Message
from speclint.read.graph.index import TOP, GraphIndex, Ref
from speclint.read.graph.node_rules import CALL_OPS, CASE_OPS, IF_OPS
from speclint.read.security.tensors import string_elements

if TYPE_CHECKING:
    from speclint.read.security.reach import Context

MAX_VALUES = 64  # distinct values per tensor; more (a product of joins) is unresolved
MAX_DEPTH = 48  # nested steps through calls and ops; deeper is unresolved
LITERAL, ASSET, FED = "literal", "asset", "fed"
# Ops whose output elements are some of their inputs' elements: input positions that carry them.
ELEMENT_OPS: dict[str, tuple[int, ...] | None] = {
    "Identity": (0,), "Snapshot": (0,), "StopGradient": (0,), "PreventGradient": (0,), "EnsureShape": (0,),
    "Reshape": (0,), "ExpandDims": (0,), "Squeeze": (0,), "Tile": (0,), "BroadcastTo": (0,), "Transpose": (0,),
    "Slice": (0,), "StridedSlice": (0,), "Gather": (0,), "GatherV2": (0,), "Unpack": (0,), "Fill": (1,),
    "Select": (1, 2), "SelectV2": (1, 2), "Pack": None, "ConcatV2": None, "PlaceholderWithDefault": (0,),
}  # fmt: skip


class Value(NamedTuple):
    """One value a string can take: a ``literal``, an ``asset`` (its filename), or ``fed`` (the saver's file name).

    ``init_only``: an asset tensor of the top-level graph, which the loaders feed only when they
    run the init op; anywhere else TensorFlow reads what the node itself holds.
    """

    kind: str
    data: bytes
    init_only: bool = False

    def text(self) -> str:
        shown = self.data.decode("utf-8", "backslashreplace")
        if self.kind == FED:
            return f"the variables/ path the loader feeds to {shown}"
        return f"assets/{shown}" if self.kind == ASSET else shown


Values = frozenset[Value] | None  # None: unresolved, which counts as outside


def literals(data: Iterable[bytes]) -> frozenset[Value]:
    return frozenset(Value(LITERAL, item) for item in data)


class Resolver:
    """Resolves the string values of one meta graph's tensors and attributes (each answer kept)."""

    def __init__(self, graph: GraphIndex, context: Context | None) -> None:
        self.graph = graph
        self.context = context
        self._memo: dict[tuple[str, str, int, bool], Values] = {}
        self._busy: set[tuple[str, str, int, bool]] = set()

    # ---- tensors -----------------------------------------------------------------------------
    def input(self, scope: str, node: Message, position: int) -> Values:
        """The values of a node's ``position``-th data input."""
        inputs = [raw for raw in node.input if not raw.startswith("^")]
        if not 0 <= position < len(inputs) or scope not in self.graph.scopes:
            return None
        return self.tensor(self.graph.parse_ref(scope, inputs[position]), 0)

    def inputs(self, scope: str, node: Message, positions: Iterable[int]) -> Values:
        found: set[Value] = set()
        for position in positions:
            values = self.input(scope, node, position)
            if values is None:
                return None
            found |= values
        return frozenset(found)

    def tensor(self, ref: Ref, depth: int) -> Values:
        key = (ref.scope, ref.node, ref.index, ref.is_arg)
        if key in self._memo:
            return self._memo[key]
        if key in self._busy or depth > MAX_DEPTH:
            return None  # a cycle (a loop), or deeper than any model: unresolved
        self._busy.add(key)
        try:
            values = self._tensor(ref, depth)
        finally:
            self._busy.discard(key)
        if values is not None and len(values) > MAX_VALUES:
            values = None
        self._memo[key] = values
        return values

    def _tensor(self, ref: Ref, depth: int) -> Values:
        if ref.scope not in self.graph.scopes:
            return None
        if ref.is_arg:
            return self._argument(ref.scope, ref.index, depth)
        if ref.scope == TOP and self.context is not None:
            special = self._top_level(ref)
            if special is not None:
                return special
        node = self.graph.node(ref)
        if node is None:
            return None
        op = node.op
        if op in ("Const", "HostConst"):
            return self._constant(ref.scope, node)
        if op == "StringJoin":
            return self._join(ref.scope, node, depth)
        if op in ELEMENT_OPS:
            positions = ELEMENT_OPS[op]
            count = len([raw for raw in node.input if not raw.startswith("^")])
            if positions is None:
                positions = tuple(range(count - 1 if op == "ConcatV2" else count))
            if op == "PlaceholderWithDefault" and self._fed_by_callers(ref):
                return None
            return self._union(ref.scope, node, positions, depth)
        if op == "IdentityN":
            return self._union(ref.scope, node, (ref.index,), depth)
        if op == "ReadVariableOp" and ref.scope == TOP and self.context is not None:
            asset = self.context.asset_variable(node)
            return None if asset is None else frozenset({Value(ASSET, asset.encode(), True)})
        targets = self._callees(node)
        if targets is not None:
            found: set[Value] = set()
            for function in targets:
                inner = self.graph.function_output(function, ref.index)
                values = None if inner is None else self.tensor(inner, depth + 1)
                if values is None:
                    return None
                found |= values
            return frozenset(found)
        return None

    def _top_level(self, ref: Ref) -> Values:
        """A tensor the loader feeds: an asset tensor, or the saver's file name."""
        assert self.context is not None
        asset = self.context.asset_nodes().get(ref.node)
        if asset is not None and ref.index == 0:
            return frozenset({Value(ASSET, asset.encode(), True)})
        if ref.node in self.context.fed_filenames() and ref.index == 0:
            return frozenset({Value(FED, ref.node.encode())})
        return None

    def _fed_by_callers(self, ref: Ref) -> bool:
        """Whether a consumer may feed this tensor: a signature input (a TF1 signature feeds its inputs)."""
        return ref.scope == TOP and self.context is not None and ref.node in self.context.signature_inputs()

    def _constant(self, scope: str, node: Message) -> Values:
        candidates = self.attr(scope, node, "value")
        if not candidates:
            return None
        found: set[Value] = set()
        for value in candidates:
            if value.WhichOneof("value") != "tensor":
                return None
            elements = string_elements(value.tensor)
            if elements is None:
                return None
            found |= literals(elements)
        return frozenset(found)

    def _union(self, scope: str, node: Message, positions: Iterable[int], depth: int) -> Values:
        inputs = [raw for raw in node.input if not raw.startswith("^")]
        found: set[Value] = set()
        for position in positions:
            if not 0 <= position < len(inputs):
                return None
            values = self.tensor(self.graph.parse_ref(scope, inputs[position]), depth + 1)
            if values is None:
                return None
            found |= values
        return frozenset(found)

    def _join(self, scope: str, node: Message, depth: int) -> Values:
        """``StringJoin``: every combination of its inputs' values, joined with its ``separator``."""
        separators = self.attr_strings(scope, node, "separator", frozenset({b""}))
        if separators is None:
            return None
        parts: list[list[Value]] = []
        for raw in (raw for raw in node.input if not raw.startswith("^")):
            values = self.tensor(self.graph.parse_ref(scope, raw), depth + 1)
            if values is None:
                return None
            parts.append(sorted(values))
        combinations = 1
        for part in parts:
            combinations *= max(len(part), 1)
        if combinations * len(separators) > MAX_VALUES:
            return None
        found: set[Value] = set()
        for separator in separators:
            for combination in itertools.product(*parts):
                # An asset or the fed path joined to more is a path nobody checked: a literal that
                # names them (never one of the harmless values a table lists, never an asset).
                pieces = (v.data if v.kind == LITERAL else f"<{v.text()}>".encode() for v in combination)
                found.add(Value(LITERAL, separator.join(pieces)))
        return frozenset(found)

    def _callees(self, node: Message) -> list[str] | None:
        """Functions whose outputs a node returns (calls, op-name calls, If/Case branches), or None."""
        library = self.graph.scopes
        op = node.op
        if op in CALL_OPS and "f" in node.attr:
            names = [node.attr["f"].func.name]
        elif op in library and op != TOP:
            names = [op]
        elif op in IF_OPS:
            names = [node.attr[b].func.name for b in ("then_branch", "else_branch") if b in node.attr]
        elif op in CASE_OPS and "branches" in node.attr:
            names = [f.name for f in node.attr["branches"].list.func]
        else:
            return None
        return names if names and all(name in library and name != TOP for name in names) else []

    def _argument(self, function: str, position: int, depth: int) -> Values:
        """A function argument: the values every caller passes, all of which must resolve."""
        if self.context is None:
            return None
        entries = self.context.entries(function)
        if not entries:
            return None  # nothing calls it: whoever does chooses the value
        found: set[Value] = set()
        for entry in entries:
            if entry.bound is not None:  # the loader calls it: a captured input, or the caller's own data
                values = entry.bound(position)
            elif entry.offset is None or entry.node is None:
                return None  # a loop body, a dataset function, an unknown op: values the graph computes
            else:
                inputs = [raw for raw in entry.node.input if not raw.startswith("^")]
                at = position + entry.offset
                if at >= len(inputs):
                    return None
                scope = TOP if entry.scope is None else entry.scope
                values = self.tensor(self.graph.parse_ref(scope, inputs[at]), depth + 1)
            if values is None:
                return None
            found |= values
        return frozenset(found)

    # ---- attributes --------------------------------------------------------------------------
    def attr(self, scope: str, node: Message, name: str) -> list[Message] | None:
        """Every value an attribute can take; ``[]`` when the node does not set it (the op's default).

        A placeholder (``{placeholder: "x"}`` in a function's node) is bound by whoever
        instantiates the function: each call's attributes, else the function signature's default.
        None when a binding cannot be found.
        """
        if name not in node.attr:
            return []
        return self._attr_value(scope, node.attr[name], 0)

    def _attr_value(self, scope: str, value: Message, depth: int) -> list[Message] | None:
        if value.WhichOneof("value") != "placeholder":
            return [value]
        if depth > MAX_DEPTH or scope == TOP or self.context is None:
            return None
        placeholder = value.placeholder
        entries = self.context.entries(scope)
        if not entries:
            return None
        default = self.context.signature_default(scope, placeholder)
        found: list[Message] = []
        for entry in entries:
            bindings = entry.bindings
            if bindings is not None and placeholder in bindings:
                caller = TOP if entry.scope is None else entry.scope
                bound = self._attr_value(caller, bindings[placeholder], depth + 1)
            elif bindings is not None and default is not None:
                bound = [default]
            else:
                return None
            if bound is None:
                return None
            found.extend(bound)
        return found

    def attr_strings(
        self, scope: str, node: Message, name: str, default: frozenset[bytes] | None
    ) -> frozenset[bytes] | None:
        """The strings of a ``string`` or ``list(string)`` attribute (each element), or None.

        ``default``: the values TensorFlow uses when the node does not set it (the registry's
        default; None: no default, unresolved). A list attribute gives its elements: an empty
        list gives the empty set.
        """
        values = self.attr(scope, node, name)
        if values is None:
            return None
        if not values:
            return default
        found: set[bytes] = set()
        for value in values:
            kind = value.WhichOneof("value")
            if kind == "s":
                found.add(value.s)
            elif kind == "list":
                found.update(value.list.s)
            else:
                return None
        return frozenset(found)


def values_text(values: Values) -> str | None:
    """The values as the facts show them: up to three, sorted; None when unresolved or empty."""
    if not values:
        return None
    texts = sorted({value.text() for value in values})
    return ", ".join(texts[:3]) + (", ..." if len(texts) > 3 else "")


def walk_funcs(value: Message, depth: int = 0) -> Iterator[Message]:
    """Every ``NameAttrList`` an attribute value holds, at any depth (``func``, ``list(func)``, nested)."""
    if depth > MAX_DEPTH:
        return
    kind = value.WhichOneof("value")
    funcs = [value.func] if kind == "func" else list(value.list.func) if kind == "list" else []
    for func in funcs:
        yield func
        for key in sorted(func.attr):
            yield from walk_funcs(func.attr[key], depth + 1)
