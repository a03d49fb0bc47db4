"""speclint/proto/messages.py: speclint's own .proto subset, wire-compatible with TensorFlow's, in a private pool."""

from __future__ import annotations

import subprocess
import sys

import pytest

from speclint.proto import messages
from tests.conftest import REPO, need_tensorflow


def _walk(descriptor):  # type: ignore[no-untyped-def]
    yield descriptor
    for nested in descriptor.nested_types:
        yield from _walk(nested)


def _is_repeated(field) -> bool:  # type: ignore[no-untyped-def]
    repeated = getattr(field, "is_repeated", None)
    return bool(repeated) if repeated is not None else field.label == field.LABEL_REPEATED


def test_every_field_matches_tensorflows_own_descriptor() -> None:
    """Field numbers, types and cardinality are facts we must copy exactly."""
    need_tensorflow()
    code = """
import json, sys
import tensorflow  # registers TensorFlow's protos in the default pool
from tensorflow.core.protobuf import saved_model_pb2, fingerprint_pb2, tensor_bundle_pb2  # noqa: F401
from google.protobuf import descriptor_pb2, descriptor_pool
from speclint.proto import messages
default = descriptor_pool.Default()
def walk(d):
    yield d
    for n in d.nested_types: yield from walk(n)
def rep(f):
    r = getattr(f, "is_repeated", None)
    return bool(r) if r is not None else f.label == f.LABEL_REPEATED
problems, checked = [], 0
for file in descriptor_pb2.FileDescriptorSet.FromString(open(messages.DESCRIPTOR_SET, "rb").read()).file:
    if file.package != "tensorflow":
        continue
    fd = messages.POOL.FindFileByName(file.name)
    for top in fd.message_types_by_name.values():
        for d in walk(top):
            theirs = default.FindMessageTypeByName(d.full_name)
            for f in d.fields:
                t = theirs.fields_by_name.get(f.name)
                checked += 1
                if t is None or (t.number, t.type, rep(t)) != (f.number, f.type, rep(f)):
                    problems.append(f"{d.full_name}.{f.name}")
    for e in fd.enum_types_by_name.values():
        theirs = default.FindEnumTypeByName(e.full_name)
        if {v.name: v.number for v in e.values} != {v.name: v.number for v in theirs.values}:
            problems.append(e.full_name)
print(json.dumps({"problems": problems, "checked": checked}))
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=True)
    result = __import__("json").loads(out.stdout.strip().splitlines()[-1])
    assert result["problems"] == []
    assert result["checked"] > 150


def test_hub_messages_match_tensorflow_hub_field_numbers() -> None:
    """tensorflow_hub's ModuleDef, ModuleAttachment, ImageModuleInfo (numbers from its .proto files)."""
    module_def = messages.ModuleDef(format=3, required_features=["x"])
    assert module_def.SerializeToString() == b"\x08\x03\x12\x01x"
    attachment = messages.ModuleAttachment(key="image_module_info", value=b"\x0a\x04\x08\x20\x10\x20")
    assert attachment.SerializeToString().startswith(b"\x0a\x11image_module_info\x12\x06")
    info = messages.ImageModuleInfo()
    info.ParseFromString(attachment.value)
    assert (info.default_image_size.height, info.default_image_size.width) == (32, 32)


def test_messages_live_in_a_private_pool() -> None:
    """In a fresh interpreter: a test that imported TensorFlow here would fill the default pool."""
    child = (
        "from google.protobuf import descriptor_pool\n"
        "from speclint.proto import messages\n"
        "try:\n"
        "    descriptor_pool.Default().FindMessageTypeByName('tensorflow.SavedModel')\n"
        "except KeyError:\n"
        "    assert messages.SavedModel.DESCRIPTOR.file.pool is messages.POOL\n"
        "    print('private')\n"
    )
    result = subprocess.run([sys.executable, "-c", child], capture_output=True, text=True, timeout=60, cwd=REPO)
    assert result.stdout.strip() == "private", result.stderr


@pytest.mark.parametrize("order", ["speclint-first", "tensorflow-first"])
def test_tensorflow_and_speclint_coexist_in_either_import_order(order: str) -> None:
    need_tensorflow()
    first, second = (
        ("speclint.proto.messages", "tensorflow")
        if order == "speclint-first"
        else ("tensorflow", "speclint.proto.messages")
    )
    code = f"""
import importlib
importlib.import_module({first!r}); importlib.import_module({second!r})
from tensorflow.core.protobuf import saved_model_pb2
from speclint.proto import messages
from speclint.read import read_model
theirs = saved_model_pb2.SavedModel(); theirs.meta_graphs.add().meta_info_def.tags.append("serve")
ours = messages.SavedModel.FromString(theirs.SerializeToString())
assert list(ours.meta_graphs[0].meta_info_def.tags) == ["serve"]
facts = read_model("golden/models/tf2-feature-vector")
assert facts["format"] == "tf2" and not facts["errors"], facts["errors"]
print("ok")
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().endswith("ok")
