"""Who runs what: which entry points reach each node and library function of a meta graph.

TensorFlow runs a model's signatures when it is called, its init op (and TF1 main/legacy
init ops) when it is loaded, its saver's restore op and the TF2 saveable objects' restore
functions when variables are restored, and every function an object graph exposes. A
finding names the roots that reach it (``reached_from``) and the node that calls the
function it sits in (``via``).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from google.protobuf import message as pb_message

from speclint.proto import messages
from speclint.proto.messages import Message
from speclint.read.graph import CALL_OPS, GraphIndex, function_attr_refs
from speclint.read.security.assets import asset_file_defs
from speclint.read.security.ops import function_ops, known_ops
from speclint.read.security.select import scoped_nodes

MAX_LABELS = 4  # entry points named per finding (signatures, init op, objects, saver)
MAX_OBJECT_PATH = 200  # longest object path label (root.layer-1.__call__) before node ids are used
SAVER_LABEL = "saver"  # its save tensor and file name (and the TF1 savers collection's)
RESTORE_LABEL = "saver restore op"  # saver_def.restore_op_name: run by the TF1 loaders at load
SAVER_LABELS = frozenset({SAVER_LABEL, RESTORE_LABEL})
INIT_OP_LABEL = "init op"
INIT_OP_SIGNATURE = "__saved_model_init_op"
INIT_OP_COLLECTIONS = ("saved_model_main_op", "main_op", "legacy_init_op")
LOAD_COLLECTIONS = ("table_initializer",)  # ops.GraphKeys.TABLE_INITIALIZERS
# tf.saved_model.load of a TF1 graph without an init op runs Scaffold.default_local_init_op():
# the tables' initializers (above) and the initializer of every VariableDef packed in the
# ``local_variables`` collection (``local_resources`` cannot be exported: TensorFlow registers no
# proto function for it, and a hand-made one makes the loader fail before it runs anything).
VARIABLE_COLLECTIONS = ("local_variables",)  # ops.GraphKeys.LOCAL_VARIABLES


class Context:
    """Which entry points reach each top-level node and library function of one meta graph.

    Labels: ``signature_def['key']``, ``init op`` (init op signature, main op, legacy init op),
    ``collection 'table_initializer'``, ``collection 'local_variables'``, ``object <path>`` (TF2
    object graph functions), ``restore function of saveable object <path> '<key>'`` (and ``save
    function ...``), ``saver restore op`` and ``saver``. Computed on first use only.
    """

    def __init__(
        self,
        meta_graph: Message,
        graph_def: Message,
        graph: GraphIndex | None = None,
        peers: list[tuple[Message, GraphIndex | None]] | None = None,
    ) -> None:
        self.meta_graph = meta_graph
        self.graph_def = graph_def
        self.graph = graph  # the index of graph_def: lets the walks skip nodes that refer to no function
        self.peers = peers or []  # other meta graphs and their indexes (the v1 Builder shares one graph)
        self._peer_savers: list[tuple[str, Mapping[str, Message]]] | None = None
        self._top_labels: dict[str, list[str]] | None = None
        self._function_labels: dict[str, list[str]] = {}
        self._via: dict[str, list[tuple[str | None, str, str]]] | None = None  # callee -> (scope, node, text)
        self._calls: dict[str, list[tuple[str | None, Message]]] = {}
        self._assets: dict[str, str] | None = None
        self._asset_variables: dict[str, str] | None = None
        self._refs: list[tuple[str | None, list[tuple[Message, list[tuple[str | None, str]]]]]] | None = None

    # -- public
    def labels(self, function: str | None, node: str) -> list[str]:
        self._compute()
        assert self._top_labels is not None
        if function is None:
            return self._top_labels.get(node, [])
        return self._function_labels.get(function, [])

    def saver_filename(self) -> str | None:
        """The top-level node the loader feeds with the variables path (``saver_def.filename_tensor_name``)."""
        saver = self.meta_graph.saver_def
        if not self.meta_graph.HasField("saver_def") or not saver.filename_tensor_name:
            return None
        return node_name(saver.filename_tensor_name)

    def peer_savers(self) -> list[tuple[str, Mapping[str, Message]]]:
        """(file-name node, top-level nodes by name) of each other meta graph's saver.

        The v1 ``Builder`` exports every tag-set from one graph and gives each later tag-set a
        saver of its own (``save_1/``...), so a tag-set's graph also holds the earlier
        tag-sets' savers, fed only when those tag-sets are loaded.
        """
        if self._peer_savers is None:
            own = self.saver_filename()
            self._peer_savers = []
            for peer, peer_graph in self.peers:
                if not peer.HasField("saver_def") or not peer.saver_def.filename_tensor_name:
                    continue
                filename = node_name(peer.saver_def.filename_tensor_name)
                if filename != own and all(filename != name for name, _ in self._peer_savers):
                    self._peer_savers.append((filename, top_nodes(peer.graph_def, peer_graph)))
        return self._peer_savers

    def via(self, function: str | None) -> str | None:
        """How a library function is reached: a node that refers to it, from outside the saver if one does."""
        if function is None:
            return None
        self._index_references()
        assert self._via is not None
        sites = self._via.get(function, [])
        for scope, site, text in sites:
            if not set(self.labels(scope, site)) <= SAVER_LABELS:
                return text
        return sites[0][2] if sites else None

    def call_sites(self, function: str) -> list[tuple[str | None, Message]]:
        """(scope, node) of every call of ``function`` that passes it inputs (call ops, op-name calls)."""
        self._index_references()
        return self._calls.get(function, [])

    def asset_nodes(self) -> dict[str, str]:
        """Top-level tensors the loader points at the model's assets: node name -> asset filename."""
        if self._assets is None:
            self._assets = {}
            for asset in asset_file_defs(self.meta_graph):
                if asset.tensor_info.name:
                    self._assets.setdefault(node_name(asset.tensor_info.name), asset.filename)
        return self._assets

    def asset_of(self, name: str) -> str | None:
        """The asset a top-level tensor names: an asset tensor, or a TF2 asset variable's value."""
        assets = self.asset_nodes()
        if name in assets:
            return assets[name]
        if self._asset_variables is None:
            self._asset_variables = {}
            assigns = scoped_nodes(self.graph_def, self.graph, lambda op: op == "AssignVariableOp", top_only=True)
            for _, nodes in assigns:
                for node in nodes:
                    inputs = [node_name(raw) for raw in node.input if not raw.startswith("^")]
                    if len(inputs) == 2 and inputs[1] in assets:
                        self._asset_variables[inputs[0]] = assets[inputs[1]]
        node = self._first_top_node(name) if self._asset_variables else None
        if node is not None and node.op == "ReadVariableOp" and node.input:
            return self._asset_variables.get(node_name(node.input[0]))
        return None

    def _first_top_node(self, name: str) -> Message | None:
        """The first top-level node of that name (the index keeps the last: equal unless repeated)."""
        top = self.graph.top() if self.graph is not None else None
        if top is not None and len(top.nodes) == len(top.nodes.messages):
            return top.nodes.get(name)
        return next((n for n in self.graph_def.node if n.name == name), None)

    def _index_references(self) -> None:
        if self._via is not None:
            return
        self._via, self._calls = {}, {}
        for scope, nodes in self._references():
            for node, refs in nodes:
                for attr, callee in refs:
                    if attr is None or (attr == "f" and node.op in CALL_OPS):
                        self._calls.setdefault(callee, []).append((scope, node))
                    sites = self._via.setdefault(callee, [])
                    if callee == scope or len(sites) >= MAX_LABELS:
                        continue
                    where = f"function {scope}" if scope is not None else "the graph"
                    how = "called by" if attr is None else f"{attr} of"
                    sites.append((scope, node.name, f"{how} {node.op} node {node.name} in {where}"))

    def _references(self) -> list[tuple[str | None, list[tuple[Message, list[tuple[str | None, str]]]]]]:
        """Per scope, in order: (node, its ``references``) of every node that can refer to a function.

        Found once and shared by ``propagate`` and the call-site index (``references`` walks every
        attribute of a call, the costly part on a model made of many functions).
        """
        if self._refs is None:
            library = {f.signature.name for f in self.graph_def.library.function}
            self._refs = [
                (scope, [(node, list(references(node, library))) for node in nodes])
                for scope, nodes in scoped_nodes(self.graph_def, self.graph, _may_refer(library))
            ]
        return self._refs

    # -- computation
    def _compute(self) -> None:
        if self._top_labels is not None:
            return
        meta_graph = self.meta_graph
        roots: list[tuple[str, list[str], list[str]]] = []  # label, top-level nodes, functions
        init_nodes: list[str] = []
        for key in sorted(meta_graph.signature_def):
            names = _signature_nodes(meta_graph.signature_def[key])
            if key == INIT_OP_SIGNATURE:
                init_nodes.extend(names)
            else:
                roots.append((f"signature_def['{key}']", names, []))
        for key in INIT_OP_COLLECTIONS:
            if key in meta_graph.collection_def and meta_graph.collection_def[key].WhichOneof("kind") == "node_list":
                init_nodes.extend(node_name(name) for name in meta_graph.collection_def[key].node_list.value)
        roots.append((INIT_OP_LABEL, init_nodes, []))
        for key in LOAD_COLLECTIONS:  # tf.saved_model.load of a TF1 model runs these with the init op
            if key in meta_graph.collection_def and meta_graph.collection_def[key].WhichOneof("kind") == "node_list":
                names = [node_name(name) for name in meta_graph.collection_def[key].node_list.value]
                roots.append((f"collection '{key}'", names, []))
        for key in VARIABLE_COLLECTIONS:
            names = _variable_initializers(meta_graph, key)
            if names:
                roots.append((f"collection '{key}'", names, []))
        exposed, saveable_functions = object_functions(meta_graph.object_graph_def)
        roots.extend((f"object {path}", [], names) for path, names in exposed)
        roots.extend((label, [], names) for label, names in saveable_functions)
        restore = meta_graph.saver_def.restore_op_name if meta_graph.HasField("saver_def") else ""
        roots.append((RESTORE_LABEL, [node_name(restore)] if restore else [], []))
        saver_nodes = [node_name(name) for name in _saver_tensor_names(meta_graph)]
        roots.append((SAVER_LABEL, [name for name in saver_nodes if name != node_name(restore)], []))
        self._top_labels, self._function_labels = propagate(self.graph_def, roots, self.graph, self._references())


