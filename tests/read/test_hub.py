"""speclint/read/hub.py: the TF1 Hub module's metadata, and ``hub.get_expected_image_size`` without tensorflow_hub.

Hand-built ``ModuleDef`` and attachment messages (speclint's proto subset, the field numbers
of tensorflow_hub's own protos, ``tests/proto/test_messages.py``).
"""

from __future__ import annotations

from typing import Any

import pytest

from speclint.proto import messages
from speclint.read.hub import expected_image_size, read_attachments, read_module_def
from speclint.safe_io import ReadError


def test_the_module_def_names_its_format_and_unknown_features() -> None:
    module = messages.ModuleDef()
    module.format = 3
    module.required_features.append("future-feature")
    assert read_module_def(module.SerializeToString()) == {
        "format": "FORMAT_V3",
        "format_number": 3,
        "required_features": ["future-feature"],
        "unknown_required_features": ["future-feature"],
    }
    module.format = 9
    del module.required_features[:]
    assert read_module_def(module.SerializeToString())["format"] == "FORMAT_UNKNOWN_9"
    assert read_module_def(b"")["format_number"] == 0  # empty is a valid ModuleDef


def test_a_module_def_that_is_not_a_proto_is_a_read_error() -> None:
    with pytest.raises(ReadError):
        read_module_def(b"<html>not found</html>\n")


def meta_graph(*attachments: tuple[str, bytes]) -> Any:
    graph = messages.MetaGraphDef()
    for key, value in attachments:
        attachment = messages.ModuleAttachment()
        attachment.key, attachment.value = key, value
        graph.collection_def["hub_module_attachments"].bytes_list.value.append(attachment.SerializeToString())
    return graph


def image_info(height: int, width: int) -> bytes:
    info = messages.ImageModuleInfo()
    info.default_image_size.height, info.default_image_size.width = height, width
    return bytes(info.SerializeToString())


def test_attachments_are_decoded_as_tensorflow_hub_decodes_them() -> None:
    assert read_attachments(messages.MetaGraphDef()) is None
    found = read_attachments(meta_graph(("image_module_info", image_info(224, 192)), ("other", b"xyz")))
    assert found == {
        "error": None,
        "items": {
            "image_module_info": {
                "size": len(image_info(224, 192)),
                "image_module_info": {"default_image_size": {"height": 224, "width": 192}},
            },
            "other": {"size": 3},
        },
    }
    wrong = messages.MetaGraphDef()
    wrong.collection_def["hub_module_attachments"].node_list.value.append("x")
    assert (
        read_attachments(wrong)["error"]
        == "collection 'hub_module_attachments' has kind node_list, expected bytes_list"
    )  # type: ignore[index]


def facts(shape: list[int] | None, attachment: tuple[int, int] | None = None) -> dict[str, Any]:
    items = {}
    if attachment:
        size = {"height": attachment[0], "width": attachment[1]}
        items["image_module_info"] = {"image_module_info": {"default_image_size": size}}
    return {"signatures": {"default": {"inputs": {"images": {"shape": shape}}}}, "hub_attachments": {"items": items}}


def test_the_attachment_wins_and_is_compared_with_the_input() -> None:
    size = expected_image_size(facts([-1, 96, 96, 3], (128, 128)))
    assert (size["height"], size["width"], size["source"]) == (128, 128, "image_module_info")
    assert size["attachment_agrees_with_input"] is False and size["input_shape"] == {"height": 96, "width": 96}
    assert expected_image_size(facts([-1, 96, 96, 3]))["source"] == "input_shape"


@pytest.mark.parametrize(
    ("meta_graph_facts", "where", "error"),
    [
        (None, "model", "no meta graph with the default tag-set []"),
        ({"signatures": {}}, "tag-set []", "no signature 'default'"),
        ({"signatures": {"default": {"inputs": {}}}}, "tag-set [] signature_def['default']", "has no input 'images'"),
        (facts([-1, -1, -1, 3]), "tag-set [] signature_def['default'] inputs['images']", "shape (-1, -1, -1, 3), not"),
    ],
)
def test_without_a_size_the_error_says_where_and_why(meta_graph_facts: Any, where: str, error: str) -> None:
    size = expected_image_size(meta_graph_facts)
    assert size["where"] == where and error in size["error"] and size["height"] is None
