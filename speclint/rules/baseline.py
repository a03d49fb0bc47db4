"""Adopting speclint on a tree with known findings: record them once, then report only new ones.

A baseline file lists, per model (its path relative to the baseline file, so the file can be
committed and used from any working directory), the fingerprints of its findings: rule code
and root cause hashed, free of TensorFlow's function numbers, so re-exporting a model that
renumbers its traced functions does not resurrect its old findings. The message is kept next
to each fingerprint for the person reviewing the file; matching ignores it.
"""

from __future__ import annotations

import json
import os
from typing import Any

from speclint.errors import SpeclintError
from speclint.rules.ruleset import ModelResult

BASELINE_VERSION = 1


def _key(model_path: str, baseline_file: str) -> str:
    base = os.path.dirname(os.path.abspath(baseline_file))
    return os.path.relpath(os.path.abspath(model_path), base).replace(os.sep, "/")


def write_baseline(results: list[ModelResult], path: str) -> int:
    """Record every finding of ``results``; return how many."""
    models: dict[str, dict[str, str]] = {}
    for result in results:
        if result.findings:
            entries = models.setdefault(_key(result.path, path), {})
            for finding in result.findings:
                entries[finding.fingerprint] = f"{finding.code} {finding.message}"
    document = {"speclint_baseline": BASELINE_VERSION, "models": dict(sorted(models.items()))}
    try:
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(json.dumps(document, indent=2, ensure_ascii=False, sort_keys=True) + "\n")
    except OSError as exc:
        raise SpeclintError(f"{path}: cannot write baseline: {exc.strerror or exc}") from None
    return sum(len(entries) for entries in models.values())


def read_baseline(path: str) -> dict[str, set[str]]:
    """Model key -> fingerprints; a missing or malformed file is a one-line error."""
    try:
        with open(path, encoding="utf-8") as handle:
            document: Any = json.load(handle)
    except FileNotFoundError:
        raise SpeclintError(f"{path}: baseline file not found (create it with --write-baseline {path})") from None
    except OSError as exc:
        raise SpeclintError(f"{path}: cannot read baseline: {exc.strerror or exc}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise SpeclintError(f"{path}: baseline is not valid JSON: {exc}") from None
    models = document.get("models") if isinstance(document, dict) else None
    if not isinstance(models, dict) or document.get("speclint_baseline") != BASELINE_VERSION:
        raise SpeclintError(f"{path}: not a speclint baseline (version {BASELINE_VERSION})")
    return {key: set(entries) for key, entries in models.items() if isinstance(entries, dict)}


def apply_baseline(results: list[ModelResult], path: str) -> int:
    """Drop the findings the baseline lists from ``results``; return how many were dropped."""
    known = read_baseline(path)
    dropped = 0
    for result in results:
        fingerprints = known.get(_key(result.path, path), set())
        kept = [f for f in result.findings if f.fingerprint not in fingerprints]
        dropped += len(result.findings) - len(kept)
        result.findings = kept
    return dropped
