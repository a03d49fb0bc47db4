"""speclint/proto/build.py: the descriptor set that ships is what the .proto files compile to."""

from __future__ import annotations

import importlib.util
import subprocess
import sys

from google.protobuf import descriptor_pb2

from speclint.proto import build
from tests.conftest import need


def test_shipped_descriptor_set_is_compiled_from_the_proto_files() -> None:
    need(importlib.util.find_spec("grpc_tools") is not None, "grpcio-tools is not installed")
    # protoc runs in a child: grpc_tools' protoc crashes a process that has imported TensorFlow
    child = "import sys; from speclint.proto import build; sys.stdout.buffer.write(build.compile_descriptor_set())"
    compiled = subprocess.run([sys.executable, "-c", child], capture_output=True, check=True, timeout=120).stdout
    fresh = descriptor_pb2.FileDescriptorSet.FromString(compiled)
    shipped = descriptor_pb2.FileDescriptorSet.FromString(build.DESCRIPTOR_SET.read_bytes())
    assert fresh == shipped, "run `python -m speclint.proto.build` after editing a .proto file"
