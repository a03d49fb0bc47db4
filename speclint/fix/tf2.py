"""Write a TF2 Reusable SavedModel that wraps IN (imports TensorFlow; only ``fix`` calls it).

The wrapper is an ``AutoTrackable`` root, not a ``tf.Module``: on a ``tf.Module`` the names
``variables`` and ``trainable_variables`` are properties that ``tf.saved_model.save`` does not
write, and the API wants them as saved attributes. Its ``__call__`` inlines the graph of the
original concrete function (``import_graph_def`` inside the traced function, the original's
captured variable handles mapped to the original variables). Inlining, rather than calling the
original, is what lets the wrapper return a tensor from inside it: the input of a final
softmax. Because the captures are the original variable objects, the saved model holds the
same variables once, and gradients reach them.
"""

from __future__ import annotations

from typing import Any

from speclint.errors import SpeclintError
from speclint.fix.plan import Plan

IDENTITY_OPS = ("Identity", "IdentityN", "StopGradient")


class Source:
    """The original's entry point: its concrete functions by training value, and how to call it."""

    def __init__(self, tf: Any, obj: Any, plan: Plan) -> None:
        self.tf = tf
        self.obj = obj
        self.kind, self.functions = _entry_functions(obj)
        self.plan = plan
        self.signature_name = None
        if self.kind == "signature":
            self.signature_name = next(iter(self.functions.values()))[1]

    def function(self, training: bool) -> Any:
        """The concrete function for this training value (the training=False one if there is no other)."""
        return (self.functions.get(training) or self.functions[False])[0]

    def call_original(self, images: Any) -> Any:
        """IN called the way its own users call it (the proof's reference)."""
        if self.kind == "call":
            return _one_output(self.obj(images), self.plan)
        if self.kind == "serve":
            return _one_output(self.obj.serve(images), self.plan)
        function = self.obj.signatures[self.signature_name]
        key = _input_names(function)[0]
        return _one_output(function(**{key: images}), self.plan)


def _entry_functions(obj: Any) -> tuple[str, dict[bool, tuple[Any, Any]]]:
    """{training: (concrete function, detail)} for ``__call__``, Keras 3's ``serve``, or a signature."""
    for kind, attribute in (("call", "__call__"), ("serve", "serve")):
        function: Any = getattr(obj, attribute, None)
        if not hasattr(function, "_list_all_concrete_functions_for_serialization"):
            continue
        found: dict[bool, tuple[Any, Any]] = {}
        for concrete in function._list_all_concrete_functions_for_serialization():
            args, kwargs = concrete.structured_input_signature
            training = kwargs.get("training", args[1] if len(args) > 1 else False)
            found.setdefault(bool(training) if isinstance(training, (bool, int)) else False, (concrete, training))
        if found:
            found.setdefault(False, next(iter(found.values())))
            return kind, found
    signatures = dict(getattr(obj, "signatures", {}) or {})
    if not signatures:
        raise SpeclintError("the model has no __call__, no serve endpoint and no signature to wrap")
    name = "serving_default" if "serving_default" in signatures else sorted(signatures)[0]
    return "signature", {False: (signatures[name], name)}


def _input_names(function: Any) -> list[str]:
    args, kwargs = function.structured_input_signature
    return [*(spec.name for spec in args if hasattr(spec, "dtype")), *sorted(kwargs)]


def _one_output(output: Any, plan: Plan) -> Any:
    if isinstance(output, dict):
        return output[_output_key(output, plan)]
    if isinstance(output, (list, tuple)):
        if len(output) != 1:
            raise SpeclintError(f"the original returns {len(output)} tensors; fix wraps a single-output model only")
        return output[0]
    return output


def _output_key(outputs: dict[str, Any], plan: Plan) -> str:
    if plan.output_key is not None:
        if plan.output_key not in outputs:
            raise SpeclintError(f"--output {plan.output_key!r}: no such output (have: {', '.join(sorted(outputs))})")
        return plan.output_key
    if "default" in outputs:
        return "default"
    if len(outputs) == 1:
        return str(next(iter(outputs)))
    raise SpeclintError(f"the original returns a dict ({', '.join(sorted(outputs))}): choose one with --output KEY")


