"""speclint/read/claims/markdown.py: a tfhub.dev model page read as tfhub.dev's validator reads it.

Real pages (tests/read/claims/data/tfhub_docs, Apache-2.0, see NOTICE there) are the inputs;
benchmarks/bench_tfhub_docs.py holds the parser to tfhub.dev's own validator on every page the site published.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from speclint.read.claims import read_claims
from speclint.read.claims.markdown import decode, parse_markdown

DOCS = Path(__file__).parent / "data" / "tfhub_docs"
PAGES = sorted(DOCS.glob("*.md"))
GOOD_PAGE = "\n".join(
    [
        "# Module speclint/tiny/1",
        "A tiny image model.",
        "",
        "<!-- asset-path: legacy -->",
        "<!-- task: image-feature-vector -->",
        "<!-- fine-tunable: true -->",
        "<!-- format: saved_model_2 -->",
        "",
        "## Overview",
        "<!-- task: text-embedding -->",
    ]
)


class DocumentsTree:
    """A model tree holding only documentation files."""

    def __init__(self, files: dict[str, bytes]) -> None:
        self.files = files

    def top_files(self) -> list[str]:
        return sorted(self.files)

    def read(self, relative: str, max_bytes: int) -> bytes:
        return self.files[relative]


def parsed(text: str) -> Any:
    result = parse_markdown(text)
    assert result is not None
    return result


def problems(text: str) -> list[tuple[int, str]]:
    return [(p.line, p.message) for p in parsed(text).problems]


def with_line(text: str, after: str, line: str) -> str:
    return text.replace(after, f"{after}\n{line}", 1)


# ---- tfhub.dev pages -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("page", "kind", "task", "fmt", "tunable"),
    [
        (
            "google--imagenet--mobilenet_v3_small_100_224--classification--5.md",
            "Module",
            "image-classification",
            "saved_model_2",
            "true",
        ),
        (
            "google--imagenet--mobilenet_v2_075_224--feature_vector--3.md",
            "Module",
            "image-feature-vector",
            "hub",
            "true",
        ),
        ("google--nnlm-id-dim128--1.md", "Module", "text-embedding", "hub", "true"),
        ("sayannath--image-scene--1.md", "Placeholder", "image-classification", None, "true"),
        ("sayannath--image-scene--lite--1.md", "Lite", None, None, None),
        ("vtab--collections--benchmark--1.md", "Collection", "image-feature-vector", None, None),
    ],
)
def test_real_pages_parse_as_tfhub_dev_published_them(page: str, kind: str, task: str, fmt: str, tunable: str) -> None:
    result = parsed(decode((DOCS / page).read_bytes())[0])
    assert result.kind == kind and result.problems == []
    values = {d.key: d.value for d in result.metadata}
    assert (values.get("task"), values.get("format"), values.get("fine-tunable")) == (task, fmt, tunable)
    assert result.handle and page.startswith(result.handle.split("/")[0])


def test_every_kept_page_is_read_without_a_malformed_finding() -> None:
    assert len(PAGES) == 6
    for page in PAGES:
        assert read_claims(DocumentsTree({"README.md": page.read_bytes()}))["errors"] == [], page.name


@pytest.mark.parametrize(
    ("change", "line", "needle"),
    [
        (lambda t: t.replace("image-feature-vector", "image-feature-vectors"), 5, "not one of tfhub.dev's task values"),
        (
            lambda t: t.replace("task: image-feature-vector", "task: picture-feature-vector"),
            5,
            "must start with image-",
        ),
        (lambda t: t.replace("<!-- format: saved_model_2 -->\n", ""), 1, "must declare format"),
        (
            lambda t: t.replace("saved_model_2", "saved_model_3"),
            7,
            "format must be one of hub, saved_model, saved_model_2",
        ),
        (lambda t: with_line(t, "<!-- format: saved_model_2 -->", "<!-- format: hub -->"), 8, "declared twice"),
        (
            lambda t: with_line(t, "<!-- task: image-feature-vector -->", "<!-- flavour: vanilla -->"),
            6,
            "does not support 'flavour'",
        ),
        (lambda t: with_line(t, "<!-- task: image-feature-vector -->", "Fine-tunable."), 6, "unexpected line"),
        (lambda t: with_line(t, "<!-- task: image-feature-vector -->", "<!-- language: xx -->"), 6, "language 'xx'"),
        (
            lambda t: with_line(
                t, "<!-- task: image-feature-vector -->", "<!-- colab: http://colab.research.google.com/a -->"
            ),
            6,
            "not an HTTPS URL",
        ),
        (
            lambda t: with_line(t, "<!-- task: image-feature-vector -->", "<!-- colab: https://example.com/a -->"),
            6,
            "must lead to colab.research.google.com",
        ),
        (lambda t: t.replace("A tiny image model.\n", ""), 2, "no short description"),
    ],
)
def test_what_tfhub_dev_refused_is_malformed_with_its_line(change: Any, line: int, needle: str) -> None:
    found = problems(change(GOOD_PAGE))
    assert any(at == line and needle in message for at, message in found), found


def test_what_tfhub_dev_accepted_is_not_malformed() -> None:
    assert problems(GOOD_PAGE) == []
    repeated = with_line(GOOD_PAGE, "<!-- task: image-feature-vector -->", "<!-- task: image-others -->")
    assert problems(repeated) == []  # task may repeat
    assert problems(with_line(GOOD_PAGE, "<!-- format: saved_model_2 -->", "<!-- format: saved_model_2 -->")) == []
    yes = parsed(GOOD_PAGE.replace("fine-tunable: true", "fine-tunable: yes"))
    assert yes.problems == []  # the validator never judged the value: no malformed line, and no claim
    assert read_claims(DocumentsTree({"README.md": GOOD_PAGE.replace("true", "yes").encode()}))["fine_tunable"] is None


def test_windows_line_ends_and_a_byte_order_mark_are_read() -> None:
    data = ("\ufeff" + GOOD_PAGE).replace("\n", "\r\n").encode()
    claims = read_claims(DocumentsTree({"README.md": data}))
    assert claims["errors"] == [] and claims["task"]["values"] == ["image-feature-vector"]


def test_a_plain_readme_declares_only_its_metadata_lines_outside_code() -> None:
    text = (
        "# My model\n\nSome words <!-- not: metadata -->\n\n<!-- task: image-classification -->\n"
        "```\n<!-- task: text-embedding -->\n```\n<!-- TODO: fix -->\n"
    )
    result = parsed(text)
    assert result.kind is None and [(d.key, d.value, d.line) for d in result.metadata] == [
        ("task", "image-classification", 5)
    ]
    assert parse_markdown("# My model\n\n<!-- TODO: later -->\n") is None  # no tfhub.dev key: says nothing


def test_undecodable_bytes_are_named() -> None:
    text, problem = decode(b"# Module a/b/1\nx\n<!-- task: image-feature-vector -->\n\xff\n")
    assert problem is not None and problem.line == 4 and "not UTF-8" in problem.message
    assert "\ufffd" in text
