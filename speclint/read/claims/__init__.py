"""What the publisher claims about the model, as ``facts["claims"]``: task, format, fine-tunable.

A model is published with documentation that tells consumers which contract to expect: the
tfhub.dev page's metadata lines (``<!-- task: image-feature-vector -->``, ``markdown``) and Kaggle's
``model-instance-metadata.json`` (``kaggle``). They are read where publishers keep them: any
Markdown file and ``model-instance-metadata.json`` at the model's root (Kaggle's upload folder
holds both), plus one file named by ``--claims`` or a ``claims`` entry of ``per-path`` config for
documentation kept elsewhere. Every claim says where it was made (``README.md line 4``); a
malformed line, or two documents that disagree, is an entry in ``errors`` with its line.

Rules compare the claims with the rest of the facts (``schemas/rules/SL2*.json``); the declared
task also chooses the profile (``speclint.rules.declared``).
"""

from __future__ import annotations

import os
from typing import Any, NamedTuple

from speclint.read.claims import kaggle, markdown
from speclint.read.claims.markdown import Declared, Problem
from speclint.safe_io import ReadError, read_regular
from speclint.safe_text import display_path
from speclint.vocabulary import TF1, TF1_HUB, TF2, Json

DOCUMENT_BYTES = 4 << 20
MAX_DOCUMENTS = 32
MARKDOWN_FORMATS = {"hub": [TF1_HUB], "saved_model": [TF1], "saved_model_2": [TF2]}
KINDS = {"markdown": "tfhub.dev Markdown", "kaggle": "Kaggle model-instance-metadata.json"}


def empty() -> Json:
    """``facts["claims"]`` of a model whose publisher says nothing."""
    return {"documents": [], "errors": [], "task": None, "format": None, "fine_tunable": None, "metadata": {}}


class _Source(NamedTuple):
    name: str  # as shown: a path relative to the model, or the path the user gave
    origin: str  # "model" (found at its root) or "named" (--claims / per-path claims)
    data: bytes | ReadError


def read_claims(tree: Any, named: str | None = None) -> Json:
    """The claims of the model in ``tree`` (a ``ModelTree``) and of the file ``named``, if any.

    Never raises for bad input: a document that cannot be read or parsed is an entry in ``errors``.
    """
    sources = [_Source(display_path(named), "named", _read_named(named))] if named else []
    for name in documentation_names(tree):
        try:
            data: bytes | ReadError = tree.read(name, DOCUMENT_BYTES)
        except ReadError as exc:
            data = exc
        sources.append(_Source(display_path(name), "model", data))
    claims = empty()
    builder = _Builder(claims)
    for source in sources:
        builder.add(source)
    return claims


def documentation_names(tree: Any) -> list[str]:
    """Files at the model's root that may hold claims: README.md first, then other Markdown, then Kaggle's."""
    names = [n for n in tree.top_files() if n.lower().endswith(".md") or n == kaggle.FILE_NAME]
    names.sort(key=lambda n: (n == kaggle.FILE_NAME, n.lower() != "readme.md", n))
    return names[:MAX_DOCUMENTS]


def is_documentation(name: str) -> bool:
    """A file at the model's root that documents it: Markdown, Kaggle's metadata, a licence or notice.

    Kaggle's upload folder holds them beside the model files; they are not model files, and
    ``files.unusable`` leaves them out.
    """
    lowered = name.lower()
    return lowered.endswith(".md") or name == kaggle.FILE_NAME or lowered.startswith(("license", "licence", "notice"))


def _read_named(path: str) -> bytes | ReadError:
    try:
        return read_regular(path, DOCUMENT_BYTES)
    except ReadError as exc:
        return exc


