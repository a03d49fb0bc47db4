#!/usr/bin/env python3
"""Write ``speclint/data/known_ops.txt`` (every op TensorFlow registers) and ``function_ops.txt``.

The static stage flags an op that is neither in this list nor a function of the model's
library as a custom op (loading the model needs a shared library that registers it). The
list comes from TensorFlow's own registry (``TF_GetAllOpList``, the same registry
``tf.raw_ops`` is generated from, plus internal ``_``-prefixed ops such as ``_Arg``), so it
includes every op registered by the installed TensorFlow. ``function_ops.txt`` lists the
ops that declare a function-valued attribute (``func`` or ``list(func)``: calls, ``If``,
``While``, ``tf.data`` transformations...), the only registered ops through which a graph
runs a library function; the security scan looks for function references on those alone.
A test regenerates both and compares, so they cannot fall behind the TensorFlow in the
development environment.

``--which file_op_audit`` prints, as JSON, what the security scan's op table is checked
against (tests/read/security/test_ops.py): every *candidate* op whose attribute or input
names (``filename``, ``vocab_file``, ``log_dir_path``, ``debug_urls``...) or documentation
speak of files, paths, directories, URLs, networks or checkpoints, with the reasons; and the
attribute and input names of every op, so each table entry's condition can be checked to
name what the op really has.

``--which tf_functions`` lists the TensorFlow API functions a Keras ``TFOpLambda`` layer may
name and still only compute on tensors (``speclint/data/tf_functions.txt``): every function of
the namespaces of pure tensor math (``math``, ``nn``, ``linalg``, ``image``, ``strings``...,
without their ``experimental`` parts) and the top-level ones, less ``DENIED`` (each with the
reason it can reach outside, run Python or load native code). tf_keras rebuilds such a layer by
calling ``tf.<name>``; a name outside this list is flagged (SL607).

Usage::

    python scripts/gen_known_ops.py             # rewrite the three files in speclint/data/
    python scripts/gen_known_ops.py --output -  # print known_ops.txt instead
    python scripts/gen_known_ops.py --output - --which function_ops
    python scripts/gen_known_ops.py --output - --which file_op_audit
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from pathlib import Path

DATA = Path(__file__).resolve().parent.parent / "speclint" / "data"
FUNCTION_ATTR_TYPES = ("func", "list(func)")
# Words of attribute and input names (split at "_" and case changes) that name a place outside the model.
PLACE_WORDS = frozenset(
    {"file", "filename", "filenames", "files", "filepath", "path", "paths", "dir", "dirs", "directory", "url",
     "urls", "uri", "glob", "pattern", "patterns", "prefix", "prefixes", "stream", "root", "dump", "address",
     "addresses", "checkpoint", "db", "source", "target", "host", "server", "socket", "port", "protocol"}
)  # fmt: skip
# The same in an op's documentation (its summary and description, before "Args:").
PLACE_DOC = re.compile(
    r"\bfiles?\b|file ?system|\bdirector(?:y|ies)\b|\bfile ?names?\b|\burls?\b|\bnetwork\b|\bsockets?\b"
    r"|\bcheckpoints?\b|\bdisk\b|\bstdout\b|\bstderr\b|\bfilepath|\bpath\b|\bserver\b|\brpc\b",
    re.IGNORECASE,
)


def registered_ops() -> tuple[str, list[str], list[str]]:
    """(TensorFlow version, every op in TensorFlow's registry, those with a function attribute)."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import tensorflow as tf
    from tensorflow.core.framework import op_def_pb2
    from tensorflow.python.client import pywrap_tf_session

    buffer = pywrap_tf_session.TF_GetAllOpList()
    try:
        op_list = op_def_pb2.OpList.FromString(pywrap_tf_session.TF_GetBuffer(buffer))
    finally:
        pywrap_tf_session.TF_DeleteBuffer(buffer)
    names = {op.name for op in op_list.op}
    names.update(name for name in dir(tf.raw_ops) if not name.startswith("_"))  # the same set, belt and braces
    calling = {op.name for op in op_list.op if any(attr.type in FUNCTION_ATTR_TYPES for attr in op.attr)}
    return tf.__version__, sorted(names), sorted(calling)


def _op_list() -> object:
    from tensorflow.core.framework import op_def_pb2
    from tensorflow.python.client import pywrap_tf_session

    buffer = pywrap_tf_session.TF_GetAllOpList()
    try:
        return op_def_pb2.OpList.FromString(pywrap_tf_session.TF_GetBuffer(buffer))
    finally:
        pywrap_tf_session.TF_DeleteBuffer(buffer)


def _words(name: str) -> set[str]:
    return set(re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name).lower().split("_"))


