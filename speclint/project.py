"""Where the project lives: one URL, from which every link speclint prints is built.

``SPECLINT_PROJECT_URL`` overrides it for a fork or a mirror, so rule links in reports,
SARIF and the docs point at the copy people actually use.
"""

from __future__ import annotations

import os

from speclint.version import __version__

DEFAULT_PROJECT_URL = "https://github.com/speclint/speclint"


def project_url() -> str:
    return (os.environ.get("SPECLINT_PROJECT_URL") or DEFAULT_PROJECT_URL).rstrip("/")


def rule_page_url(code: str, version: str = __version__) -> str:
    """``docs/rules/<CODE>.md`` at the released tag ``v<version>``."""
    return f"{project_url()}/blob/v{version}/docs/rules/{code}.md"
