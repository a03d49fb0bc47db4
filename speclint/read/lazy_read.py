"""Read a binary SavedModel without materialising its NodeDefs: the big-graph path.

protobuf's parse of a whole graph costs about 5.5 times the file in memory, and a reader
then pays again for touching every node from Python. With the accelerator (``speclint._wire``)
the model is read in three steps instead:

1. ``_wire.plan`` cuts every NodeDef out of the file; protobuf parses what is left (the
   skeleton: signatures, collections, the object graph, function signatures), which is small;
2. ``graph.from_wire`` reads the index tables (names, op types, edges) straight from the bytes,
   and keeps each scope's NodeDefs as ``LazyNodes``: a node is parsed only when a reader asks for it;
3. every NodeDef is still parsed once, by protobuf, a few MB at a time (``_wire.envelope``
   wraps them at the depth they have in the model) and dropped: a file protobuf would refuse
   is refused here too, with protobuf's own error, because on any refusal or anything the
   accelerator does not model exactly, :func:`load` returns None and the caller parses the
   whole file as before.
"""

from __future__ import annotations

from google.protobuf import message as pb_message

import speclint.read.accelerator as accelerator
import speclint.read.graph.from_wire as from_wire
from speclint.proto import messages
from speclint.read.graph.from_wire import LazyNodes, NotNative
from speclint.read.graph.index import TOP, GraphIndex

CHECK_BYTES = 4 << 20  # NodeDefs per validation parse: bounds its memory, amortises its calls
_PARSE_ERRORS = (pb_message.DecodeError, RecursionError, ValueError)


def load(data: bytes) -> tuple[messages.Message, list[GraphIndex]] | None:
    """The skeleton SavedModel and one index per meta graph, or None: parse the whole file instead."""
    if accelerator.wire is None:
        return None
    plan = accelerator.wire.plan(data)
    if plan is None:
        return None
    skeleton, spans = plan
    saved_model = messages.SavedModel()
    try:
        saved_model.ParseFromString(skeleton)
    except _PARSE_ERRORS:
        return None
    if not saved_model.meta_graphs or len(spans) != len(saved_model.meta_graphs):
        return None
    graphs = []
    for meta_graph, span in zip(saved_model.meta_graphs, spans, strict=True):
        graph_def = meta_graph.graph_def
        try:
            tables = None if span is None else from_wire.read_tables(data, span[0], span[1], graph_def.library.function)
        except NotNative:
            return None
        graph = GraphIndex(graph_def, tables)
        del tables  # what the index keeps of them is its own; the rest goes before the check below
        if not _nodes_parse(data, graph):
            return None
        graphs.append(graph)
    return saved_model, graphs


def _nodes_parse(data: bytes, graph: GraphIndex) -> bool:
    """Whether protobuf accepts every NodeDef of the graph, checked piece by piece.

    The top-level nodes go in GraphDef envelopes, every function's nodes together in FunctionDef
    envelopes (which function holds a node does not change whether it parses): a model of many
    small functions costs a few parses, not one per function.
    """
    graph_nodes: list[tuple[memoryview, memoryview]] = []
    function_nodes: list[tuple[memoryview, memoryview]] = []
    for name, scope in graph.scopes.items():
        nodes = scope.nodes.messages
        if isinstance(nodes, LazyNodes) and len(nodes):
            (function_nodes if name != TOP else graph_nodes).append(nodes.spans())
    for spans, in_function in ((graph_nodes, False), (function_nodes, True)):
        if not spans:
            continue
        starts = b"".join(start for start, _ in spans)
        ends = b"".join(end for _, end in spans)
        first, count = 0, len(starts) // 8
        while first < count:
            envelope, first = accelerator.wire.envelope(data, starts, ends, first, CHECK_BYTES, in_function)
            try:
                messages.SavedModel.FromString(envelope)
            except _PARSE_ERRORS:
                return False
    return True