def file_op_audit() -> dict[str, object]:
    """Candidates for the dangerous-op table, and every op's attribute and input names."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import tensorflow as tf

    op_list = _op_list()
    candidates: dict[str, list[str]] = {}
    signatures: dict[str, dict[str, list[str]]] = {}
    for op in op_list.op:  # type: ignore[attr-defined]
        signatures[op.name] = {"attrs": [a.name for a in op.attr], "inputs": [a.name for a in op.input_arg]}
        reasons = [f"attr {a.name}" for a in op.attr if _words(a.name) & PLACE_WORDS]
        reasons += [f"input {i} {a.name}" for i, a in enumerate(op.input_arg) if _words(a.name) & PLACE_WORDS]
        function = getattr(tf.raw_ops, op.name, None)
        doc = ((function.__doc__ or "") if function is not None else "").split("Args:")[0]
        words = sorted({match.group(0).lower() for match in PLACE_DOC.finditer(doc)})
        if words:
            reasons.append("doc: " + ", ".join(words))
        if reasons:
            candidates[op.name] = reasons
    return {"tensorflow": tf.__version__, "candidates": candidates, "signatures": signatures}


# Namespaces of tf.* whose functions only compute on tensors (their ``experimental`` parts excluded:
# ``quantization.experimental.quantize_saved_model`` reads and writes SavedModels).
PURE_NAMESPACES = ("math", "nn", "linalg", "signal", "bitwise", "dtypes", "random", "sparse", "ragged",
                   "strings", "image", "audio", "quantization", "sets")  # fmt: skip
# Top-level tf.* functions that are not tensor math, with the reason (the rest of the top level is).
DENIED = {
    "load_library": "loads a native shared library into the process",
    "load_op_library": "loads a native shared library into the process",
    "numpy_function": "calls back into Python",
    "py_function": "calls back into Python",
    "print": "prints to any output_stream, a file:// path included",
    "import_graph_def": "imports a GraphDef given as data, which can hold any op",
    "function": "wraps a Python callable",
    "cond": "runs Python callables", "case": "runs Python callables", "switch_case": "runs Python callables",
    "while_loop": "runs Python callables", "map_fn": "runs Python callables", "foldl": "runs Python callables",
    "foldr": "runs Python callables", "scan": "runs Python callables", "vectorized_map": "runs Python callables",
    "custom_gradient": "wraps a Python callable", "recompute_grad": "wraps a Python callable",
    "grad_pass_through": "wraps a Python callable", "nondifferentiable_batch_function": "wraps a Python callable",
    "no_gradient": "registers a gradient in the process", "register_tensor_conversion_function": "registers a "
    "conversion function in the process", "variable_creator_scope": "a scope for Python callables",
    "init_scope": "a graph scope, not tensor math", "control_dependencies": "a graph scope, not tensor math",
    "device": "a device scope, not tensor math", "gradients": "builds gradient graphs, not tensor math",
    "hessians": "builds gradient graphs, not tensor math", "group": "groups ops, not tensor math",
    "get_logger": "the process's Python logger", "executing_eagerly": "process state, not tensor math",
    "inside_function": "process state, not tensor math", "get_current_name_scope": "graph state, not tensor math",
    "check_pinned": "not reviewed: not tensor math",
}  # fmt: skip


def tf_functions() -> tuple[str, list[str]]:
    """(TensorFlow version, the API names a TFOpLambda may call: pure namespaces and the top level, less DENIED)."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import inspect
    import types

    import tensorflow as tf

    names: set[str] = set()

    def add(module: object, prefix: str, depth: int) -> None:
        for name in dir(module):
            if name.startswith("_") or name == "experimental":
                continue
            value = getattr(module, name)
            if isinstance(value, types.ModuleType):
                if depth < 2:
                    add(value, f"{prefix}{name}.", depth + 1)
            elif callable(value) and not inspect.isclass(value):
                names.add(prefix + name)

    for namespace in PURE_NAMESPACES:
        add(getattr(tf, namespace), f"{namespace}.", 1)
    add(tf.__operators__, "__operators__.", 2)  # tensor operators (a + b, a[i]) as tf_keras names them
    for name in dir(tf):
        value = getattr(tf, name)
        if name.startswith("_") or isinstance(value, types.ModuleType) or inspect.isclass(value) or not callable(value):
            continue
        if name not in DENIED:
            names.add(name)
    return tf.__version__, sorted(names)


