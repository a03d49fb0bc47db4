"""The JSON Schema validator that runs rules at lint time.

Rules are standard draft 2020-12 schemas that python-``jsonschema`` (the reference
implementation, a test dependency) accepts; at lint time they run on ``jsonschema_rs``,
which compiles them in Rust: a whole run stays inside the pre-commit hook's time budget,
where importing ``jsonschema`` alone costs about 130 ms.
"""

from __future__ import annotations

from typing import Any

import jsonschema_rs


class Validator:
    """A compiled schema: ``is_valid`` for the hot path, ``first_error`` for messages."""

    def __init__(self, schema: Any) -> None:
        try:
            self._compiled = jsonschema_rs.Draft202012Validator(schema)
        except jsonschema_rs.ValidationError as exc:
            raise ValueError(_one_line(str(exc))) from None

    def is_valid(self, instance: Any) -> bool:
        return bool(self._compiled.is_valid(instance))

    def first_error(self, instance: Any) -> str | None:
        for error in self._compiled.iter_errors(instance):
            where = "/".join(str(part) for part in error.instance_path)
            return f"{error.message} (at /{where})" if where else str(error.message)
        return None


def compile_schema(schema: Any) -> Validator:
    return Validator(schema)


def _one_line(text: str) -> str:
    return " ".join(text.split("\n\n")[0].split())
