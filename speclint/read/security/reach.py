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
from typing import Any, NamedTuple

from google.protobuf import message as pb_message

from speclint.proto import messages
from speclint.proto.messages import Message
from speclint.read.graph.index import TOP, GraphIndex, Ref, function_attr_refs
from speclint.read.graph.node_rules import CALL_OPS, CASE_OPS, IF_OPS
from speclint.read.security.assets import asset_file_defs
from speclint.read.security.ops import function_ops, known_ops
from speclint.read.security.select import scoped_nodes
from speclint.read.security.values import ASSET, Value, Values, walk_funcs

MAX_LABELS = 4  # entry points named per finding (signatures, init op, objects, saver)
MAX_OBJECT_PATH = 200  # longest object path label (root.layer-1.__call__) before node ids are used
SAVER_LABEL = "saver"  # its save tensor and file name (and the TF1 savers collection's): no loader runs them
RESTORE_LABEL = "saver restore op"  # saver_def.restore_op_name: run by the TF1 loaders at load
SAVER_LABELS = frozenset({SAVER_LABEL, RESTORE_LABEL})
NOT_RUN_LABELS = frozenset({SAVER_LABEL})  # roots named in the facts that no consumer runs at load or call
INIT_OP_LABEL = "init op"
INIT_OP_SIGNATURE = "__saved_model_init_op"
# loader_impl.get_init_op: the init op signature, else the main op, else the legacy init op (the first there).
INIT_OP_COLLECTIONS = ("saved_model_main_op", "legacy_init_op")
LOAD_COLLECTIONS = ("table_initializer",)  # ops.GraphKeys.TABLE_INITIALIZERS
# tf.saved_model.load of a TF1 graph without an init op runs Scaffold.default_local_init_op():
# the tables' initializers (above) and the initializer of every VariableDef packed in the
# ``local_variables`` collection (``local_resources`` cannot be exported: TensorFlow registers no
# proto function for it, and a hand-made one makes the loader fail before it runs anything).
VARIABLE_COLLECTIONS = ("local_variables",)  # ops.GraphKeys.LOCAL_VARIABLES


