"""speclint/read/tensors.py: TensorInfo, TensorSpec and StructuredValue in ``saved_model_cli``'s words.

Hand-built messages of speclint's own proto subset; the values are what TensorFlow writes.
"""

from __future__ import annotations

from speclint.proto import messages
from speclint.read.tensors import shape_list, structured_value, tensor_info

DT_FLOAT, DT_STRING = 1, 7


def info(**fields: object) -> object:
    signature = messages.MetaGraphDef().signature_def["s"]
    tensor = signature.inputs["x"]
    for key, value in fields.items():
        setattr(tensor, key, value)
    return tensor


def test_a_dense_image_input() -> None:
    tensor = info(name="images:0", dtype=DT_FLOAT)
    for size in (-1, 224, 224, 3):
        tensor.tensor_shape.dim.add().size = size  # type: ignore[attr-defined]
    assert tensor_info(tensor) == {
        "name": "images:0",
        "encoding": "name",
        "dtype": "DT_FLOAT",
        "shape": [-1, 224, 224, 3],
    }


def test_unknown_rank_unknown_shape_and_a_sparse_input() -> None:
    unknown = info(name="x:0", dtype=DT_STRING)
    unknown.tensor_shape.unknown_rank = True  # type: ignore[attr-defined]
    assert tensor_info(unknown)["shape"] is None and shape_list(unknown.tensor_shape) is None  # type: ignore[attr-defined]
    assert tensor_info(info(name="y:0", dtype=DT_FLOAT))["shape"] is None  # no shape at all
    sparse = info(dtype=DT_FLOAT)
    sparse.coo_sparse.values_tensor_name = "values:0"  # type: ignore[attr-defined]
    assert tensor_info(sparse)["name"] == "values:0" and tensor_info(sparse)["encoding"] == "coo_sparse"


def structured(**kind: object) -> object:
    value = messages.message_class("tensorflow.StructuredValue")()
    for key, item in kind.items():
        if isinstance(item, bool | int | float | str):
            setattr(value, key, item)
        else:
            getattr(value, key).CopyFrom(item)
    return value


def test_structured_values_keep_their_kind() -> None:
    assert structured_value(structured()) == {"kind": "none"}
    assert structured_value(structured(bool_value=True)) == {"kind": "bool", "value": True}
    assert structured_value(structured(int64_value=3)) == {"kind": "int", "value": 3}
    assert structured_value(structured(string_value="x")) == {"kind": "string", "value": "x"}
    spec = structured()
    spec.tensor_spec_value.dtype = DT_FLOAT  # type: ignore[attr-defined]
    spec.tensor_spec_value.shape.dim.add().size = -1  # type: ignore[attr-defined]
    spec.tensor_spec_value.name = "images"  # type: ignore[attr-defined]
    assert structured_value(spec) == {"kind": "tensor", "dtype": "DT_FLOAT", "shape": [-1], "name": "images"}
    outer = structured()
    outer.tuple_value.values.add().CopyFrom(spec)  # type: ignore[attr-defined]
    outer.tuple_value.values.add().bool_value = False  # type: ignore[attr-defined]
    assert structured_value(outer) == {
        "kind": "tuple",
        "items": [structured_value(spec), {"kind": "bool", "value": False}],
    }
    mapping = structured()
    mapping.dict_value.fields["b"].int64_value = 2  # type: ignore[attr-defined]
    mapping.dict_value.fields["a"].bool_value = True  # type: ignore[attr-defined]
    assert list(structured_value(mapping)["items"]) == ["a", "b"]
