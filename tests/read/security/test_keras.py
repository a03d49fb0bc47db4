"""speclint/read/security/keras.py: Lambda bytecode and Keras metadata, in keras_metadata.pb and in the object graph."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from speclint.proto.keras_messages import SavedMetadata
from speclint.read import security
from tests.read.security.test_security import one_graph, scan_of


def keras_metadata(*layers: tuple[str, dict[str, Any] | str]) -> bytes:
    metadata = SavedMetadata()
    for index, (path, value) in enumerate(layers):
        node = metadata.nodes.add(node_id=index, node_path=path, identifier="_tf_keras_layer")
        node.metadata = value if isinstance(value, str) else json.dumps(value)
    return metadata.SerializeToString()


def test_keras_lambda_layers(tmp_path: Path) -> None:
    lam = {
        "class_name": "Lambda",
        "name": "scale",
        "config": {"name": "scale", "function_type": "lambda", "module": "__main__", "function": ["4wEA", None, None]},
    }
    sequential = {
        "class_name": "Sequential",
        "config": {"layers": [lam, {"class_name": "Lambda", "config": {"name": "inner"}}]},
    }
    (tmp_path / "keras_metadata.pb").write_bytes(
        keras_metadata(
            ("root", sequential), ("root.layer-0", lam), ("root.layer-1", "{not json"), ("root.layer-2", "[" * 100_000)
        )
    )
    scan = security.scan(str(tmp_path), [], None)
    layers = {layer["layer"]: layer for layer in scan["keras_lambda_layers"]}
    assert set(layers) == {"scale", "inner"}
    assert layers["scale"]["where"] == "keras_metadata.pb root.layer-0 layer 'scale'"  # its own node, not the model's
    assert layers["scale"]["function_type"] == "lambda" and layers["scale"]["module"] == "__main__"
    assert scan["errors"] == []


def test_keras_metadata_in_the_object_graph_and_broken_files(tmp_path: Path) -> None:
    saved_model, meta_graph = one_graph()
    meta_graph.object_graph_def.nodes.add()
    meta_graph.object_graph_def.nodes.add().user_object.metadata = json.dumps({"class_name": "Lambda", "name": "old"})
    (tmp_path / "keras_metadata.pb").write_bytes(b"\xff\xff\xff")
    scan = scan_of(saved_model, tmp_path)
    assert [(x["layer"], x["where"]) for x in scan["keras_lambda_layers"]] == [
        ("old", "tag-set [serve] object graph node 1 layer 'old'")
    ]
    [error] = scan["errors"]
    assert error["file"] == "keras_metadata.pb" and "not a valid SavedMetadata" in error["message"]
