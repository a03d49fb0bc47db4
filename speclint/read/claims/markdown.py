"""tfhub.dev's model Markdown: the metadata lines a publisher wrote, checked as tfhub.dev checked them.

A tfhub.dev page starts with a handle line (``# Module google/imagenet/mobilenet_v2_100_224/feature_vector/5``),
a short description, then one metadata line per value, before the first heading::

    <!-- task: image-feature-vector -->
    <!-- fine-tunable: true -->
    <!-- format: saved_model_2 -->

The grammar, the keys each kind of page requires and supports, and the allowed values are those
of tfhub.dev's own validator (``tools/validator.py`` and ``tags/*.yaml`` of the archived
``tensorflow/tfhub.dev`` repository, whose values ``speclint/data/tfhub_tags.json`` keeps). The
checks that depend on that repository's layout (where the file lies, whether the publisher page
exists, whether a collection's links resolve) do not apply to a README beside a model and are
left out, and so are the ``asset-path`` checks (a ``.tar.gz`` or ``.tflite`` URL, not on
github.com): tfhub.dev applied them only to a page whose ``asset-path`` a pull request changed,
and its published pages say ``legacy`` there since the models moved. ``fine-tunable`` is a claim only
when it says ``true`` or ``false`` (the docs say Boolean); the validator never looked at its value,
so another value is no malformed line either, just no claim. One deviation: a file with Windows line
ends or a UTF-8 byte order mark is read (the validator refused both).

A Markdown file without a handle line (a model's own ``README.md``) is read too: every line of the
metadata form whose key is a tfhub.dev key, outside fenced code blocks, with the same value checks.
"""

from __future__ import annotations

import functools
import json
import os
import re
from typing import NamedTuple

from speclint.vocabulary import Json

PUBLISHER = r"[a-z\d-]+"
MODEL_NAME = r"[\w.-]+(/[\w.-]+)*"
VERSION = r"\d+"
HANDLES = (  # the order tfhub.dev tried them in
    ("Module", rf"# Module (?P<handle>{PUBLISHER}/{MODEL_NAME}/{VERSION})"),
    ("Placeholder", rf"# Placeholder (?P<handle>{PUBLISHER}/{MODEL_NAME}/{VERSION})"),
    ("Lite", rf"# Lite (?P<handle>{PUBLISHER}/{MODEL_NAME}/{VERSION})"),
    ("Tfjs", rf"# Tfjs (?P<handle>{PUBLISHER}/{MODEL_NAME}/{VERSION})"),
    ("Coral", rf"# Coral (?P<handle>{PUBLISHER}/{MODEL_NAME}/{VERSION})"),
    ("Publisher", rf"# Publisher (?P<handle>{PUBLISHER})"),
    ("Collection", rf"# Collection (?P<handle>{PUBLISHER}/(\w|-|/|&|;|\.)+/({VERSION}))"),
)
METADATA_LINE = re.compile(r"^<!--(?P<key>(\w|\s|-)+):(?P<value>.+)-->$")
ICON_LINE = "[![Icon URL]]"
FENCE = re.compile(r"^\s{0,3}(```|~~~)")

ASSET_PATH, FINE_TUNABLE, FORMAT, TASK = "asset-path", "fine-tunable", "format", "task"
PARENT_MODEL, COLAB, DEMO, VISUALIZER = "parent-model", "colab", "demo", "interactive-visualizer"
DATASET, LANGUAGE, LICENSE, ARCHITECTURE = "dataset", "language", "license", "network-architecture"
KEYS = frozenset(
    {ASSET_PATH, FINE_TUNABLE, FORMAT, TASK, PARENT_MODEL, COLAB, DEMO, VISUALIZER, DATASET, LANGUAGE, LICENSE}
    | {ARCHITECTURE}
)
REPEATED_KEYS = frozenset({DATASET, LANGUAGE, TASK, ARCHITECTURE})
SAVED_MODEL_FORMATS = ("hub", "saved_model", "saved_model_2")
TASK_PREFIXES = ("image-", "text-", "audio-", "video-")
BOOLEANS = {"true": True, "false": False}
DOCS = "https://www.tensorflow.org/hub/writing_documentation"


