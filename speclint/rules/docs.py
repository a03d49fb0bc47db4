"""Rule documentation: the catalogue, one page per rule, and the words SARIF help reuses.

Everything ``speclint rules``/``speclint rule CODE`` (``speclint/catalogue.py``), the SARIF
reporter and ``scripts/gen_rule_docs.py`` print about a rule comes from here.
``explain_rule`` renders one rule as Markdown for both the terminal and ``docs/rules``
(``scripts/gen_rule_docs.py``), so the published docs cannot drift from what the command
says. Its examples are the rule's own golden fixtures, read and checked for real: the
finding shown is the one speclint produces, not one written by hand.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from speclint.describe import entry_summary, inline_value, meta_graph_summary
from speclint.errors import SpeclintError
from speclint.rules.engine import CompiledRule, get, resolve_with_where
from speclint.rules.language import catalog, phrase
from speclint.rules.loader import schemas_dir
from speclint.rules.rule import Finding, Rule, SpecRef
from speclint.rules.ruleset import ModelResult, RuleSet
from speclint.rules.wording import namer, redact_function_numbers

DOCUMENT_TITLES = {
    "tf1": "TF1 Hub format: Common Signatures for Images",
    "tf2": "TF2 SavedModel: Common SavedModel APIs for Images",
}
SECTION_TITLES = {
    "#input": "Input",
    "#feature-vector": "Image Feature Vector",
    "#classification": "Image Classification",
}
MAX_FINDINGS_SHOWN = 2
# Keys of an entry point that its excerpt always shows, so a rule's {found} there adds nothing.
SHOWN_ENTRY_KEYS = {(k,) for k in ("images", "output", "training", "input_keys", "output_keys", "output_structure")}
MAX_EXCERPT_LINES = 20  # per target shown
JSON_WIDTH = 96
DUNDER = re.compile(r"(?<![\w`])(__\w+__)(?![\w`])")


# ---- the catalogue ---------------------------------------------------------------------


def spec_title(ref: SpecRef, language: str = "en") -> str:
    """``TF1 Hub format: Common Signatures for Images, Input``; the TF2 page's own title and
    headings in its translation (``lang.<language>.json``)."""
    if language != "en" and ref.document == "tf2":
        words = catalog(language)
        return f"{words['document']['title']}, {words['sections'].get(ref.section, ref.section)}"
    return f"{DOCUMENT_TITLES.get(ref.document, ref.document)}, {SECTION_TITLES.get(ref.section, ref.section)}"


def fixtures_dir() -> Path:
    """``golden/models`` of a source checkout (absent from an installed wheel)."""
    return schemas_dir().parent / "golden" / "models"


def profiles_of(rule: Rule, ruleset: RuleSet) -> list[str]:
    return [name for name in sorted(ruleset.profiles) if rule.code in ruleset.codes_for(name)]


def short_profile(name: str) -> str:
    """``tf1-image-feature-vector`` -> ``tf1-fv``: keeps the rules table one line per rule."""
    family, _, task = name.partition("-image-")
    abbreviation = {"feature-vector": "fv", "classification": "cls"}.get(task)
    return f"{family}-{abbreviation}" if abbreviation else name


def find_rule(ruleset: RuleSet, code: str) -> Rule:
    """A rule by code (any case) or by kebab name; unknown ones are a one-line error."""
    wanted = code.strip()
    if wanted.upper() in ruleset.rules:
        return ruleset.rules[wanted.upper()]
    for rule in ruleset.rules.values():
        if rule.name == wanted.lower():
            return rule
    import difflib

    near = difflib.get_close_matches(wanted.upper(), sorted(ruleset.rules), n=1, cutoff=0.6)
    near = near or difflib.get_close_matches(wanted.lower(), sorted(r.name for r in ruleset.rules.values()), n=1)
    hint = f"; did you mean {near[0]}?" if near else ""
    raise SpeclintError(f"unknown rule {code!r}{hint} (run `speclint rules` to list them)")


def rules_text(ruleset: RuleSet) -> str:
    """The ``speclint rules`` table, aligned, with a legend for the profile abbreviations."""
    rows = [("CODE", "NAME", "SEVERITY", "PROFILES", "SUMMARY")]
    for code in sorted(ruleset.rules):
        rule = ruleset.rules[code]
        profiles = ",".join(short_profile(p) for p in profiles_of(rule, ruleset)) or "-"
        rows.append((code, rule.name, rule.severity, profiles, rule.summary))
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    lines = ["  ".join([*(c.ljust(w) for c, w in zip(row[:4], widths, strict=True)), row[4]]) for row in rows]
    legend = ", ".join(f"{short_profile(p)} = {p}" for p in sorted(ruleset.profiles) if short_profile(p) != p)
    if legend:
        lines += ["", f"Profiles: {legend}."]
    lines.append("Run `speclint rule CODE` for what a rule checks and why.")
    return "\n".join(lines) + "\n"


def rules_json(ruleset: RuleSet) -> list[dict[str, Any]]:
    return [
        {
            "code": rule.code,
            "name": rule.name,
            "severity": rule.severity,
            "since": rule.since,
            "summary": rule.summary,
            "why": rule.why,
            "profiles": profiles_of(rule, ruleset),
            "gate": rule.gate,
            "builtin": rule.builtin,
            "family": rule.family,
            "stage": rule.stage,
            "fix": rule.fix,
            "spec": [{"document": r.document, "section": r.section, "url": r.url, "quote": r.quote} for r in rule.spec],
            "target": rule.target,
            "examples": dict(sorted(rule.examples.items())),
        }
        for rule in (ruleset.rules[code] for code in sorted(ruleset.rules))
    ]


def index_markdown(ruleset: RuleSet, link: bool = True) -> str:
    """The docs index: one table row per rule, linking to ``<CODE>.md``."""
    lines = [
        "# speclint rules",
        "",
        "Every rule speclint ships with, generated from `schemas/rules/` by `scripts/gen_rule_docs.py`.",
        "`speclint rule CODE` prints the same page in a terminal.",
        "",
        "| Code | Name | Severity | Profiles | What it checks |",
        "|---|---|---|---|---|",
    ]
    for code in sorted(ruleset.rules):
        rule = ruleset.rules[code]
        shown = f"[{code}]({code}.md)" if link else code
        profiles = ", ".join(short_profile(p) for p in profiles_of(rule, ruleset)) or "-"
        lines.append(f"| {shown} | {rule.name} | {rule.severity} | {profiles} | {_md_cell(rule.summary)} |")
    legend = ", ".join(f"`{short_profile(p)}` = `{p}`" for p in sorted(ruleset.profiles) if short_profile(p) != p)
    if legend:
        lines += ["", f"Profiles: {legend}."]
    return "\n".join(lines) + "\n"


# ---- one rule ------------------------------------------------------------------------


def explain_rule(rule: Rule, ruleset: RuleSet, fixtures: Path | None = None) -> str:
    """Markdown: what the rule checks, why, the spec's words, how, and two real examples."""
    fixtures = fixtures if fixtures is not None else fixtures_dir()
    profiles = profiles_of(rule, ruleset)
    say = functools.partial(phrase, language=ruleset.language)
    lines = [f"# {rule.code}: {rule.name}", "", markdown_prose(rule.summary), ""]
    lines.append(f"- {say('page.severity')}: {rule.severity}")
    stage = say("page.execute_only") if rule.stage == "execute" else say("page.static")
    lines.append(f"- {say('page.family')}: {rule.family} ({stage})")
    lines.append(f"- {say('page.since')}: {rule.since}")
    lines.append(f"- {say('page.profiles')}: {', '.join(profiles) if profiles else say('page.no_profiles')}")
    if rule.gate:
        lines.append(f"- {say('page.gate')}")
    if rule.implied_by:
        causes = ", ".join(f"[{code}]({code}.md)" for code in rule.implied_by)
        lines.append(f"- {say('page.implied_by').format(causes=causes)}")
    lines += ["", f"## {say('page.why')}", "", markdown_prose(rule.why), ""]
    if rule.fix:
        lines += [f"## {say('page.how_to_fix')}", "", markdown_prose(rule.fix), ""]
    lines += [f"## {say('page.spec_says')}", ""]
    for ref in rule.spec:
        lines += [f"[{spec_title(ref, ruleset.language)}]({ref.url}):", "", f"> {markdown_prose(ref.quote)}", ""]
    lines += [f"## {say('page.how_checked')}", ""]
    target = rule.target or say("page.whole_model")
    lines += [say("page.target").format(target=target), ""]
    if rule.when is not None:
        lines += [say("page.applies"), "", "```json", *_json_lines(rule.when), "```", ""]
    lines += [say("page.must_match"), "", "```json", *_json_lines(rule.schema), "```", ""]
    lines += [say("page.reported_as"), "", "```text", rule.message, "```", ""]
    if rule.found:
        lines += [say("page.found_is").format(pointer=rule.found), ""]
    for kind in ("fail", "pass"):
        name = rule.examples.get(kind)
        if name:
            lines += _example(rule, ruleset, kind, name, fixtures)
    return "\n".join(lines).rstrip() + "\n"


