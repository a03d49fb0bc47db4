"""The dangerous-op table is derived from TensorFlow's op registry, not remembered.

``scripts/gen_known_ops.py --which file_op_audit`` lists every registered op whose attribute
or input names or documentation speak of files, paths, URLs, networks or checkpoints. Each
must be in ``dangerous_ops.json`` or in the reviewed ``safe_op_candidates.json`` (with its
reason), so an op a new TensorFlow adds fails here until someone decides. Each table entry's
condition must name an attribute the op has and an input index it has.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

import pytest

from speclint.read.security import dangerous_ops
from speclint.read.security.ops import DATA_DIR
from tests.conftest import REPO, need_tensorflow


def safe_candidates() -> dict[str, str]:
    with open(os.path.join(DATA_DIR, "safe_op_candidates.json"), encoding="utf-8") as handle:
        ops: dict[str, str] = json.load(handle)["ops"]
    return ops


@pytest.fixture(scope="module")
def audit() -> dict[str, Any]:
    need_tensorflow()
    result = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "gen_known_ops.py"), "--output", "-", "--which", "file_op_audit"],
        capture_output=True, text=True, timeout=300, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def test_safe_list_is_reviewed_and_apart_from_the_table() -> None:
    safe, table = safe_candidates(), dangerous_ops()
    assert safe and set(safe).isdisjoint(table)
    assert all(isinstance(reason, str) and len(reason) > 20 and "\n" not in reason for reason in safe.values())


@pytest.mark.tensorflow
def test_every_file_op_candidate_is_flagged_or_reviewed(audit: dict[str, Any]) -> None:
    candidates, safe, table = audit["candidates"], safe_candidates(), dangerous_ops()
    assert len(candidates) > 100  # the scan finds something: ReadFile, WriteFile, TextLineDataset...
    undecided = {op: reasons for op, reasons in candidates.items() if op not in table and op not in safe}
    assert undecided == {}, "add each to speclint/data/dangerous_ops.json or safe_op_candidates.json"
    stale = sorted(op for op in safe if op not in candidates)
    assert stale == [], "no longer candidates: remove them from safe_op_candidates.json"
    for op in ("ReadFile", "WriteFile", "DumpTensor", "FixedUnigramCandidateSampler", "Skipgram", "ReaderReadV2"):
        assert op in candidates and op in table, op


@pytest.mark.tensorflow
def test_every_table_entry_names_what_the_op_has(audit: dict[str, Any]) -> None:
    signatures = audit["signatures"]
    wrong = []
    for op, entry in dangerous_ops().items():
        signature = signatures.get(op)
        if signature is None:
            wrong.append(f"{op}: not registered")
            continue
        for part in (entry.get("argument") or {}, entry.get("only_if") or {}):
            if "attr" in part and part["attr"] not in signature["attrs"]:
                wrong.append(f"{op}: no attr {part['attr']} (has {signature['attrs']})")
            if "input" in part and not 0 <= int(part["input"]) < len(signature["inputs"]):
                wrong.append(f"{op}: no input {part['input']} (has {signature['inputs']})")
        for position in entry.get("file_inputs") or []:
            if not 0 <= position < len(signature["inputs"]):
                wrong.append(f"{op}: no input {position} (has {signature['inputs']})")
    assert wrong == []
