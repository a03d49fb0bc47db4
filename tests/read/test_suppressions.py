"""speclint/read/suppressions.py: a model's ``speclint-ignore.toml`` read as hostile input; any error voids it.

Real files in ``tmp_path`` read through the model's directory tree, as the reader reads them.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from speclint.read.files import SUPPRESSIONS_BYTES
from speclint.read.suppressions import MAX_ENTRIES, MAX_REASON, read_suppressions
from speclint.read.tree import DirectoryTree

GOOD = '[[ignore]]\ncode = "SL140"\nreason = "  NCHW on purpose, for TPU inference  "\n'


def suppressions(tmp_path: Path, content: str | bytes) -> dict[str, object]:
    data = content.encode() if isinstance(content, str) else content
    (tmp_path / "speclint-ignore.toml").write_bytes(data)
    return read_suppressions(DirectoryTree(str(tmp_path)))


def test_a_model_without_the_file_has_nothing_to_suppress(tmp_path: Path) -> None:
    assert read_suppressions(DirectoryTree(str(tmp_path))) == {"file": None, "entries": [], "errors": [], "unused": []}


def test_each_entry_has_its_code_its_reason_and_where_it_is(tmp_path: Path) -> None:
    facts = suppressions(tmp_path, GOOD + GOOD.replace("SL140", "SL125"))
    assert facts["file"] == "speclint-ignore.toml" and facts["errors"] == []
    assert facts["entries"] == [
        {
            "code": "SL140",
            "reason": "NCHW on purpose, for TPU inference",
            "where": "speclint-ignore.toml [[ignore]] #1",
        },
        {
            "code": "SL125",
            "reason": "NCHW on purpose, for TPU inference",
            "where": "speclint-ignore.toml [[ignore]] #2",
        },
    ]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('[[ignore]]\ncode = "SL140"\n', "[[ignore]] #1 (SL140): reason is required"),
        ('[[ignore]]\ncode = "SL140"\nreason = "  "\n', "[[ignore]] #1 (SL140): reason is required"),
        ('[[ignore]]\nreason = "x"\n', '[[ignore]] #1: code must be a rule code such as "SL140"'),
        (
            GOOD + '[[ignore]]\ncode = "SL1"\nreasn = "x"\n',
            "[[ignore]] #2: unknown key 'reasn'; did you mean 'reason'?",
        ),
        ('[[ignores]]\ncode = "SL140"\n', "unknown key 'ignores'; did you mean 'ignore'? (it holds [[ignore]] tables)"),
        ('ignore = "SL140"\n', "ignore must be an array of tables"),
        ("[[ignore]\n", "is not valid TOML: "),
        (b'[[ignore]]\ncode = "SL140"\nreason = "\xff"\n', "is not valid TOML: not UTF-8"),
        (f'[[ignore]]\ncode = "SL140"\nreason = "{"x" * (MAX_REASON + 1)}"\n', "reason is longer than 1000 characters"),
        (GOOD * (MAX_ENTRIES + 1), f"has {MAX_ENTRIES + 1} [[ignore]] entries, more than {MAX_ENTRIES}"),
    ],
)
def test_any_error_voids_the_whole_file_and_is_named(tmp_path: Path, content: str | bytes, message: str) -> None:
    facts = suppressions(tmp_path, content)
    assert facts["entries"] == []
    assert facts["errors"] == [{"where": "speclint-ignore.toml", "message": facts["errors"][0]["message"]}]  # type: ignore[index]
    assert message in facts["errors"][0]["message"]  # type: ignore[index]


def test_a_big_file_and_a_link_out_of_the_model_are_refused_unread(tmp_path: Path) -> None:
    model = tmp_path / "model"
    model.mkdir()
    big = suppressions(model, "#" * (SUPPRESSIONS_BYTES + 1))
    assert (
        big["errors"][0]["message"]
        == f"is {SUPPRESSIONS_BYTES + 1} bytes, above the size cap of {SUPPRESSIONS_BYTES} bytes; not read"
    )  # type: ignore[index]
    secret = tmp_path / "secret.toml"
    secret.write_text(GOOD, encoding="utf-8")
    (model / "speclint-ignore.toml").unlink()
    os.symlink(secret, model / "speclint-ignore.toml")
    linked = read_suppressions(DirectoryTree(str(model)))
    assert linked["entries"] == [] and "outside the model directory" in linked["errors"][0]["message"]
