"""speclint/vocabulary.py: TensorFlow's words, spoken the same way by every stage, for free.

The module exists so that the rule engine and ``speclint rules`` need neither protobuf nor
the readers; the import tests below hold that in a fresh interpreter.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys

import pytest

from speclint import vocabulary
from speclint.vocabulary import TF1, TF1_HUB, TF2, dtype_name, format_shape, is_tf1
from tests.conftest import MODELS, REPO, run_speclint


@pytest.mark.parametrize(
    ("shape", "text"),
    [([-1, 224, 224, 3], "(-1, 224, 224, 3)"), ([5], "(5,)"), ([], "()"), (None, "unknown_rank"), ((2, 7), "(2, 7)")],
)
def test_shapes_are_spelled_as_saved_model_cli_does(shape: list[int] | None, text: str) -> None:
    assert format_shape(shape) == text


def test_the_model_formats_are_the_ones_the_reader_writes() -> None:
    from speclint.read import read_model

    formats = {read_model(str(MODELS / name))["format"] for name in ("tf1-hub-feature-vector", "tf2-feature-vector")}
    assert formats == {TF1_HUB, TF2}
    assert is_tf1(TF1_HUB) and is_tf1(TF1) and not is_tf1(TF2) and not is_tf1(None)


def test_the_module_imports_only_the_standard_library() -> None:
    tree = ast.parse((REPO / "speclint" / "vocabulary.py").read_text())
    imported = {
        (node.module if isinstance(node, ast.ImportFrom) else alias.name).split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    }
    assert imported <= set(sys.stdlib_module_names) | {"__future__"}, imported
    assert vocabulary.__file__ is not None


def _modules_after(code: str) -> set[str]:
    probe = f"{code}\nimport sys\nprint('\\n'.join(sys.modules))"
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(REPO)}
    )
    assert result.returncode == 0, result.stderr
    return set(result.stdout.split())


@pytest.mark.parametrize("module", ["speclint.rules.engine", "speclint.rules.ruleset", "speclint.catalogue"])
def test_the_rule_engine_needs_no_protobuf_and_no_reader(module: str) -> None:
    loaded = _modules_after(f"import {module}")
    assert module in loaded
    assert not {m for m in loaded if m.startswith(("google.protobuf", "speclint.read", "speclint.proto"))}


def test_speclint_rules_lists_the_catalogue_without_protobuf() -> None:
    listing = run_speclint("rules")
    assert listing.returncode == 0 and "SL001" in listing.stdout
    code = (
        "import sys, io, contextlib\n"
        "from speclint.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    try:\n"
        "        main(['rules'])\n"
        "    except SystemExit:\n"
        "        pass"
    )
    loaded = _modules_after(code)
    assert "speclint.rules.engine" in loaded
    assert not {m for m in loaded if m.startswith(("google.protobuf", "speclint.read"))}


def test_dtype_names_are_tensorflows() -> None:
    assert dtype_name("float32") == "DT_FLOAT"
    assert dtype_name("float64") == "DT_DOUBLE"
    assert dtype_name("uint8") == "DT_UINT8"
