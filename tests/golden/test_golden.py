"""Golden tests: the fixture script still makes the models we ship, and reports stay as recorded.

``pytest --update-golden`` rewrites ``golden/reports/`` after an intended change.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from speclint.read import read_model
from tests.conftest import GOLDEN, MODELS, REPO, need_tensorflow, run_speclint

FORMATS = ("text", "concise", "json", "github", "sarif")  # text: the full form, by its old name
NUMBERED = re.compile(r"(__inference_[A-Za-z0-9_<>]*?|__inference__?)_?(\d+)\b")


def redact(text: str) -> str:
    """Function names carry a trace counter (``__inference_call_123``): not part of the contract."""
    return NUMBERED.sub(lambda m: m.group(1).rstrip("_") + "_N", text)


def normalized_facts(model: Path) -> dict[str, Any]:
    facts = read_model(str(model))
    facts["path"] = model.name
    facts["fingerprint"] = None
    for name in ("saved_model", "tfhub_module", "keras_metadata", "fingerprint"):
        if facts["files"][name]:
            facts["files"][name]["size"] = None
    facts["files"]["variables"]["data_shards"] = None
    for meta in facts["meta_graphs"]:
        meta["tensorflow_git_version"] = None
        # Several traces of one tf.function differ only in their number, which the redaction
        # drops: list them by content, not by a name whose sort order depends on the counter.
        graph = meta["graph"]
        graph["functions"] = sorted(([redact(n), v] for n, v in graph["functions"].items()), key=json.dumps)
        graph["functions_reached_from_graph"] = sorted(redact(n) for n in graph["functions_reached_from_graph"])
    return json.loads(redact(json.dumps(facts, sort_keys=True)))  # type: ignore[no-any-return]


def report(models_parent: Path, fmt: str) -> str:
    result = run_speclint("models", "--format", fmt, cwd=models_parent, env={"GITHUB_ACTIONS": "false"})
    assert result.returncode == 1, result.stderr  # negative fixtures have findings
    assert "Traceback" not in result.stderr
    return redact(result.stdout)


@pytest.mark.parametrize("fmt", FORMATS)
def test_reports_match_golden(fmt: str, update_golden: bool) -> None:
    expected = GOLDEN / "reports" / f"report.{fmt}"
    actual = report(GOLDEN, fmt)
    if update_golden:
        expected.parent.mkdir(exist_ok=True)
        expected.write_text(actual)
    assert expected.exists(), "run pytest --update-golden once"
    assert actual == expected.read_text()


@pytest.fixture(scope="module")
def fresh_models(tmp_path_factory: pytest.TempPathFactory) -> Path:
    need_tensorflow()
    out = tmp_path_factory.mktemp("fresh") / "models"
    result = subprocess.run(
        [sys.executable, str(GOLDEN / "make_fixtures.py"), "--out", str(out)],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=1200,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return out


def test_fixture_script_rebuilds_what_is_checked_in(fresh_models: Path) -> None:
    shipped = sorted(p.name for p in MODELS.iterdir() if p.is_dir())
    assert sorted(p.name for p in fresh_models.iterdir() if p.is_dir()) == shipped
    different = [name for name in shipped if normalized_facts(fresh_models / name) != normalized_facts(MODELS / name)]
    assert different == [], f"re-run golden/make_fixtures.py and commit: {different}"


@pytest.mark.parametrize("fmt", FORMATS)
def test_fresh_models_give_the_golden_reports(fresh_models: Path, fmt: str) -> None:
    assert report(fresh_models.parent, fmt) == (GOLDEN / "reports" / f"report.{fmt}").read_text()
