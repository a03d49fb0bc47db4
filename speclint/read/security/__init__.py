"""Static security scan: what a SavedModel can do to the machine that loads or runs it.

``tf.saved_model.load`` / ``hub.load`` run a model's init op and restore functions, and every
call runs its graph: any op in there acts with the loading process's rights. This module
finds, without TensorFlow and without executing anything:

* dangerous ops (``speclint/data/dangerous_ops.json``: file access, Python callbacks,
  summary writers, file-backed datasets and lookup tables, network ops...) in the top-level
  graph, every library function (so also ``If``/``While`` branches and everything a call
  reaches), the init op, and GraphDefs serialized inside string constants (the ``graph_def``
  of ``DatasetFromGraph``), recursively up to ``MAX_NESTED_DEPTH``. Checkpoint ops (``SaveV2``,
  ``RestoreV2``...) count only outside the saver's own subgraph and functions;
* ops no TensorFlow registers (``speclint/data/known_ops.txt``) that are not library functions
  either: custom ops, which need a shared library the consumer must load and trust;
* Keras ``Lambda`` layers (marshalled Python bytecode) in ``keras_metadata.pb`` or in the
  object graph's Keras metadata;
* asset paths that escape the model directory: absolute or ``..`` filenames in AssetFileDefs
  (``asset_file_def`` and the TF1 ``saved_model_assets`` collection) and symbolic links under
  ``assets/`` or ``assets.extra/`` that point outside the model directory.

The result is ``facts["security"]``; :func:`scan` never raises. Parts: ``ops`` (the op
tables), ``graphs`` (one GraphDef and the GraphDefs nested in it), ``reach`` (which entry
points reach what), ``assets``, ``keras`` (Lambda layers), ``state`` (the result being built).
"""

from __future__ import annotations

from typing import Any

from speclint.proto.messages import Message
from speclint.read.graph.index import GraphIndex
from speclint.read.loading import DEFAULT_MAX_BYTES
from speclint.read.metagraph import tag_set_label
from speclint.read.security.assets import escape_reason, scan_asset_defs, scan_asset_links
from speclint.read.security.graphs import MAX_NESTED_DEPTH, GraphScan
from speclint.read.security.keras import scan_keras_metadata, scan_object_graph_keras
from speclint.read.security.ops import dangerous_ops, function_ops, known_ops
from speclint.read.security.reach import Context
from speclint.read.security.state import INTERNAL_ERRORS, State, empty, never_run
from speclint.vocabulary import Json

__all__ = [
    "MAX_NESTED_DEPTH",
    "dangerous_ops",
    "empty",
    "escape_reason",
    "function_ops",
    "known_ops",
    "scan",
]


def scan(
    model_dir: str,
    graphs: list[GraphIndex],
    saved_model: Message | None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    files: Any = None,
) -> Json:
    """Scan one model directory; ``saved_model`` is None when it could not be read.

    ``files``: the model's ``read.tree.ModelTree`` when it is a published archive read in place
    (it holds no links: the archive reader refuses them), else None and the directory is read.
    """
    result = empty()
    state = State(result)
    parts: list[tuple[str, Any]] = [
        ("assets", lambda: scan_asset_links(state, model_dir)),
        ("keras_metadata.pb", lambda: scan_keras_metadata(state, model_dir, max_bytes, files)),
    ]
    if saved_model is not None:
        for index, meta_graph in enumerate(saved_model.meta_graphs):
            graph = graphs[index] if index < len(graphs) else None
            peers = [
                (other, graphs[j] if j < len(graphs) else None)
                for j, other in enumerate(saved_model.meta_graphs)
                if j != index
            ]
            parts.append(
                ("saved_model", lambda m=meta_graph, i=index, g=graph, p=peers: _scan_meta_graph(state, i, m, g, p))
            )
    for name, part in parts:
        try:
            part()
        except INTERNAL_ERRORS as exc:  # a reader bug must not hide the rest of the report
            state.error(name, f"the scan stopped early on an internal error: {type(exc).__name__}: {exc}")
    result["never_run"] = never_run(result["unreached_ops"])
    return result


def _scan_meta_graph(
    state: State,
    index: int,
    meta_graph: Message,
    graph: GraphIndex | None,
    peers: list[tuple[Message, GraphIndex | None]],
) -> None:
    prefix = tag_set_label(meta_graph)
    graph_def = meta_graph.graph_def
    graph = graph or GraphIndex(graph_def)
    context = Context(meta_graph, graph_def, graph, peers)
    GraphScan(state, index, prefix, graph_def, graph, 0, context).run()
    scan_asset_defs(state, prefix, meta_graph)
    scan_object_graph_keras(state, prefix, meta_graph)