class Policy(NamedTuple):
    """What one kind of tfhub.dev page must and may declare (validator.py's parsing policies)."""

    required: frozenset[str]
    optional: frozenset[str]


_MODEL_OPTIONAL = frozenset({ARCHITECTURE, COLAB, DATASET, LANGUAGE, LICENSE, VISUALIZER})
POLICIES = {
    "Module": Policy(frozenset({ASSET_PATH, FINE_TUNABLE, FORMAT, TASK}), _MODEL_OPTIONAL),
    "Placeholder": Policy(
        frozenset({TASK}), frozenset({DATASET, FINE_TUNABLE, VISUALIZER, LANGUAGE, LICENSE, ARCHITECTURE})
    ),
    "Lite": Policy(frozenset({ASSET_PATH, PARENT_MODEL}), frozenset({COLAB, VISUALIZER})),
    "Tfjs": Policy(frozenset({ASSET_PATH, PARENT_MODEL}), frozenset({COLAB, DEMO, VISUALIZER})),
    "Coral": Policy(frozenset({ASSET_PATH, PARENT_MODEL}), frozenset({COLAB, VISUALIZER})),
    "Publisher": Policy(frozenset(), frozenset()),
    "Collection": Policy(frozenset({TASK}), frozenset({DATASET, LANGUAGE, ARCHITECTURE})),
}


class Declared(NamedTuple):
    """One metadata line: ``<!-- key: value -->`` on line ``line`` (1-based)."""

    key: str
    value: str
    line: int


class Problem(NamedTuple):
    """Why a document (or one of its lines) is not what tfhub.dev accepted."""

    line: int
    message: str


class MarkdownClaims(NamedTuple):
    """The metadata of one Markdown file, and what is malformed in it."""

    kind: str | None  # the tfhub.dev page kind (Module, Placeholder...), None for a plain Markdown file
    handle: str | None
    metadata: list[Declared]
    problems: list[Problem]


@functools.cache
def allowed_values() -> Json:
    """tfhub.dev's tag files, as ``scripts/gen_tfhub_tags.py`` recorded them."""
    path = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(__file__))), "data", "tfhub_tags.json")
    with open(path, encoding="utf-8") as handle:
        data: Json = json.load(handle)
    return data


def decode(data: bytes) -> tuple[str, Problem | None]:
    """UTF-8 text with ``\\n`` line ends; undecodable bytes are replaced and named as a problem."""
    problem = None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        problem = Problem(line, f"is not UTF-8 text (byte {exc.start}); tfhub.dev read documentation as UTF-8")
        text = data.decode("utf-8", "replace")
    return text.removeprefix("\ufeff").replace("\r\n", "\n"), problem


def parse_markdown(text: str) -> MarkdownClaims | None:
    """The claims of one Markdown text, or None when it declares none (an ordinary README)."""
    lines = text.split("\n")
    first = lines[0].replace("&zwnj;", "")
    for kind, pattern in HANDLES:
        match = re.fullmatch(pattern, first)
        if match:
            return _page(kind, match.group("handle"), lines)
    metadata = [d for d in _metadata_lines(lines) if d.key in KEYS]
    if not metadata:
        return None
    problems = _check_values(metadata, None)
    return MarkdownClaims(None, None, metadata, problems)


def _metadata_lines(lines: list[str]) -> list[Declared]:
    """Every metadata-shaped line outside fenced code blocks (a plain README may put them anywhere)."""
    found: list[Declared] = []
    fenced = False
    for number, line in enumerate(lines, start=1):
        if FENCE.match(line):
            fenced = not fenced
            continue
        if not fenced:
            declared = _declared(line, number)
            if declared is not None:
                found.append(declared)
    return found


def _declared(line: str, number: int) -> Declared | None:
    match = METADATA_LINE.match(line)
    if match is None:
        return None
    return Declared(match.group("key").strip(), match.group("value").strip(), number)


