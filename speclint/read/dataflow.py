"""What the graph does between a consumer's input and output: the data-flow facts of an entry point.

Built on ``GraphIndex``'s queries (producers and consumers looked for through identities and
calls, paths between two tensors). Three questions need more than one hop:

- the preprocessing right after the input: resizing, casts and reshapes change no value's
  range, so the rescaling behind them (Keras ``Resizing`` then ``Rescaling(1/255)``) is what
  says which range the model expects;
- the op that makes the output: a Softmax behind a reshape or a cast still makes probabilities;
- which random ops run at inference: a Keras ``Dropout`` in a TF1 graph sits in a ``cond``
  on ``keras_learning_phase``, whose default is False, so its random op lies on a path from
  the input to the output but never runs unless a consumer feeds True (TensorFlow's dead
  branches: a ``Switch`` forwards to one side only, a ``Merge`` waits for the live one, an
  ``If`` runs one branch function).
"""

from __future__ import annotations

import struct
from collections import deque
from typing import Any

from speclint.proto.messages import Message, dtype_name
from speclint.read.graph.index import LIST_CAP, PASS_THROUGH_OPS, TOP, GraphIndex, Ref, function_attr_refs
from speclint.read.graph.node_rules import CALL_OPS, CONTROL_FLOW_OPS, IF_OPS
from speclint.read.tensors import shape_list
from speclint.vocabulary import Json

# Ops that scale or shift the input by a constant: what ``input_rescaling`` reports.
SCALE_OPS = frozenset({"Mul", "RealDiv", "Div", "TrueDiv", "DivNoNan"})
OFFSET_OPS = frozenset({"Sub", "Add", "AddV2", "BiasAdd"})
# Ops that move, resize or retype pixels without changing their range.
RANGE_PRESERVING_OPS = frozenset(
    {"Cast", "ResizeBilinear", "ResizeNearestNeighbor", "ResizeBicubic", "ResizeArea", "ScaleAndTranslate",
     "Reshape", "ExpandDims", "Squeeze", "Transpose", "EnsureShape", "CheckNumerics"}
)  # fmt: skip
# Ops an output passes through after its activation without changing what its values mean.
SHAPE_ONLY_OPS = frozenset({"Reshape", "Squeeze", "ExpandDims", "Cast", "EnsureShape", "CheckNumerics"})
PROBABILITY_OPS = frozenset({"Softmax", "Sigmoid"})
# Ops that act on a tensor element by element: dropout's mask, scale and select, activations.
ELEMENTWISE_OPS = frozenset(
    {"Mul", "RealDiv", "Div", "Select", "SelectV2", "Cast", "GreaterEqual", "Greater", "Less", "LessEqual",
     "Add", "AddV2", "Sub", "Floor", "Maximum", "Minimum", "Relu", "Relu6", "Elu", "Selu", "Sigmoid", "Tanh"}
)  # fmt: skip
SWITCH_OPS = frozenset({"Switch", "RefSwitch"})
MERGE_OPS = frozenset({"Merge", "RefMerge"})
MAX_OUTPUT_OPS = 10_000  # tensors visited walking back from an output (hostile graphs only are bigger)
MAX_STEPS = 64  # preprocessing ops followed after the input, shape ops before the output
NOT_IMAGES = frozenset({"DT_STRING", "DT_BOOL", "DT_VARIANT", "DT_RESOURCE", "DT_INVALID"})


def describe(graph: GraphIndex, source: Ref | None, sink: Ref | None, inference: bool) -> Json:
    """What happens between input and output.

    ``inference_path_ops`` are the ops SL141 checks for randomness: at inference every op on
    the path that runs (not those of a branch only training takes); in a training-mode entry
    (TF1 ``train`` tag-set, TF2 ``training=True``), where dropout inside the model is allowed,
    only the ops acting on the output itself, after its last layer: the specs forbid dropout on
    the actual outputs in every mode.
    """
    path_ops = graph.path_ops(source, sink) if source and sink else []
    if not inference:
        checked = output_ops(graph, sink) if sink else []
    else:
        checked = live_path_ops(graph, source, sink, path_ops) if source and sink else path_ops
    return {
        "inference": inference,
        "input_consumers": graph.consumers(source) if source else [],
        "input_rescaling": input_rescaling(graph, source) if source else [],
        "output_producer": graph.producer(sink) if sink else None,
        "output_activation": activation(graph, sink) if sink else None,
        "path_ops": path_ops,
        "inference_path_ops": checked,
    }


# ---- after the input -------------------------------------------------------------------


