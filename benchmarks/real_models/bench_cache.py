"""The real-model benchmark's manifest and its local cache: where the models are, and whether
each one is exactly the published bytes.

The manifest (``manifest.json`` beside this file) names every model by repository, commit and
path, and lists the files the benchmark uses with their size and sha256. The cache holds one
directory per model id; nothing from it is ever committed. Standard library only, so the
scorer, the fetcher and the evidence script share it without importing speclint or TensorFlow.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
MANIFEST = HERE / "manifest.json"
LABELS = HERE / "labels.json"
CACHE_ENV = "SPECLINT_BENCH_CACHE"


def default_cache() -> Path:
    """``$SPECLINT_BENCH_CACHE``, else ``~/.cache/speclint/real-models``."""
    configured = os.environ.get(CACHE_ENV)
    if configured:
        return Path(configured).expanduser()
    return Path.home() / ".cache" / "speclint" / "real-models"


class ManifestError(Exception):
    """The manifest cannot be used (unreadable, or an entry lacks what the tools need)."""


def load_manifest(path: Path = MANIFEST) -> list[dict[str, Any]]:
    """Every model entry, checked for the keys the tools rely on."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ManifestError(f"{path}: cannot read the manifest ({exc})") from exc
    models = document.get("models") if isinstance(document, dict) else None
    if not isinstance(models, list):
        raise ManifestError(f"{path}: no 'models' list")
    seen: set[str] = set()
    for entry in models:
        for key in ("id", "repository", "commit", "path", "files"):
            if key not in entry:
                raise ManifestError(f"{path}: an entry lacks '{key}': {str(entry)[:80]}")
        if entry["id"] in seen:
            raise ManifestError(f"{path}: model id {entry['id']} appears twice")
        seen.add(entry["id"])
        for item in entry["files"]:
            if not safe_relative(item.get("path", "")):
                raise ManifestError(f"{path}: {entry['id']}: unsafe file path {item.get('path')!r}")
    return models


def safe_relative(path: str) -> bool:
    """A plain relative path inside the model directory (no absolute path, no '..')."""
    parts = path.split("/")
    return bool(path) and not path.startswith("/") and all(p not in ("", ".", "..") for p in parts)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@dataclass(frozen=True)
class Problem:
    """One file of one model that is not as the manifest says."""

    model: str
    path: str
    kind: str  # "missing" | "size" | "sha256"
    detail: str = ""

    def line(self) -> str:
        text = f"{self.model}: {self.path}: {self.kind}"
        return f"{text} ({self.detail})" if self.detail else text


def verify_model(cache: Path, entry: dict[str, Any]) -> list[Problem]:
    """What differs between the cached copy of one model and its manifest entry."""
    root = cache / entry["id"]
    problems = []
    for item in entry["files"]:
        target = root / item["path"]
        if not target.is_file():
            problems.append(Problem(entry["id"], item["path"], "missing"))
            continue
        size = target.stat().st_size
        if size != item["size"]:
            problems.append(Problem(entry["id"], item["path"], "size", f"{size} bytes, manifest says {item['size']}"))
            continue
        digest = sha256_of(target)
        if digest != item["sha256"]:
            detail = f"{digest[:12]}..., manifest says {item['sha256'][:12]}..."
            problems.append(Problem(entry["id"], item["path"], "sha256", detail))
    return problems


def model_dir(cache: Path, entry: dict[str, Any]) -> Path:
    return cache / entry["id"]
