"""The model's own saver, recognised by TensorFlow's exact structure: the only exempt checkpoint ops.

The loaders feed ``saver_def.filename_tensor_name`` with the model's ``variables/`` path and
run the restore op (``tf.compat.v1`` loaders, TF Serving, ``tf.saved_model.load`` of a TF1
graph). A checkpoint op is the saver's own when each file name it takes is built from that
tensor exactly as TensorFlow's savers build it, and by nothing else:

* ``Saver`` (TF1, V1 and V2 formats) and the TF2 functional saver (``_traced_save`` /
  ``_traced_restore``): restore ops read the fed name itself; save ops write it, or, sharded,
  ``ShardedFilename(StringJoin([name, suffix]), shard, num_shards)`` (V2) or
  ``ShardedFilename(name, shard, num_shards)`` (V1), with ``suffix`` the constant
  ``_temp/part``, ``_temp_<32 hex>/part`` (TF < 1.14) or ``.part``, or TensorFlow's choice
  between them: ``Select(StaticRegexFullMatch(name, "^s3://.*"), ".part", "_temp/part")``;
  ``MergeV2Checkpoints`` merges a ``Pack`` of those shard names into the fed name.
* In a function, the name is an argument that every call passes the fed tensor.

Anything else is not exempt: a separator on the join, another suffix (however encoded: the
constants are decoded as TensorFlow decodes them), a regex rewrite, a select between other
values, a second join, a constant path, a name the graph computes.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from speclint.proto.messages import Message
from speclint.read.graph.index import TOP, GraphIndex, Ref
from speclint.read.security.reach import SAVER_LABEL, SAVER_LABELS, Context
from speclint.read.security.values import LITERAL, Resolver

SAVE_OPS = frozenset({"Save", "SaveSlices", "SaveV2"})
RESTORE_OPS = frozenset({"Restore", "RestoreSlice", "RestoreV2"})
TEMP_SUFFIXES = (re.compile(rb"_temp/part"), re.compile(rb"_temp_[0-9a-f]{32}/part"))
S3_SUFFIX = b".part"
S3_PATTERN = b"^s3://.*"
MAX_STEPS = 10_000  # refs visited per check; more is hostile input
MAX_CALL_DEPTH = 64  # nested callers followed back to the fed name (the savers use one or two)


class SaverStructure:
    """Checks one checkpoint op against the savers' structure, fed from one file-name tensor."""

    def __init__(self, graph: GraphIndex, resolver: Resolver, context: Context, filename: str) -> None:
        self.graph = graph
        self.resolver = resolver
        self.context = context
        self.filename = filename
        self.visited: set[str] = set()  # top-level nodes on the paths (compared with a peer's graph)
        self.steps = 0
        self.following: set[tuple[str, int]] = set()  # (function, argument) on the way back to the fed name

    def takes_own_files(self, scope: str, node: Message) -> bool:
        """Whether every file name the checkpoint op takes is built as the savers build it."""
        inputs = [raw for raw in node.input if not raw.startswith("^")]
        if not inputs:
            return False
        first = self.graph.parse_ref(scope, inputs[0])
        if node.op in RESTORE_OPS:
            return self.fed(first)
        if node.op in SAVE_OPS:
            return self.fed(first) or self.shard(first)
        if node.op == "MergeV2Checkpoints" and len(inputs) >= 2:
            pack = self.node(first)
            if pack is None or pack.op != "Pack" or first.index != 0:
                return False
            shards = [raw for raw in pack.input if not raw.startswith("^")]
            prefix = self.graph.parse_ref(scope, inputs[1])
            return (
                bool(shards)
                and all(self.shard(self.graph.parse_ref(first.scope, raw)) for raw in shards)
                and (self.fed(prefix))
            )
        return False

    # ---- the pieces ----------------------------------------------------------------------------
    def node(self, ref: Ref) -> Message | None:
        self.steps += 1
        if self.steps > MAX_STEPS or ref.is_arg or ref.scope not in self.graph.scopes:
            return None
        if ref.scope == TOP:
            self.visited.add(ref.node)
        return self.graph.node(ref)

    def fed(self, ref: Ref) -> bool:
        """The fed file-name tensor itself, or a function argument every caller passes it as."""
        self.steps += 1
        if self.steps > MAX_STEPS:
            return False
        if not ref.is_arg:
            if ref.scope == TOP and ref.node == self.filename and ref.index == 0:
                self.visited.add(ref.node)
                return True
            return False
        entries = self.context.entries(ref.scope)
        if not entries or (ref.scope, ref.index) in self.following or len(self.following) >= MAX_CALL_DEPTH:
            return False  # no caller, a call cycle (a function feeding itself) or a hostile depth: not the fed name
        self.following.add((ref.scope, ref.index))
        try:
            for entry in entries:
                if entry.node is None or entry.offset is None or entry.bound is not None:
                    return False  # the loader calls it, or a loop or dataset does: not the fed name
                inputs = [raw for raw in entry.node.input if not raw.startswith("^")]
                position = ref.index + entry.offset
                caller = TOP if entry.scope is None else entry.scope
                if position >= len(inputs) or not self.fed(self.graph.parse_ref(caller, inputs[position])):
                    return False
            return True
        finally:
            self.following.discard((ref.scope, ref.index))

    def shard(self, ref: Ref) -> bool:
        """``ShardedFilename(prefix, shard, num_shards)`` of the fed name (V1) or of its temporary prefix (V2)."""
        node = self.node(ref)
        if node is None or node.op != "ShardedFilename" or ref.index != 0:
            return False
        inputs = [raw for raw in node.input if not raw.startswith("^")]
        if len(inputs) != 3:
            return False
        prefix, shard, count = (self.graph.parse_ref(ref.scope, raw) for raw in inputs)
        return (self.fed(prefix) or self.temporary(prefix)) and self.integer(shard) and self.integer(count)

    def temporary(self, ref: Ref) -> bool:
        """``StringJoin([name, suffix])`` with no separator: the V2 savers' temporary prefix."""
        node = self.node(ref)
        if node is None or node.op != "StringJoin" or ref.index != 0:
            return False
        if self.resolver.attr_strings(ref.scope, node, "separator", frozenset({b""})) != frozenset({b""}):
            return False
        inputs = [raw for raw in node.input if not raw.startswith("^")]
        if len(inputs) != 2:
            return False
        name, suffix = (self.graph.parse_ref(ref.scope, raw) for raw in inputs)
        return self.fed(name) and self.suffix(suffix)

    def suffix(self, ref: Ref) -> bool:
        """A standard suffix constant, or TensorFlow's ``Select`` between ``.part`` and ``_temp/part``."""
        text = self.constant(ref)
        if text is not None:
            return text == S3_SUFFIX or any(pattern.fullmatch(text) for pattern in TEMP_SUFFIXES)
        node = self.node(ref)
        if node is None or node.op not in ("Select", "SelectV2") or ref.index != 0:
            return False
        inputs = [raw for raw in node.input if not raw.startswith("^")]
        if len(inputs) != 3:
            return False
        condition, s3, other = (self.graph.parse_ref(ref.scope, raw) for raw in inputs)
        test = self.node(condition)
        if test is None or test.op != "StaticRegexFullMatch" or condition.index != 0:
            return False
        pattern = self.resolver.attr_strings(condition.scope, test, "pattern", None)
        tested = [raw for raw in test.input if not raw.startswith("^")]
        if pattern != frozenset({S3_PATTERN}) or len(tested) != 1:
            return False
        temp = self.constant(other)
        return (
            self.fed(self.graph.parse_ref(condition.scope, tested[0]))
            and self.constant(s3) == S3_SUFFIX
            and temp is not None
            and any(pattern.fullmatch(temp) for pattern in TEMP_SUFFIXES)
        )

    def constant(self, ref: Ref) -> bytes | None:
        """The one string of a ``Const`` (every encoding), or None."""
        node = self.node(ref)
        if node is None or node.op != "Const" or ref.index != 0:
            return None
        values = self.resolver.tensor(ref, 0)
        if values is None or len(values) != 1:
            return None
        (value,) = values
        return value.data if value.kind == LITERAL else None

    def integer(self, ref: Ref) -> bool:
        node = self.node(ref)
        if node is None or node.op != "Const" or ref.index != 0 or "value" not in node.attr:
            return False
        value = node.attr["value"]
        return value.WhichOneof("value") == "tensor" and value.tensor.dtype in (3, 9)  # DT_INT32, DT_INT64


