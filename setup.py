"""The optional C accelerator (speclint/_wire.c); everything else is in pyproject.toml.

``optional=True``: where no C compiler is found the install still succeeds and speclint
runs its pure-Python reader (same facts, slower on big graphs; ``speclint --version`` says
which one runs). ``SPECLINT_REQUIRE_NATIVE=1`` (the release wheels, cibuildwheel) makes a
failed compile an error instead, so no wheel tagged for a platform ships without it.

On CPython 3.11 and later the extension is built against the stable ABI (``Py_LIMITED_API``):
one ``cp311-abi3`` wheel per platform serves every later CPython. The buffer protocol that
``_wire`` reads its arrays through entered the limited API in 3.11, so 3.10 (and a
free-threaded build, which has no stable ABI yet) gets the version-specific API.
``SPECLINT_LIMITED_API=0`` builds the version-specific one everywhere, for comparison
(``benchmarks/bench_abi3.py``).
"""

from __future__ import annotations

import os
import sys
import sysconfig
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

LIMITED_API_VERSION = (3, 11)
LIMITED_API = (
    os.environ.get("SPECLINT_LIMITED_API", "1") != "0"
    and sys.implementation.name == "cpython"
    and sys.version_info >= LIMITED_API_VERSION
    and not sysconfig.get_config_var("Py_GIL_DISABLED")
)
REQUIRE_NATIVE = os.environ.get("SPECLINT_REQUIRE_NATIVE") == "1"


class BuildExt(build_ext):
    """Removes a stale build of the other ABI next to an in-place one (``pip install -e .``):
    Python prefers ``_wire.cpython-311-*.so`` to ``_wire.abi3.so``, so a leftover would shadow
    the fresh build."""

    def copy_extensions_to_source(self) -> None:
        super().copy_extensions_to_source()
        build_py = self.get_finalized_command("build_py")
        for ext in self.extensions:
            fullname = self.get_ext_fullname(ext.name)
            package, _, module = fullname.rpartition(".")
            built = Path(build_py.get_package_dir(package)) / Path(self.get_ext_filename(fullname)).name
            if not built.is_file():  # an optional build that failed: nothing fresh to shadow
                continue
            for other in built.parent.glob(f"{module}.*"):
                if other != built and other.suffix in (".so", ".pyd"):
                    other.unlink()


major, minor = LIMITED_API_VERSION
limited_macro = ("Py_LIMITED_API", f"0x{major:02X}{minor:02X}0000")
limited = {"py_limited_api": True, "define_macros": [limited_macro]} if LIMITED_API else {}
wire = Extension(
    "speclint._wire", ["speclint/_wire.c"], optional=not REQUIRE_NATIVE, extra_compile_args=["-O2"], **limited
)
wheel_tag = {"bdist_wheel": {"py_limited_api": f"cp{major}{minor}"}} if LIMITED_API else {}
setup(ext_modules=[wire], cmdclass={"build_ext": BuildExt}, options=wheel_tag)
