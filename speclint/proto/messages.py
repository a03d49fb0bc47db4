"""speclint's TensorFlow-free message classes, built from its own .proto subset.

The descriptors are loaded into a private ``DescriptorPool``: TensorFlow registers the
real ``tensorflow.*`` messages in protobuf's default pool, and ours never touch it, so
importing TensorFlow before or after speclint causes no duplicate-symbol error.
"""

from __future__ import annotations

import os
from typing import Any

from google.protobuf.message import Message


def _upb_module() -> Any:
    """protobuf's C implementation (upb) when it is the one protobuf uses, else None.

    Building the pool and the classes with it directly skips protobuf's Python descriptor
    layer (``descriptor_pool``, ``message_factory``, and through them ``python_message`` and
    ``text_format``): 4 ms of every start-up (benchmarks/bench_scale.py, section 2). The
    objects are the ones protobuf's own layer would return under upb; anywhere else (the pure
    Python or C++ implementation, an older protobuf) the public API builds them.
    """
    if os.environ.get("PROTOCOL_BUFFERS_PYTHON_IMPLEMENTATION", "upb") != "upb":
        return None
    try:
        from google._upb import _message
    except ImportError:
        return None
    return _message if hasattr(_message, "MessageMeta") and hasattr(_message, "DescriptorPool") else None


_UPB = _upb_module()
if _UPB is not None:
    POOL = _UPB.DescriptorPool()
else:
    from google.protobuf import descriptor_pool

    POOL = descriptor_pool.DescriptorPool()
DESCRIPTOR_SET = os.path.join(os.path.dirname(os.path.realpath(__file__)), "descriptors.binpb")


def _serialized_files(file_set: bytes) -> list[bytes]:
    """Split a FileDescriptorSet (``repeated FileDescriptorProto file = 1``) into its files.

    Done by hand because importing ``descriptor_pb2`` costs ~15 ms of a hook's start-up.
    """
    files, position = [], 0
    while position < len(file_set):
        tag, position = _varint(file_set, position)
        if tag != (1 << 3 | 2):
            raise ValueError(f"unexpected field tag {tag} in {DESCRIPTOR_SET}")
        length, position = _varint(file_set, position)
        files.append(file_set[position : position + length])
        position += length
    return files


def _varint(data: bytes, position: int) -> tuple[int, int]:
    result, shift = 0, 0
    while True:
        byte = data[position]
        position += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, position
        shift += 7


with open(DESCRIPTOR_SET, "rb") as _handle:
    _descriptor_set = _handle.read()
for _file in _serialized_files(_descriptor_set):
    POOL.AddSerializedFile(_file)


def message_class(full_name: str) -> Any:
    """Return the Python class of message ``full_name`` from the private pool."""
    descriptor = POOL.FindMessageTypeByName(full_name)
    if _UPB is not None:  # what message_factory.GetMessageClass does under upb
        return _UPB.MessageMeta(descriptor.name, (Message,), {"DESCRIPTOR": descriptor, "__module__": None})
    from google.protobuf import message_factory

    get_class = getattr(message_factory, "GetMessageClass", None)
    if get_class is not None:
        return get_class(descriptor)
    return message_factory.MessageFactory(POOL).GetPrototype(descriptor)  # protobuf < 4.21


SavedModel = message_class("tensorflow.SavedModel")
MetaGraphDef = message_class("tensorflow.MetaGraphDef")
GraphDef = message_class("tensorflow.GraphDef")
NodeDef = message_class("tensorflow.NodeDef")
AssetFileDef = message_class("tensorflow.AssetFileDef")
FingerprintDef = message_class("tensorflow.FingerprintDef")
ModuleDef = message_class("tensorflow_hub.ModuleDef")
ModuleAttachment = message_class("tensorflow_hub.ModuleAttachment")
ImageModuleInfo = message_class("tensorflow_hub.ImageModuleInfo")

DATA_TYPE_NAMES: dict[int, str] = {
    value.number: value.name for value in POOL.FindEnumTypeByName("tensorflow.DataType").values
}


def dtype_name(number: int) -> str:
    """TensorFlow's name for a DataType number (``1`` -> ``DT_FLOAT``); unknown numbers stay visible."""
    return DATA_TYPE_NAMES.get(number, f"DT_UNKNOWN_{number}")


__all__ = [
    "POOL",
    "AssetFileDef",
    "FingerprintDef",
    "GraphDef",
    "ImageModuleInfo",
    "Message",
    "MetaGraphDef",
    "ModuleAttachment",
    "ModuleDef",
    "SavedModel",
    "dtype_name",
    "message_class",
]