def input_rescaling(graph: GraphIndex, source: Ref) -> list[Json]:
    """Scalar constants the input is first scaled by (x/255, x*(1/127.5)) or shifted by (x-127.5),
    behind any resizing, casts and reshapes, across the Keras layers' functions."""
    found: list[Json] = []
    pending: deque[tuple[Ref, tuple[Ref, ...]]] = deque([(source, ())])
    seen: set[tuple[str, str]] = set()
    while pending and len(seen) < MAX_STEPS:
        ref, stack = pending.popleft()
        for node, op, inner in _real_consumers(graph, ref, stack):
            key = (node.scope, node.node)
            if key in seen:
                continue
            seen.add(key)
            if op in RANGE_PRESERVING_OPS:
                pending.append((node, inner))
            elif op in SCALE_OPS | OFFSET_OPS:
                found += _rescaling(graph, {"op": op, "node": node.node, "function": node.scope or None})
    return found


def _real_consumers(graph: GraphIndex, start: Ref, stack: tuple[Ref, ...]) -> list[tuple[Ref, str, tuple[Ref, ...]]]:
    """The ops that read ``start`` (node, op, call stack), looking through identities, into the
    functions a call runs and, when a function returns the tensor, out to its caller's consumers:
    the context ``GraphIndex.consumers`` (which never leaves a function) does not keep."""
    found: list[tuple[Ref, str, tuple[Ref, ...]]] = []
    pending = [(start, stack)]
    seen: set[tuple[Ref, tuple[Ref, ...]]] = set()
    while pending and len(seen) < MAX_OUTPUT_OPS:
        ref, frames = pending.pop()
        if (ref, frames) in seen:
            continue
        seen.add((ref, frames))
        if frames and ref.scope != TOP:
            for position in _returned_as(graph, ref):
                caller = frames[-1]
                pending.append((Ref(caller.scope, caller.node, position), frames[:-1]))
        for scope, name, position in graph.direct_consumers(ref):
            node = graph.scopes[scope].nodes.get(name)
            if node is None:
                continue
            targets = graph.call_targets(scope, name) if node.op not in CONTROL_FLOW_OPS else []
            if node.op in PASS_THROUGH_OPS:
                pending.append((Ref(scope, name), frames))
            elif targets:
                for function, offset in targets:
                    argument = graph.function_arg(function, position - offset)
                    if argument is not None:
                        pending.append((argument, (*frames, Ref(scope, name))))
            else:
                found.append((Ref(scope, name), node.op, frames))
    return found


def _returned_as(graph: GraphIndex, ref: Ref) -> list[int]:
    """Positions of the outputs of ``ref``'s function that return ``ref``'s node."""
    scope = graph.scopes.get(ref.scope)
    if scope is None:
        return []
    positions = []
    for position, name in enumerate(scope.outputs):
        raw = scope.ret.get(name)
        if raw is not None and graph.parse_ref(ref.scope, raw).node == ref.node:
            positions.append(position)
    return positions


def _rescaling(graph: GraphIndex, consumer: Json) -> list[Json]:
    scope = graph.scopes[consumer["function"] or TOP]
    node = scope.nodes[consumer["node"]]
    inputs = [raw for raw in node.input if not raw.startswith("^")]
    found = []
    for position, raw in enumerate(inputs):
        value = constant(graph, graph.parse_ref(scope.name, raw))
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


def constant(graph: GraphIndex, ref: Ref) -> float | None:
    """The scalar a tensor holds when it comes straight from a Const node."""
    producer = graph.producer(ref)
    if producer["op"] != "Const":
        return None
    const = graph.scopes[producer["function"] or TOP].nodes[producer["node"]]
    return scalar_value(const.attr["value"].tensor) if "value" in const.attr else None


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


# ---- before the output -----------------------------------------------------------------


def activation(graph: GraphIndex, ref: Ref | None) -> Json:
    """The op whose values the output carries: its producer, looking through reshapes and casts."""
    if ref is None:
        return {"op": None, "node": None, "function": None}
    producer = graph.producer(ref)
    for _ in range(MAX_STEPS):
        if producer["op"] not in SHAPE_ONLY_OPS:
            break
        scope = producer["function"] or TOP
        node = graph.scopes[scope].nodes[producer["node"]]
        inputs = [raw for raw in node.input if not raw.startswith("^")]
        if not inputs:
            break
        producer = graph.producer(graph.parse_ref(scope, inputs[0]))
    return producer


