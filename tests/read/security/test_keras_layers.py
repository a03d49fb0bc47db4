"""Keras layers by allowlist: every class tf_keras can rebuild is decided, and the configs that
decide what runs are checked (``speclint/read/security/keras_layers.py``).

The class lists come from the installed tf_keras (its deserialization table and its registered
objects), so a class a new tf_keras adds fails here until someone decides it. What tf_keras
really runs when it rebuilds such a layer is proven in ``evasion/`` (a TFOpLambda reading a
file, a StringLookup reading a vocabulary path).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from speclint.proto.keras_messages import SavedMetadata
from speclint.read import security
from speclint.read.security.keras_layers import decisions, tf_functions
from tests.conftest import need_tensorflow

ENUMERATE = """
import inspect, json, os
os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
import tf_keras
from tf_keras.src.layers import serialization
from tf_keras.src import initializers, regularizers, constraints, losses, metrics, optimizers
from tf_keras.src.optimizers.schedules import learning_rate_schedule
from tf_keras.src.optimizers import legacy as legacy_optimizers
from tf_keras.src.mixed_precision import policy, loss_scale_optimizer
from tf_keras.src.saving import object_registration
from tensorflow.python.feature_column import serialization as feature_columns
serialization.populate_deserializable_objects()
objects = set(object_registration._GLOBAL_CUSTOM_OBJECTS)
for module in (initializers, regularizers, constraints, losses, metrics, optimizers, learning_rate_schedule,
               legacy_optimizers, policy, loss_scale_optimizer):
    objects.update(n for n, o in vars(module).items() if inspect.isclass(o) and not n.startswith("_"))