def is_own_saver(
    graph: GraphIndex, resolver: Resolver, context: Context, scope: str, node: Message, labels: list[str]
) -> bool:
    """A checkpoint op of the model's own saver, run only where the loader feeds its file name.

    Reached by the saver alone (a restore op by its restore op, which the loaders run with the
    ``variables/`` path fed; a save op by its save tensor, which no loader runs), never by a
    signature, the init op or an object function (which would run it with the file name
    unfed), and built exactly as TensorFlow builds it.
    Or another tag-set's saver that nothing here reaches (``is_peer_saver``).
    """
    if not labels and scope == TOP:
        return is_peer_saver(graph, resolver, context, node)
    filename = context.saver_filename()
    # The restore op, which the loaders run, holds restore ops alone; save ops are the save tensor's.
    allowed = SAVER_LABELS if node.op in RESTORE_OPS else {SAVER_LABEL}
    if filename is None or not labels or not set(labels) <= allowed:
        return False
    return SaverStructure(graph, resolver, context, filename).takes_own_files(scope, node)


def is_peer_saver(graph: GraphIndex, resolver: Resolver, context: Context, node: Message) -> bool:
    """A top-level checkpoint op of another tag-set's saver, which this tag-set never runs.

    The v1 ``Builder`` exports every tag-set from one graph, so ``[train]`` also holds
    ``[serve]``'s saver ``save/``, fed only when ``[serve]`` is loaded. Exempt when it is built
    from the other meta graph's file-name tensor exactly as a saver is, and the op and every
    node on those paths are the very same NodeDefs in that meta graph.
    """
    for filename, peer_nodes in context.peer_savers():
        structure = SaverStructure(graph, resolver, context, filename)
        structure.visited.add(node.name)
        if structure.takes_own_files(TOP, node) and _same_nodes(graph, structure.visited, peer_nodes):
            return True
    return False


def _same_nodes(graph: GraphIndex, names: set[str], peer_nodes: Mapping[str, Any]) -> bool:
    top = graph.scopes[TOP].nodes
    return all(name in top and peer_nodes.get(name) is not None and top[name] == peer_nodes[name] for name in names)
