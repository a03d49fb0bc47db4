"""Findings in a person's words: values without JSON braces, traces without TensorFlow's numbers.

TensorFlow names every traced function ``__inference_<name>_<uid>``, the uid changing on each
export. A reader knows the root ``__call__`` by its traces and their arguments, so a
``__call__`` concrete function is worded ``__call__ trace 2 (images: float32[?,48,48,3],
training=True)`` and any other traced function by its Python name.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from speclint.vocabulary import format_shape

INFERENCE_NAME = re.compile(r"__inference_([\w<>]*?)_\d+\b")
CALL_FUNCTION = re.compile(r"__call__ concrete function (__inference_[\w<>]*?_\d+)( \([^()]*\))?")
DTYPE_WORDS = {"DT_FLOAT": "float32", "DT_DOUBLE": "float64", "DT_HALF": "float16", "DT_BFLOAT16": "bfloat16"}


def redact_function_numbers(text: str) -> str:
    """``__inference_<lambda>_64`` -> ``__inference_<lambda>_N``: stable across re-exports."""
    return INFERENCE_NAME.sub(r"__inference_\1_N", text)


def dtype_word(dtype: str | None) -> str:
    """``DT_FLOAT`` -> ``float32``, ``DT_UINT8`` -> ``uint8``, as Python code spells them."""
    if not dtype:
        return "?"
    return DTYPE_WORDS.get(dtype, dtype.removeprefix("DT_").lower())


def _argument(name: str, value: dict[str, Any]) -> str:
    if value.get("kind") == "tensor":
        shape = value.get("shape")
        dims = "[" + ",".join("?" if d == -1 else str(d) for d in shape) + "]" if shape is not None else "[...]"
        return f"{name}: {dtype_word(value.get('dtype'))}{dims}"
    if "value" in value:
        return f"{name}={value['value']!r}"
    return f"{name}: {value.get('kind', '?')}"


def trace_names(facts: dict[str, Any]) -> dict[str, str]:
    """Concrete function name -> ``__call__ trace N (arguments)``, for every root ``__call__``."""
    names: dict[str, str] = {}
    for meta_graph in facts.get("meta_graphs") or []:
        call = ((meta_graph or {}).get("object_graph") or {}).get("call") or {}
        for number, function in enumerate(call.get("concrete_functions") or [], start=1):
            args = [_argument(a.get("name") or f"arg{i}", a) for i, a in enumerate(function.get("args") or [])]
            args += [_argument(k, v) for k, v in (function.get("kwargs") or {}).items()]
            if isinstance(function.get("name"), str):
                names[function["name"]] = f"__call__ trace {number} ({', '.join(args)})"
    return names


def namer(facts: dict[str, Any]) -> Callable[[str], str]:
    """A function that rewords TensorFlow's function names in a text, for this model."""
    traces = trace_names(facts)

    def reword(text: str) -> str:
        if "__inference_" not in text:
            return text
        text = CALL_FUNCTION.sub(lambda m: traces.get(m.group(1), m.group(0)), text)
        text = re.sub(r"function (__inference_[\w<>]*?_\d+)\b", lambda m: traces.get(m.group(1), m.group(0)), text)
        return INFERENCE_NAME.sub(lambda m: traces.get(m.group(0), m.group(1)), text)

    return reword


def show(value: Any) -> str:
    """A found value in TensorFlow's words: shapes as (-1, 224, 224, 3), lists joined, no JSON."""
    if value is None:
        return "none"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, list) and value and all(isinstance(v, int) and not isinstance(v, bool) for v in value):
        return format_shape(value)
    if isinstance(value, list):
        return ", ".join(show(v) for v in value) if value else "none"
    if isinstance(value, dict):
        return _show_dict(value)
    return str(value)


def _show_dict(value: dict[str, Any]) -> str:
    if set(value) <= {"kind", "value"} and "kind" in value:  # a traced Python value
        return f"{value['kind']} {value['value']!r}" if "value" in value else str(value["kind"])
    if "op" in value:  # an op in the graph
        text = f"{value['op']} node {value['node']}" if value.get("node") else f"op {value['op']}"
        if value.get("constant") is not None:
            text += f" by {value['constant']}"
        return text
    parts = [f"{key} {show(v)}" for key, v in value.items() if v is not None and key not in ("where", "function")]
    return ", ".join(parts) or "nothing"
