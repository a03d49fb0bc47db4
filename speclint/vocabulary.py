"""TensorFlow's vocabulary, shared by every stage: model formats, signature names, shapes.

This module imports nothing but the standard library, so the rule engine, ``speclint rules``
and the execution worker can all use it without paying for protobuf or the readers.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

Json = dict[str, Any]
"""A JSON object: facts documents, probe records, jobs."""

# The ``format`` of a facts document.
TF1_HUB = "tf1-hub"
"""The TF1 Hub format: a ``tfhub_module.pb`` next to the SavedModel."""
TF1 = "tf1"
"""A TF1 SavedModel without ``tfhub_module.pb`` (no TF2 object graph)."""
TF2 = "tf2"
"""A TF2 SavedModel: it has an object graph (the Reusable SavedModel API)."""
TF1_FORMATS = (TF1_HUB, TF1)
"""Formats consumed through signatures of the default tag-set, as ``hub.Module`` does."""

TF1_SIGNATURES = ("default", "image_feature_vector", "image_classification")
"""The signatures of the TF1 image contracts, ``default`` first."""


NUMPY_TO_DT = {  # a numpy dtype's name -> TensorFlow's DataType name, as saved_model_cli prints it
    "float32": "DT_FLOAT",
    "float64": "DT_DOUBLE",
    "float16": "DT_HALF",
    "bfloat16": "DT_BFLOAT16",
    "int8": "DT_INT8",
    "int16": "DT_INT16",
    "int32": "DT_INT32",
    "int64": "DT_INT64",
    "uint8": "DT_UINT8",
    "uint16": "DT_UINT16",
    "uint32": "DT_UINT32",
    "uint64": "DT_UINT64",
    "bool": "DT_BOOL",
    "complex64": "DT_COMPLEX64",
    "complex128": "DT_COMPLEX128",
    "object": "DT_STRING",
}


def dtype_name(numpy_name: str) -> str:
    """TensorFlow's name of a numpy dtype (by its ``dtype.name``), as ``saved_model_cli`` prints it."""
    return NUMPY_TO_DT.get(numpy_name, f"DT_{numpy_name.upper()}")


def is_tf1(model_format: str | None) -> bool:
    """True for the TF1 Hub format and plain TF1 SavedModels, which share one contract."""
    return model_format in TF1_FORMATS


def format_shape(shape: Iterable[int] | None) -> str:
    """TensorFlow's own spelling: ``(-1, 224, 224, 3)``, ``(5,)``, ``unknown_rank``."""
    if shape is None:
        return "unknown_rank"
    dims = list(shape)
    if len(dims) == 1:
        return f"({dims[0]},)"
    return "(" + ", ".join(str(d) for d in dims) + ")"


DTYPE_WORDS = {"DT_FLOAT": "float32", "DT_DOUBLE": "float64", "DT_HALF": "float16", "DT_BFLOAT16": "bfloat16"}


def dtype_word(dtype: str | None) -> str:
    """``DT_FLOAT`` -> ``float32``, ``DT_UINT8`` -> ``uint8``, as Python code spells them."""
    if not dtype:
        return "?"
    return DTYPE_WORDS.get(dtype, dtype.removeprefix("DT_").lower())