objects.update(c.__name__ for c in feature_columns._FEATURE_COLUMNS)
print(json.dumps({"layers": sorted(serialization.LOCAL.ALL_OBJECTS), "objects": sorted(objects)}))
"""


@pytest.mark.tensorflow
def test_every_layer_class_tf_keras_can_rebuild_is_decided() -> None:
    need_tensorflow()
    result = subprocess.run([sys.executable, "-c", ENUMERATE], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    installed = json.loads(result.stdout.strip().splitlines()[-1])
    layers, objects = decisions()
    undecided = sorted(set(installed["layers"]) - layers)
    assert undecided == [], "decide each in speclint/data/keras_layers.json"
    assert len(installed["layers"]) > 150
    unknown = sorted(set(installed["objects"]) - layers - objects)
    assert unknown == [], "list each in keras_layers.json 'objects' (or they read as custom objects)"


def scan_metadata(tmp_path: Path, *layers: dict[str, Any]) -> dict[str, Any]:
    metadata = SavedMetadata()
    for index, layer in enumerate(layers):
        node = metadata.nodes.add(node_id=index + 1, node_path=f"root.layer-{index}", identifier="_tf_keras_layer")
        node.metadata = json.dumps(layer)
    root = metadata.nodes.add(node_id=0, node_path="root", identifier="_tf_keras_network")
    root.metadata = json.dumps({"class_name": "Functional", "config": {"name": "model", "layers": list(layers)}})
    (tmp_path / "keras_metadata.pb").write_bytes(metadata.SerializeToString())
    result: dict[str, Any] = security.scan(str(tmp_path), [], None)
    return result


VOCABULARY_FILE_COLUMN = {"class_name": "VocabularyFileCategoricalColumn", "config": {"vocabulary_file": "/data/v.txt"}}


def layer(class_name: str, name: str = "layer", **config: Any) -> dict[str, Any]:
    return {"class_name": class_name, "name": name, "config": {"name": name, **config}}


@pytest.mark.parametrize(
    ("item", "kind"),
    [
        (layer("TFOpLambda", function="math.multiply"), None),
        (layer("TFOpLambda", function="__operators__.add"), None),
        (layer("TFOpLambda", function="compat.v1.nn.relu"), None),
        (layer("SlicingOpLambda", function="__operators__.getitem"), None),
        (layer("TFOpLambda", function="io.read_file"), "calls-function"),
        (layer("TFOpLambda", function="compat.v1.io.write_file"), "calls-function"),
        (layer("TFOpLambda", function="py_function"), "calls-function"),
        (layer("TFOpLambda", function="print"), "calls-function"),
        (layer("TFOpLambda", function="raw_ops.ReadFile"), "calls-function"),
        (layer("TFOpLambda"), "calls-function"),
        (layer("ClassMethod", cls_symbol="RaggedTensor", method_name="from_row_lengths"), None),
        (layer("ClassMethod", cls_symbol="io.gfile", method_name="copy"), "calls-function"),
        (layer("TensorFlowOpLayer", node_def={"op": "Relu"}), None),
        (layer("TensorFlowOpLayer", node_def={"op": "ReadFile"}), "calls-function"),
        (layer("TensorFlowOpLayer", node_def={"op": "StatefulPartitionedCall"}), "calls-function"),
        (layer("TensorFlowOpLayer", node_def={"op": "NotARealOp"}), "calls-function"),
        (layer("StringLookup", vocabulary=["a", "b"]), None),
        (layer("StringLookup", vocabulary=None), None),
        (layer("StringLookup", vocabulary="/etc/passwd"), "reads-path"),
        (layer("IntegerLookup", vocabulary="/data/ids.txt"), "reads-path"),
        (layer("TextVectorization", standardize="lower_and_strip_punctuation", split="whitespace"), None),
        (layer("TextVectorization", standardize="my_package>clean"), "custom-object"),
        (layer("DenseFeatures", feature_columns=[VOCABULARY_FILE_COLUMN]), "reads-path"),
        (layer("Dense", units=4, kernel_initializer={"class_name": "GlorotUniform", "config": {"seed": None}}), None),
        (layer("Conv2D", filters=4, kernel_regularizer={"class_name": "L2", "config": {"l2": 0.01}}), None),
        (layer("my_package>Scale"), "custom-object"),
        (layer("Dense", kernel_initializer={"class_name": "my_package>Init", "config": {}}), "custom-object"),
        (layer("ResidualWrapper", residual_fn="my_package>add", residual_fn_type="function"), "custom-object"),
    ],
)
def test_layer_configs(tmp_path: Path, item: dict[str, Any], kind: str | None) -> None:
    scan = scan_metadata(tmp_path, item)
    found = scan["keras_layers"]
    assert [entry["kind"] for entry in found] == ([kind] if kind else []), found
    assert scan["errors"] == [] and scan["keras_lambda_layers"] == []
    if kind:
        assert found[0]["where"] == "keras_metadata.pb root.layer-0 layer 'layer'"  # its own node first


def test_bytecode_in_cell_wrappers_is_a_lambda(tmp_path: Path) -> None:
    wrapper = layer("ResidualWrapper", residual_fn=["4wEA", None, None], residual_fn_type="lambda")
    scan = scan_metadata(tmp_path, wrapper)
    assert [entry["layer"] for entry in scan["keras_lambda_layers"]] == ["layer"]
    assert scan["keras_layers"] == []


def test_nested_layers_name_their_config_path(tmp_path: Path) -> None:
    inner = {"class_name": "Sequential", "config": {"layers": [layer("TFOpLambda", "reader", function="io.read_file")]}}
    metadata = SavedMetadata()
    metadata.nodes.add(node_id=0, node_path="root").metadata = json.dumps(inner)
    (tmp_path / "keras_metadata.pb").write_bytes(metadata.SerializeToString())
    [entry] = security.scan(str(tmp_path), [], None)["keras_layers"]
    assert entry["config_path"] == "/config/layers/0" and entry["layer"] == "reader"
    assert entry["detail"] == "tf.io.read_file"


def test_tf_functions_hold_pure_math_only() -> None:
    names = tf_functions()
    assert {"math.add", "nn.relu", "reshape", "__operators__.getitem", "image.resize"} <= names
    assert not {name for name in names if name.split(".")[0] in ("io", "data", "compat", "raw_ops", "summary")}
    assert not {"print", "py_function", "numpy_function", "load_op_library"} & names
    assert not {name for name in names if "experimental" in name.split(".")}


def test_keras_layer_data_is_consistent() -> None:
    layers, objects = decisions()
    assert not layers & objects
    path = Path(security.ops.DATA_DIR) / "keras_layers.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    assert all(len(reason) > 30 for reason in data["checked"].values())
    assert all(len(group["reason"]) > 30 for group in data["groups"].values())
    assert os.path.getsize(path) < 64_000