def examples_file() -> Path:
    """``speclint/data/rule_examples.json``: the rendered examples, shipped in the wheel."""
    return Path(__file__).resolve().parent.parent / "data" / "rule_examples.json"


@functools.cache
def _packaged_examples() -> dict[str, dict[str, list[str]]]:
    try:
        data = json.loads(examples_file().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def rendered_examples(ruleset: RuleSet, fixtures: Path | None = None) -> dict[str, dict[str, list[str]]]:
    """Code -> kind -> the Markdown lines of each built-in rule's examples, from real fixtures
    (``scripts/gen_rule_docs.py`` writes them to ``examples_file()``)."""
    fixtures = fixtures if fixtures is not None else fixtures_dir()
    found: dict[str, dict[str, list[str]]] = {}
    for code in sorted(ruleset.rules):
        rule = ruleset.rules[code]
        if rule.builtin:
            found[code] = {
                kind: _example(rule, ruleset, kind, name, fixtures, packaged=False)
                for kind, name in sorted(rule.examples.items())
            }
    return found


def _example(rule: Rule, ruleset: RuleSet, kind: str, name: str, fixtures: Path, packaged: bool = True) -> list[str]:
    heading = "Failing example" if kind == "fail" else "Passing example"
    lines = [f"## {heading}: `{name}`", ""]
    facts = _facts(str(fixtures / name))
    if facts is None:
        shipped = _packaged_examples().get(rule.code, {}).get(kind) if packaged and rule.builtin else None
        if shipped:  # an installed wheel: the excerpt rendered from the fixture at release time
            return list(shipped)
        return [
            *lines,
            f"The fixture `golden/models/{name}` is not available here; build it with",
            f"`python golden/make_fixtures.py --only {name}`.",
            "",
        ]
    result = _check(rule, ruleset, facts, kind)
    findings = [f for f in result.findings if f.code == rule.code]
    if result.profile and not result.profile_reason.startswith("auto"):
        lines += [f"Checked with `--profile {result.profile}`:", ""]
    else:
        how = f"profile `{result.profile}`" if result.profile else "no profile"
        lines += [f"Checked with {how} ({redact_function_numbers(result.profile_reason)}):", ""]
    if kind == "fail" and findings:
        shown = _distinct(findings)[:MAX_FINDINGS_SHOWN]
        excerpt = _joined(_cap(_excerpt(facts, rule, finding.pointer), namer(facts)) for finding in shown)
        lines += ["```text", *excerpt, "```", "", f"speclint reports {_count(findings)}:", "", "```text"]
        lines += [redact_function_numbers(_finding_line(f)) for f in shown]
        if len(findings) > len(shown):
            lines.append(f"... and {len(findings) - len(shown)} more like it")
        return [*lines, "```", ""]
    targets = _targets(rule, facts)
    if targets:
        reword = namer(facts)
        excerpt = _joined(_cap(_excerpt(facts, rule, pointer), reword) for pointer in targets[:MAX_FINDINGS_SHOWN])
        lines += ["```text", *excerpt, "```", ""]
    else:
        lines += [f"The model has nothing at `{rule.target}` for the rule to check.", ""]
    if kind == "pass" and not findings:
        return [*lines, f"speclint reports no {rule.code} finding.", ""]
    if kind == "pass":  # a fixture that stopped passing: say so rather than hide it
        reported = [redact_function_numbers(_finding_line(f)) for f in findings[:MAX_FINDINGS_SHOWN]]
        problem = f"This fixture no longer passes: speclint reports {_count(findings)}:"
        return [*lines, problem, "", "```text", *reported, "```", ""]
    why = "probe rules report only under `--execute`" if rule.stage == "execute" else "the example no longer fails"
    return [*lines, f"The static check reports no {rule.code} finding for this fixture: {why}.", ""]


def _check(rule: Rule, ruleset: RuleSet, facts: dict[str, Any], kind: str) -> ModelResult:
    """``auto`` first, as a user would run it; for a failing example that ``auto`` would hold
    to another task (SL106 on a feature-vector module), a profile that has the rule."""
    result = ruleset.check(facts, "auto")
    if kind == "pass" or any(f.code == rule.code for f in result.findings):
        return result
    family = "tf2" if facts.get("format") == "tf2" else "tf1"
    # the model's own family first, and feature vector (the smaller contract) before classification
    candidates = sorted(profiles_of(rule, ruleset), key=lambda p: (not p.startswith(family), "classification" in p, p))
    for profile in candidates:
        forced = ruleset.check(facts, profile)
        if any(f.code == rule.code for f in forced.findings):
            return forced
    return result


@functools.cache
def _read(path: str) -> dict[str, Any] | None:
    from speclint.read import read_model  # protobuf: only when an example is shown

    return read_model(path) if Path(path).exists() else None  # a directory, or a published archive


def _facts(path: str) -> dict[str, Any] | None:
    """Cached, as most rules share a passing fixture; a copy, so no caller can alter the cache."""
    facts = _read(path)
    return json.loads(json.dumps(facts)) if facts is not None else None


def _targets(rule: Rule, facts: dict[str, Any]) -> list[str]:
    compiled = CompiledRule(rule)
    return [
        pointer
        for pointer, value, _ in resolve_with_where(facts, rule.target)
        if compiled.applies is None or compiled.applies.is_valid(value)
    ]


def _distinct(findings: list[Finding]) -> list[Finding]:
    seen: set[str] = set()
    kept = []
    for finding in findings:
        if finding.pointer not in seen:
            seen.add(finding.pointer)
            kept.append(finding)
    return kept


def _count(findings: list[Finding]) -> str:
    return f"{len(findings)} finding{'s' if len(findings) != 1 else ''}"


def _finding_line(finding: Finding) -> str:
    """As the text report words it, without repeating a ``where`` the message starts with."""
    if finding.message.startswith(finding.where):
        return f"{finding.code} {finding.severity} {finding.message}"
    return f"{finding.code} {finding.severity} {finding.where}: {finding.message}"


def _joined(blocks: Iterable[list[str]]) -> list[str]:
    """Excerpts one after another, a blank line between them."""
    lines: list[str] = []
    for block in blocks:
        lines += ([""] if lines else []) + block
    return lines


def _cap(lines: list[str], reword: Callable[[str], str] = redact_function_numbers) -> list[str]:
    lines = [redact_function_numbers(reword(line)) for line in lines]
    if len(lines) > MAX_EXCERPT_LINES:
        return [*lines[:MAX_EXCERPT_LINES], f"... ({len(lines) - MAX_EXCERPT_LINES} more lines)"]
    return lines


# ---- the part of a model a rule looks at ---------------------------------------------


def _excerpt(facts: dict[str, Any], rule: Rule, pointer: str) -> list[str]:
    """Entry points and meta graphs in saved_model_cli's words; anything else as the JSON
    the rule's schemas look at."""
    parts = pointer.split("/")[1:] if pointer else []
    if not parts:
        lines = [f"format: {facts.get('format') or 'unknown'}"]
        lines += [f"error: {e['file']}: {e['message']}" for e in facts.get("errors", [])]
        for meta_graph in facts.get("meta_graphs", []):
            lines += meta_graph_summary(meta_graph)
        return lines
    if parts[0] == "entry_points" and len(parts) >= 2 and parts[1].isdigit():
        entry = facts["entry_points"][int(parts[1])]
        lines = entry_summary(entry)
        rest = "/" + "/".join(parts[2:]) if len(parts) > 2 else ""
        if rest:
            lines.append(f"  {rest[1:]}: {inline_value(get(entry, rest))}")
        elif rule.found and _split(rule.found)[:1] not in SHOWN_ENTRY_KEYS:
            lines.append(f"  {rule.found[1:]}: {inline_value(get(entry, rule.found))}")
        return lines
    if parts[0] == "meta_graphs" and len(parts) == 1:
        return [
            f"{m['where']}: signature_def keys {', '.join(m['signatures']) or 'none'}" for m in facts["meta_graphs"]
        ] or ["no MetaGraphDef"]
    if parts[0] == "meta_graphs" and len(parts) == 2 and parts[1].isdigit():
        return meta_graph_summary(facts["meta_graphs"][int(parts[1])])
    value = get(facts, pointer)
    where = next((w for p, _, w in resolve_with_where(facts, pointer) if p == pointer), "model")
    paths = _paths(rule.schema) | _paths(rule.when)
    if paths and rule.found:
        paths.add(_split(rule.found))
    shown = _select(value, paths)
    if isinstance(shown, dict) and shown.get("where") == where:  # already the heading
        shown = {key: item for key, item in shown.items() if key != "where"}
    return [f"{where} ({pointer}):", *("  " + line for line in _json_lines(shown))]


def _split(pointer: str) -> tuple[str, ...]:
    return tuple(p.replace("~1", "/").replace("~0", "~") for p in pointer.split("/")[1:]) if pointer else ()


def _paths(schema: Any, prefix: tuple[str, ...] = ()) -> set[tuple[str, ...]]:
    """The object paths a schema constrains through ``properties``/``required``."""
    if not isinstance(schema, dict):
        return {prefix} if prefix else set()
    properties = schema.get("properties") or {}
    keys = list(properties) + [k for k in schema.get("required", []) if k not in properties]
    if not keys:
        return {prefix} if prefix else set()
    found: set[tuple[str, ...]] = set()
    for key in keys:
        found |= _paths(properties.get(key, True), (*prefix, key)) or {(*prefix, key)}
    return found


def _select(value: Any, paths: set[tuple[str, ...]]) -> Any:
    """``value`` cut down to ``paths`` (the whole value when none of them is there)."""
    if () in paths or not paths or not isinstance(value, dict):
        return value
    kept = {}
    for key, item in value.items():
        below = {p[1:] for p in paths if p and p[0] == key}
        if below:
            kept[key] = _select(item, below)
    return kept or value


def _json_lines(value: Any, indent: int = 0) -> list[str]:
    """JSON with short arrays and objects kept on one line: readable schemas in the docs."""
    flat = json.dumps(value, ensure_ascii=False)
    if len(flat) + indent <= JSON_WIDTH or not isinstance(value, (dict, list)) or not value:
        return [flat]
    pad = " " * (indent + 2)
    items: list[list[str]]
    if isinstance(value, dict):
        items = []
        for key, item in value.items():
            body = _json_lines(item, indent + 2)
            items.append([f"{json.dumps(key, ensure_ascii=False)}: {body[0].lstrip()}", *body[1:]])
        opening, closing = "{", "}"
    else:
        items = [_json_lines(item, indent + 2) for item in value]
        items = [[body[0].lstrip(), *body[1:]] for body in items]
        opening, closing = "[", "]"
    lines = [opening]
    for number, body in enumerate(items):
        comma = "," if number < len(items) - 1 else ""
        lines += [pad + body[0], *body[1:-1], body[-1] + comma] if len(body) > 1 else [pad + body[0] + comma]
    lines.append(" " * indent + closing)
    return lines


def markdown_prose(text: str) -> str:
    """Prose safe as Markdown that still reads as plain text in a terminal: a bare
    ``__call__`` would render as bold "call", so dunder names outside code spans get backticks."""
    parts = text.split("`")
    for number in range(0, len(parts), 2):
        parts[number] = DUNDER.sub(r"`\1`", parts[number])
    return "`".join(parts)


def _md_cell(text: str) -> str:
    return markdown_prose(text).replace("|", "\\|").replace("\n", " ")
