"""``speclint fix``: every fixable golden violator fixed and proven; IN never touched; refusals.

The golden models are copied to a temporary directory first (tests/golden regenerates them).
Each fix runs the real command line; its proof (static lint + execution probes of OUT, and
equal outputs) is asserted from what it prints, and checked again independently here: OUT is
linted afresh and must not have the codes fix claims to resolve.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from speclint.proto import messages
from tests.conftest import MODELS, REPO, need_tensorflow, run_speclint

# fixture -> (codes fix resolves, extra arguments)
FIXABLE: dict[str, tuple[set[str], list[str]]] = {
    "tf2-no-call": ({"SL130"}, []),
    "tf2-no-variables-attrs": ({"SL133", "SL134", "SL135"}, []),
    "tf2-dict-output": ({"SL132"}, []),
    "tf2-input-uint8": ({"SL112"}, []),
    "tf2-rescale-127": ({"SL119"}, []),
    "tf2-softmax-output": ({"SL142"}, []),
    "tf2-output-float64": ({"SL121"}, []),
    "tf2-training-not-bool": ({"SL136"}, []),
    "tf2-output-rank3": ({"SL122"}, []),
    "tf2-input-fixed-batch": ({"SL114"}, []),
    "tf1-output-rank3": ({"SL122"}, []),
    "keras3-export": ({"SL130", "SL135"}, []),
    "tf1-input-not-named-images": ({"SL110"}, []),
    "tf1-no-default-output": ({"SL120", "SL125"}, []),
    "tf1-no-default-signature": ({"SL104"}, []),
    "tf1-no-task-signature": ({"SL109"}, []),  # names no task: auto holds it to the shared rules
    "tf1-hub-format-unspecified": ({"SL101"}, []),
    "tf1-hub-missing-module-def": ({"SL100"}, []),
    "tf1-attachment-mismatch": ({"SL118"}, []),
    "tf1-input-unknown-size": ({"SL116", "SL117"}, ["--image-size", "32x32"]),
    "tf1-output-float64": ({"SL121"}, []),
    "tf1-input-uint8": ({"SL112"}, []),
    "tf1-rescale-255": ({"SL119"}, []),
    "tf1-softmax-output": ({"SL142"}, []),
    "tf1-no-default-tag-set": ({"SL103", "SL117"}, []),
}
RELATION = {
    "tf2-softmax-output": "softmax(OUT(x)) - IN(x)",
    "tf1-softmax-output": "softmax(OUT(x)) - IN(x)",
    "tf2-input-uint8": "OUT(x) - IN(round(x*255) as uint8)",
    "tf1-input-uint8": "OUT(x) - IN(round(x*255) as uint8)",
    "tf2-rescale-127": "OUT(x) - IN(x*255)",
    "tf1-rescale-255": "OUT(x) - IN(x*255)",
    "tf2-output-rank3": "OUT(x) - squeeze(IN(x))",
    "tf2-input-fixed-batch": "OUT(x) - [IN(x[i]) for each i]",
    "tf1-output-rank3": "OUT(x) - squeeze(IN(x))",
}


def snapshot(root: Path) -> dict[str, tuple[str, int, int]]:
    """Every path under root: kind/hash, mode and mtime (nanoseconds)."""
    found = {}
    for path in sorted(root.rglob("*")):
        info = path.lstat()
        digest = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "dir"
        found[str(path.relative_to(root))] = (digest, info.st_mode, info.st_mtime_ns)
    return found


def copy_model(name: str, tmp_path: Path) -> Path:
    target = tmp_path / "in" / name
    shutil.copytree(MODELS / name, target)
    return target


def codes_of(model: Path, profile: str, listed: bool = False) -> set[str]:
    """The codes reported for a model; with ``listed``, also those listed under their cause."""
    result = run_speclint("check", str(model), "--format", "json", "--profile", profile, "--exit-zero")
    assert result.returncode == 0, result.stderr
    findings = [f for m in json.loads(result.stdout)["models"] for f in m["findings"]]
    codes = {f["code"] for f in findings}
    if listed:
        for finding in findings:
            _, _, consequences = finding["message"].partition("Its consequences, not reported apart: ")
            codes |= {part.split()[0] for part in consequences.split("; ") if part}
    return codes


@pytest.mark.tensorflow
@pytest.mark.parametrize("name", sorted(FIXABLE))
def test_fix_golden_violator(name: str, tmp_path: Path) -> None:
    need_tensorflow()
    codes, extra = FIXABLE[name]
    source = copy_model(name, tmp_path)
    before = snapshot(source)
    out = tmp_path / "out"
    result = run_speclint("fix", str(source), str(out), *extra)
    assert result.returncode == 0, result.stdout + result.stderr[-2000:]
    text = result.stdout
    profile = text.splitlines()[0].rsplit("[", 1)[1].rstrip("]")
    claimed = {code for line in text.splitlines() if line.startswith("  fix ") for code in _codes(line)}
    assert claimed == codes
    assert "  proof lint: OUT passes the static rules and execution probes of " + profile in text
    assert "  proof plain: `speclint OUT` passes with profile " in text  # the auto profile a reviewer runs
    assert f"  proof equal: {RELATION.get(name, 'OUT(x) - IN(x)')} on 3 seeded random images" in text
    assert "wrote " in text
    out_codes = codes_of(out, profile)
    assert not codes & out_codes, "a code fix claims to resolve is still reported for OUT"
    assert not {code for code in out_codes if code.startswith("SL6")}, "OUT has security findings"
    if name.startswith("tf1"):
        assert_one_saver(out)
    assert codes <= codes_of(source, profile, listed=True)
    assert snapshot(source) == before, "fix changed IN"


CHECKPOINT_OPS = {"Save", "SaveV2", "SaveSlices", "Restore", "RestoreV2", "RestoreSlice", "MergeV2Checkpoints"}


def assert_one_saver(out: Path) -> None:
    """Every tag-set of a TF1 OUT has the same saver, and its checkpoint ops are all that saver's."""
    saved = messages.SavedModel()
    saved.ParseFromString((out / "saved_model.pb").read_bytes())
    savers = {meta_graph.saver_def.SerializeToString() for meta_graph in saved.meta_graphs}
    assert len(savers) == 1, "the tag-sets of OUT have different savers"
    for meta_graph in saved.meta_graphs:
        scope = meta_graph.saver_def.filename_tensor_name.split("/")[0] + "/"
        foreign = [n.name for n in meta_graph.graph_def.node if n.op in CHECKPOINT_OPS and not n.name.startswith(scope)]
        assert not foreign, f"checkpoint ops outside OUT's saver {scope}: {foreign}"


