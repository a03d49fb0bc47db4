"""The Keras probes (SL710-SL712): the model as ``hub.KerasLayer`` in a tf_keras model, fine-tuned.

Three runs, each in a fresh interpreter: the real worker on the Keras-path fixtures (built
here by golden/make_fixtures.py) and on conforming models; plain TensorFlow, tf_keras and
tensorflow_hub on the same fixtures, without speclint, proving that each one runs under
``tf.saved_model.load`` and fails in Keras; and the worker with tensorflow_hub hidden.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from speclint.rules.ruleset import RuleSet
from tests.conftest import MODELS, REPO, need, need_tensorflow

pytestmark = pytest.mark.tensorflow
Json = dict[str, Any]

KERAS_FAILS = {  # fixture -> the rule its Keras path breaks
    "keras-dict-output": "SL710",
    "keras-training-tensor": "SL710",
    "keras-unknown-width": "SL710",
    "keras-untracked-variables": "SL711",
}
CONFORMING_TF2 = ["tf2-feature-vector", "tf2-feature-vector-training", "tf2-classifier-training"]
CONFORMING_TF1 = ["tf1-hub-feature-vector", "tf1-hub-classifier"]
LOAD_PROBES = (
    "batch_sizes",
    "declared_output",
    "input_size_independence",
    "determinism",
    "batch_independence",
    "finite_outputs",
    "logits",
    "fine_tuning",
    "throughput",
)

EXECUTE = """
import json, sys
from speclint.read import read_model
from speclint.execute import ExecuteOptions, execute
facts = [read_model(path) for path in json.load(sys.stdin)]
execute(facts, ExecuteOptions())
json.dump(facts, sys.stdout)
"""

# Plain TensorFlow + tensorflow_hub + tf_keras, as a user would write it; no speclint.
WITHOUT_SPECLINT = """
import json, sys
import numpy as np
import tensorflow as tf
import tensorflow_hub as hub
import tf_keras

images = np.random.default_rng(0).random((2, 32, 32, 3), dtype=np.float32)
labels = np.array([0, 1])
report = {}
for path in json.load(sys.stdin):
    entry = report[path] = {}
    output = tf.saved_model.load(path)(tf.constant(images))
    if isinstance(output, dict):
        entry["load_output_keys"] = sorted(output)
        output = output["default"]
    entry["load_output_shape"] = list(output.shape)
    tf_keras.backend.clear_session()
    try:
        layer = hub.KerasLayer(path, trainable=True)
        model = tf_keras.Sequential([tf_keras.Input((32, 32, 3)), layer, tf_keras.layers.Dense(3)])
        model.compile(tf_keras.optimizers.SGD(0.01), tf_keras.losses.SparseCategoricalCrossentropy(from_logits=True))
        before = [w.numpy().copy() for w in layer.weights]
        model.fit(images, labels, epochs=1, verbose=0)
        entry["keras"] = {
            "trainable_weights": len(layer.trainable_weights),
            "weights": len(layer.weights),
            "changed": sum(int(not np.array_equal(b, w.numpy())) for b, w in zip(before, layer.weights)),
        }
    except Exception as exc:
        entry["keras_error"] = f"{type(exc).__name__}: {exc}"
