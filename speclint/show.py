"""``speclint show``: what a model declares, worded like ``saved_model_cli show --all``."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from typing import Any

from speclint.discover import discover
from speclint.errors import EXIT_CLEAN, EXIT_ERROR, EXIT_FINDINGS, display_path
from speclint.read import read_model
from speclint.read.loading import DEFAULT_MAX_BYTES
from speclint.vocabulary import Json, format_shape


def run_show(args: argparse.Namespace) -> int:
    """Print every model's facts; exit 0 when all were read, 1 when some were not, 2 when none."""
    found = discover(args.paths)
    documents = [read_model(model, args.max_file_size or DEFAULT_MAX_BYTES) for model in found.models]
    problems = list(found.errors)
    for facts in documents:
        for error in facts["errors"]:
            problems.append(f"{display_path(str(facts['path']))}/{error['file']}: {error['message']}")
    if args.format == "json":
        sys.stdout.write(json.dumps(documents, indent=2) + "\n")
    else:
        sys.stdout.write("\n".join(render(facts) for facts in documents))
    for problem in problems:
        print(f"speclint: error: {problem}", file=sys.stderr)
    if not any(facts["meta_graphs"] for facts in documents):
        return EXIT_ERROR
    return EXIT_FINDINGS if problems else EXIT_CLEAN


def render(facts: Json) -> str:
    return "\n".join(_lines(facts)) + "\n"


def _lines(facts: Json) -> Iterator[str]:
    yield f"{facts['path']}: format {facts['format'] or 'unknown'}"
    for error in facts["errors"]:
        yield f"  error: {error['file']}: {error['message']}"
    files = facts["files"]
    present = [name for name in ("tfhub_module", "keras_metadata", "fingerprint") if files[name] is not None]
    if files["saved_model"]:
        present.insert(0, files["saved_model"]["name"])
    variables = "variables/ index present" if files["variables"]["index"] else "no variables/ index"
    names = ", ".join(n if "." in n else n + ".pb" for n in present) or "none"
    yield f"  files: {names}; {variables}; {len(files['assets'])} asset(s)"
    hub = facts["tfhub_module"]
    if hub:
        features = ", ".join(hub["required_features"]) or "none"
        yield f"  tfhub_module.pb: format {hub['format']}, required features: {features}"
    size = facts["expected_image_size"]
    if size:
        if size["error"]:
            yield f"  expected image size: undeterminable ({size['error']})"
        else:
            yield f"  expected image size: {size['height']}x{size['width']} (from {size['source']})"
    for meta_graph in facts["meta_graphs"]:
        yield from _meta_graph(meta_graph)


def _meta_graph(meta_graph: Json) -> Iterator[str]:
    tags = ", ".join(meta_graph["tags"])
    yield ""
    yield f"MetaGraphDef with tag-set: '{tags}' contains the following SignatureDefs:"
    version = meta_graph["tensorflow_version"]
    if version:
        yield f"  (written by TensorFlow {version})"
    for name, signature in meta_graph["signatures"].items():
        yield ""
        yield f"signature_def['{name}']:"
        yield "  The given SavedModel SignatureDef contains the following input(s):"
        for key, tensor in signature["inputs"].items():
            yield from _tensor("inputs", key, tensor)
        yield "  The given SavedModel SignatureDef contains the following output(s):"
        for key, tensor in signature["outputs"].items():
            yield from _tensor("outputs", key, tensor)
        yield f"  Method name is: {signature['method_name']}"
    attachments = meta_graph["hub_attachments"]
    if attachments:
        for key, item in attachments["items"].items():
            info = item.get("image_module_info", {}).get("default_image_size")
            detail = f": default_image_size {info['height']}x{info['width']}" if info else ""
            yield f"  hub_module_attachments['{key}']{detail}"
    object_graph = meta_graph["object_graph"]
    if object_graph:
        yield from _object_graph(object_graph)
    graph = meta_graph["graph"]
    ops = sum(graph["all_op_counts"].values())
    yield ""
    yield (
        f"  graph: {graph['node_count']} nodes, {graph['function_count']} library functions, "
        f"{ops} ops of {len(graph['all_op_counts'])} types"
    )


def _tensor(side: str, key: str, tensor: Json) -> Iterator[str]:
    yield f"    {side}['{key}'] tensor_info:"
    yield f"        dtype: {tensor['dtype']}"
    yield f"        shape: {format_shape(tensor['shape'])}"
    if tensor["encoding"] == "name":
        yield f"        name: {tensor['name']}"
    else:
        yield f"        encoding: {tensor['encoding']}" + (f" ({tensor['name']})" if tensor["name"] else "")


def _object_graph(object_graph: Json) -> Iterator[str]:
    yield ""
    yield "Concrete Functions:"
    call = object_graph["call"]
    if not call["present"]:
        yield "  (the root object has no __call__)"
    for number, function in enumerate(call["concrete_functions"], start=1):
        yield f"  Function Name: '__call__' Option #{number} ({function['name']})"
        yield "    Callable with:"
        for index, arg in enumerate(function["args"], start=1):
            yield f"      Argument #{index}: {arg.get('name') or '?'}: {_value(arg)}"
        for key, value in function["kwargs"].items():
            yield f"      Keyword {key}: {_value(value)}"
        if function["output"] is not None:
            yield f"    Returns: {_value(function['output'])}"
    for name in ("variables", "trainable_variables", "regularization_losses"):
        attribute = object_graph["attributes"][name]
        if attribute["present"]:
            yield (
                f"  root.{name}: {attribute['variable_count']} variable(s), {attribute['function_count']} function(s)"
            )
        else:
            yield f"  root.{name}: absent"


def _value(value: Any) -> str:
    kind = value.get("kind")
    if kind == "tensor":
        return f"TensorSpec(shape={format_shape(value['shape'])}, dtype={value['dtype']})"
    if kind in ("bool", "int", "float", "string"):
        return f"{kind} {value['value']!r}"
    if kind in ("list", "tuple"):
        return f"{kind}[" + ", ".join(_value(v) for v in value["items"]) + "]"
    if kind in ("dict", "named_tuple"):
        return "{" + ", ".join(f"{k!r}: {_value(v)}" for k, v in value["items"].items()) + "}"
    return str(kind)
