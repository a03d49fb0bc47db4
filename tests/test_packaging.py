"""The wheel ships every Python package: a subpackage missing from pyproject's list works in an
editable checkout and breaks only once installed (the pre-commit hook's environment)."""

from __future__ import annotations

import tomllib

from tests.conftest import REPO


def test_every_source_directory_is_a_listed_package() -> None:
    listed = set(tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    on_disk = {
        ".".join(directory.relative_to(REPO).parts)
        for directory in [REPO / "speclint", *(REPO / "speclint").rglob("*")]
        if directory.is_dir() and "__pycache__" not in directory.parts and any(directory.glob("*.py"))
    }
    assert on_disk - listed == set(), "add these to [tool.setuptools] packages in pyproject.toml"