def runs(labels: list[str]) -> bool:
    """Whether a consumer runs what these roots reach, at load or when it calls the model."""
    return any(label not in NOT_RUN_LABELS for label in labels)


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
        self._entries: dict[str, list[Entry]] = {}
        self._referrers: dict[str, list[tuple[str | None, Message, str | None]]] | None = None
        self._loader_entries: dict[str, list[Callable[[int], Values]]] | None = None
        self._object_functions: tuple[list[tuple[str, list[str]]], list[tuple[str, list[str]]]] | None = None
        self._signature_inputs: frozenset[str] | None = None
        self.resolver: Any = None  # the meta graph's value resolver (values.Resolver), set by the scan

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
    def init_op_nodes(self) -> list[str] | None:
        """What ``loader_impl.get_init_op`` runs: the init op signature, else the main op, else the legacy one.

        None when there is none: then ``tf.saved_model.load`` runs ``Scaffold.default_local_init_op()``.
        """
        meta_graph = self.meta_graph
        if INIT_OP_SIGNATURE in meta_graph.signature_def:
            return _signature_nodes(meta_graph.signature_def[INIT_OP_SIGNATURE])
        for key in INIT_OP_COLLECTIONS:
            if key in meta_graph.collection_def and meta_graph.collection_def[key].WhichOneof("kind") == "node_list":
                return [node_name(name) for name in meta_graph.collection_def[key].node_list.value]
        return None

    def _compute(self) -> None:
        if self._top_labels is not None:
            return
        meta_graph = self.meta_graph
        roots: list[tuple[str, list[str], list[str]]] = []  # label, top-level nodes, functions
        for key in sorted(meta_graph.signature_def):  # tf.saved_model.load makes every one a callable, init op too
            if key != INIT_OP_SIGNATURE:
                roots.append((f"signature_def['{key}']", _signature_nodes(meta_graph.signature_def[key]), []))
        init_nodes = self.init_op_nodes()
        roots.append((INIT_OP_LABEL, init_nodes or [], []))
        if init_nodes is None:  # Scaffold.default_local_init_op(), run by tf.saved_model.load only then
            for key in LOAD_COLLECTIONS:
                collection = meta_graph.collection_def.get(key)
                if collection is not None and collection.WhichOneof("kind") == "node_list":
                    names = [node_name(name) for name in collection.node_list.value]
                    roots.append((f"collection '{key}'", names, []))
            for key in VARIABLE_COLLECTIONS:
                names = _variable_initializers(meta_graph, key)
                if names:
                    roots.append((f"collection '{key}'", names, []))
        exposed, saveable_functions = self.object_functions()
        roots.extend((f"object {path}", [], names) for path, names in exposed)
        roots.extend((label, [], names) for label, names in saveable_functions)
        roots.extend((label, [], [name]) for label, name in gradient_functions(self.graph_def))
        restore = meta_graph.saver_def.restore_op_name if meta_graph.HasField("saver_def") else ""
        roots.append((RESTORE_LABEL, [node_name(restore)] if restore else [], []))
        saver_nodes = [node_name(name) for name in _saver_tensor_names(meta_graph)]
        roots.append((SAVER_LABEL, [name for name in saver_nodes if name != node_name(restore)], []))
        self._top_labels, self._function_labels = propagate(self.graph_def, roots, self.graph, self._references())

    def object_functions(self) -> tuple[list[tuple[str, list[str]]], list[tuple[str, list[str]]]]:
        """``object_functions`` of this meta graph's object graph, computed once."""
        if self._object_functions is None:
            self._object_functions = object_functions(self.meta_graph.object_graph_def)
        return self._object_functions

    # -- how each function is entered, for the value resolver
    def entries(self, function: str) -> list[Entry]:
        """Every way ``function`` is instantiated: the nodes that call or name it, and the loader's calls."""
        if self._referrers is None:
            self._referrers = {}
            for scope, nodes in self._references():  # found once, shared with the label walk
                for node, refs in nodes:
                    for attr, callee in refs:
                        self._referrers.setdefault(callee, []).append((scope, node, attr))
            self._loader_entries = {}
            for name, bound in self._loader_calls():
                self._loader_entries.setdefault(name, []).append(bound)
        found = self._entries.get(function)
        if found is None:
            found = self._entries[function] = self._entries_of(function)
        return found

    def _entries_of(self, function: str) -> list[Entry]:
        assert self._referrers is not None and self._loader_entries is not None
        entries: list[Entry] = []
        seen: set[tuple[int, str | None]] = set()
        for scope, node, attr in self._referrers.get(function, []):
            if (id(node), attr) in seen:
                continue
            seen.add((id(node), attr))
            if attr is None:  # a call by op name: inputs are arguments, attributes bindings
                entries.append(Entry(scope, node, 0, node.attr))
                continue
            value = node.attr[attr]
            kind = value.WhichOneof("value")
            for func in [value.func] if kind == "func" else list(value.list.func) if kind == "list" else []:
                if func.name == function:  # named by the attribute itself: its arguments may be the node's inputs
                    entries.append(Entry(scope, node, _argument_offset(node.op, attr), func.attr))
                for inner in sorted(func.attr):  # named inside it: instantiated by the callee
                    for nested in walk_funcs(func.attr[inner]):
                        if nested.name == function:
                            entries.append(Entry(scope, node, None, nested.attr))
        loader = [Entry(None, None, None, {}, bound) for bound in self._loader_entries.get(function, [])]
        return entries + loader

    def _loader_calls(self) -> Iterator[tuple[str, Callable[[int], Values]]]:
        """Functions the loaders call themselves: object graph functions (with their captured inputs),
        saveable objects' functions, registered gradients. A caller's own arguments are unresolved."""
        object_graph = self.meta_graph.object_graph_def
        exposed, saveable = self.object_functions()
        library = {f.signature.name: f for f in self.graph_def.library.function}
        for _, names in [*exposed, *saveable]:
            for name in names:
                if name in library:
                    captured = (
                        list(object_graph.concrete_functions[name].bound_inputs)
                        if (name in object_graph.concrete_functions)
                        else []
                    )
                    count = len(library[name].signature.input_arg)
                    yield name, self._bound_inputs(captured, count)
        for _, name in gradient_functions(self.graph_def):
            yield name, lambda position: None

    def _bound_inputs(self, captured: list[int], count: int) -> Callable[[int], Values]:
        """Argument position -> value: the last ``len(captured)`` arguments are the captured objects."""
        first = count - len(captured)

        def bound(position: int) -> Values:
            if position < first or position - first >= len(captured):
                return None
            return self.captured_value(captured[position - first])

        return bound

    def captured_value(self, node_id: int) -> Values:
        """What ``tf.saved_model.load`` passes for a captured object: an asset's path, a constant's value."""
        nodes = self.meta_graph.object_graph_def.nodes
        if not 0 <= node_id < len(nodes):
            return None
        node = nodes[node_id]
        kind = node.WhichOneof("kind")
        if kind == "asset":
            index = node.asset.asset_file_def_index
            assets = self.meta_graph.asset_file_def
            if 0 <= index < len(assets):
                return frozenset({Value(ASSET, assets[index].filename.encode())})
            return None
        if kind == "constant" and self.resolver is not None and self.graph is not None:
            name = node.constant.operation
            if name in self.graph.scopes[TOP].nodes:
                return self.resolver.tensor(Ref(TOP, name), 1)
        return None

    def signature_default(self, function: str, attr: str) -> Message | None:
        """The default of a function's attribute (its signature's ``AttrDef``), or None."""
        for candidate in self.graph_def.library.function:
            if candidate.signature.name == function:
                for definition in candidate.signature.attr:
                    if definition.name == attr and definition.HasField("default_value"):
                        default: Message = definition.default_value
                        return default
                return None
        return None

    def signature_inputs(self) -> frozenset[str]:
        """Top-level nodes a signature's caller feeds (every TensorInfo of every signature's inputs)."""
        if self._signature_inputs is None:
            names: set[str] = set()
            for key in self.meta_graph.signature_def:
                for info in self.meta_graph.signature_def[key].inputs.values():
                    names.update(node_name(name) for name in _tensor_info_names(info, 0) if name)
            self._signature_inputs = frozenset(names)
        return self._signature_inputs

    def fed_filenames(self) -> frozenset[str]:
        """The top-level tensor the loaders feed with the model's ``variables/`` path (the saver's file name)."""
        own = self.saver_filename()
        return frozenset({own} if own else ())

    def asset_variable(self, read: Message) -> str | None:
        """The asset a top-level ``ReadVariableOp`` reads: a TF2 asset path variable (see ``asset_of``)."""
        inputs = [raw for raw in read.input if not raw.startswith("^")]
        if not inputs:
            return None
        name = node_name(inputs[0])
        self.asset_of("")  # fills the asset variables
        assert self._asset_variables is not None
        asset = self._asset_variables.get(name)
        if asset is None or not self._only_asset_writes(name):
            return None
        return asset

    def _only_asset_writes(self, variable: str) -> bool:
        """Whether every top-level use of a variable handle reads it or assigns it an asset tensor.

        A handle passed anywhere else (into a function, another assignment) could hold any path.
        """
        if self.graph is None:
            return False
        top = self.graph.scopes[TOP]
        if variable not in top.nodes or top.nodes[variable].op not in ("VarHandleOp", "Placeholder"):
            return False
        assets = self.asset_nodes()
        for consumer in self.graph.consumers(Ref(TOP, variable)):  # through identities and into calls
            if consumer["op"] in ("ReadVariableOp", "VarIsInitializedOp"):
                continue
            node = top.nodes.get(consumer["node"]) if consumer["function"] is None else None
            inputs = [node_name(raw) for raw in node.input if not raw.startswith("^")] if node is not None else []
            if consumer["op"] == "AssignVariableOp" and len(inputs) == 2 and inputs[1] in assets:
                continue
            return False
        return True