class _Builder:
    """Fills ``facts["claims"]`` document by document; the first document to make a claim keeps it."""

    def __init__(self, claims: Json) -> None:
        self.claims = claims

    def add(self, source: _Source) -> None:
        kind = (
            "kaggle"
            if os.path.basename(source.name) == kaggle.FILE_NAME or source.name.endswith(".json")
            else "markdown"
        )
        if isinstance(source.data, ReadError):
            if source.origin == "named" or kind == "kaggle":  # a README that cannot be read may hold no claims
                self._document(source, kind, None)
                self._error(source.name, None, f"cannot be read: {source.data}")
            return
        if kind == "kaggle":
            self._kaggle(source)
        else:
            self._markdown(source)

    def _document(self, source: _Source, kind: str, page: str | None) -> None:
        self.claims["documents"].append(
            {"file": source.name, "kind": kind, "page": page, "origin": source.origin, "where": source.name}
        )

    def _markdown(self, source: _Source) -> None:
        assert isinstance(source.data, bytes)
        text, problem = markdown.decode(source.data)
        parsed = markdown.parse_markdown(text)
        if parsed is None:
            if source.origin == "named":  # named as the model's documentation: saying nothing is a problem
                self._document(source, "markdown", None)
                self._error(source.name, None, "declares no tfhub.dev metadata (<!-- task: ... --> lines)")
            return
        page = f"{parsed.kind} {parsed.handle}" if parsed.kind else None
        self._document(source, "markdown", page)
        for found in ([problem] if problem else []) + parsed.problems:
            self._error(source.name, found.line, f"{found.message}")
        metadata = self.claims["metadata"]
        for declared in parsed.metadata:
            values = metadata.setdefault(declared.key, [])
            if declared.value not in values:
                values.append(declared.value)
        known = markdown.allowed_values()["enumerable"][markdown.TASK]  # a misspelt task is malformed, not a claim
        tasks = [d for d in parsed.metadata if d.key == markdown.TASK and d.value in known]
        if tasks:
            self._claim(
                "task",
                source.name,
                tasks[0],
                {"values": sorted({d.value for d in tasks})},
                lambda old, new: set(old["values"]) == set(new["values"]),
                "task",
            )
        formats = [d for d in parsed.metadata if d.key == markdown.FORMAT and d.value in MARKDOWN_FORMATS]
        if formats:
            value = formats[0].value
            self._format(source.name, formats[0], value, MARKDOWN_FORMATS[value], "format")
        flags = [d for d in parsed.metadata if d.key == markdown.FINE_TUNABLE and d.value.lower() in markdown.BOOLEANS]
        if flags:
            self._fine_tunable(source.name, flags[0], "fine-tunable")

    def _kaggle(self, source: _Source) -> None:
        assert isinstance(source.data, bytes)
        text, problem = markdown.decode(source.data)
        parsed = kaggle.parse_instance_metadata(text)
        fields = [parsed.fields.get(k) for k in ("ownerSlug", "modelSlug", "framework", "instanceSlug")]
        page = "Kaggle instance " + "/".join(fields) if all(isinstance(f, str) for f in fields) else None  # type: ignore[arg-type]
        self._document(source, "kaggle", page)
        for found in ([problem] if problem else []) + parsed.problems:
            self._error(source.name, found.line, found.message)
        if parsed.framework is not None and parsed.framework_member is not None:
            formats = kaggle.MODEL_FORMATS[parsed.framework_member]
            if formats is not None:
                self._format(source.name, parsed.framework, parsed.framework.value, formats, "framework")
        if parsed.fine_tunable is not None:
            self._fine_tunable(source.name, parsed.fine_tunable, "fineTunable")

    def _format(self, name: str, declared: Declared, value: str, formats: list[str], label: str) -> None:
        self._claim(
            "format",
            name,
            declared,
            {"value": value, "model_formats": formats},
            lambda old, new: (
                bool(set(old["model_formats"]) & set(new["model_formats"]))
                or old["model_formats"] == new["model_formats"]
            ),
            label,
        )

    def _fine_tunable(self, name: str, declared: Declared, label: str) -> None:
        value = markdown.BOOLEANS[declared.value.lower()]
        self._claim(
            "fine_tunable", name, declared, {"value": value}, lambda old, new: old["value"] == new["value"], label
        )

    def _claim(self, key: str, name: str, declared: Declared, body: Json, agree: Any, label: str) -> None:
        where = f"{name} line {declared.line}"
        value = body.get("value")
        shown = (
            ", ".join(body["values"]) if "values" in body else str(value).lower() if isinstance(value, bool) else value
        )
        claim = {**body, "file": name, "line": declared.line, "where": where, "declared": f"{label}: {shown}"}
        claim["summary"] = f"{where} declares {claim['declared']}"
        earlier = self.claims[key]
        if earlier is None:
            self.claims[key] = claim
        elif not agree(earlier, claim):
            self._error(
                name,
                declared.line,
                f"declares {claim['declared']}, but {earlier['where']} declares {earlier['declared']}; "
                f"{earlier['where']} is the one checked",
            )

    def _error(self, name: str, line: int | None, message: str) -> None:
        where = f"{name} line {line}" if line else name
        self.claims["errors"].append({"file": name, "line": line, "where": where, "message": message})


__all__ = ["Declared", "Problem", "documentation_names", "empty", "is_documentation", "read_claims"]
