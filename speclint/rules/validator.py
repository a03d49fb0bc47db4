"""The JSON Schema validator that runs rules at lint time.

Rules are standard draft 2020-12 schemas that python-``jsonschema`` (the reference
implementation, a test dependency) accepts. At lint time a schema that uses only the keywords
below runs on ``SubsetValidator``, a small evaluator of those keywords; any other schema (a user
rule pack with ``$ref``, ``dependentSchemas``, formats...) runs on ``jsonschema_rs``. Why not
``jsonschema_rs`` for everything: importing it costs ~18 ms (it loads ``email``, ``socket``...)
of the 100 ms a pre-commit hook has; ``jsonschema`` costs ~130 ms. A test checks that both
validators give the reference's verdict on every rule and every fixture target.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

Check = Callable[[Any], str | None]  # None when valid, else what is wrong

ANNOTATIONS = frozenset({"$schema", "$id", "$comment", "title", "description", "default", "examples"})
SUBSET = ANNOTATIONS | {
    "type", "const", "enum", "not", "anyOf", "allOf", "oneOf", "if", "then", "else",
    "properties", "required", "additionalProperties", "patternProperties", "propertyNames",
    "minProperties", "maxProperties", "items", "prefixItems", "contains", "minItems", "maxItems",
    "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "minLength", "maxLength", "pattern",
}  # fmt: skip
TYPES = {
    "null": lambda v: v is None,
    "boolean": lambda v: isinstance(v, bool),
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "integer": lambda v: (isinstance(v, int) and not isinstance(v, bool)) or (isinstance(v, float) and v.is_integer()),
}


class Validator:
    """A compiled schema: ``is_valid`` for the hot path, ``first_error`` for messages."""

    def __init__(self, schema: Any) -> None:
        self._check: Check | None = None
        self._fallback: Any = None
        if _in_subset(schema):
            try:
                self._check = _compile(schema)
                return
            except (TypeError, ValueError, KeyError, AttributeError, re.error):
                pass  # malformed: let jsonschema_rs word the error
        import jsonschema_rs

        try:
            self._fallback = jsonschema_rs.Draft202012Validator(schema)
        except jsonschema_rs.ValidationError as exc:
            raise ValueError(_one_line(str(exc))) from None

    @property
    def uses_subset(self) -> bool:
        return self._check is not None

    def is_valid(self, instance: Any) -> bool:
        if self._check is not None:
            return self._check(instance) is None
        return bool(self._fallback.is_valid(instance))

    def first_error(self, instance: Any) -> str | None:
        if self._check is not None:
            return self._check(instance)
        for error in self._fallback.iter_errors(instance):
            where = "/".join(str(part) for part in error.instance_path)
            return f"{error.message} (at /{where})" if where else str(error.message)
        return None


def check_schema(schema: Any) -> None:
    """Raise ValueError unless ``schema`` is a valid draft 2020-12 schema (for user rule packs)."""
    import jsonschema_rs

    try:
        jsonschema_rs.Draft202012Validator(schema)
    except jsonschema_rs.ValidationError as exc:
        raise ValueError(_one_line(str(exc))) from None


_compiled: dict[int, tuple[Any, Validator]] = {}


def compile_schema(schema: Any) -> Validator:
    """Compile once per schema object: the loader's validity check and the engine share it."""
    cached = _compiled.get(id(schema))
    if cached is not None and cached[0] is schema:
        return cached[1]
    validator = Validator(schema)
    _compiled[id(schema)] = (schema, validator)
    return validator


def _in_subset(schema: Any) -> bool:
    if isinstance(schema, bool):
        return True
    if not isinstance(schema, dict) or not set(schema) <= SUBSET:
        return False
    for key in ("not", "if", "then", "else", "additionalProperties", "propertyNames", "items", "contains"):
        if key in schema and not _in_subset(schema[key]):
            return False
    for key in ("anyOf", "allOf", "oneOf", "prefixItems"):
        if key in schema and not (isinstance(schema[key], list) and all(_in_subset(s) for s in schema[key])):
            return False
    for key in ("properties", "patternProperties"):
        if key in schema and not (isinstance(schema[key], dict) and all(_in_subset(s) for s in schema[key].values())):
            return False
    return True