def _page(kind: str, handle: str, lines: list[str]) -> MarkdownClaims:
    """A tfhub.dev page: handle line, description, metadata block up to the first heading."""
    problems: list[Problem] = []
    index = 2 if len(lines) > 1 and not lines[1] else 1
    start = index
    while index < len(lines) and lines[index] and not lines[index].startswith("<!--"):
        index += 1
    if index == start:
        problems.append(Problem(2, "has no short description on the line after the handle line"))
    metadata: list[Declared] = []
    while index < len(lines) and not lines[index].startswith("#"):
        line = lines[index]
        index += 1
        if not line or line.startswith(ICON_LINE):
            continue
        declared = _declared(line, index)
        if declared is None:
            problems.append(
                Problem(
                    index, f"unexpected line in the metadata block: {_quoted(line)} (metadata is <!-- key: value -->)"
                )
            )
            continue
        metadata.append(declared)
    problems += _check_policy(kind, metadata)
    problems += _check_values(metadata, POLICIES[kind])
    return MarkdownClaims(kind, handle, metadata, sorted(problems))


def _check_policy(kind: str, metadata: list[Declared]) -> list[Problem]:
    policy = POLICIES[kind]
    keys = {d.key for d in metadata}
    problems = []
    missing = sorted(policy.required - keys)
    if missing:
        problems.append(Problem(1, f"a tfhub.dev {kind} page must declare {', '.join(missing)}; it does not ({DOCS})"))
    supported = policy.required | policy.optional
    for declared in metadata:
        if declared.key not in supported:
            allowed = ", ".join(sorted(supported)) or "none"
            problems.append(
                Problem(
                    declared.line, f"a tfhub.dev {kind} page does not support '{declared.key}' (supported: {allowed})"
                )
            )
    if FORMAT in supported:
        for declared in _values(metadata, FORMAT)[:1]:
            if declared.value not in SAVED_MODEL_FORMATS:
                problems.append(
                    Problem(
                        declared.line,
                        f"format must be one of {', '.join(SAVED_MODEL_FORMATS)}, not {_quoted(declared.value)}",
                    )
                )
    return problems


def _check_values(metadata: list[Declared], policy: Policy | None) -> list[Problem]:
    """Duplicates, task prefixes, values from tfhub.dev's tag files, booleans (and, without a policy, formats)."""
    problems: list[Problem] = []
    seen: dict[str, Declared] = {}
    for declared in metadata:
        earlier = seen.get(declared.key)
        if earlier and declared.key not in REPEATED_KEYS and earlier.value != declared.value:
            problems.append(
                Problem(declared.line, f"'{declared.key}' is declared twice (line {earlier.line} already says so)")
            )
        seen.setdefault(declared.key, declared)
    values = allowed_values()
    for declared in metadata:
        key, value = declared.key, declared.value
        if key == TASK and not value.startswith(TASK_PREFIXES):
            problems.append(
                Problem(declared.line, f"task must start with image-, text-, audio- or video-: {_quoted(value)}")
            )
        if key in values["enumerable"] and value not in values["enumerable"][key]:
            problems.append(Problem(declared.line, f"{key} {_quoted(value)} is not one of tfhub.dev's {key} values"))
        if key in values["url"]:
            problem = _url_problem(value, values["url"][key].get("required_domain"))
            if problem:
                problems.append(Problem(declared.line, f"{key}: {problem}"))
        if key == FORMAT and policy is None and value not in SAVED_MODEL_FORMATS:
            problems.append(
                Problem(declared.line, f"format must be one of {', '.join(SAVED_MODEL_FORMATS)}, not {_quoted(value)}")
            )
    return problems


def _url_problem(value: str, domain: str | None) -> str | None:
    from urllib.parse import urlparse

    try:
        parsed = urlparse(value)
    except ValueError:
        return f"{_quoted(value)} is not a URL"
    if parsed.scheme != "https":
        return f"{_quoted(value)} is not an HTTPS URL"
    if domain is not None and parsed.netloc != domain:
        return f"{_quoted(value)} must lead to {domain}"
    return None


def _values(metadata: list[Declared], key: str) -> list[Declared]:
    return [d for d in metadata if d.key == key]


def _quoted(text: str) -> str:
    return "'" + (text if len(text) <= 80 else text[:80] + "...") + "'"