def _codes(line: str) -> set[str]:
    return {part.strip() for part in line[len("  fix ") :].split(":", 1)[0].split(",")}


@pytest.mark.tensorflow
def test_read_only_in_is_untouched(tmp_path: Path) -> None:
    need_tensorflow()
    source = copy_model("tf1-input-uint8", tmp_path)
    for path in [source, *source.rglob("*")]:
        path.chmod(path.stat().st_mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))
    before = snapshot(source)
    try:
        result = run_speclint("fix", str(source), str(tmp_path / "out"))
        assert result.returncode == 0, result.stdout + result.stderr[-2000:]
        assert snapshot(source) == before
    finally:
        for path in [source, *source.rglob("*")]:
            path.chmod(path.stat().st_mode | stat.S_IWUSR)


def test_dry_run_writes_nothing_and_needs_no_tensorflow(tmp_path: Path) -> None:
    source = copy_model("tf2-softmax-output", tmp_path)
    out = tmp_path / "out"
    code = (
        "import sys; from speclint.cli import main; "
        f"rc = main(['fix', {str(source)!r}, {str(out)!r}, '--dry-run']); "
        "assert 'tensorflow' not in sys.modules, 'dry run imported TensorFlow'; sys.exit(rc)"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, env=env)
    assert result.returncode == 0, result.stderr
    assert "  fix SL142: return logits: cut the graph at the input of the final Softmax" in result.stdout
    assert "dry run: nothing written" in result.stdout
    assert not out.exists()


