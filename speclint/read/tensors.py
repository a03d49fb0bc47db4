"""Tensor descriptions in TensorFlow's vocabulary: dtype names and shapes as lists.

A shape is a list of ints with -1 for an unknown dimension, or None for unknown rank,
exactly how ``saved_model_cli`` prints ``(-1, 224, 224, 3)`` and ``unknown_rank``.
"""

from __future__ import annotations

from typing import Any

from speclint.proto.messages import Message, dtype_name
from speclint.vocabulary import Json as Json  # re-exported for the readers


def shape_list(shape: Message) -> list[int] | None:
    if shape.unknown_rank:
        return None
    return [int(dim.size) if dim.size >= 0 else -1 for dim in shape.dim]


def tensor_info(info: Message) -> Json:
    """A SignatureDef TensorInfo: dense name, coo_sparse or composite encoding."""
    encoding = info.WhichOneof("encoding") or "name"
    if encoding == "name":
        name: str | None = info.name
    elif encoding == "coo_sparse":
        name = info.coo_sparse.values_tensor_name
    else:
        name = None
    facts: Json = {
        "name": name,
        "encoding": encoding,
        "dtype": dtype_name(info.dtype),
        "shape": shape_list(info.tensor_shape) if info.HasField("tensor_shape") else None,
    }
    if encoding == "composite_tensor":
        facts["type_spec"] = info.composite_tensor.type_spec.type_spec_class_name or type_spec_class(
            info.composite_tensor.type_spec
        )
    return facts


def type_spec_class(spec: Message) -> str:
    return str(spec.DESCRIPTOR.enum_types_by_name["TypeSpecClass"].values_by_number[spec.type_spec_class].name)


def tensor_spec(spec: Message) -> Json:
    return {"dtype": dtype_name(spec.dtype), "shape": shape_list(spec.shape), "name": spec.name or None}


def structured_value(value: Message) -> Any:
    """A StructuredValue (function signatures in the TF2 object graph) as plain JSON.

    Tensors become ``{"kind": "tensor", "dtype", "shape", "name"}``; Python values keep their
    kind so a rule can tell a ``training`` bool from a tensor; containers keep their kind too.
    """
    kind = value.WhichOneof("kind")
    if kind in (None, "none_value"):
        return {"kind": "none"}
    if kind == "bool_value":
        return {"kind": "bool", "value": value.bool_value}
    if kind == "int64_value":
        return {"kind": "int", "value": int(value.int64_value)}
    if kind == "float64_value":
        return {"kind": "float", "value": value.float64_value}
    if kind == "string_value":
        return {"kind": "string", "value": value.string_value}
    if kind in ("tensor_spec_value", "bounded_tensor_spec_value"):
        return {"kind": "tensor", **tensor_spec(getattr(value, kind))}
    if kind == "type_spec_value":
        spec = value.type_spec_value
        return {"kind": "type_spec", "type_spec": spec.type_spec_class_name or type_spec_class(spec)}
    if kind in ("list_value", "tuple_value"):
        return {"kind": kind[: -len("_value")], "items": [structured_value(v) for v in getattr(value, kind).values]}
    if kind == "dict_value":
        fields = value.dict_value.fields
        return {"kind": "dict", "items": {key: structured_value(fields[key]) for key in sorted(fields)}}
    if kind == "named_tuple_value":
        pairs = value.named_tuple_value.values
        return {
            "kind": "named_tuple",
            "name": value.named_tuple_value.name,
            "items": {pair.key: structured_value(pair.value) for pair in pairs},
        }
    if kind == "tensor_shape_value":
        return {"kind": "shape", "value": shape_list(value.tensor_shape_value)}
    if kind == "tensor_dtype_value":
        return {"kind": "dtype", "value": dtype_name(value.tensor_dtype_value)}
    return {"kind": kind.removesuffix("_value")}  # tensor_value, numpy_value: a constant
