"""TF1 Hub format metadata: ``tfhub_module.pb``, module attachments, the expected image size.

``hub.get_expected_image_size()`` is reproduced here without tensorflow_hub (whose 0.16
release dropped the TF1 API): the ``image_module_info`` attachment of the default tag-set
wins when it gives a height and width, otherwise the ``images`` input of the ``default``
signature must have the shape ``[batch, height, width, channels]`` with known sizes.
"""

from __future__ import annotations

from typing import Any

from google.protobuf import message as pb_message

from speclint.proto import messages
from speclint.proto.messages import Message
from speclint.read.loading import ReadError, describe_non_proto, parse_binary
from speclint.vocabulary import Json, format_shape

ATTACHMENT_COLLECTION = "hub_module_attachments"
IMAGE_MODULE_INFO_KEY = "image_module_info"
KNOWN_REQUIRED_FEATURES: frozenset[str] = frozenset()  # FORMAT_V3 defines none yet


def read_module_def(data: bytes) -> Json:
    problem = describe_non_proto(data) if data else None  # empty is a valid, if useless, ModuleDef
    if problem:
        raise ReadError(problem)
    module_def = messages.ModuleDef()
    parse_binary(data, module_def)
    enum = module_def.DESCRIPTOR.enum_types_by_name["Format"]
    known = enum.values_by_number.get(module_def.format)
    return {
        "format": known.name if known else f"FORMAT_UNKNOWN_{module_def.format}",
        "format_number": int(module_def.format),
        "required_features": list(module_def.required_features),
        "unknown_required_features": sorted(set(module_def.required_features) - KNOWN_REQUIRED_FEATURES),
    }


def read_attachments(meta_graph: Message) -> Json | None:
    """The ``hub_module_attachments`` collection, decoded the way tensorflow_hub decodes it."""
    if ATTACHMENT_COLLECTION not in meta_graph.collection_def:
        return None
    collection = meta_graph.collection_def[ATTACHMENT_COLLECTION]
    kind = collection.WhichOneof("kind")
    if kind != "bytes_list":
        return {"error": f"collection {ATTACHMENT_COLLECTION!r} has kind {kind}, expected bytes_list", "items": {}}
    items: dict[str, Any] = {}
    for raw in collection.bytes_list.value:
        attachment = messages.ModuleAttachment()
        try:
            attachment.ParseFromString(raw)
        except pb_message.DecodeError:
            return {"error": "an attachment is not a valid ModuleAttachment", "items": items}
        items[attachment.key] = {"size": len(attachment.value)}
        if attachment.key == IMAGE_MODULE_INFO_KEY:
            items[attachment.key]["image_module_info"] = _image_module_info(attachment.value)
    return {"error": None, "items": dict(sorted(items.items()))}


def _image_module_info(value: bytes) -> Json:
    info = messages.ImageModuleInfo()
    try:
        info.ParseFromString(value)
    except pb_message.DecodeError:
        return {"error": "not a valid ImageModuleInfo"}
    if not info.HasField("default_image_size"):
        return {"default_image_size": None}
    size = info.default_image_size
    return {"default_image_size": {"height": int(size.height), "width": int(size.width)}}


def expected_image_size(meta_graph_facts: Json | None) -> Json:
    """What ``hub.get_expected_image_size(spec)`` returns for the default tag-set, or its error.

    Also says whether the attachment and the ``images`` shape agree when both give a size.
    """
    result: Json = {
        "where": _where(meta_graph_facts),
        "height": None,
        "width": None,
        "source": None,
        "error": None,
        "attachment": None,
        "input_shape": None,
        "attachment_agrees_with_input": None,
    }
    if meta_graph_facts is None:
        return {**result, "error": "no meta graph with the default tag-set []"}
    attachments = meta_graph_facts.get("hub_attachments") or {}
    info = (attachments.get("items") or {}).get(IMAGE_MODULE_INFO_KEY, {}).get("image_module_info") or {}
    size = info.get("default_image_size") or {}
    if size.get("height") and size.get("width"):
        result["attachment"] = {"height": size["height"], "width": size["width"]}
    input_size, input_error = _input_size(meta_graph_facts)
    result["input_shape"] = input_size
    if result["attachment"] and input_size:
        result["attachment_agrees_with_input"] = result["attachment"] == input_size
    if result["attachment"]:
        return {**result, **result["attachment"], "source": "image_module_info"}
    if input_size:
        return {**result, **input_size, "source": "input_shape"}
    return {**result, "error": input_error}


def _where(meta_graph_facts: Json | None) -> str:
    """The deepest part of ``tag-set [] signature_def['default'] inputs['images']`` that exists."""
    if meta_graph_facts is None:
        return "model"
    signature = meta_graph_facts["signatures"].get("default")
    if signature is None:
        return "tag-set []"
    if "images" not in signature["inputs"]:
        return "tag-set [] signature_def['default']"
    return "tag-set [] signature_def['default'] inputs['images']"


def _input_size(meta_graph_facts: Json) -> tuple[Json | None, str | None]:
    signature = meta_graph_facts["signatures"].get("default")
    if signature is None:
        return None, "no signature 'default'"
    images = signature["inputs"].get("images")
    if images is None:
        return None, "signature 'default' has no input 'images'"
    shape = images["shape"]
    if shape is None or len(shape) != 4 or shape[1] <= 0 or shape[2] <= 0:
        return None, (
            f"input 'images' has shape {format_shape(shape)}, not [batch, height, width, channels] "
            "with known height and width, and no image_module_info attachment gives the size"
        )
    return {"height": shape[1], "width": shape[2]}, None
