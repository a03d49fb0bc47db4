"""SARIF 2.1.0 for GitHub code scanning and other SARIF viewers.

Every rule of the run is described in ``tool.driver.rules`` with a ``helpUri`` to the spec
section it enforces, so an alert links straight to the contract it breaks. Output is a pure
function of the results: no timestamps, no absolute paths where a relative one will do.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from typing import Any
from urllib.parse import quote

from speclint.explain import markdown_prose, redact_function_numbers, spec_title
from speclint.report import ReportContext
from speclint.report.github import model_file
from speclint.rules.model import SPEC_URLS, Rule
from speclint.rules.ruleset import ModelResult

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_VERSION = "2.1.0"
INFORMATION_URI = "https://speclint.invalid/"  # placeholder until the project has a home page
LEVELS = {"error": "error", "warning": "warning", "info": "note"}
# GitHub ranks security alerts by this number: >= 9 critical, >= 7 high, >= 4 medium, else low.
SECURITY_SEVERITY = {"error": "8.0", "warning": "5.0", "info": "2.0"}
SRCROOT = "%SRCROOT%"
FINGERPRINT_KEY = "speclint/v1"
FAMILIES = (  # longest prefix first; the tag lets code scanning filter by family
    ("SL0", "load"),
    ("SL10", "tf1-hub"),
    ("SL11", "input"),
    ("SL12", "output"),
    ("SL13", "tf2"),
    ("SL14", "graph"),
    ("SL6", "security"),
    ("SL7", "probe"),
)


def is_security(code: str) -> bool:
    return code.startswith("SL6")


def tags(rule: Rule) -> list[str]:
    """Family, spec documents and the ``security`` tag code scanning keys on."""
    found = ["speclint"] if rule.code.startswith("SL") else ["custom"]
    found += [tag for prefix, tag in FAMILIES if rule.code.startswith(prefix)]
    found += sorted({f"spec-{ref.document}" for ref in rule.spec})
    if is_security(rule.code) and "security" not in found:
        found.append("security")
    return found


def help_text(rule: Rule) -> str:
    """Plain-text help: what, why, and the sentence of the spec that demands it."""
    lines = [f"What it checks: {rule.summary}", "", f"Why: {rule.why}", ""]
    for ref in rule.spec:
        lines += [f"Spec ({ref.url}):", f'"{ref.quote}"', ""]
    return "\n".join(lines).rstrip() + "\n"


def help_markdown(rule: Rule) -> str:
    lines = [
        f"**{rule.code} {rule.name}**: {markdown_prose(rule.summary)}",
        "",
        f"**Why**: {markdown_prose(rule.why)}",
        "",
        f"Run `speclint rule {rule.code}` for how it is checked, with a failing and a passing example.",
        "",
    ]
    for ref in rule.spec:
        lines += [f"[{spec_title(ref)}]({ref.url}):", "", f"> {markdown_prose(ref.quote)}", ""]
    return "\n".join(lines).rstrip() + "\n"


def describe(rule: Rule) -> dict[str, Any]:
    """A SARIF reportingDescriptor for one rule."""
    properties: dict[str, Any] = {
        "tags": tags(rule),
        "since": rule.since,
        "spec_urls": [ref.url for ref in rule.spec],
    }
    if is_security(rule.code):
        properties["security-severity"] = SECURITY_SEVERITY[rule.severity]
    return {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": rule.why},
        "help": {"text": help_text(rule), "markdown": help_markdown(rule)},
        "helpUri": rule.spec_for(None).url,
        "defaultConfiguration": {"level": LEVELS[rule.severity]},
        "properties": properties,
    }


def artifact_uri(model_path: str) -> tuple[str, str | None]:
    """A URI reference for the model's SavedModel file and its base id (None: absolute)."""
    path = model_file(model_path)
    if path.startswith("/"):
        return "file://" + quote(path, safe="/"), None
    if path[1:3] == ":/":  # C:/... on Windows
        return "file:///" + quote(path, safe="/:"), None
    return quote(path, safe="/"), SRCROOT


def fingerprint(code: str, uri: str, where: str) -> str:
    """Stable across runs, machines and re-exports of the same model (TensorFlow renumbers
    traced functions on every export), so code scanning tracks one alert over commits."""
    key = f"{code}\0{uri}\0{redact_function_numbers(where)}"
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def fingerprints(keys: list[tuple[str, str, str]]) -> list[str]:
    """``hash:N``, numbering findings that share a hash in output order (as GitHub's own
    ``primaryLocationLineHash`` does), so two NCHW nodes of one graph stay two alerts."""
    seen: Counter[str] = Counter()
    numbered = []
    for key in keys:
        base = fingerprint(*key)
        seen[base] += 1
        numbered.append(f"{base}:{seen[base]}")
    return numbered


def document(results: list[ModelResult], context: ReportContext) -> dict[str, Any]:
    rules = [context.rules[code] for code in sorted(context.rules)]
    index = {rule.code: number for number, rule in enumerate(rules)}
    sarif_results: list[dict[str, Any]] = []
    keys: list[tuple[str, str, str]] = []
    for result in sorted(results, key=lambda r: r.path):
        uri, base = artifact_uri(result.path)
        artifact: dict[str, Any] = {"uri": uri}
        if base:
            artifact["uriBaseId"] = base
        for finding in sorted(result.findings):
            entry: dict[str, Any] = {"ruleId": finding.code}
            if finding.code in index:
                entry["ruleIndex"] = index[finding.code]
            entry.update(
                {
                    "level": LEVELS[finding.severity],
                    "message": {"text": finding.message},
                    "locations": [
                        {
                            "physicalLocation": {"artifactLocation": dict(artifact)},
                            # None of SARIF's logical-location kinds fits a signature_def, so no kind.
                            "logicalLocations": [{"name": finding.where, "fullyQualifiedName": finding.where}],
                        }
                    ],
                    "properties": {
                        "pointer": finding.pointer,
                        "profile": result.profile,
                        "spec_url": finding.spec_url,
                    },
                }
            )
            sarif_results.append(entry)
            keys.append((finding.code, uri, finding.where))
    for entry, value in zip(sarif_results, fingerprints(keys), strict=True):
        entry["partialFingerprints"] = {FINGERPRINT_KEY: value}
    return {
        "$schema": SARIF_SCHEMA,
        "version": SARIF_VERSION,
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "speclint",
                        "version": context.version,
                        "semanticVersion": context.version,
                        "informationUri": INFORMATION_URI,
                        "rules": [describe(rule) for rule in rules],
                    }
                },
                "results": sarif_results,
                "properties": {"spec_documents": dict(sorted(SPEC_URLS.items()))},
            }
        ],
    }


def render(results: list[ModelResult], context: ReportContext) -> str:
    return json.dumps(document(results, context), indent=2) + "\n"  # ASCII: no raw bidi or C1 character