def _graph_output(tf: Any, graph: Any, plan: Plan) -> Any:
    """The graph tensor of the chosen output (restored functions keep only specs as structure)."""
    structure = graph.structured_outputs
    flat = tf.nest.flatten(structure)
    tensors = tf.nest.pack_sequence_as(structure, list(graph.outputs[: len(flat)]))
    return _one_output(tensors, plan)


def _graph_input(function: Any, plan: Plan) -> Any:
    """The image placeholder inside the function's graph (captures come after the real inputs)."""
    names = _input_names(function)
    inputs = function.graph.inputs[: len(names)]
    if len(inputs) == 1:
        return inputs[0]
    key = plan.input_key
    if key is None or key not in names:
        raise SpeclintError(f"the original takes several inputs ({', '.join(names)}): choose one with --input KEY")
    return inputs[names.index(key)]


def cut_point(tensor: Any, activation: str | None) -> Any:
    """The tensor to return: the input of the final activation when it is removed (one graph)."""
    if activation is None:
        return tensor
    op = tensor.op
    while op.type in IDENTITY_OPS:
        op = op.inputs[0].op
    if op.type != activation:
        raise SpeclintError(f"the output does not come from a {activation} (found {op.type}); cannot remove it")
    return op.inputs[0]


CALL_OPS = ("PartitionedCall", "StatefulPartitionedCall")
MAX_NESTING = 32


def cut_chain(graph: Any, tensor: Any, activation: str | None) -> list[tuple[Any, Any]]:
    """Where to cut, through nested function calls (Keras puts each layer in its own function).

    ``[(graph, x), ...]`` outermost first: every ``x`` but the last is a call op whose function
    is the next graph; the last ``x`` is the tensor to return (the activation's input).
    """
    if activation is None:
        return [(graph, tensor)]
    from tensorflow.python.framework import function_def_to_graph  # no public equivalent

    chain: list[tuple[Any, Any]] = []
    library = {f.signature.name: f for f in graph.as_graph_def().library.function}
    for _ in range(MAX_NESTING):
        op = tensor.op
        while op.type in IDENTITY_OPS:
            tensor = op.inputs[0]
            op = tensor.op
        if op.type == activation:
            chain.append((graph, op.inputs[0]))
            return chain
        if op.type not in CALL_OPS:
            raise SpeclintError(f"the output does not come from a {activation} (found {op.type}); cannot remove it")
        name = op.get_attr("f").name
        with graph.as_default():
            inner = function_def_to_graph.function_def_to_graph(library[name])
        chain.append((graph, op))
        tensor, graph = inner.outputs[tensor.value_index], inner
    raise SpeclintError(f"the {activation} is nested deeper than {MAX_NESTING} function calls")


def import_chain(tf: Any, chain: list[tuple[Any, Any]], input_map: dict[str, Any]) -> Any:
    """Import each level of the chain, feeding a call op's inputs to the next function's inputs."""
    for level, (graph, target) in enumerate(chain):
        last = level == len(chain) - 1
        wanted = [target.name] if last else [t.name for t in target.inputs]
        found = tf.graph_util.import_graph_def(
            graph.as_graph_def(), input_map=input_map, return_elements=wanted, name=f"original_{level}"
        )
        if last:
            return found[0]
        inner = chain[level + 1][0]
        input_map = {placeholder.name: value for placeholder, value in zip(inner.inputs, found, strict=True)}
    raise AssertionError("empty chain")


def image_spec(tf: Any, source: Source) -> Any:
    """The wrapper's input: the original's shape, float32 (what the spec wants)."""
    placeholder = _graph_input(source.function(False), source.plan)
    shape = placeholder.shape.as_list()
    if source.plan.batch_loop:
        shape[0] = None
    return tf.TensorSpec(shape, tf.float32, name="images")