def propagate(
    graph_def: Message,
    roots: list[tuple[str, list[str], list[str]]],
    graph: GraphIndex | None = None,
    node_refs: list[tuple[str | None, list[tuple[Message, list[tuple[str | None, str]]]]]] | None = None,
) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """Give every top-level node and function the labels of the roots that reach it.

    Top-level nodes are reached backwards through data and control inputs, functions through
    calls and function-valued attributes. A node keeps at most ``MAX_LABELS`` labels, in root
    order. Once it has them all, everything it depends on has them too (each root's walk goes
    on below it), so later walks stop there: the work stays linear in the size of the graph
    whatever the number of signatures and objects.
    """
    library = {f.signature.name: f for f in graph_def.library.function}
    may_refer = _may_refer(library)
    top = top_nodes(graph_def, graph)
    callees: dict[str, set[str]] = {}
    top_refs: dict[str, list[tuple[str | None, str]]] = {}
    for scope, found in node_refs or []:  # the nodes that can refer to a function, their references
        if scope is None:
            top_refs.update((node.name, refs) for node, refs in found)
        elif scope in library:  # a repeated name: the last one, as ``library``
            callees[scope] = {callee for _, refs in found for _, callee in refs}
    top_labels: dict[str, list[str]] = {}
    function_labels: dict[str, list[str]] = {}
    for label, nodes, functions in roots:
        stack: list[tuple[bool, str]] = [(True, name) for name in nodes] + [(False, name) for name in functions]
        while stack:
            is_top, name = stack.pop()
            table = top_labels if is_top else function_labels
            labels = table.get(name)
            if labels is not None and (label in labels or len(labels) >= MAX_LABELS):
                continue
            if is_top and name in top:
                table.setdefault(name, []).append(label)
                node = top[name]
                stack.extend((True, node_name(raw)) for raw in node.input)
                if may_refer(node.op):
                    refs = top_refs[name] if name in top_refs else list(references(node, library))
                    stack.extend((False, callee) for _, callee in refs)
            elif not is_top and name in library:
                table.setdefault(name, []).append(label)
                if name not in callees:  # nodes from the index: a model read by ``read.lean`` has none in library
                    index = graph.scopes.get(name) if graph is not None else None
                    nodes = index.nodes.messages if index is not None else library[name].node_def
                    callees[name] = {callee for n in nodes for _, callee in references(n, library)}
                stack.extend((False, callee) for callee in callees[name])
    return top_labels, function_labels


