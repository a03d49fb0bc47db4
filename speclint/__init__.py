"""speclint: check TensorFlow image SavedModels against the TF Hub image contracts.

The Python API (``speclint.lint``, ``speclint.read``, ``speclint.Report``) lives in
``speclint.api`` and is imported on first use: ``import speclint`` stays as cheap as the
pre-commit hook needs.
"""

from __future__ import annotations

__version__ = "0.2.0"

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (mypy knows the idiom)

if TYPE_CHECKING:
    from speclint.api import Facts, Report, iter_lint, lint, read

__all__ = ["Facts", "Report", "__version__", "iter_lint", "lint", "read"]
_API = ("Facts", "Report", "iter_lint", "lint", "read")


def __getattr__(name: str) -> object:
    if name == "read":  # the subpackage speclint.read is callable: speclint.read(path) is api.read
        import speclint.read

        return speclint.read
    if name in _API:
        from speclint import api

        return getattr(api, name)
    raise AttributeError(f"module 'speclint' has no attribute {name!r}")