ARG_TYPES = ("string", "list(string)", "func", "list(func)")
DT_STRING = 7


def arg_audit() -> dict[str, object]:
    """Every string, list(string) and func attribute and every string input of every registered op.

    Each comes with what the word and documentation audit sees in it (``PLACE_WORDS`` in its
    name, ``PLACE_DOC`` in its own description), and each attribute with its registered
    default, so that the table's ``only_if`` defaults can be checked against the registry.
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import tensorflow as tf
    from google.protobuf import json_format

    args: list[list[object]] = []
    defaults: dict[str, dict[str, object]] = {}
    for op in _op_list().op:  # type: ignore[attr-defined]
        docs = _arg_docs(getattr(tf.raw_ops, op.name, None))
        for attr in op.attr:
            if attr.HasField("default_value"):
                value = json_format.MessageToDict(attr.default_value)
                defaults.setdefault(op.name, {})[attr.name] = _default(value)
            if attr.type in ARG_TYPES:
                args.append([op.name, f"attr {attr.name}", attr.type, _flags(attr.name, docs.get(attr.name, ""))])
        for position, arg in enumerate(op.input_arg):
            if arg.type == DT_STRING:
                flags = _flags(arg.name, docs.get(arg.name, ""))
                args.append([op.name, f"input {position} {arg.name}", "string", flags])
    return {"tensorflow": tf.__version__, "args": args, "defaults": defaults}


def _default(value: dict[str, object]) -> object:
    """A registry default as JSON: a string, a list of strings, or the AttrValue's JSON form."""
    if "s" in value:
        import base64

        return base64.b64decode(str(value["s"])).decode("utf-8", "replace")
    if "list" in value:
        items = value["list"]
        if isinstance(items, dict) and set(items) <= {"s"}:
            import base64

            return [base64.b64decode(item).decode("utf-8", "replace") for item in items.get("s", [])]
    return value


def _arg_docs(function: object) -> dict[str, str]:
    """Each argument's own description in a raw op's docstring (its ``Args:`` section)."""
    doc = getattr(function, "__doc__", None) or ""
    if "Args:" not in doc:
        return {}
    found: dict[str, str] = {}
    current = None
    for line in doc.split("Args:", 1)[1].split("Returns:")[0].split("\n"):
        match = re.match(r"^\s{4}(\w+):\s?(.*)", line)
        if match:
            current = match.group(1)
            found[current] = match.group(2)
        elif current:
            found[current] += " " + line.strip()
    return found


def _flags(name: str, doc: str) -> list[str]:
    words = sorted(_words(name) & PLACE_WORDS)
    found = [f"name: {word}" for word in words]
    found += [f"doc: {word}" for word in sorted({m.group(0).lower() for m in PLACE_DOC.finditer(doc)})]
    return found


def render(version: str, names: list[str], what: str) -> str:
    header = [
        f"# {what} registered by TensorFlow {version} ({len(names)} ops).",
        "# Generated by scripts/gen_known_ops.py from TensorFlow's op registry; do not edit.",
    ]
    return "\n".join([*header, *names]) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--output", help="write one list to this file, or - for stdout (default: both files)")
    choices = ("known_ops", "function_ops", "tf_functions", "file_op_audit", "arg_audit")
    parser.add_argument("--which", choices=choices, default="known_ops")
    args = parser.parse_args(argv)
    if args.which == "file_op_audit":
        sys.stdout.write(json.dumps(file_op_audit(), indent=1, sort_keys=True) + "\n")
        return 0
    if args.which == "arg_audit":
        sys.stdout.write(json.dumps(arg_audit(), indent=1, sort_keys=True) + "\n")
        return 0
    version, names, calling = registered_ops()
    _, functions = tf_functions()
    texts = {
        "known_ops": render(version, names, "Op names"),
        "function_ops": render(version, calling, "Ops with a function-valued attribute (func, list(func))"),
        "tf_functions": render(version, functions, "API names a Keras TFOpLambda may call (pure tensor math)"),
    }
    if args.output == "-":
        sys.stdout.write(texts[args.which])
        return 0
    targets = {args.which: Path(args.output)} if args.output else {key: DATA / f"{key}.txt" for key in texts}
    for key, path in targets.items():
        path.write_text(texts[key], encoding="utf-8")
        print(f"wrote {path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
