"""Findings in a person's words: values without JSON braces, traces without TensorFlow's numbers.

TensorFlow names every traced function ``__inference_<name>_<uid>``, the uid changing on each
export. The reader labels each trace of the root ``__call__`` from its structure (``__call__
trace 2 (images: float32[?,48,48,3], training=True)``); a text that still names a function,
as a security finding does, gets that label for a ``__call__`` trace and the Python name
(``<name>``) for any other function of the model. Names are matched against the model's own
function names, never parsed by pattern: ``mobilenet.00_224_layer_call_fn`` keeps its dot.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from speclint.vocabulary import dtype_word as dtype_word  # re-exported: the reports' word for a dtype
from speclint.vocabulary import format_shape

PREFIX = "__inference_"
INFERENCE_NAME = re.compile(r"__inference_([^\s'\"(),\[\]]*?)_\d+\b")
TOKEN_END = re.compile(r"[\s'\"(),\[\]]")


def redact_function_numbers(text: str) -> str:
    """``__inference_<lambda>_64`` -> ``__inference_<lambda>_N``: stable across re-exports."""
    return INFERENCE_NAME.sub(r"__inference_\1_N", text)


def python_name(function: str) -> str:
    """``__inference_mobilenet.00_224_layer_call_fn_1234`` -> ``mobilenet.00_224_layer_call_fn``."""
    name = function.removeprefix(PREFIX)
    base, _, number = name.rpartition("_")
    return base if base and number.isdigit() else name


def trace_names(facts: dict[str, Any]) -> dict[str, str]:
    """Concrete function name -> ``__call__ trace N (arguments)``, for every root ``__call__``."""
    names: dict[str, str] = {}
    for meta_graph in facts.get("meta_graphs") or []:
        call = ((meta_graph or {}).get("object_graph") or {}).get("call") or {}
        for number, function in enumerate(call.get("concrete_functions") or [], start=1):
            if isinstance(function.get("name"), str):
                names[function["name"]] = function.get("label") or f"__call__ trace {number}"
    return names


def namer(facts: dict[str, Any]) -> Callable[[str], str]:
    """A function that rewords TensorFlow's function names in a text, for this model."""
    labels = trace_names(facts)
    known: set[str] = set(labels)
    for meta_graph in facts.get("meta_graphs") or []:
        known.update(((meta_graph or {}).get("graph") or {}).get("functions") or {})
    lengths = sorted({len(name) for name in known if name.startswith(PREFIX)}, reverse=True)

    def reword(text: str) -> str:
        if PREFIX not in text:
            return text
        parts, position = [], 0
        while (start := text.find(PREFIX, position)) >= 0:
            name = _known_at(text, start, known, lengths)
            if name is None:  # not one of this model's functions (a nested graph's): its Python name
                match = INFERENCE_NAME.match(text, start)
                parts.append(text[position:start] + (match.group(1) if match else PREFIX))
                position = match.end() if match else start + len(PREFIX)
                continue
            before = text[position:start]
            if name in labels and before.endswith("function "):  # "function <trace>": the label says it
                before = before[: -len("function ")]
            parts.append(before)
            parts.append(labels.get(name) or python_name(name))
            position = start + len(name)
        parts.append(text[position:])
        return "".join(parts)

    return reword


def _known_at(text: str, start: int, known: set[str], lengths: list[int]) -> str | None:
    """The longest of the model's function names that the text spells at ``start`` (only the
    lengths names have are tried: a hostile name of any length costs one look per length)."""
    end = TOKEN_END.search(text, start)
    stop = end.start() if end else len(text)
    for length in lengths:
        if start + length <= stop and text[start : start + length] in known:
            return text[start : start + length]
    return None


def value_words(value: Any) -> str:
    """A found value in TensorFlow's words: shapes as (-1, 224, 224, 3), lists joined, no JSON."""
    if value is None:
        return "none"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, list) and value and all(isinstance(v, int) and not isinstance(v, bool) for v in value):
        return format_shape(value)
    if isinstance(value, list):
        return ", ".join(value_words(v) for v in value) if value else "none"
    if isinstance(value, dict):
        return _dict_words(value)
    return str(value)


def _dict_words(value: dict[str, Any]) -> str:
    if set(value) <= {"kind", "value"} and "kind" in value:  # a traced Python value
        return f"{value['kind']} {value['value']!r}" if "value" in value else str(value["kind"])
    if "op" in value:  # an op in the graph
        text = f"{value['op']} node {value['node']}" if value.get("node") else f"op {value['op']}"
        if value.get("constant") is not None:
            text += f" by {value['constant']}"
        return text
    parts = [
        f"{key} {value_words(v)}" for key, v in value.items() if v is not None and key not in ("where", "function")
    ]
    return ", ".join(parts) or "nothing"