def output_ops(graph: GraphIndex, sink: Ref) -> list[str]:
    """Op types that act on the output after its last layer: back from it through element-wise ops only."""
    found: set[str] = set()
    stack: list[Ref] = [sink]
    seen: set[tuple[Any, Any]] = set()
    while stack and len(seen) < MAX_OUTPUT_OPS:
        ref = stack.pop()
        producer = graph.producer(ref)
        key = (producer["function"], producer["node"])
        if producer["op"] is None or key in seen:
            continue
        seen.add(key)
        found.add(producer["op"])
        if producer["op"] in ELEMENTWISE_OPS:
            scope = producer["function"] or TOP
            node = graph.scopes[scope].nodes[producer["node"]]
            stack.extend(graph.parse_ref(scope, raw) for raw in node.input if not raw.startswith("^"))
    return sorted(found)


# ---- graphs without signatures ---------------------------------------------------------


def image_placeholders(graph: GraphIndex) -> list[Json]:
    """Top-level placeholders of a 4-D numeric batch: the inputs of a graph that has no signature."""
    top = graph.top()
    if top is None:
        return []
    found = []
    for position, op in enumerate(graph.ops_in(TOP)):
        if op != "Placeholder":
            continue
        node = top.nodes.messages[position]
        shape = shape_list(node.attr["shape"].shape) if "shape" in node.attr else None
        dtype = dtype_name(node.attr["dtype"].type) if "dtype" in node.attr else "DT_INVALID"
        if shape is not None and len(shape) == 4 and dtype not in NOT_IMAGES and node.name in top.nodes:
            found.append({"node": node.name, "dtype": dtype, "shape": shape})
    return found[:LIST_CAP]


def probability_ops_after(graph: GraphIndex, source: Ref) -> list[Json]:
    """Softmax and Sigmoid ops the input flows into: what a graph without signatures predicts."""
    reached = graph.forward(source)
    found = []
    for scope_name, scope in graph.scopes.items():
        for position, op in enumerate(graph.ops_in(scope_name)):
            if op in PROBABILITY_OPS:
                name = scope.nodes.messages[position].name
                if (scope_name, name) in reached:
                    found.append({"op": op, "node": name, "function": scope_name or None})
    return found[:LIST_CAP]


# ---- what runs at inference ------------------------------------------------------------


def live_path_ops(graph: GraphIndex, source: Ref, sink: Ref, path_ops: list[str]) -> list[str]:
    """``path_ops`` without the op types that occur on the path only in branches that cannot run
    at inference (their ``cond`` predicate is a constant, or a placeholder whose default is one).

    Only asked when the path holds a random op: the node-level walk costs more than the op types.
    """
    if not set(path_ops) & RANDOM_OPS:
        return path_ops
    on_path = graph.forward(source) & graph.backward(sink)
    dead = _DeadCode(graph)
    live: set[str] = set()
    for scope_name, name in on_path:
        node = graph.scopes[scope_name].nodes.get(name)
        if node is not None and node.op in RANDOM_OPS and not dead.holds(scope_name, name):
            live.add(node.op)
    return [op for op in path_ops if op not in RANDOM_OPS or op in live]


class _DeadCode:
    """Nodes and functions that cannot run when every placeholder keeps its default."""

    def __init__(self, graph: GraphIndex) -> None:
        self.graph = graph
        self._dead_nodes: dict[str, set[str]] = {}
        self._dead_functions: set[str] | None = None

    def holds(self, scope: str, name: str) -> bool:
        if scope != TOP and scope in self.dead_functions():
            return True
        if scope not in self._dead_nodes:
            self._dead_nodes[scope] = self._dead_in_scope(scope)
        return name in self._dead_nodes[scope]

    def dead_functions(self) -> set[str]:
        """Functions called only as the branch an ``If`` on a constant predicate never takes, or
        only from functions that never run."""
        if self._dead_functions is not None:
            return self._dead_functions
        graph = self.graph
        callers: dict[str, list[tuple[str, bool]]] = {}
        for scope_name, scope in graph.scopes.items():
            for position, op in enumerate(graph.ops_in(scope_name)):
                if op not in CALL_OPS and op not in IF_OPS and op not in graph.scopes and op not in _OTHER_CALLING:
                    continue
                node = scope.nodes.messages[position]
                skipped = None
                if op in IF_OPS:
                    value = static_bool(graph, scope_name, _data_inputs(node)[:1])
                    skipped = None if value is None else ("else_branch" if value else "then_branch")
                for attr, function in function_attr_refs(node):
                    callers.setdefault(function, []).append((scope_name, attr == skipped))
                if op in graph.scopes:
                    callers.setdefault(op, []).append((scope_name, False))
        dead: set[str] = set()
        changed = True
        while changed:
            changed = False
            for function, sites in callers.items():
                if function not in dead and all(skip or site in dead for site, skip in sites):
                    dead.add(function)
                    changed = True
        self._dead_functions = dead
        return dead

    def _dead_in_scope(self, scope_name: str) -> set[str]:
        """TensorFlow's dead-tensor rule inside one scope: a ``Switch`` on a constant predicate
        feeds one side only; a node with a dead input (data or control) is dead, a ``Merge``
        when all its inputs are."""
        graph = self.graph
        ops = graph.ops_in(scope_name)
        if not any(op in SWITCH_OPS for op in ops):
            return set()
        nodes = graph.scopes[scope_name].nodes
        consumers: dict[str, list[tuple[str, int]]] = {}  # producer -> (consumer, output index or -1)
        merges: dict[str, int] = {}
        dead_ports: list[tuple[str, int]] = []
        for name, node in nodes.items():
            data = 0
            for raw in node.input:
                control = raw.startswith("^")
                ref = graph.parse_ref(scope_name, raw[1:] if control else raw)
                consumers.setdefault(ref.node, []).append((name, -1 if control else ref.index))
                data += not control
            if node.op in MERGE_OPS:
                merges[name] = data
            elif node.op in SWITCH_OPS:
                inputs = _data_inputs(node)
                value = static_bool(graph, scope_name, inputs[1:2])
                if value is not None:
                    dead_ports.append((name, 0 if value else 1))
        dead: set[str] = set()
        pending = deque(dead_ports)
        while pending:
            producer, port = pending.popleft()
            for consumer, index in consumers.get(producer, []):
                if consumer in dead or (port >= 0 and index != port):
                    continue
                if consumer in merges:
                    if index < 0:
                        continue  # a Merge waits for data only
                    merges[consumer] -= 1
                    if merges[consumer] > 0:
                        continue
                dead.add(consumer)
                pending.append((consumer, -1))  # every output of a dead node is dead
        return dead