def test_nothing_to_fix(tmp_path: Path) -> None:
    conforming = run_speclint("fix", str(copy_model("tf2-feature-vector", tmp_path)), str(tmp_path / "a"))
    assert conforming.returncode == 0, "nothing to fix on a conforming model is a success, as `speclint IN` is"
    assert "nothing to fix: IN passes" in conforming.stdout
    unfixable = run_speclint("fix", str(copy_model("tf2-nchw", tmp_path)), str(tmp_path / "b"))
    assert unfixable.returncode == 1
    assert "  not fixed SL140 " in unfixable.stdout
    not_image = run_speclint("fix", str(copy_model("text-model", tmp_path)), str(tmp_path / "c"))
    assert not_image.returncode == 0  # as `speclint IN`: a model that takes no images is not applicable
    assert "nothing to fix: auto: not an image model (SL002)" in not_image.stdout
    assert not any((tmp_path / name).exists() for name in "abc")


def test_unknown_size_without_image_size_says_how(tmp_path: Path) -> None:
    result = run_speclint("fix", str(copy_model("tf1-input-unknown-size", tmp_path)), str(tmp_path / "out"))
    assert result.returncode == 1
    assert "(pass --image-size HxW)" in result.stdout
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        ("nonempty", "OUT is not empty"),
        ("same", "OUT is IN"),
        ("symlink", "OUT is IN"),
        ("inside", "OUT is inside IN"),
        ("file", "OUT exists and is not a directory"),
    ],
)
def test_refused_destinations(setup: str, message: str, tmp_path: Path) -> None:
    source = copy_model("tf2-softmax-output", tmp_path)
    out = {
        "nonempty": tmp_path / "full",
        "same": source,
        "symlink": tmp_path / "link",
        "inside": source / "variables" / "fixed",
        "file": tmp_path / "file",
    }[setup]
    if setup == "nonempty":
        out.mkdir()
        (out / "keep.txt").write_text("mine")
    elif setup == "symlink":
        out.symlink_to(source)
    elif setup == "file":
        out.write_text("mine")
    before = snapshot(tmp_path)
    result = run_speclint("fix", str(source), str(out))
    assert result.returncode == 2
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert snapshot(tmp_path) == before


def test_security_findings_are_refused(tmp_path: Path) -> None:
    result = run_speclint("fix", str(copy_model("sec-readfile", tmp_path)), str(tmp_path / "out"))
    assert result.returncode == 2
    assert "refused: the model has security findings (SL600)" in result.stderr
    assert not (tmp_path / "out").exists()


@pytest.mark.tensorflow
def test_failed_write_removes_only_what_fix_created(tmp_path: Path) -> None:
    need_tensorflow()
    source = copy_model("tf2-dict-output", tmp_path)
    made = tmp_path / "made"
    result = run_speclint("fix", str(source), str(made), "--output", "nope")
    assert result.returncode == 2
    assert "--output 'nope': no such output (have: features)" in result.stderr
    assert not made.exists()
    empty = tmp_path / "empty"
    empty.mkdir()
    result = run_speclint("fix", str(source), str(empty), "--output", "nope")
    assert result.returncode == 2
    assert empty.is_dir() and not list(empty.iterdir())


