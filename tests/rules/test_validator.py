"""The lint-time evaluator agrees with python-jsonschema, the reference, on tricky cases."""

from __future__ import annotations

from typing import Any

import jsonschema
import pytest

from speclint.rules.ruleset import RuleSet
from speclint.rules.validator import Validator

CASES: list[tuple[dict[str, Any] | bool, list[Any]]] = [
    ({"const": 1}, [1, 1.0, True, "1", [1]]),
    ({"const": True}, [True, 1, False]),
    ({"enum": ["DT_FLOAT", 3, None]}, ["DT_FLOAT", "DT_HALF", 3, 3.0, True, None, False]),
    ({"type": "integer"}, [1, 1.0, 1.5, True, "1"]),
    ({"type": ["number", "null"]}, [1, 2.5, None, False, "x"]),
    (
        {"prefixItems": [{"const": -1}, True, {"minimum": 1}], "items": {"type": "integer"}},
        [[-1, 5, 3], [-1, 5, 0], [2, 5, 3], [-1], [], [-1, 5, 3, "x"], [-1, 5, 3, 4], "not a list"],
    ),
    ({"items": {"type": "string"}, "minItems": 1, "maxItems": 2}, [[], ["a"], ["a", "b", "c"], ["a", 1]]),
    ({"contains": {"const": 3}}, [[1, 2], [3], [], {"a": 3}]),
    (
        {"properties": {"a": {"type": "string"}}, "required": ["a"], "additionalProperties": False},
        [{"a": "x"}, {"a": 1}, {}, {"a": "x", "b": 1}, []],
    ),
    (
        {"patternProperties": {"^x-": {"type": "integer"}}, "additionalProperties": {"type": "string"}},
        [{"x-a": 1, "b": "s"}, {"x-a": "s"}, {"b": 2}],
    ),
    ({"propertyNames": {"not": {"enum": ["RandomUniform"]}}}, [{"Conv2D": 1}, {"RandomUniform": 1}]),
    ({"not": {"anyOf": [{"const": 0.003922}, {"const": 0.007843}]}}, [0.003922, 0.5, 0.007843]),
    ({"oneOf": [{"type": "integer"}, {"minimum": 2}]}, [1, 3, 1.5, "x"]),
    (
        {"if": {"properties": {"k": {"const": "a"}}}, "then": {"required": ["x"]}, "else": {"required": ["y"]}},
        [{"k": "a", "x": 1}, {"k": "a"}, {"k": "b", "y": 1}, {"k": "b"}],
    ),
    ({"pattern": "^[^/]+/.+", "minLength": 3}, ["Net/conv", "conv", "a/", 7]),
    ({"minProperties": 1, "maxProperties": 1}, [{}, {"a": 1}, {"a": 1, "b": 2}]),
    ({"exclusiveMinimum": 0, "maximum": 10}, [0, 0.5, 10, 11, True]),
    (False, [None, 1]),
    (True, [None, 1]),
]


@pytest.mark.parametrize(("schema", "instances"), CASES, ids=[str(i) for i in range(len(CASES))])
def test_same_verdict_as_the_reference(schema: dict[str, Any] | bool, instances: list[Any]) -> None:
    reference = jsonschema.Draft202012Validator(schema)
    ours = Validator(schema)
    assert ours.uses_subset
    for instance in instances:
        assert ours.is_valid(instance) == reference.is_valid(instance), (schema, instance)
        assert (ours.first_error(instance) is None) == reference.is_valid(instance)


def test_other_keywords_run_on_jsonschema_rs() -> None:
    schema = {"$defs": {"d": {"const": 3}}, "$ref": "#/$defs/d"}
    validator = Validator(schema)
    assert not validator.uses_subset
    assert validator.is_valid(3) and not validator.is_valid(4)
    with pytest.raises(ValueError, match="nonsense"):
        Validator({"type": "nonsense"})


def test_every_builtin_rule_takes_the_fast_path() -> None:
    """The hook's time budget assumes no built-in rule needs jsonschema_rs."""
    ruleset = RuleSet()
    slow = [code for code in ruleset.rules if not ruleset.compiled(code).check.uses_subset]
    assert slow == []
