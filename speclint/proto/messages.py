"""speclint's TensorFlow-free message classes, built from its own .proto subset.

The descriptors are loaded into a private ``DescriptorPool``: TensorFlow registers the
real ``tensorflow.*`` messages in protobuf's default pool, and ours never touch it, so
importing TensorFlow before or after speclint causes no duplicate-symbol error.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from google.protobuf import descriptor_pb2, descriptor_pool, message_factory
from google.protobuf.message import Message

POOL = descriptor_pool.DescriptorPool()

_file_set = descriptor_pb2.FileDescriptorSet.FromString(
    (Path(__file__).resolve().parent / "descriptors.binpb").read_bytes()
)
for _file in _file_set.file:
    POOL.Add(_file)


def message_class(full_name: str) -> Any:
    """Return the Python class of message ``full_name`` from the private pool."""
    descriptor = POOL.FindMessageTypeByName(full_name)
    get_class = getattr(message_factory, "GetMessageClass", None)
    if get_class is not None:
        return get_class(descriptor)
    return message_factory.MessageFactory(POOL).GetPrototype(descriptor)  # protobuf < 4.21


SavedModel = message_class("tensorflow.SavedModel")
MetaGraphDef = message_class("tensorflow.MetaGraphDef")
GraphDef = message_class("tensorflow.GraphDef")
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
