"""What speclint reads equals TensorFlow's own parse, for every fixture and every readable corpus model.

TensorFlow's generated proto classes are the oracle: tags, signature names, method names,
input/output keys, dtypes and shapes must come out identical.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from speclint.read import read_model
from tests.conftest import CORPUS, MODELS, REPO, corpus_dirs, fixture_dirs, need, need_tensorflow

ORACLE = r"""
import json, os, sys
from google.protobuf import text_format
from tensorflow.core.protobuf import saved_model_pb2
from tensorflow.core.framework import types_pb2
out = {}
for d in sys.argv[1:]:
    pb, pbtxt = os.path.join(d, "saved_model.pb"), os.path.join(d, "saved_model.pbtxt")
    sm = saved_model_pb2.SavedModel()
    try:
        if os.path.exists(pb):
            sm.ParseFromString(open(pb, "rb").read())
        else:
            text_format.Parse(open(pbtxt, encoding="utf-8").read(), sm, allow_unknown_field=True)
    except Exception as exc:
        out[d] = {"error": type(exc).__name__}
        continue
    def shape(s):
        return None if s.unknown_rank else [int(x.size) if x.size >= 0 else -1 for x in s.dim]
    def tensor(t):
        enc = t.WhichOneof("encoding") or "name"
        return {"encoding": enc, "dtype": types_pb2.DataType.Name(t.dtype),
                "shape": shape(t.tensor_shape) if t.HasField("tensor_shape") else None}
    out[d] = [{"tags": list(m.meta_info_def.tags),
               "signatures": {k: {"method_name": s.method_name,
                                  "inputs": {i: tensor(v) for i, v in s.inputs.items()},
                                  "outputs": {o: tensor(v) for o, v in s.outputs.items()}}
                              for k, s in m.signature_def.items()}} for m in sm.meta_graphs]
print(json.dumps(out))
"""


def _ours(directory: Path) -> list[dict[str, object]]:
    facts = read_model(str(directory))
    keep = ("encoding", "dtype", "shape")
    return [
        {
            "tags": meta["tags"],
            "signatures": {
                name: {
                    "method_name": sig["method_name"],
                    "inputs": {k: {f: v[f] for f in keep} for k, v in sig["inputs"].items()},
                    "outputs": {k: {f: v[f] for f in keep} for k, v in sig["outputs"].items()},
                }
                for name, sig in meta["signatures"].items()
            },
        }
        for meta in facts["meta_graphs"]
    ]


def _oracle(directories: list[Path]) -> dict[str, object]:
    need_tensorflow()
    out = subprocess.run(
        [sys.executable, "-c", ORACLE, *map(str, directories)], capture_output=True, text=True, cwd=REPO, timeout=600
    )
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


@pytest.mark.parametrize("source", ["fixtures", "corpus"])
def test_signatures_equal_tensorflows_parse(source: str) -> None:
    if source == "corpus":
        need(CORPUS.is_dir(), f"corpus not found at {CORPUS}")
        directories = corpus_dirs()
    else:
        directories = fixture_dirs()
    directories = [d for d in directories if (d / "saved_model.pb").exists() or (d / "saved_model.pbtxt").exists()]
    oracle = _oracle(directories)
    compared = 0
    for directory in directories:
        theirs = oracle[str(directory)]
        facts = read_model(str(directory))
        if isinstance(theirs, dict):  # TensorFlow cannot parse it either
            assert facts["errors"], f"{directory}: TensorFlow fails ({theirs}) but speclint reports no error"
            continue
        if not theirs:  # parses to an empty SavedModel: speclint must say it is not one
            assert facts["errors"], directory
            continue
        assert _ours(directory) == theirs, directory
        compared += 1
    assert compared >= (15 if source == "corpus" else len([p for p in MODELS.iterdir() if p.is_dir()]) - 2)
