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

from speclint.project import project_url, rule_page_url
from speclint.report import ReportContext
from speclint.report.github import model_file
from speclint.report.text import execution_line
from speclint.rules.docs import markdown_prose, spec_title
from speclint.rules.rule import SPEC_URLS, Finding, Rule
from speclint.rules.ruleset import NOT_APPLICABLE, ModelResult

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_VERSION = "2.1.0"
LEVELS = {"error": "error", "warning": "warning", "info": "note"}
# GitHub ranks security alerts by this number: >= 9 critical, >= 7 high, >= 4 medium, else low.
SECURITY_SEVERITY = {"error": "8.0", "warning": "5.0", "info": "2.0"}
SRCROOT = "%SRCROOT%"
FINGERPRINT_KEY = "speclint/v2"


def is_security(rule: Rule | None) -> bool:
    return rule is not None and rule.family == "security"


def tags(rule: Rule) -> list[str]:
    """Origin, family (``security`` is the tag code scanning keys on) and spec documents."""
    found = ["speclint" if rule.builtin else "custom"]
    if rule.family not in found:
        found.append(rule.family)
    return found + sorted({f"spec-{ref.document}" for ref in rule.spec})


def help_text(rule: Rule) -> str:
    """Plain-text help: what, why, and the sentence of the spec that demands it."""
    lines = [f"What it checks: {rule.summary}", "", f"Why: {rule.why}", ""]
    if rule.fix:
        lines += [f"Fix: {rule.fix}", ""]
    for ref in rule.spec:
        lines += [f"Spec ({ref.url}):", f'"{ref.quote}"', ""]
    return "\n".join(lines).rstrip() + "\n"


def help_markdown(rule: Rule) -> str:
    lines = [
        f"**{rule.code} {rule.name}**: {markdown_prose(rule.summary)}",
        "",
        f"**Why**: {markdown_prose(rule.why)}",
        "",
        *([f"**Fix**: {markdown_prose(rule.fix)}", ""] if rule.fix else []),
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
    if is_security(rule):
        properties["security-severity"] = SECURITY_SEVERITY[rule.severity]
    return {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": rule.why},
        "help": {"text": help_text(rule), "markdown": help_markdown(rule)},
        "helpUri": rule_page_url(rule.code) if rule.builtin else rule.spec_for(None).url,
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


def artifact(model_path: str) -> dict[str, Any]:
    """The ``artifactLocation`` of a model: its SavedModel file's URI, and base id if relative."""
    uri, base = artifact_uri(model_path)
    return {"uri": uri, "uriBaseId": base} if base else {"uri": uri}


def fingerprint(finding: Finding, uri: str) -> str:
    """Stable across runs, machines and re-exports of the same model (TensorFlow renumbers
    traced functions on every export; the finding's own fingerprint ignores those numbers),
    so code scanning tracks one alert over commits."""
    key = f"{uri}\0{finding.code}\0{finding.fingerprint or finding.cause or finding.message}"
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def fingerprints(keys: list[tuple[Finding, str]]) -> list[str]:
    """``hash:N``, numbering findings that share a hash in output order (as GitHub's own
    ``primaryLocationLineHash`` does), so no two alerts of a run collide."""
    seen: Counter[str] = Counter()
    numbered = []
    for key in keys:
        base = fingerprint(*key)
        seen[base] += 1
        numbered.append(f"{base}:{seen[base]}")
    return numbered


def not_applicable_kind(finding: Finding) -> dict[str, str]:
    """A finding's ``level``; SL002, the model takes no images, is SARIF's own ``notApplicable``
    result kind, whose level must be ``none`` (SARIF 2.1.0 3.27.9-10): not a failure to fix."""
    if finding.code == NOT_APPLICABLE:
        return {"kind": "notApplicable", "level": "none"}
    return {"level": LEVELS[finding.severity]}


def location(artifact_location: dict[str, Any], where: str) -> dict[str, Any]:
    """A SavedModel is binary: the location is its file, at line 1 so code scanning shows it."""
    return {
        "physicalLocation": {"artifactLocation": dict(artifact_location), "region": {"startLine": 1}},
        # None of SARIF's logical-location kinds fits a signature_def, so no kind.
        "logicalLocations": [{"name": where, "fullyQualifiedName": where}],
    }


def document(results: list[ModelResult], context: ReportContext) -> dict[str, Any]:
    rules = [context.rules[code] for code in sorted(context.rules)]
    index = {rule.code: number for number, rule in enumerate(rules)}
    sarif_results: list[dict[str, Any]] = []
    keys: list[tuple[Finding, str]] = []
    for result in sorted(results, key=lambda r: r.path):
        model_artifact = artifact(result.path)
        uri = model_artifact["uri"]
        for finding in sorted(result.findings):
            entry: dict[str, Any] = {"ruleId": finding.code}
            if finding.code in index:
                entry["ruleIndex"] = index[finding.code]
            entry.update(
                {
                    **not_applicable_kind(finding),
                    "message": {"text": finding.message},
                    "locations": [location(model_artifact, place.where) for place in finding.all_locations],
                    "properties": {
                        "pointer": finding.pointer,
                        "pointers": [place.pointer for place in finding.all_locations],
                        "profile": result.profile,
                        "spec_url": finding.spec_url,
                        "fix": finding.fix,
                        "rule_url": finding.url,
                    },
                }
            )
            sarif_results.append(entry)
            keys.append((finding, uri))
    for entry, value in zip(sarif_results, fingerprints(keys), strict=True):
        entry["partialFingerprints"] = {FINGERPRINT_KEY: value}
    run: dict[str, Any] = {
        "$schema": SARIF_SCHEMA,
        "version": SARIF_VERSION,
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "speclint",
                        "version": context.version,
                        "semanticVersion": context.version,
                        "informationUri": project_url(),
                        "rules": [describe(rule) for rule in rules],
                    }
                },
                "results": sarif_results,
                # models that could not be read, then the --execute runs that did not probe everything
                "invocations": [
                    {
                        "executionSuccessful": True,
                        "toolExecutionNotifications": unread_notes(context) + execution_notifications(results),
                    }
                ],
                "properties": {"spec_documents": dict(sorted(SPEC_URLS.items()))},
            }
        ],
    }
    return run


def execution_notifications(results: list[ModelResult]) -> list[dict[str, Any]]:
    """The --execute runs that did not probe everything (skipped, refused, failed, stopped at a
    limit), as SARIF tool notifications: why each model was not (fully) probed."""
    notes = []
    for result in sorted(results, key=lambda r: r.path):
        execution = result.execution
        if not execution or (execution.get("status") == "ok" and not execution.get("reason")):
            continue
        notes.append(
            {
                "descriptor": {"id": "execution"},
                "level": "note" if execution.get("status") in ("ok", "skipped") else "warning",
                "message": {"text": execution_line(execution)},
                "locations": [location(artifact(result.path), "execution")],
                "properties": {"status": execution.get("status"), "reason": execution.get("reason")},
            }
        )
    return notes


def unread_notes(context: ReportContext) -> list[dict[str, Any]]:
    """One error notification per model that could not be read: its results are not a verdict."""
    notes = []
    for path, why in sorted(context.unread):
        notes.append(
            {
                "level": "error",
                "message": {"text": f"{path}: could not be read: {why}"},
                "locations": [{"physicalLocation": {"artifactLocation": artifact(path)}}],
                "associatedRule": {"id": "SL001"},
            }
        )
    return notes


def render(results: list[ModelResult], context: ReportContext) -> str:
    return json.dumps(document(results, context), indent=2) + "\n"  # ASCII: no raw bidi or C1 character
