"""speclint/read/security/tensors.py: a string constant's elements, decoded as TensorFlow's ``Tensor::FromProto`` does.

Hand-built ``TensorProto`` messages: ``string_val`` (padded with its last element), packed
``tensor_content`` (varint lengths, then the bytes), and what TensorFlow refuses.
"""

from __future__ import annotations

from typing import Any

from speclint.proto import messages
from speclint.read.security.tensors import string_elements

TensorProto = messages.message_class("tensorflow.TensorProto")


def tensor(shape: list[int] | None, values: list[bytes] = (), content: bytes = b"", dtype: int = 7) -> Any:  # type: ignore[assignment]
    proto = TensorProto(dtype=dtype)
    if shape is None:
        proto.tensor_shape.unknown_rank = True
    for size in shape or []:
        proto.tensor_shape.dim.add().size = size
    proto.string_val.extend(values)
    proto.tensor_content = content
    return proto


def test_string_val_is_padded_with_its_last_element() -> None:
    assert string_elements(tensor([], [b"/etc/passwd"])) == {b"/etc/passwd"}
    assert string_elements(tensor([3], [b"a", b"b"])) == {b"a", b"b"}
    assert string_elements(tensor([2])) == {b""}
    assert string_elements(tensor([0])) == frozenset()


def test_packed_tensor_content_is_decoded() -> None:
    packed = bytes([11, 1]) + b"/etc/passwd" + b"x"
    assert string_elements(tensor([2], content=packed)) == {b"/etc/passwd", b"x"}
    long_name = b"p" * 300  # a two-byte varint length
    assert string_elements(tensor([1], content=bytes([0xAC, 0x02]) + long_name)) == {long_name}


def test_what_tensorflow_refuses_holds_no_value() -> None:
    assert string_elements(tensor([1], [b"a", b"b"])) is None  # more values than the shape holds
    assert string_elements(tensor([2], content=bytes([3, 1]) + b"abcd" + b"extra")) is None  # wrong size
    assert string_elements(tensor([1], content=bytes([0x80]))) is None  # truncated varint
    assert string_elements(tensor([-1], [b"a"])) is None and string_elements(tensor(None, [b"a"])) is None
    assert string_elements(tensor([], [b"a"], dtype=1)) is None  # not a string tensor
