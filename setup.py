"""The optional C accelerator (speclint/_wire.c); everything else is in pyproject.toml.

``optional=True``: where no C compiler is found the install still succeeds and speclint
runs its pure-Python reader (same facts, slower on big graphs; ``speclint --version`` says
which one runs).
"""

from setuptools import Extension, setup

setup(ext_modules=[Extension("speclint._wire", ["speclint/_wire.c"], optional=True, extra_compile_args=["-O2"])])
