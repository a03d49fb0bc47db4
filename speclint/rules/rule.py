"""What a rule is and what it finds: plain data shared by the engine and the reporters.

NamedTuples rather than dataclasses: ``dataclasses`` pulls in ``inspect``, about 10 ms of the
start-up a pre-commit hook pays on every commit.
"""

from __future__ import annotations

from typing import Any, NamedTuple, Protocol, TypeVar

from speclint.vocabulary import TF2

SPEC_URLS = {
    "tf1": "https://www.tensorflow.org/hub/common_signatures/images",
    "tf2": "https://www.tensorflow.org/hub/common_saved_model_apis/images",
}


class SpecRef(NamedTuple):
    """A section of one of the two spec pages, with the sentence the rule enforces."""

    document: str  # "tf1" | "tf2"
    section: str  # "#input", "#feature-vector", "#classification"
    quote: str
    base_url: str = ""  # a translation of the page (``?hl=zh-cn``); default the English one

    @property
    def url(self) -> str:
        return (self.base_url or SPEC_URLS[self.document]) + self.section


class Rule(NamedTuple):
    """One rule file of ``schemas/rules``: metadata, a target in the facts, a JSON Schema; or of
    ``schemas/changes``: metadata and the kind of delta between two versions it judges (its
    ``family`` is the file's ``category``, its ``examples["pair"]`` the file's ``example``)."""

    code: str
    name: str
    severity: str
    since: str
    summary: str
    message: str
    why: str
    spec: tuple[SpecRef, ...]
    target: str
    schema: dict[str, Any]
    when: dict[str, Any] | None = None
    found: str | None = None
    examples: dict[str, str] = {}  # noqa: RUF012 - never mutated
    gate: bool = False
    source: str = ""  # the file it came from
    family: str = "custom"  # reading, tf1-hub, input, output, tf2, graph, security, probe, ...
    stage: str = "static"  # "static" | "execute" | "diff" (a change rule of ``speclint diff``)
    fix: str = ""
    cause: tuple[str, ...] = ()  # pointers naming one root cause; () = the message without its location
    builtin: bool = False  # shipped with speclint (has a rule page), not from a rule pack
    implied_by: tuple[str, ...] = ()  # codes whose finding on the same model is this one's root cause
    message_en: str = ""  # the English template when ``message`` is translated: the fingerprint's words
    delta: str = ""  # a change rule's delta kind (``speclint/diff/deltas.py``), judged instead of a target

    @property
    def cause_template(self) -> str:
        """The English message, whatever the reader's language: a root cause (and its fingerprint)
        is the same in every language."""
        return self.message_en or self.message

    def spec_for(self, model_format: str | None) -> SpecRef:
        """The spec section for this model's format (TF2 page for TF2 models, else TF1)."""
        wanted = "tf2" if model_format == TF2 else "tf1"
        return next((ref for ref in self.spec if ref.document == wanted), self.spec[0])


class Location(NamedTuple):
    """One place in a model where a finding's cause shows: a tag-set, signature, trace or node."""

    where: str
    pointer: str


class Finding(NamedTuple):
    """One broken promise in one model: one root cause, with every place it shows.

    ``where``/``pointer``/``message`` are those of the first location. Field order is the
    sort order of every report.
    """

    path: str
    code: str
    where: str
    name: str
    severity: str
    message: str
    pointer: str
    spec_url: str
    fix: str = ""
    url: str = ""  # the rule's page (the spec section for a rule pack's rules)
    cause: str = ""  # what identifies the root cause, free of TensorFlow's function numbers
    locations: tuple[Location, ...] = ()
    fingerprint: str = ""

    @property
    def all_locations(self) -> tuple[Location, ...]:
        return self.locations or (Location(self.where, self.pointer),)

    def to_json(self) -> dict[str, Any]:
        data = self._asdict()
        data.pop("cause")
        data["locations"] = [dict(location._asdict()) for location in self.all_locations]
        return dict(data)


class Reported(Protocol):
    """What the text and github reporters read of a finding: lint findings and ``speclint diff``'s
    change findings alike, so both show one root cause with its other places the same way."""

    @property
    def code(self) -> str: ...
    @property
    def where(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def severity(self) -> str: ...
    @property
    def message(self) -> str: ...
    @property
    def spec_url(self) -> str: ...
    @property
    def fix(self) -> str: ...
    @property
    def url(self) -> str: ...
    @property
    def all_locations(self) -> tuple[Location, ...]: ...


class Groupable(Protocol):
    """What ``engine.group`` needs to merge the findings of one root cause."""

    @property
    def path(self) -> str: ...
    @property
    def code(self) -> str: ...
    @property
    def cause(self) -> str: ...
    @property
    def all_locations(self) -> tuple[Location, ...]: ...
    def _replace(self: G, *, locations: tuple[Location, ...]) -> G: ...


G = TypeVar("G", bound=Groupable)
