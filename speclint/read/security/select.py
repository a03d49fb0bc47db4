"""The few nodes a scan must look at, chosen by op type from the graph index.

Nearly every node of a model is a registered op that reads no file, runs no function and
holds no nested graph: the scan need not touch its ``NodeDef`` at all. The graph index keeps
every scope's op types as strings (``GraphIndex.ops_in``), so a scan tests those and takes
only the messages it needs, in the order of the repeated field, as a loop over every node
would have met them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from speclint.proto.messages import Message
from speclint.read.graph.index import TOP, GraphIndex


def scoped_nodes(
    graph_def: Message,
    graph: GraphIndex | None,
    keep: Callable[[str], bool],
    top_only: bool = False,
    string_values: frozenset[str] = frozenset(),
) -> Iterator[tuple[str | None, list[Any]]]:
    """(function or None for the top-level graph, the nodes whose op ``keep`` accepts), scope by scope.

    Scopes come in the GraphDef's order: the graph, then each library function. When the
    index cannot stand for the GraphDef (no index, or function names repeated or empty, which
    one index scope per name cannot hold), every node is read instead: same answer, slower.
    ``top_only``: the top-level graph alone. ``string_values``: ops kept only for a string tensor in
    their ``value`` attribute; the index may know a node holds none (``GraphIndex.string_flags``),
    which spares parsing the weights of a big model.
    """
    functions = graph_def.library.function
    names = [function.signature.name for function in functions]
    if graph is None or len(graph.scopes) != len(names) + 1 or TOP in names or len(set(names)) != len(names):
        yield None, [node for node in graph_def.node if keep(node.op)]
        for function in [] if top_only else functions:
            yield function.signature.name, [node for node in function.node_def if keep(node.op)]
        return
    scopes = [(TOP, None), *((name, name) for name in names)]
    for scope, label in scopes[:1] if top_only else scopes:
        ops = graph.ops_in(scope)
        kinds = {op for op in set(ops) if keep(op)}
        if not kinds:
            yield label, []
            continue
        messages = graph.scopes[scope].nodes.messages
        sniffed = kinds & string_values
        strings = graph.string_flags(scope) if sniffed else None
        if strings is None:
            yield label, [messages[position] for position, op in enumerate(ops) if op in kinds]
            continue
        yield (
            label,
            [
                messages[position]
                for position, op in enumerate(ops)
                if op in kinds and (op not in sniffed or strings[position])
            ],
        )
