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


# ---- attributes and inputs ------------------------------------------------------------------------
FUNCTION_TYPES = ("func", "list(func)")


def arg_decisions() -> dict[str, Any]:
    with open(os.path.join(DATA_DIR, "arg_decisions.json"), encoding="utf-8") as handle:
        data: dict[str, Any] = json.load(handle)
    return data


def decide_arg(op: str, arg: str, kind: str, flagged: bool) -> str | None:
    """How one attribute or input is decided (a reason), or None when it is not.

    What the word and documentation audit flags must be decided for that op (by the table or
    ``ops``), not by its name alone.
    """
    table, decisions = dangerous_ops(), arg_decisions()
    entry = table.get(op)
    name = arg.split()[-1]
    deciding = entry.get("only_if") if entry else None
    if entry is not None and deciding is None:
        return f"outside: op {op} is flagged whatever its arguments"
    if deciding is not None and (
        (deciding.get("attr") == name and arg.startswith("attr")) or str(deciding.get("input")) == arg.split()[1]
    ):
        return "outside unless every resolved value is harmless (only_if)"
    if kind in FUNCTION_TYPES:
        return "a library function: followed and scanned; a name outside the library fails to instantiate"
    explicit = decisions["ops"].get(op, {}).get(arg)
    if explicit is not None:
        return str(decisions["reasons"][explicit])
    if flagged:
        return None
    key = f"attr {name}" if arg.startswith("attr") else f"input {name}"
    by_name = decisions["names"].get(name if arg.startswith("attr") else key)
    return None if by_name is None else str(decisions["reasons"][by_name])


@pytest.fixture(scope="module")
def args_audit() -> dict[str, Any]:
    need_tensorflow()
    result = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "gen_known_ops.py"), "--output", "-", "--which", "arg_audit"],
        capture_output=True, text=True, timeout=300, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def test_decisions_name_known_reasons() -> None:
    decisions = arg_decisions()
    reasons = decisions["reasons"]
    used = set(decisions["names"].values()) | {r for per_op in decisions["ops"].values() for r in per_op.values()}
    assert used <= set(reasons), sorted(used - set(reasons))
    assert all(len(text) > 30 for text in reasons.values())


@pytest.mark.tensorflow
def test_every_string_and_function_argument_is_decided(args_audit: dict[str, Any]) -> None:
    """Every string, list(string) and func attribute and string input of every registered op."""
    undecided = [
        f"{op} {arg} ({kind}; {', '.join(flags)})"
        for op, arg, kind, flags in args_audit["args"]
        if decide_arg(op, arg, kind, bool(flags)) is None
    ]
    assert undecided == [], "decide each in speclint/data/arg_decisions.json or dangerous_ops.json"
    assert len(args_audit["args"]) > 1400  # the count the docs report
    registered = {(op, arg) for op, arg, _, _ in args_audit["args"]}
    decisions = arg_decisions()
    stale = [f"{op} {arg}" for op, per_op in decisions["ops"].items() for arg in per_op if (op, arg) not in registered]
    assert stale == []


@pytest.mark.tensorflow
def test_table_defaults_are_the_registrys(args_audit: dict[str, Any]) -> None:
    """A conditional op's attribute left unset takes the registry's default: the table must agree."""
    wrong = []
    for op, entry in dangerous_ops().items():
        only_if = entry.get("only_if") or {}
        if "attr" in only_if:
            registered = args_audit["defaults"].get(op, {}).get(only_if["attr"], "(none)")
            if only_if.get("default", "(none)") != registered:
                wrong.append(f"{op}.{only_if['attr']}: table {only_if.get('default')!r}, registry {registered!r}")
    assert wrong == []