def build(tf: Any, source: Source, variables: list[Any]) -> Any:
    """The wrapper's ``__call__`` as a ``tf.function`` traced for training=False and True."""
    plan = source.plan
    by_handle = {id(v.handle): v for v in variables}

    def run(images: Any, training: bool) -> Any:
        function = source.function(training)
        graph = function.graph
        placeholder = _graph_input(function, plan)
        x = images
        if plan.input_transform == "uint8":
            x = tf.cast(tf.round(tf.clip_by_value(x, 0.0, 1.0) * 255.0), tf.uint8)
        elif plan.input_transform == "scale255":
            x = x * 255.0
        if x.dtype != placeholder.dtype:
            x = tf.cast(x, placeholder.dtype)
        current = tf.compat.v1.get_default_graph()
        input_map = {placeholder.name: x}
        for external, internal in graph.captures:
            variable = by_handle.get(id(external))
            input_map[internal.name] = current.capture(variable.handle if variable is not None else external)
        chain = cut_chain(graph, _graph_output(tf, graph, plan), plan.activation)
        output = import_chain(tf, chain, input_map)
        if plan.squeeze_axes:
            output = tf.squeeze(output, axis=list(plan.squeeze_axes))
        if plan.cast_output:
            output = tf.cast(output, tf.float32)
        return output

    def call(images: Any, training: bool = False) -> Any:
        if not plan.batch_loop:
            return run(images, bool(training))
        # A model fixed to batch 1: run it on each image (a while loop in the graph).
        probe = run(tf.zeros([1, *images.shape[1:]], images.dtype), bool(training))
        row = tf.TensorSpec(probe.shape[1:], probe.dtype)
        return tf.map_fn(lambda image: run(image[None], bool(training))[0], images, fn_output_signature=row)

    return tf.function(call, autograph=False)


def write(tf: Any, source_dir: str, out: str, plan: Plan) -> Source:
    """Save the wrapper of ``source_dir`` to ``out``; returns the loaded original (for the proof)."""
    obj = tf.saved_model.load(source_dir)
    source = Source(tf, obj, plan)
    variables = _variables(obj, source)
    function = build(tf, source, variables)
    spec = image_spec(tf, source)
    serving = function.get_concrete_function(spec, training=False)
    function.get_concrete_function(spec, training=True)
    root = tf.__internal__.tracking.AutoTrackable()
    root.__call__ = function
    root.variables = list(variables)
    root.trainable_variables = [v for v in variables if v.trainable]
    root.regularization_losses = list(getattr(obj, "regularization_losses", None) or [])
    extra = _untracked_captures(tf, obj, source, variables)
    if extra:  # e.g. a Keras RandomFlip's state: captured by the graph, not in obj.variables
        root.other_resources = extra
    tf.saved_model.save(root, out, signatures={"serving_default": serving})
    return source


def _variables(obj: Any, source: Source) -> list[Any]:
    """The original's own variable list when it has one, else what its functions capture."""
    listed = getattr(obj, "variables", None)
    if listed:
        return list(listed)
    found: dict[int, Any] = {}
    for function, _ in source.functions.values():
        for variable in function.graph.variables:
            found.setdefault(id(variable), variable)
    if found:
        return list(found.values())
    return _captured_variables(obj, source)


def _untracked_captures(tf: Any, obj: Any, source: Source, variables: list[Any]) -> list[Any]:
    """Objects of IN whose resources the wrapped functions capture but ``variables`` omits."""
    known = {id(v.handle) for v in variables}
    wanted = {
        id(external)
        for function, _ in source.functions.values()
        for external, _ in function.graph.captures
        if external.dtype == tf.resource and id(external) not in known
    }
    if not wanted:
        return []
    found: dict[int, Any] = {}
    for child in tf.train.TrackableView(obj).descendants():
        handle = getattr(child, "handle", None) if isinstance(child, tf.Variable) else None
        if handle is None:
            handle = getattr(child, "resource_handle", None)
        if handle is not None and id(handle) in wanted:
            found.setdefault(id(child), child)
    return list(found.values())


def _captured_variables(obj: Any, source: Source) -> list[Any]:
    """Variables found by walking the object graph whose handles the functions capture."""
    import tensorflow as tf

    captured = {id(external) for function, _ in source.functions.values() for external, _ in function.graph.captures}
    seen: dict[int, Any] = {}
    for child in tf.train.TrackableView(obj).descendants():
        if isinstance(child, tf.Variable) and id(child.handle) in captured:
            seen.setdefault(id(child), child)
    return list(seen.values())