def _may_refer(library: Any) -> Callable[[str], bool]:
    """Whether a node of this op can refer to a library function (``references`` yields nothing otherwise)."""
    plain = known_ops() - function_ops()
    return lambda op: op in library or op not in plain


def references(node: Message, library: Any) -> Iterator[tuple[str | None, str]]:
    """(attribute or None for a call by op name, function) for every library function a node uses.

    Function-valued attributes come from ``graph.function_attr_refs`` (at any depth); only
    ops that declare such an attribute count, since TensorFlow runs functions through no other.
    """
    if node.op in library:
        yield None, node.op
    if node.op in known_ops() and node.op not in function_ops():
        return
    for attr, name in function_attr_refs(node):
        if name in library:
            yield attr, name


def node_name(tensor_name: str) -> str:
    return tensor_name.lstrip("^").split(":")[0]


def _signature_nodes(signature: Message) -> list[str]:
    names: list[str] = []
    for infos in (signature.inputs, signature.outputs):
        for key in sorted(infos):
            names.extend(_tensor_info_names(infos[key], 0))
    return [node_name(name) for name in names if name]


def _tensor_info_names(info: Message, depth: int) -> list[str]:
    encoding = info.WhichOneof("encoding")
    if encoding == "name":
        return [info.name]
    if encoding == "coo_sparse":
        sparse = info.coo_sparse
        return [sparse.values_tensor_name, sparse.indices_tensor_name, sparse.dense_shape_tensor_name]
    if encoding == "composite_tensor" and depth < 16:
        return [n for component in info.composite_tensor.components for n in _tensor_info_names(component, depth + 1)]
    return []


