"""speclint: check TensorFlow image SavedModels against the TF Hub image contracts.

The Python API::

    import speclint

    facts = speclint.read("models/resnet")                 # the facts document (plain JSON)
    report = speclint.lint(["models/"], select="SL1")      # a Report, as `speclint` would give
    print(report.render("text"), report.exit_code())

``lint``, ``iter_lint``, ``read``, ``Report`` and ``SpeclintError`` live in ``speclint.api``
and ``speclint.errors`` and are imported on first use: ``import speclint`` stays as cheap as
the pre-commit hook needs.
"""

from __future__ import annotations

import sys

from speclint.version import __version__

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (mypy knows the idiom)

if TYPE_CHECKING:
    from speclint.api import Facts, Report, iter_lint, lint, read
    from speclint.errors import SpeclintError

__all__ = ["Facts", "Report", "SpeclintError", "__version__", "iter_lint", "lint", "read"]
_API = ("Facts", "Report", "iter_lint", "lint")


def __getattr__(name: str) -> object:
    value: object
    if name in _API:
        from speclint import api

        value = getattr(api, name)
    elif name == "read":  # the package, made callable when the import system sets it (``_Package``)
        if f"{__name__}.read" not in sys.modules:
            __import__(f"{__name__}.read")
        return sys.modules[f"{__name__}.read"]  # also while it is being imported (``import speclint.read.x as y``)
    elif name == "SpeclintError":
        from speclint.errors import SpeclintError as value
    else:
        raise AttributeError(f"module 'speclint' has no attribute {name!r}")
    globals()[name] = value  # once: the next look-up is an ordinary attribute
    return value


def __dir__() -> list[str]:
    """The API too, so that ``help(speclint)`` and completion show ``lint``, ``read``, ``Report``."""
    return sorted({*globals(), *__all__})


_Module = type(sys)  # types.ModuleType, without importing types


class _CallableRead(_Module):  # type: ignore[misc, valid-type]
    """The package ``speclint.read`` (the static reader), callable as the API's ``speclint.read(path)``."""

    def __call__(self, path: object, **kwargs: object) -> object:
        from speclint.api import read

        return read(path, **kwargs)  # type: ignore[arg-type]


class _Package(_Module):  # type: ignore[misc, valid-type]
    """``speclint``: when the import system makes the subpackage ``speclint.read`` an attribute
    (the moment anything imports it), that attribute becomes callable: ``speclint.read(path)``
    is the API's function, while ``speclint/read/`` stays an ordinary package that knows
    nothing of the API."""

    def __setattr__(self, name: str, value: object) -> None:
        if name == "read" and type(value) is _Module:
            value.__class__ = _CallableRead
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package
