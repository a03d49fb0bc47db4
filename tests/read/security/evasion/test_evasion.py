"""Every evasion class of issue 9: TensorFlow really does it, and speclint flags it.

``make_models.py`` builds one model per class with real TensorFlow; ``load_models.py`` loads
each one with TensorFlow (in a child process whose working directory is a temporary one) and
reports the side effect it observed: a file read or written under the test's temporary
directory, or dropout on the output. Each test asserts both: the side effect happened, and
speclint (without TensorFlow) names the op and the path TensorFlow takes to it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from speclint.execute.options import ExecuteOptions
from speclint.execute.plan import plan
from speclint.read import read_model
from tests.conftest import MODELS, need, need_tensorflow

HERE = Path(__file__).resolve().parent
ENV = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}

pytestmark = pytest.mark.tensorflow


class Built:
    """The models, the directory their side effects land in, and what loading them did."""

    def __init__(self, root: Path) -> None:
        self.models = root / "models"
        self.target = root / "target"
        self.cwd = root / "cwd"
        for path in (self.target, self.cwd):
            path.mkdir()
        self.observed: dict[str, Any] = {}

    def model(self, name: str) -> Path:
        return self.models / name


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    need_tensorflow()
    built = Built(tmp_path_factory.mktemp("evasion"))
    for script, args in (
        ("make_models.py", [str(built.models), str(built.target)]),
        ("load_models.py", [str(built.models), str(built.target)]),
    ):
        result = subprocess.run(
            [sys.executable, str(HERE / script), *args],
            capture_output=True, text=True, timeout=600, env=ENV, cwd=built.cwd,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr[-3000:]
    built.observed = json.loads(result.stdout.strip().splitlines()[-1])
    return built


def happened(built: Built, name: str) -> None:
    """TensorFlow, loading the model as a consumer would, really did it."""
    observed = built.observed[name]
    assert observed["side_effect"] is True, observed


def speclint(*args: str, cwd: Path | None = None, timeout: int = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "speclint", *args], capture_output=True, text=True, timeout=timeout, env=ENV, cwd=cwd
    )


def report(*args: str) -> list[dict[str, Any]]:
    result = speclint(*args, "--format", "json")
    assert result.returncode in (0, 1), result.stderr
    findings: list[dict[str, Any]] = [f for model in json.loads(result.stdout)["models"] for f in model["findings"]]
    return findings


def dangerous(built: Built, name: str, op: str) -> list[dict[str, Any]]:
    ops = read_model(str(built.model(name)))["security"]["dangerous_ops"]
    return [entry for entry in ops if entry["op"] == op]


# ---- 1. an op the table did not list ------------------------------------------------------------
def test_a_file_op_the_old_table_missed(built: Built) -> None:
    happened(built, "op-missing-from-old-table")
    [entry] = dangerous(built, "op-missing-from-old-table", "FixedUnigramCandidateSampler")
    assert entry["reached_from"] == ["object leak"]
    assert entry["argument"] == str(built.target / "vocab.csv")


# ---- 2. a checkpoint op that only looks like the saver's ----------------------------------------
def test_a_constant_path_in_the_savers_restore_op(built: Built) -> None:
    happened(built, "saver-restore-op-writes")
    [entry] = dangerous(built, "saver-restore-op-writes", "SaveV2")
    assert entry["node"] == "save/SaveV2_1" and entry["reached_from"] == ["saver restore op"]
    assert entry["argument"] == str(built.target / "saver-restore")


# ---- 3. what TensorFlow runs at load: the table_initializer collection --------------------------
def test_a_save_op_run_by_the_table_initializer_collection(built: Built) -> None:
    happened(built, "table-initializer-writes")
    [entry] = dangerous(built, "table-initializer-writes", "SaveV2")
    assert entry["reached_from"] == ["collection 'table_initializer'"]


# ---- 4. no gate hides a security finding --------------------------------------------------------
def test_not_an_image_model_still_gets_its_security_findings(built: Built) -> None:
    happened(built, "not-an-image-model")
    model = str(built.model("not-an-image-model"))
    codes = [f["code"] for f in report(model)]
    assert "SL002" in codes and "SL600" in codes
    for extra in (["--select", "SL6"], ["--profile", "tf2-image-feature-vector", "--select", "SL6"]):
        found = report(model, *extra)
        assert [f["code"] for f in found] == ["SL600"], extra
        assert "WriteFile" in found[0]["message"] and "object __call__" in found[0]["message"]


# ---- 5. no cap hides a finding ------------------------------------------------------------------
def test_a_payload_after_many_lookalikes_is_in_every_format(built: Built) -> None:
    happened(built, "payload-after-lookalikes")
    model = str(built.model("payload-after-lookalikes"))
    found = report(model, "--select", "SL600")
    assert len(found) == 251
    assert [f for f in found if "WriteFile" in f["message"]]
    sarif = json.loads(speclint(model, "--format", "sarif").stdout)
    assert [r for run in sarif["runs"] for r in run["results"] if "WriteFile" in r["message"]["text"]]
    assert "op WriteFile" in speclint(model).stdout
    [entry] = dangerous(built, "payload-after-lookalikes", "WriteFile")
    assert "signature_def['serving_default']" in entry["reached_from"]


# ---- 6. read as TensorFlow reads it -------------------------------------------------------------
def test_a_binary_model_that_starts_like_text(built: Built) -> None:
    happened(built, "binary-that-looks-like-text")
    head = (built.model("binary-that-looks-like-text") / "saved_model.pb").read_bytes()[:512]
    assert all(32 <= byte < 127 for byte in head)  # what a text sniffer would call text
    codes = {f["code"] for f in report(str(built.model("binary-that-looks-like-text")))}
    assert "SL001" not in codes and "SL600" in codes
    [entry] = dangerous(built, "binary-that-looks-like-text", "WriteFile")
    assert "object __call__" in entry["reached_from"]


# ---- 7. a scan that could not finish never passes -----------------------------------------------
def test_an_unreadable_keras_metadata_is_a_finding(built: Built) -> None:
    happened(built, "keras-metadata-unreadable")  # TensorFlow loads and runs it regardless
    result = speclint(str(built.model("keras-metadata-unreadable")))
    assert result.returncode == 1, result.stdout
    assert "SL604 warning keras_metadata.pb: not a valid SavedMetadata" in result.stdout


# ---- 8. --execute refuses, and runs what it is allowed to run in a throwaway directory ----------
def test_execute_refuses_unknown_ops_and_lambda_layers() -> None:
    need((MODELS / "sec-custom-op").is_dir(), "golden/models missing")
    for fixture, words in (("sec-custom-op", "ops no TensorFlow registers"), ("sec-keras-lambda", "Keras Lambda")):
        job, record = plan(read_model(str(MODELS / fixture)), ExecuteOptions())
        assert job is None and record is not None and record["status"] == "refused", fixture
        assert words in record["message"] and "\n" not in record["message"]


def test_execute_refuses_then_sandboxes_a_writing_model(built: Built, tmp_path: Path) -> None:
    happened(built, "writes-relative-path")  # TensorFlow writes it into the loader's directory
    model = str(built.model("writes-relative-path"))
    refused = speclint(model, "--execute", "--format", "json", cwd=tmp_path)
    assert "refused to execute" in refused.stdout + refused.stderr and "WriteFile" in refused.stdout
    assert not (tmp_path / "written-by-model.txt").exists()
    sandboxes = tmp_path / "tmp"
    sandboxes.mkdir()
    allowed = subprocess.run(
        [sys.executable, "-m", "speclint", model, "--execute", "--allow-unsafe", "--format", "json"],
        capture_output=True, text=True, timeout=600, cwd=tmp_path, env={**ENV, "TMPDIR": str(sandboxes)},
    )  # fmt: skip
    [result] = json.loads(allowed.stdout)["models"]
    assert result["execution"]["status"] == "ok", allowed.stdout + allowed.stderr  # TensorFlow ran __call__
    assert not (tmp_path / "written-by-model.txt").exists()
    assert list(sandboxes.iterdir()) == []  # the worker's directory is gone, with what the model wrote


# ---- 9. dropout on the output on every path -----------------------------------------------------
def test_dropout_on_the_output_only_when_training(built: Built) -> None:
    happened(built, "dropout-only-when-training")
    found = [f for f in report(str(built.model("dropout-only-when-training"))) if f["code"] == "SL141"]
    assert found and all("training=True)" in f["where"] and f["severity"] == "error" for f in found)


# ---- 3b. what tf.saved_model.load runs for a TF1 graph without an init op: local variables -------
def test_a_write_run_by_a_local_variables_initializer(built: Built) -> None:
    happened(built, "local-variable-initializer-writes")  # by tf.saved_model.load, not by the v1 loader
    [entry] = dangerous(built, "local-variable-initializer-writes", "WriteFile")
    assert entry["reached_from"] == ["collection 'local_variables'"]
    assert entry["argument"] == str(built.target / "local-variable.txt")


def test_local_resources_are_not_run_by_either_loader(built: Built) -> None:
    """``local_resources`` exports only as a node list, which the loader cannot run: not a root."""
    observed = built.observed["local-resources-collection"]
    assert observed["side_effect"] is False and "create" in observed["load_error"], observed
    # Reached by nothing a consumer runs: since issue 21 the grouped "never runs" note (SL605), not SL600.
    security = read_model(str(built.model("local-resources-collection")))["security"]
    [entry] = [e for e in security["unreached_ops"] if e["op"] == "WriteFile"]
    assert entry["reached_from"] == [] and dangerous(built, "local-resources-collection", "WriteFile") == []
    assert "WriteFile" in security["never_run"]["ops"]


# ---- 10. GraphDefs inside strings: decided by the op that runs them ------------------------------
def test_a_serialized_graph_behind_an_unknown_field_is_scanned(built: Built) -> None:
    happened(built, "graph-behind-unknown-field")  # TensorFlow parses it (then fails on grappler's fold)
    [entry] = dangerous(built, "graph-behind-unknown-field", "TextLineDataset")
    assert entry["nested_depth"] == 1 and "> serialized GraphDef" in entry["where"]


def test_a_graph_that_does_not_parse_is_an_incomplete_scan(built: Built) -> None:
    happened(built, "graph-that-does-not-parse")  # TensorFlow: "Could not parse GraphDef"
    [error] = read_model(str(built.model("graph-that-does-not-parse")))["security"]["errors"]
    assert "does not parse as a GraphDef" in error["message"] and error["where"].endswith("node DatasetFromGraph")
    result = speclint(str(built.model("graph-that-does-not-parse")), "--select", "SL6")
    assert result.returncode == 1 and "SL604 warning" in result.stdout


def test_a_graph_computed_at_run_time_is_an_incomplete_scan(built: Built) -> None:
    happened(built, "graph-computed-at-run-time")  # TensorFlow joins the halves and reads secret.txt
    facts = read_model(str(built.model("graph-computed-at-run-time")))["security"]
    assert facts["nested_graphs_scanned"] == 0  # neither half parses: the old scan passed in silence
    [error] = facts["errors"]
    assert "is not a constant" in error["message"] and error["where"].endswith("node DatasetFromGraph")


# ---- 2b. another tag-set's saver: exempt where never run, flagged where the loader runs it ------
def test_the_v1_builders_second_tag_set_holds_the_first_ones_saver_quietly(built: Built) -> None:
    """[train] holds [serve]'s saver save/ (unfed file name under TARGET): loading [train] never runs it."""
    observed = built.observed["builder-peer-saver"]
    assert observed.get("wrote_nothing") is True, observed
    assert set(observed["written"]) == {"tf.compat.v1.saved_model.load", "tf.saved_model.load"}
    model = str(built.model("builder-peer-saver"))
    assert read_model(model)["security"]["dangerous_ops"] == []
    assert report(model, "--select", "SL6") == []


