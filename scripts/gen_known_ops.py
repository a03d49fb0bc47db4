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
against (tests/security/test_op_coverage.py): every *candidate* op whose attribute or input
names (``filename``, ``vocab_file``, ``log_dir_path``, ``debug_urls``...) or documentation
speak of files, paths, directories, URLs, networks or checkpoints, with the reasons; and the
attribute and input names of every op, so each table entry's condition can be checked to
name what the op really has.

Usage::

    python scripts/gen_known_ops.py             # rewrite both files in speclint/data/
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


def render(version: str, names: list[str], what: str) -> str:
    header = [
        f"# {what} registered by TensorFlow {version} ({len(names)} ops).",
        "# Generated by scripts/gen_known_ops.py from TensorFlow's op registry; do not edit.",
    ]
    return "\n".join([*header, *names]) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--output", help="write one list to this file, or - for stdout (default: both files)")
    parser.add_argument("--which", choices=("known_ops", "function_ops", "file_op_audit"), default="known_ops")
    args = parser.parse_args(argv)
    if args.which == "file_op_audit":
        sys.stdout.write(json.dumps(file_op_audit(), indent=1, sort_keys=True) + "\n")
        return 0
    version, names, calling = registered_ops()
    texts = {
        "known_ops": render(version, names, "Op names"),
        "function_ops": render(version, calling, "Ops with a function-valued attribute (func, list(func))"),
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
