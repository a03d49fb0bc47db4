"""Facts in words: what ``speclint show`` prints, worded like ``saved_model_cli show --all``.

The one place facts are put into words: ``render`` for ``speclint show``, the ``*_summary``
functions for the excerpts of rule examples (``speclint.rules.docs``). Every model string is
escaped. Standard library and the rules' wording only: no reading here.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from speclint.rules.wording import value_words
from speclint.safe_text import escape, escape_path, no_workflow_commands
from speclint.vocabulary import Json, format_shape


def render(facts: Json) -> str:
    """Each line escaped whole: every model string in it (names, keys, paths) shows as printable text."""
    return no_workflow_commands("\n".join(escape(line) for line in _lines(facts)) + "\n")


def _lines(facts: Json) -> Iterator[str]:
    yield f"{escape_path(facts['path'])}: format {facts['format'] or 'unknown'}"
    for error in facts["errors"]:
        yield f"  error: {error['file']}: {error['message']}"
    files = facts["files"]
    present = [name for name in ("tfhub_module", "keras_metadata", "fingerprint") if files[name] is not None]
    if files["saved_model"]:
        present.insert(0, files["saved_model"]["name"])
    variables = "variables/ index present" if files["variables"]["index"] else "no variables/ index"
    names = ", ".join(n if "." in n else n + ".pb" for n in present) or "none"
    yield f"  files: {names}; {variables}; {len(files['assets'])} asset(s)"
    yield from _archive(facts.get("archive"))
    yield from _claims(facts.get("claims"), files.get("unusable"))
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


def _archive(archive: Json | None) -> Iterator[str]:
    if not archive:
        return
    root = f"'{archive['root']}/'" if archive["root"] else "its top"
    yield (
        f"  archive: {archive['kind']}, {archive['members']} member(s), {archive['bytes']} bytes, model root {root}; "
        f"{archive['problem_count']} member problem(s)"
    )
    for problem in archive["problems"]:
        yield f"    {problem['problem']}: {problem['summary']}"


def _claims(claims: Json | None, unusable: list[Json] | None) -> Iterator[str]:
    """What the publisher declares (read.claims), each claim with the line that makes it."""
    if not claims or not (claims["documents"] or claims["errors"]):
        return
    documents = ", ".join(d["file"] + (f" ({d['page']})" if d["page"] else "") for d in claims["documents"])
    yield f"  claims: {documents}"
    task = claims["task"]
    if task:
        yield f"    task: {', '.join(task['values'])} ({task['where']})"
    declared_format = claims["format"]
    if declared_format:
        means = " or ".join(declared_format["model_formats"]) or "not a TensorFlow SavedModel"
        yield f"    format: {declared_format['value']} = {means} ({declared_format['where']})"
    fine_tunable = claims["fine_tunable"]
    if fine_tunable:
        yield f"    fine-tunable: {str(fine_tunable['value']).lower()} ({fine_tunable['where']})"
    for key, values in sorted(claims["metadata"].items()):
        if key not in ("task", "format", "fine-tunable"):
            yield f"    {key}: {', '.join(values)}"
    for error in claims["errors"]:
        yield f"    malformed: {error['where']}: {error['message']}"
    for item in unusable or []:
        yield f"    not a SavedModel file: {item['path']} ({item['reason']})"


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


# ---- short forms, for the excerpts of rule examples ------------------------------------


def entry_summary(entry: Json) -> list[str]:
    """An entry point (signature or ``__call__`` trace) in a few lines, for rule examples."""
    lines = [entry["where"]]
    label = "inputs" if entry.get("api") == "tf1-signature" else "arguments"
    lines.append(f"  {label}: {', '.join(entry.get('input_keys') or []) or 'none'}")
    lines.append(f"  images: {tensor_summary(entry.get('images'))}")
    if entry.get("api") == "tf1-signature":
        lines.append(f"  outputs: {', '.join(entry.get('output_keys') or []) or 'none'}")
        lines.append(f"  output: {tensor_summary(entry.get('output'))}")
    else:
        structure = entry.get("output_structure")
        output = tensor_summary(entry.get("output"))
        lines.append(f"  returns: {output}" if entry.get("output") else f"  returns: {structure or 'none'}")
    if entry.get("training") is not None:
        lines.append(f"  training: {inline_value(entry['training'])}")
    return lines


def meta_graph_summary(meta_graph: Json) -> list[str]:
    """A MetaGraphDef's signatures, one line per tensor: ``render`` shortened for excerpts."""
    lines = [f"MetaGraphDef with {meta_graph['where']}"]
    signatures = meta_graph.get("signatures") or {}
    if not signatures:
        lines.append("  (no SignatureDefs)")
    for name, signature in signatures.items():
        lines.append(f"  signature_def['{name}']")
        lines += [f"    inputs['{k}']: {tensor_summary(t)}" for k, t in signature.get("inputs", {}).items()]
        lines += [f"    outputs['{k}']: {tensor_summary(t)}" for k, t in signature.get("outputs", {}).items()]
    if meta_graph.get("object_graph") is not None:
        call = meta_graph["object_graph"].get("call") or {}
        lines.append(f"  __call__: {'present' if call.get('present') else 'absent'}")
    return lines


def tensor_summary(tensor: Json | None) -> str:
    if not tensor:
        return "none"
    text = f"dtype {tensor.get('dtype')}, shape {format_shape(tensor.get('shape'))}"
    encoding = tensor.get("encoding")
    return text if encoding in (None, "name") else f"{text}, encoding {encoding}"


def inline_value(value: Any) -> str:
    """A value on one line, in words (``int 1``, ``(-1, 8)``), never JSON braces."""
    return value if isinstance(value, str) else value_words(value)