def test_another_tag_sets_saver_run_by_the_main_op_is_flagged(built: Built) -> None:
    """The same save/ nodes, but [train]'s main op runs [serve]'s save op: both loaders write under TARGET."""
    observed = built.observed["builder-peer-saver-in-main-op"]
    happened(built, "builder-peer-saver-in-main-op")
    for loader, files in observed["written"].items():
        assert "builder-peer-saver-in-main-op.index" in files, (loader, files)
    found = read_model(str(built.model("builder-peer-saver-in-main-op")))["security"]["dangerous_ops"]
    assert {(f["op"], f["node"]) for f in found} == {
        ("SaveV2", "save/SaveV2"),
        ("MergeV2Checkpoints", "save/MergeV2Checkpoints"),
    }
    assert all(f["meta_graph"] == 1 and f["reached_from"] == ["init op"] for f in found)
    messages = [f["message"] for f in report(str(built.model("builder-peer-saver-in-main-op")), "--select", "SL600")]
    assert len(messages) == 2 and all("tag-set [train]" in m and "reached from init op" in m for m in messages)


# ---- issue 21: values resolved as TensorFlow resolves them, roots as consumers run them -----------
SIGNATURE = "signature_def['serving_default']"
HELD_OUT = {
    # model: (rule, op or layer detail, a root in reached_from (None: a Keras config), its argument)
    "saver-join-with-separator": ("SL600", "SaveV2", "saver restore op", "/../../../../target/separator_temp/part"),
    "saver-suffix-in-tensor-content": ("SL600", "SaveV2", "saver restore op", "/../../../../target/tensor-content"),
    "saver-gs-prefix": ("SL600", "RestoreV2", "saver restore op", "gs://speclint-evasion-bucket<"),
    "restore-op-restores-another-checkpoint": ("SL600", "RestoreV2", "saver restore op", "{target}/other"),
    "print-stream-bound-by-caller": ("SL600", "PrintV2", SIGNATURE, "file://{target}/printed.txt"),
    "debug-urls-bound-by-caller": ("SL600", "DebugIdentityV2", SIGNATURE, "file://{target}/tfdbg"),
    "debug-v1-urls-bound-by-caller": ("SL600", "DebugIdentity", SIGNATURE, "file://{target}/tfdbg-v1"),
    "descriptor-source-bound-by-caller": ("SL600", "DecodeProtoV2", SIGNATURE, "{target}/secret.desc"),
    "encode-proto-bound-by-caller": ("SL600", "EncodeProto", SIGNATURE, "{target}/secret.desc"),
    "vocab-file-bound-by-caller": ("SL600", "FixedUnigramCandidateSampler", SIGNATURE, "{target}/vocab.csv"),
    "cache-file-in-tensor-content": ("SL600", "CacheDatasetV2", SIGNATURE, "{target}/cache"),
    "gradient-function-writes": ("SL600", "WriteFile", "registered gradient", "{target}/gradient.txt"),
    "abort-in-serving-function": ("SL606", "Abort", SIGNATURE, None),
    "tfoplambda-reads-file": ("SL607", "calls tf.io.read_file", None, None),
    "string-lookup-vocabulary-path": ("SL607", "reads vocabulary '{target}/vocabulary.txt'", None, None),
}
LOOKALIKES = ["sharded-tf1-saver", "in-memory-cache", "print-to-stderr", "string-lookup-in-model-vocabulary",
              "tfx-vocabulary-asset", "tf2-vocabulary-asset"]  # fmt: skip


