"""The tests mirror the package, as CONTRIBUTING.md says: ``speclint/x/y.py`` is tested in ``tests/x/test_y.py``.

A package's own code (``speclint/x/__init__.py``) is tested in ``tests/x/test_x.py``. A module
without its mirrored test file fails here unless ``EXEMPT`` says why it needs none, so a new
module comes with its test and a deleted test file is noticed. Only Python modules count: the C
accelerator ``speclint/_wire.c`` is held to the pure-Python reader by ``tests/read/test_accelerator.py``.
"""

from __future__ import annotations

import re
from pathlib import Path

from tests.conftest import REPO

PACKAGE = REPO / "speclint"

# Modules that hold no behaviour of their own to test, each with the reason.
EXEMPT = {
    "speclint/__init__.py": "the API's lazy door: tests/test_api.py imports and calls speclint.lint and speclint.read",
    "speclint/__main__.py": "calls cli.entry(); every run_speclint test runs `python -m speclint`",
    "speclint/version.py": "one constant; tests/test_changelog.py holds it to CHANGELOG.md",
    "speclint/data/__init__.py": "empty: makes speclint/data a package for its data files",
    "speclint/diff/__init__.py": "a docstring only",
    "speclint/proto/__init__.py": "a docstring only",
    "speclint/read/__init__.py": "re-exports read_model and FACTS_VERSION from read/facts.py",
    "speclint/proto/keras_messages.py": "names two message classes of messages.py's pool, nothing else",
    "speclint/read/graph/__init__.py": "a docstring only: the map of the package's modules, each tested on its own",
}


def mirrored_test(module: str) -> str:
    """``speclint/x/y.py`` -> ``tests/x/test_y.py``; ``speclint/x/__init__.py`` -> ``tests/x/test_x.py``."""
    parts = Path(module).parts[1:]
    folder, name = parts[:-1], Path(parts[-1]).stem
    if name == "__init__":
        name = folder[-1] if folder else "speclint"
    return Path("tests", *folder, f"test_{name}.py").as_posix()


def modules() -> list[str]:
    return sorted(path.relative_to(REPO).as_posix() for path in PACKAGE.rglob("*.py"))


def untested() -> list[str]:
    return [module for module in modules() if not (REPO / mirrored_test(module)).is_file()]


def test_mirrored_test_names() -> None:
    assert mirrored_test("speclint/report/text.py") == "tests/report/test_text.py"
    assert mirrored_test("speclint/cli.py") == "tests/test_cli.py"
    assert mirrored_test("speclint/read/security/__init__.py") == "tests/read/security/test_security.py"
    assert mirrored_test("speclint/__init__.py") == "tests/test_speclint.py"


def test_every_module_has_its_mirrored_test_file() -> None:
    missing = [f"{module}: no {mirrored_test(module)}" for module in untested() if module not in EXEMPT]
    assert not missing, "write the test, or say in EXEMPT why the module needs none:\n" + "\n".join(missing)


def test_every_exemption_is_still_needed() -> None:
    present = set(modules())
    gone = [module for module in EXEMPT if module not in present]
    tested = [module for module in EXEMPT if (REPO / mirrored_test(module)).is_file()]
    assert not gone, f"exempt modules that no longer exist: {gone}"
    assert not tested, f"exempt modules that have a test now (remove them from EXEMPT): {tested}"


def test_every_path_the_map_names_exists() -> None:
    """CONTRIBUTING.md is the next person's map: a module or test it names must be in the tree."""
    text = (REPO / "CONTRIBUTING.md").read_text(encoding="utf-8")
    named = set(re.findall(r"\b((?:speclint|tests|benchmarks|scripts)/[\w./-]*\w)", text))
    placeholders = {"speclint/x/y.py", "speclint/x/__init__.py", "tests/x/test_y.py", "tests/x/test_x.py"}
    missing = sorted(path for path in named - placeholders if not any(REPO.glob(path + "*")))
    assert not missing, f"CONTRIBUTING.md names paths that are not in the tree: {missing}"