json.dump(report, sys.stdout)
"""


def _python(code: str, stdin: Any, env: dict[str, str] | None = None) -> Any:
    done = subprocess.run(
        [sys.executable, "-c", code],
        input=json.dumps(stdin),
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO), **(env or {})},
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout)


def _keras_available() -> None:
    probe = "import tensorflow_hub, tf_keras"
    found = subprocess.run([sys.executable, "-c", probe], capture_output=True, check=False).returncode == 0
    need(found, "tensorflow_hub and tf_keras are not installed (speclint[keras])")


@pytest.fixture(scope="module")
def fresh(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The Keras-path fixtures, built now by the fixture script (so they cannot rot)."""
    need_tensorflow()
    out = tmp_path_factory.mktemp("keras-fixtures")
    done = subprocess.run(
        [sys.executable, str(REPO / "golden" / "make_fixtures.py"), "--out", str(out), "--only", *KERAS_FAILS],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return out


@pytest.fixture(scope="module")
def run(fresh: Path) -> dict[str, Json]:
    _keras_available()
    paths = [str(fresh / name) for name in KERAS_FAILS] + [str(MODELS / n) for n in CONFORMING_TF2 + CONFORMING_TF1]
    facts = _python(EXECUTE, paths)
    return {Path(f["path"]).name: f for f in facts}


@pytest.fixture(scope="module")
def ruleset() -> RuleSet:
    return RuleSet()


def _findings(ruleset: RuleSet, facts: Json) -> dict[str, Any]:
    return {f.code: f for f in ruleset.check(facts).findings}


@pytest.mark.parametrize("name", CONFORMING_TF2)
def test_conforming_tf2_models_pass_as_a_keras_layer_and_fine_tune(run: dict[str, Json], name: str) -> None:
    results = run[name]["probes"]["results"]
    layer, tuning = results["keras_layer"], results["keras_fine_tuning"]
    assert layer["status"] == "pass" and tuning["status"] == "pass", (layer["summary"], tuning["summary"])
    assert layer["where"] == "hub.KerasLayer(handle, trainable=True)" and layer["skip_reason"] is None
    assert layer["inferred"]["kind"] == "tensor" and layer["inferred"]["shape"] == layer["declared"]["shape"]
    assert layer["output_shape"] == [2, 3]
    assert tuning["trainable_weights"] == tuning["changed_weights"] == 4
    assert tuning["loss"] is not None and tuning["loss"] > 0
    assert tuning["model_losses"] >= tuning["regularization_losses"]


def test_regularization_losses_reach_the_keras_model(run: dict[str, Json]) -> None:
    tuning = run["tf2-feature-vector-training"]["probes"]["results"]["keras_fine_tuning"]
    assert tuning["regularization_losses"] == 1 and tuning["model_losses"] == 1
    assert "1 regularization loss(es) in the model's losses (1 declared)" in tuning["summary"]
    assert run["tf2-feature-vector"]["probes"]["results"]["keras_fine_tuning"]["regularization_losses"] == 0


@pytest.mark.parametrize("name", CONFORMING_TF1)
def test_tf1_hub_format_is_a_keras_layer_but_fine_tuning_is_not_applicable(
    run: dict[str, Json], ruleset: RuleSet, name: str
) -> None:
    results = run[name]["probes"]["results"]
    layer, tuning = results["keras_layer"], results["keras_fine_tuning"]
    assert layer["status"] == "pass" and layer["trainable"] is False, layer["summary"]
    assert layer["where"] == "hub.KerasLayer(handle, signature='default', output_key='default', trainable=False)"
    assert tuning["status"] == "skipped" and tuning["skip_reason"] == "not-applicable"
    # tensorflow_hub's own refusal, measured, not assumed
    assert "unsupported when loading from the TF1 Hub format" in tuning["summary"]
    findings = _findings(ruleset, run[name])
    assert {c for c in findings if c.startswith("SL7")} == {"SL712"}
    assert findings["SL712"].severity == "info" and "not applicable" in findings["SL712"].message


@pytest.mark.parametrize(("name", "code"), sorted(KERAS_FAILS.items()))
def test_keras_fixtures_pass_the_load_probes_and_fail_the_keras_path(
    run: dict[str, Json], ruleset: RuleSet, name: str, code: str
) -> None:
    probes = run[name]["probes"]
    assert probes["status"] == "ok", probes["message"]
    loaded = {p: probes["results"][p]["status"] for p in LOAD_PROBES}
    assert not {p for p, status in loaded.items() if status in ("fail", "error")}, loaded
    findings = _findings(ruleset, run[name])
    probe_codes = {c for c in findings if c.startswith("SL7")}
    assert probe_codes == {code}, {c: findings[c].message for c in probe_codes}
    assert findings[code].message.startswith("hub.KerasLayer(handle, trainable=True): ")


def test_each_keras_failure_says_what_keras_did(run: dict[str, Json]) -> None:
    def summary(name: str, probe: str = "keras_layer") -> str:
        return str(run[name]["probes"]["results"][probe]["summary"])

    assert "should have a single output tensor" in summary("keras-dict-output")
    assert "Keras passed (a tensor, False)" in summary("keras-training-tensor")
    assert "(a float32 tensor (None, 32, 32, 3), a bool tensor (1,))" in summary("keras-training-tensor")
    assert "last dimension of the inputs to a Dense layer should be defined" in summary("keras-unknown-width")
    untracked = run["keras-untracked-variables"]["probes"]["results"]["keras_fine_tuning"]
    assert untracked["trainable_weights"] == 0 and untracked["non_trainable_weights"] == 4
    assert "none of the model's 4 variables is in obj.trainable_variables" in untracked["summary"]


def test_the_failures_are_tensorflows_own_not_speclints(fresh: Path) -> None:
    """Without speclint: tf.saved_model.load runs every fixture; tf_keras + hub.KerasLayer fails each."""
    _keras_available()
    report = _python(WITHOUT_SPECLINT, [str(fresh / name) for name in KERAS_FAILS] + [str(MODELS / CONFORMING_TF2[0])])
    by_name = {Path(path).name: entry for path, entry in report.items()}
    assert all(entry["load_output_shape"] in ([2, 8], [2, 4]) for entry in by_name.values()), by_name
    assert by_name["keras-dict-output"]["load_output_keys"] == ["default", "pooled"]
    assert "single output tensor" in by_name["keras-dict-output"]["keras_error"]
    assert "Could not find matching concrete function" in by_name["keras-training-tensor"]["keras_error"]
    assert "Dense layer should be defined" in by_name["keras-unknown-width"]["keras_error"]
    untracked = by_name["keras-untracked-variables"]["keras"]
    assert untracked == {"trainable_weights": 0, "weights": 4, "changed": 0}  # fit ran and trained nothing
    conforming = by_name[CONFORMING_TF2[0]]["keras"]
    assert conforming["trainable_weights"] == conforming["changed"] == 4


@pytest.mark.parametrize("module", ["tensorflow_hub", "pkg_resources"])
def test_without_the_keras_extra_the_probes_are_skipped_as_information(
    tmp_path: Path, ruleset: RuleSet, module: str
) -> None:
    """A module hidden: tensorflow_hub (speclint[keras] not installed), or pkg_resources (setuptools 81
    and later, which tensorflow_hub 0.16 cannot import without): info findings, never an error."""
    need_tensorflow()
    if module == "pkg_resources":
        _keras_available()  # tensorflow_hub itself must be there to fail on pkg_resources
    hidden = tmp_path / "hide" / module
    hidden.mkdir(parents=True)
    (hidden / "__init__.py").write_text(f"raise ImportError(\"No module named '{module}'\")\n")
    env = {"PYTHONPATH": os.pathsep.join([str(tmp_path / "hide"), str(REPO)])}
    [facts] = _python(EXECUTE, [str(MODELS / "tf2-feature-vector")], env)
    results = facts["probes"]["results"]
    assert facts["probes"]["status"] == "ok"
    for probe in ("keras_layer", "keras_fine_tuning"):
        assert results[probe]["status"] == "skipped" and results[probe]["skip_reason"] == "missing-extra"
        assert results[probe]["summary"].startswith("skipped: install speclint[keras]")
        assert f"No module named '{module}'" in results[probe]["summary"]
    assert {p: results[p]["status"] for p in LOAD_PROBES if results[p]["status"] != "pass"} == {
        "input_size_independence": "skipped"
    }
    findings = ruleset.check(facts).findings
    assert {(f.code, f.severity) for f in findings} == {("SL712", "info")}
    assert all("skipped: install speclint[keras]" in f.message for f in findings)
    cli = subprocess.run(
        [sys.executable, "-m", "speclint", str(MODELS / "tf2-feature-vector"), "--execute"],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        timeout=600,
        check=False,
    )
    assert cli.returncode == 0 and "Traceback" not in cli.stderr, cli.stderr[-2000:]
    assert "SL712" in cli.stdout and "install speclint[keras]" in cli.stdout


SCALAR_TRAINING = """
import sys
import numpy as np
import tensorflow as tf
import tensorflow_hub as hub
import tf_keras

root = tf.__internal__.tracking.AutoTrackable()
kernel = tf.Variable(tf.ones([3, 4]) * 0.1)
root.variables = root.trainable_variables = [kernel]
root.regularization_losses = []

@tf.function
def call(images, training=None):
    features = tf.reduce_mean(images, [1, 2]) @ kernel
    return features if training is None else tf.where(training, features * 1.0, features)

spec = tf.TensorSpec([None, 32, 32, 3], tf.float32)
call.get_concrete_function(spec)
call.get_concrete_function(spec, tf.TensorSpec([], tf.bool))
root.__call__ = call
tf.saved_model.save(root, sys.argv[1])
layer = hub.KerasLayer(sys.argv[1], trainable=True)
model = tf_keras.Sequential([tf_keras.Input((32, 32, 3)), layer, tf_keras.layers.Dense(3)])
model.compile(tf_keras.optimizers.SGD(0.01), tf_keras.losses.SparseCategoricalCrossentropy(from_logits=True))
images = np.random.default_rng(0).random((2, 32, 32, 3), dtype=np.float32)
model.fit(images, np.array([0, 1]), epochs=1, verbose=0)
print(len(layer.trainable_weights), tuple(model.output_shape))
"""


def test_a_scalar_bool_tensor_training_argument_is_fine_for_keras(tmp_path: Path) -> None:
    """Why keras-training-tensor takes a [1] tensor: a *scalar* bool tensor trace accepts the Python
    bool hub.KerasLayer passes (the restored function converts it), so Keras builds and fits."""
    need_tensorflow()
    _keras_available()
    done = subprocess.run(
        [sys.executable, "-c", SCALAR_TRAINING, str(tmp_path / "scalar-training")],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.split("\n")[-2] == "1 (None, 3)"
