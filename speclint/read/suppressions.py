"""``speclint-ignore.toml`` in a model's directory: findings accepted for this one model, each with a reason.

The model's equivalent of ``# noqa``, for files that cannot hold comments::

    [[ignore]]
    code = "SL140"
    reason = "NCHW on purpose: exported for TPU inference; the NHWC variant is published beside it"

The file comes with the model, so it is hostile input like every other file there: read
without blocking, regular files only, inside the model, at most ``SUPPRESSIONS_BYTES``; a
file that cannot be read or parsed, an unknown key, a missing or empty reason is an entry of
``errors`` (SL020), and its suppressions do not apply. Whether a code exists, may be
suppressed at all, and was used is decided later, with the rules (``rules.suppress``).
"""

from __future__ import annotations

from typing import Any

from speclint.errors import did_you_mean
from speclint.read.files import SUPPRESSIONS_BYTES, SUPPRESSIONS_FILE, ModelTree
from speclint.safe_io import ReadError
from speclint.vocabulary import Json

ENTRY_KEYS = ("code", "reason")
MAX_ENTRIES = 500
MAX_REASON = 1000  # characters: a reason is a sentence or two, not a document


def empty() -> Json:
    """The facts of a model without the file (or one that was not read at all)."""
    return {"file": None, "entries": [], "errors": [], "unused": []}


def read_suppressions(tree: ModelTree) -> Json:
    """``facts["suppressions"]``: the entries of the model's ``speclint-ignore.toml``, or why it cannot be used.

    Any error voids the whole file: a half-applied list would hide which findings it meant.
    """
    facts = empty()
    size = tree.size(SUPPRESSIONS_FILE)
    if size is None:
        return facts
    facts["file"] = SUPPRESSIONS_FILE
    try:
        entries = _entries(tree, size)
    except ValueError as exc:
        facts["errors"].append({"where": SUPPRESSIONS_FILE, "message": str(exc)})
        return facts
    facts["entries"] = entries
    return facts


def _entries(tree: ModelTree, size: int) -> list[Json]:
    if size > SUPPRESSIONS_BYTES:
        raise ValueError(f"is {size} bytes, above the size cap of {SUPPRESSIONS_BYTES} bytes; not read")
    try:
        data = tree.read(SUPPRESSIONS_FILE, SUPPRESSIONS_BYTES)
    except ReadError as exc:
        raise ValueError(f"cannot be read: {exc}") from None
    document = _toml(data)
    unknown = sorted(set(document) - {"ignore"})
    if unknown:
        raise ValueError(
            f"unknown key {unknown[0]!r}{did_you_mean(unknown[0], ['ignore'])} (it holds [[ignore]] tables)"
        )
    table = document.get("ignore", [])
    if not isinstance(table, list) or not all(isinstance(entry, dict) for entry in table):
        raise ValueError("ignore must be an array of tables ([[ignore]] with code and reason)")
    if len(table) > MAX_ENTRIES:
        raise ValueError(f"has {len(table)} [[ignore]] entries, more than {MAX_ENTRIES}")
    return [_entry(entry, index) for index, entry in enumerate(table)]


def _entry(entry: dict[str, Any], index: int) -> Json:
    where = f"[[ignore]] #{index + 1}"
    unknown = sorted(set(entry) - set(ENTRY_KEYS))
    if unknown:
        raise ValueError(f"{where}: unknown key {unknown[0]!r}{did_you_mean(unknown[0], list(ENTRY_KEYS))}")
    code, reason = entry.get("code"), entry.get("reason")
    if not isinstance(code, str) or not code:
        raise ValueError(f'{where}: code must be a rule code such as "SL140"')
    if not isinstance(reason, str) or not reason.strip():
        raise ValueError(f"{where} ({code}): reason is required: say why this finding is accepted for this model")
    if len(reason) > MAX_REASON:
        raise ValueError(f"{where} ({code}): reason is longer than {MAX_REASON} characters")
    return {"code": code, "reason": reason.strip(), "where": f"{SUPPRESSIONS_FILE} {where}"}


def _toml(data: bytes) -> dict[str, Any]:
    import sys

    if sys.version_info >= (3, 11):
        import tomllib
    else:  # Python 3.10: the tomli backport
        import tomli as tomllib

    try:
        return tomllib.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise ValueError("is not valid TOML: not UTF-8") from None
    except (tomllib.TOMLDecodeError, RecursionError) as exc:
        raise ValueError(f"is not valid TOML: {str(exc)[:200]}") from None