@pytest.mark.parametrize("name", sorted(HELD_OUT))
def test_held_out_attacks_are_caught(built: Built, name: str) -> None:
    """TensorFlow does it (each loader that runs it); speclint flags it, with the value TensorFlow uses."""
    happened(built, name)
    code, needle, root, argument = HELD_OUT[name]
    target = str(built.target)
    found = report(str(built.model(name)), "--select", "SL6")
    assert {f["code"] for f in found} == {code}, found
    assert all(f["severity"] == "error" for f in found)
    assert any(needle.format(target=target) in f["message"] for f in found), [f["message"] for f in found]
    if root is None:
        return
    security = read_model(str(built.model(name)))["security"]
    entries = security["process_killing_ops" if code == "SL606" else "dangerous_ops"]
    [entry] = [e for e in entries if e["op"] == needle]
    assert any(label.startswith(root) for label in entry["reached_from"]), entry["reached_from"]
    if argument is not None:
        assert argument.format(target=target) in (entry["argument"] or ""), entry["argument"]


def test_ops_nothing_runs_are_one_note(built: Built) -> None:
    """A stray saver and a training pipeline: both loaders load and call, nothing is written; one SL605."""
    observed = built.observed["stray-saver-never-runs"]
    assert observed["works"] and observed["wrote_nothing"], observed
    model = str(built.model("stray-saver-never-runs"))
    result = speclint(model, "--select", "SL6", "--format", "json")
    assert result.returncode == 0, result.stdout  # an info finding never fails the run
    [finding] = [f for m in json.loads(result.stdout)["models"] for f in m["findings"]]
    assert finding["code"] == "SL605" and finding["severity"] == "info"
    assert all(op in finding["message"] for op in ("SaveV2", "RestoreV2", "TextLineDataset"))


@pytest.mark.parametrize("name", LOOKALIKES)
def test_lookalikes_stay_quiet(built: Built, name: str) -> None:
    """It works with the loaders that run it and touches nothing outside; speclint says nothing."""
    observed = built.observed[name]
    assert observed.get("works") is True and observed.get("wrote_nothing") is True, observed
    assert report(str(built.model(name)), "--select", "SL6") == []
