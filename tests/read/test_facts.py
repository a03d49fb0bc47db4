"""schemas/facts.schema.json describes what the reader really writes, for every model we have.

The schema is published for rule authors; a reader change that the schema does not follow
(or the reverse) fails here, on the golden fixtures and on the real-world corpus alike.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from speclint.read import read_model
from speclint.vocabulary import Json
from tests.conftest import REPO, corpus_dirs, fixture_dirs, need

SCHEMA = json.loads((REPO / "schemas" / "facts.schema.json").read_text())


@pytest.fixture(scope="module")
def validator() -> Any:
    cls = jsonschema.validators.validator_for(SCHEMA)
    cls.check_schema(SCHEMA)
    return cls(SCHEMA, format_checker=cls.FORMAT_CHECKER)


def _problems(validator: Any, facts: Json) -> list[str]:
    return [f"/{'/'.join(map(str, e.absolute_path))}: {e.message[:200]}" for e in validator.iter_errors(facts)]


def test_every_golden_fixture_matches_the_schema(validator: Any) -> None:
    models = fixture_dirs()
    need(len(models) > 50, "golden fixtures missing (run golden/make_fixtures.py)")
    wrong = {m.name: _problems(validator, read_model(str(m))) for m in models}
    assert not {k: v for k, v in wrong.items() if v}


def test_every_corpus_model_matches_the_schema(validator: Any, corpus: list[Path]) -> None:
    """Broken corpus models too: their facts carry errors, still in the documented shape."""
    facts = [read_model(str(m)) for m in corpus]
    assert any(f["errors"] for f in facts) and any(not f["errors"] for f in facts)
    wrong = {Path(f["path"]).name: _problems(validator, f) for f in facts}
    assert not {k: v for k, v in wrong.items() if v}
    assert len(corpus) == len(corpus_dirs())


@pytest.mark.parametrize(
    ("where", "change"),
    [
        ("an unknown key", lambda f: f.update(surprise=1)),
        ("a missing key", lambda f: f.pop("entry_points")),
        ("a format nobody writes", lambda f: f.update(format="tf3")),
        ("a dtype not in TensorFlow's spelling", lambda f: f["entry_points"][0]["images"].update(dtype="float32")),
        ("a dimension below -1", lambda f: f["entry_points"][0]["images"].update(shape=[-2, 224, 224, 3])),
    ],
)
def test_the_schema_is_strict_enough_to_fail(validator: Any, where: str, change: Any) -> None:
    """Not a schema that accepts anything: each of these changes to real facts is caught."""
    facts = read_model(str(REPO / "golden" / "models" / "tf2-feature-vector"))
    assert not _problems(validator, facts)
    broken = copy.deepcopy(facts)
    change(broken)
    assert _problems(validator, broken), where