def _variable_initializers(meta_graph: Message, key: str) -> list[str]:
    """The initializer op of every VariableDef in a variable collection (a ``bytes_list``).

    ``Variable.from_proto`` takes the initializer from ``initializer_name``; its initial value
    (``initial_value_name``) runs only as that op's input, and ``snapshot_name`` only when read.
    """
    if key not in meta_graph.collection_def or meta_graph.collection_def[key].WhichOneof("kind") != "bytes_list":
        return []
    variable_def = messages.message_class("tensorflow.VariableDef")
    names: list[str] = []
    for packed in meta_graph.collection_def[key].bytes_list.value:
        variable = variable_def()
        try:
            variable.ParseFromString(packed)
        except (pb_message.DecodeError, RecursionError, ValueError):
            continue
        if variable.initializer_name:
            names.append(node_name(variable.initializer_name))
    return names


def _saver_tensor_names(meta_graph: Message) -> list[str]:
    """Tensors of the saver_def and of every SaverDef in the TF1 ``savers`` collection."""
    savers = [meta_graph.saver_def] if meta_graph.HasField("saver_def") else []
    if "savers" in meta_graph.collection_def and meta_graph.collection_def["savers"].WhichOneof("kind") == "any_list":
        for packed in meta_graph.collection_def["savers"].any_list.value:
            if packed.type_url.endswith("tensorflow.SaverDef"):
                saver = messages.message_class("tensorflow.SaverDef")()
                try:
                    saver.ParseFromString(packed.value)
                except (pb_message.DecodeError, RecursionError, ValueError):
                    continue
                savers.append(saver)
    names: list[str] = []
    for saver in savers:
        names.extend(n for n in (saver.save_tensor_name, saver.restore_op_name, saver.filename_tensor_name) if n)
    return names


def object_functions(object_graph: Message) -> tuple[list[tuple[str, list[str]]], list[tuple[str, list[str]]]]:
    """(path, concrete functions) of every function object; and (label, functions) of saveable objects'.

    ``tf.saved_model.load`` calls a saveable object's restore function while restoring its
    variables, so those are labelled with the object that owns them.
    """
    nodes = list(object_graph.nodes)  # one wrapper per object, not one per visit
    count = len(nodes)
    paths: dict[int, str] = {0: "root"} if count else {}
    queue = deque([0] if count else [])
    while queue:
        current = queue.popleft()
        parent = paths[current]
        for child in nodes[current].children:
            child_id = child.node_id
            if 0 <= child_id < count and child_id not in paths:
                local_name = child.local_name
                fits = len(parent) + len(local_name) < MAX_OBJECT_PATH
                paths[child_id] = f"{parent}.{local_name}" if fits else f"node {child_id}"
                queue.append(child_id)
    saveable_ids: dict[int, str] = {}
    for owner, node in enumerate(nodes):
        if not node.saveable_objects:
            continue
        path = paths.get(owner, f"node {owner}").removeprefix("root.")
        for key in sorted(node.saveable_objects):
            saveable = node.saveable_objects[key]
            for function, what in ((saveable.save_function, "save"), (saveable.restore_function, "restore")):
                saveable_ids.setdefault(function, f"{what} function of saveable object {path} '{key}'")
    functions: list[tuple[str, list[str]]] = []
    saveable_functions: list[tuple[str, list[str]]] = []
    for node_id, node in enumerate(nodes):
        kind = node.WhichOneof("kind")
        if kind == "function":
            names = list(node.function.concrete_functions)
        elif kind == "bare_concrete_function":
            names = [node.bare_concrete_function.concrete_function_name]
        else:
            continue
        if node_id in saveable_ids:
            saveable_functions.append((saveable_ids[node_id], names))
        else:
            functions.append((paths.get(node_id, f"node {node_id}").removeprefix("root."), names))
    # A traced concrete function under its tf.function (__call__.trace_0) adds nothing to its parent.
    listed = {path: set(names) for path, names in functions}
    functions = [
        (path, names)
        for path, names in functions
        if not ("." in path and set(names) <= listed.get(path.rsplit(".", 1)[0], set()))
    ]
    functions.sort(key=lambda item: (item[0].count("."), item[0]))  # the shallowest objects name a finding
    return functions, saveable_functions


def top_nodes(graph_def: Message, graph: GraphIndex | None) -> Mapping[str, Message]:
    """Top-level node name -> NodeDef (the last of a repeated name), from the index when there is one.

    A model read by ``read.lean`` has no nodes in its ``graph_def``: only its index holds them.
    """
    top = graph.top() if graph is not None else None
    return top.nodes if top is not None else {node.name: node for node in graph_def.node}
