"""The strings a ``TensorProto`` holds, decoded the way TensorFlow's ``Tensor::FromProto`` does.

A string constant can carry its elements in ``string_val`` or, packed, in ``tensor_content``
(``port::EncodeStringList``: one varint length per element, then the bytes), and a
``string_val`` shorter than the shape is padded with its last element (or ``""`` when empty).
A scan that read ``string_val`` alone would take a path hidden in ``tensor_content`` for an
empty string.
"""

from __future__ import annotations

from speclint.proto.messages import Message

DT_STRING = 7
MAX_ELEMENTS = 1 << 20  # elements decoded from tensor_content; more is hostile input, not a file name


def string_elements(tensor: Message) -> frozenset[bytes] | None:
    """The distinct elements of a string tensor, or None when it is no string tensor TensorFlow reads."""
    if tensor.dtype != DT_STRING:
        return None
    count = _element_count(tensor.tensor_shape)
    if count is None:
        return None
    if tensor.tensor_content:
        return _decode_string_list(tensor.tensor_content, count)
    values = list(tensor.string_val)
    if len(values) > count:
        return None  # TensorFlow refuses the tensor
    if count == 0:
        return frozenset()
    if not values:
        return frozenset({b""})
    return frozenset(values)  # a short list is padded with its last element: no new value


def _element_count(shape: Message) -> int | None:
    if shape.unknown_rank:
        return None
    count = 1
    for dim in shape.dim:
        if dim.size < 0:
            return None
        count *= dim.size
        if count > MAX_ELEMENTS * 64:
            return None
    return count


def _decode_string_list(data: bytes, count: int) -> frozenset[bytes] | None:
    """``port::DecodeStringList``: ``count`` varint32 lengths, then the elements' bytes back to back."""
    if count > MAX_ELEMENTS:
        return None
    lengths: list[int] = []
    position = 0
    for _ in range(count):
        value, shift = 0, 0
        while True:
            if position >= len(data) or shift > 28:
                return None
            byte = data[position]
            position += 1
            value |= (byte & 0x7F) << shift
            shift += 7
            if not byte & 0x80:
                break
        lengths.append(value)
    if position + sum(lengths) != len(data):
        return None  # TensorFlow refuses a tensor_content of the wrong size
    elements = set()
    for length in lengths:
        elements.add(bytes(data[position : position + length]))
        position += length
    return frozenset(elements)