def json_equal(a: Any, b: Any) -> bool:
    """JSON equality: ``true`` is not ``1``, ``1`` is ``1.0``, containers compare deeply."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return a == b
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(json_equal(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(json_equal(a[k], b[k]) for k in a)
    return type(a) is type(b) and a == b


def _compile(schema: Any) -> Check:
    """Turn a schema into a function; each keyword becomes one small check."""
    if schema is True:
        return lambda _: None
    if schema is False:
        return lambda _: "no value is allowed here (false schema)"
    checks: list[Check] = []
    for key, value in schema.items():
        if key in ANNOTATIONS or key in ("then", "else", "items", "additionalProperties"):
            continue
        checks.append(_KEYWORDS[key](value, schema))
    if "items" in schema:
        checks.append(_items(schema["items"], schema))
    if "additionalProperties" in schema:
        checks.append(_additional(schema["additionalProperties"], schema))

    def check(instance: Any) -> str | None:
        for one in checks:
            problem = one(instance)
            if problem is not None:
                return problem
        return None

    return check


def _type(value: Any, _: dict[str, Any]) -> Check:
    names = [value] if isinstance(value, str) else list(value)
    tests = [TYPES[name] for name in names]
    if len(tests) == 1:
        test = tests[0]
        return lambda v: None if test(v) else f"{_excerpt(v)} is not of type {names[0]}"
    return lambda v: None if any(t(v) for t in tests) else f"{_excerpt(v)} is not of type {' or '.join(names)}"


def _const(value: Any, _: dict[str, Any]) -> Check:
    if isinstance(value, str):  # the common case, without the general comparison
        return lambda v: None if v == value and isinstance(v, str) else f"{_excerpt(v)} is not {_excerpt(value)}"
    return lambda v: None if json_equal(v, value) else f"{_excerpt(v)} is not {_excerpt(value)}"


def _enum(value: Any, _: dict[str, Any]) -> Check:
    strings = frozenset(x for x in value if isinstance(x, str))
    others = [x for x in value if not isinstance(x, str)]

    def check(v: Any) -> str | None:
        if isinstance(v, str) and v in strings:
            return None
        if any(json_equal(v, x) for x in others):
            return None
        return f"{_excerpt(v)} is not one of {_excerpt(value)}"

    return check


def _not(value: Any, _: dict[str, Any]) -> Check:
    inner = _compile(value)
    return lambda v: f"{_excerpt(v)} must not match the schema in 'not'" if inner(v) is None else None


def _any_of(value: Any, _: dict[str, Any]) -> Check:
    inner = [_compile(s) for s in value]
    return lambda v: None if any(c(v) is None for c in inner) else f"{_excerpt(v)} matches none of 'anyOf'"


def _all_of(value: Any, _: dict[str, Any]) -> Check:
    inner = [_compile(s) for s in value]

    def check(v: Any) -> str | None:
        return next((p for p in (c(v) for c in inner) if p is not None), None)

    return check


def _one_of(value: Any, _: dict[str, Any]) -> Check:
    inner = [_compile(s) for s in value]

    def check(v: Any) -> str | None:
        matches = sum(1 for c in inner if c(v) is None)
        return None if matches == 1 else f"{_excerpt(v)} matches {matches} of 'oneOf', not exactly one"

    return check


def _if(value: Any, schema: dict[str, Any]) -> Check:
    condition = _compile(value)
    then = _compile(schema.get("then", True))
    otherwise = _compile(schema.get("else", True))
    return lambda v: then(v) if condition(v) is None else otherwise(v)


def _properties(value: Any, _: dict[str, Any]) -> Check:
    inner = {key: _compile(s) for key, s in value.items()}

    def check(v: Any) -> str | None:
        if not isinstance(v, dict):
            return None
        for key, one in inner.items():
            if key in v:
                problem = one(v[key])
                if problem is not None:
                    return f"{problem} (at /{key})"
        return None

    return check


def _pattern_properties(value: Any, _: dict[str, Any]) -> Check:
    inner = [(re.compile(pattern), _compile(s)) for pattern, s in value.items()]

    def check(v: Any) -> str | None:
        if not isinstance(v, dict):
            return None
        for key, item in v.items():
            for pattern, one in inner:
                if pattern.search(key):
                    problem = one(item)
                    if problem is not None:
                        return f"{problem} (at /{key})"
        return None

    return check


def _additional(value: Any, schema: dict[str, Any]) -> Check:
    inner = _compile(value)
    named = set(schema.get("properties", {}))
    patterns = [re.compile(p) for p in schema.get("patternProperties", {})]

    def check(v: Any) -> str | None:
        if not isinstance(v, dict):
            return None
        for key, item in v.items():
            if key in named or any(p.search(key) for p in patterns):
                continue
            problem = inner(item)
            if problem is not None:
                return f"additional property {key!r}: {problem}"
        return None

    return check


def _required(value: Any, _: dict[str, Any]) -> Check:
    def check(v: Any) -> str | None:
        if not isinstance(v, dict):
            return None
        missing = [key for key in value if key not in v]
        return f"{missing[0]!r} is a required property" if missing else None

    return check


def _property_names(value: Any, _: dict[str, Any]) -> Check:
    inner = _compile(value)

    def check(v: Any) -> str | None:
        if not isinstance(v, dict):
            return None
        return next((f"property name {p}" for p in (inner(k) for k in v) if p is not None), None)

    return check


def _size(kind: type, measure: Callable[[Any], int], least: bool, what: str) -> Callable[[Any, dict[str, Any]], Check]:
    def keyword(value: Any, _: dict[str, Any]) -> Check:
        def check(v: Any) -> str | None:
            if not isinstance(v, kind):
                return None
            size = measure(v)
            ok = size >= value if least else size <= value
            return None if ok else f"{_excerpt(v)} has {size} {what}, {'fewer' if least else 'more'} than {value}"

        return check

    return keyword


def _items(value: Any, schema: dict[str, Any]) -> Check:
    inner = _compile(value)
    start = len(schema.get("prefixItems", []))

    def check(v: Any) -> str | None:
        if not isinstance(v, list):
            return None
        return next((f"{p} (at /{i})" for i, p in ((i, inner(x)) for i, x in enumerate(v) if i >= start) if p), None)

    return check


def _prefix_items(value: Any, _: dict[str, Any]) -> Check:
    inner = [_compile(s) for s in value]

    def check(v: Any) -> str | None:
        if not isinstance(v, list):
            return None
        for index, (one, item) in enumerate(zip(inner, v, strict=False)):
            problem = one(item)
            if problem is not None:
                return f"{problem} (at /{index})"
        return None

    return check


def _contains(value: Any, _: dict[str, Any]) -> Check:
    inner = _compile(value)

    def check(v: Any) -> str | None:
        if not isinstance(v, list) or any(inner(x) is None for x in v):
            return None
        return "no item matches 'contains'"

    return check


def _number(compare: Callable[[float, float], bool], words: str) -> Callable[[Any, dict[str, Any]], Check]:
    def keyword(value: Any, _: dict[str, Any]) -> Check:
        def check(v: Any) -> str | None:
            if not TYPES["number"](v) or compare(v, value):
                return None
            return f"{_excerpt(v)} is {words} {value}"

        return check

    return keyword


def _pattern(value: Any, _: dict[str, Any]) -> Check:
    pattern = re.compile(value)
    return lambda v: None if not isinstance(v, str) or pattern.search(v) else f"{_excerpt(v)} does not match {value!r}"


_KEYWORDS: dict[str, Callable[[Any, dict[str, Any]], Check]] = {
    "type": _type,
    "const": _const,
    "enum": _enum,
    "not": _not,
    "anyOf": _any_of,
    "allOf": _all_of,
    "oneOf": _one_of,
    "if": _if,
    "properties": _properties,
    "patternProperties": _pattern_properties,
    "required": _required,
    "propertyNames": _property_names,
    "minProperties": _size(dict, len, True, "properties"),
    "maxProperties": _size(dict, len, False, "properties"),
    "prefixItems": _prefix_items,
    "contains": _contains,
    "minItems": _size(list, len, True, "items"),
    "maxItems": _size(list, len, False, "items"),
    "minLength": _size(str, len, True, "characters"),
    "maxLength": _size(str, len, False, "characters"),
    "minimum": _number(lambda v, bound: v >= bound, "less than the minimum"),
    "maximum": _number(lambda v, bound: v <= bound, "more than the maximum"),
    "exclusiveMinimum": _number(lambda v, bound: v > bound, "not more than"),
    "exclusiveMaximum": _number(lambda v, bound: v < bound, "not less than"),
    "pattern": _pattern,
}


def _excerpt(value: Any) -> str:
    """A value in an error message: its repr (a container's type name), at most 60 characters."""
    text = repr(value) if not isinstance(value, (dict, list)) else type(value).__name__
    return text if len(text) <= 60 else text[:57] + "..."


def _one_line(text: str) -> str:
    return " ".join(text.split("\n\n")[0].split())