_OTHER_CALLING = frozenset({"While", "StatelessWhile", "Case", "StatelessCase"})


def _data_inputs(node: Any) -> list[str]:
    return [raw for raw in node.input if not raw.startswith("^")]


def static_bool(graph: GraphIndex, scope: str, raw: list[str]) -> bool | None:
    """The value a predicate has when no one feeds it: a boolean Const, or the default of a
    ``PlaceholderWithDefault`` (``keras_learning_phase``); None when it depends on an input."""
    if not raw:
        return None
    producer = graph.producer(graph.parse_ref(scope, raw[0]))
    for _ in range(MAX_STEPS):
        if producer["op"] != "PlaceholderWithDefault":
            break
        node = graph.scopes[producer["function"] or TOP].nodes[producer["node"]]
        inputs = _data_inputs(node)
        if not inputs:
            return None
        producer = graph.producer(graph.parse_ref(producer["function"] or TOP, inputs[0]))
    if producer["op"] != "Const":
        return None
    node = graph.scopes[producer["function"] or TOP].nodes[producer["node"]]
    tensor = node.attr["value"].tensor if "value" in node.attr else None
    if tensor is None or dtype_name(tensor.dtype) != "DT_BOOL":
        return None
    values = list(tensor.bool_val)
    if len(values) == 1:
        return bool(values[0])
    content = tensor.tensor_content
    return bool(content[0]) if len(content) == 1 else None


RANDOM_OPS = frozenset(
    {
        "RandomUniform", "RandomUniformInt", "RandomStandardNormal", "TruncatedNormal", "RandomShuffle",
        "Multinomial", "RandomGamma", "RandomGammaGrad", "RandomPoisson", "RandomPoissonV2",
        "ParameterizedTruncatedNormal", "RandomBinomial", "StatelessRandomUniform", "StatelessRandomUniformV2",
        "StatelessRandomUniformInt", "StatelessRandomUniformIntV2", "StatelessRandomUniformFullInt",
        "StatelessRandomUniformFullIntV2", "StatelessRandomNormal", "StatelessRandomNormalV2",
        "StatelessTruncatedNormal", "StatelessTruncatedNormalV2", "StatelessRandomBinomial",
        "StatelessRandomGammaV2", "StatelessRandomGammaV3", "StatelessRandomPoisson", "StatelessMultinomial",
        "StatelessParameterizedTruncatedNormal", "StatefulUniform", "StatefulUniformInt",
        "StatefulUniformFullInt", "StatefulStandardNormal", "StatefulStandardNormalV2",
        "StatefulTruncatedNormal", "StatefulRandomBinomial", "RngSkip", "RngReadAndSkip",
        "StatelessRandomGetKeyCounter", "StatelessRandomGetKeyCounterAlg", "RandomIndexShuffle",
        "StatelessShuffle"
    }
)  # fmt: skip
"""The random ops SL141 names (its schema lists the same; tests/rules checks they agree)."""