class Entry(NamedTuple):
    """One way a function is instantiated.

    ``scope``/``node``: the caller (None for the loader itself); ``offset``: the caller's input
    that is the function's first argument (None: its arguments are not the caller's inputs, as
    for a loop body or a dataset function); ``bindings``: the attributes bound to its
    placeholders; ``bound``: the loader's own call, argument position -> value.
    """

    scope: str | None
    node: Message | None
    offset: int | None
    bindings: Mapping[str, Message] | None
    bound: Callable[[int], Values] | None = None


def _argument_offset(op: str, attr: str) -> int | None:
    """Where a function's arguments start among the inputs of a node that names it in ``attr``."""
    if attr == "f" and op in CALL_OPS:
        return 0
    if attr in ("then_branch", "else_branch") and op in IF_OPS:
        return 1
    if attr == "branches" and op in CASE_OPS:
        return 1
    return None


def gradient_functions(graph_def: Message) -> list[tuple[str, str]]:
    """(label, function) of every gradient the library registers: run when a consumer differentiates.

    ``hub.KerasLayer(trainable=True)`` fine-tunes a model: TensorFlow then runs the registered
    gradient of every function it differentiates through (``registered_gradients``, and the
    ``GradientDef``s of TF1 function gradients).
    """
    library = graph_def.library
    found = [(f"gradient of {g.function_name}", g.gradient_func) for g in library.gradient]
    found += [(f"registered gradient {g.registered_op_type}", g.gradient_func) for g in library.registered_gradients]
    return found


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
                if name not in callees:  # nodes from the index: a model read by ``read.lazy_read`` has none in library
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

    A model read by ``read.lazy_read`` has no nodes in its ``graph_def``: only its index holds them.
    """
    top = graph.top() if graph is not None else None
    return top.nodes if top is not None else {node.name: node for node in graph_def.node}