@pytest.mark.tensorflow
@pytest.mark.parametrize(
    ("name", "fix_line", "relation"),
    [
        (
            "nocall-uint8",
            "  fix SL112: accept float32 images in [0, 1]: round(x * 255) as uint8 into the input "
            "(of the wrapped signature)",
            "OUT(x) - IN(round(x*255) as uint8)",
        ),
        (
            "nocall-float64",
            "  fix SL121: cast the float64 output to float32 (of the wrapped signature)",
            "OUT(x) - IN(x)",
        ),
    ],
)
def test_wrapped_signature_problems_are_fixed_too(
    name: str, fix_line: str, relation: str, hidden_models: Path, tmp_path: Path
) -> None:
    result = run_speclint("fix", str(hidden_models / name), str(tmp_path / "out"))
    assert result.returncode == 0, result.stdout + result.stderr[-2000:]
    assert "  fix SL130: give the root object a __call__(images, training=False) that calls signature " in result.stdout
    assert fix_line in result.stdout
    assert f"  proof equal: {relation} on 3 seeded random images" in result.stdout


@pytest.mark.tensorflow
def test_sigmoid_is_removed(hidden_models: Path, tmp_path: Path) -> None:
    source = hidden_models / "sigmoid-output"
    result = run_speclint("fix", str(source), str(tmp_path / "out"))
    assert result.returncode == 0, result.stdout + result.stderr[-2000:]
    assert "[tf2-image-classification]" in result.stdout.splitlines()[0]
    assert "  fix SL142: return logits: cut the graph at the input of the final Sigmoid" in result.stdout
    assert "  proof equal: sigmoid(OUT(x)) - IN(x) on 3 seeded random images" in result.stdout
    assert "SL142" not in codes_of(tmp_path / "out", "tf2-image-classification")


@pytest.mark.tensorflow
def test_softmax_nested_in_keras_layer_functions_is_removed(hidden_models: Path, tmp_path: Path) -> None:
    result = run_speclint("fix", str(hidden_models / "tf-keras-softmax"), str(tmp_path / "out"))
    assert result.returncode == 0, result.stdout + result.stderr[-2000:]
    assert "  fix SL142: return logits: cut the graph at the input of the final Softmax" in result.stdout
    assert "  proof equal: softmax(OUT(x)) - IN(x) on 3 seeded random images" in result.stdout
    assert "  proof lint: OUT passes the static rules and execution probes of tf2-image-classification" in result.stdout


@pytest.mark.tensorflow
def test_failed_proof_removes_out_and_says_why(hidden_models: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = run_speclint("fix", str(hidden_models / "nocall-nondeterministic"), str(out))
    assert result.returncode == 1, result.stdout + result.stderr[-2000:]
    assert "  fix SL130: " in result.stdout
    assert "  proof FAILED OUT SL704 error: __call__(images, training=False): two calls" in result.stdout
    assert f"proof failed: {out} removed" in result.stdout
    assert not out.exists()


def test_missing_weights_are_refused_before_writing(tmp_path: Path) -> None:
    source = copy_model("tf2-softmax-output", tmp_path)
    (source / "variables" / "variables.index").unlink()
    result = run_speclint("fix", str(source), str(tmp_path / "out"))
    assert result.returncode == 2
    assert "cannot fix without the weights: variables/variables.index is missing" in result.stderr
    assert not (tmp_path / "out").exists()


@pytest.mark.tensorflow
def test_the_exit_code_agrees_with_plain_speclint_out(corpus: list[Path], tmp_path: Path) -> None:
    """Corpus 017: IN has no __call__, so its lint (feature vector) never sees the final Sigmoid;
    once the wrapper exists, plain `speclint OUT` (auto) holds OUT to the classifier profile and
    exits 1. fix says so and exits 1 too, keeping OUT (its two fixes are proven)."""
    need_tensorflow()
    source = next(path for path in corpus if path.name.startswith("017_"))
    out = tmp_path / "out"
    result = run_speclint("fix", str(source), str(out))
    assert result.returncode == 1, result.stdout + result.stderr[-2000:]
    assert "  proof plain: `speclint OUT` exits 1 with profile tf2-image-classification" in result.stdout
    assert "`speclint OUT` still fails on what fix cannot resolve (SL115 error, SL142 warning)" in result.stdout
    assert run_speclint(str(out)).returncode == 1 and out.is_dir()
