"""The rules of one run: loaded and compiled once, then applied model by model."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Iterator
from typing import Any

from speclint.errors import SpeclintError
from speclint.rules import profiles as profile_choice
from speclint.rules import suppress
from speclint.rules.declared import declared_task
from speclint.rules.engine import CompiledRule, group
from speclint.rules.loader import load_profiles, load_rules
from speclint.rules.rule import Finding, Rule

CODE = re.compile(r"[A-Z]{2,8}[0-9]{3}")  # rule.schema.json's code pattern


class ModelResult:
    """One model's verdict: the profile it was held to, why, and what it broke."""

    __slots__ = (
        "declared_task",
        "execution",
        "findings",
        "format",
        "implied",
        "path",
        "profile",
        "profile_reason",
        "suppressed",
    )

    def __init__(
        self,
        path: str,
        format: str | None,
        profile: str | None,
        profile_reason: str,
        findings: list[Finding] | None = None,
        execution: dict[str, Any] | None = None,
    ) -> None:
        self.path = path
        self.format = format
        self.profile = profile
        self.profile_reason = profile_reason
        self.findings: list[Finding] = findings if findings is not None else []
        self.execution = execution  # device, status and throughput when --execute ran
        self.declared_task: str | None = None  # what the publisher's documentation declares (rules.declared)
        self.implied: list[Finding] = []  # findings listed under their cause (implied_by), not reported apart
        self.suppressed = 0  # findings left out because the model's speclint-ignore.toml accepts them


SECURITY_PREFIX = "SL6"  # never hidden by a gate or a profile
NOT_APPLICABLE = "SL002"  # the gate that says a model takes no images: the image contracts do not apply
ALWAYS_FAMILIES = ("claims", "checkpoint", "suppression")  # what the publisher declares and ships (SL2xx),
# whether its checkpoint can load at all (SL010, SL011), and its speclint-ignore.toml (SL020, SL021) are
# judged whatever the profile, the task or the gate


def not_applicable(result: ModelResult) -> bool:
    """The model takes no image batch (SL002 reported): the image contracts do not apply to it."""
    return any(finding.code == NOT_APPLICABLE for finding in result.findings)


def gating_severities(codes_and_severities: Iterable[tuple[str, str]], fail_not_applicable: bool) -> Iterator[str]:
    """The severities the exit code is judged on. A not-applicable note (SL002) fails nothing
    (a mixed repository passes without configuration) unless ``fail-on-not-applicable`` is set,
    when it fails the run whatever ``fail-level`` says (as an error would)."""
    for code, severity in codes_and_severities:
        if code != NOT_APPLICABLE:
            yield severity
        elif fail_not_applicable:
            yield "error"


def matches(code: str, selectors: list[str]) -> bool:
    """Ruff-style selection: ``SL1`` selects SL100-SL199, ``ALL`` everything."""
    return any(selector == "ALL" or code.startswith(selector) for selector in selectors)


def require_known_codes(
    selectors: list[str], codes: list[str], where: str, noun: str = "rule", listing: str = "run `speclint rules`"
) -> None:
    """Every selector is ``ALL`` or a prefix of some code; else one line with a "did you mean"
    (shared by lint rules and ``speclint diff``'s change rules)."""
    for selector in selectors:
        if selector == "ALL" or any(code.startswith(selector) for code in codes):
            continue
        import difflib

        known = sorted(codes)
        prefixes = sorted({code[:n] for code in known for n in range(2, len(code))})
        guess = difflib.get_close_matches(selector.upper(), known + prefixes, n=1, cutoff=0.6)
        hint = f"; did you mean {guess[0]}?" if guess else f" ({listing} to list them)"
        raise SpeclintError(f"{where}: unknown {noun} code or prefix {selector!r}{hint}")


class RuleSet:
    def __init__(self, extra_rule_dirs: list[str] | None = None, language: str = "en") -> None:
        self.rules: dict[str, Rule] = load_rules(extra_rule_dirs)
        self.language = language
        if language != "en":  # the spec quoted and linked in the reader's language (TF2 page only)
            from speclint.rules.language import localize

            self.rules = localize(self.rules, language)
        check_implications(self.rules)
        self.profiles = load_profiles()
        self._compiled: dict[str, CompiledRule] = {}
        for name, profile in self.profiles.items():
            for selector in profile["rules"]:  # a full code must exist; a prefix may match none yet
                if CODE.fullmatch(selector) and selector not in self.rules:
                    raise SpeclintError(f"profile {name}: rule {selector} does not exist")

    def require_known_selectors(self, selectors: list[str], where: str) -> None:
        """A code or prefix that selects no rule is a typo: one line, with a suggestion."""
        require_known_codes(selectors, list(self.rules), where)

    def compiled(self, code: str) -> CompiledRule:
        if code not in self._compiled:
            self._compiled[code] = CompiledRule(self.rules[code])
        return self._compiled[code]

    def codes_for(self, profile: str) -> list[str]:
        """The profile's built-in rules plus every rule of a user rule pack."""
        selectors = self.profiles[profile]["rules"]
        return [code for code in sorted(self.rules) if matches(code, selectors) or not self.rules[code].builtin]

    def check(
        self,
        facts: dict[str, Any],
        requested_profile: str = "auto",
        select: list[str] | None = None,
        ignore: list[str] | None = None,
    ) -> ModelResult:
        suppress.vet(facts, self.rules)  # the model's speclint-ignore.toml: SL020 before the rules
        choice = profile_choice.choose(facts, requested_profile)
        gates = [code for code, rule in sorted(self.rules.items()) if rule.gate]
        findings = [f for code in gates for f in self.compiled(code).findings(facts)]
        unreadable = not facts["meta_graphs"]
        # Security rules run for every model, in every profile and whatever gate fired; so do the
        # claims and checkpoint rules (ALWAYS_FAMILIES).
        security = [
            c
            for c in sorted(self.rules)
            if (c.startswith(SECURITY_PREFIX) or self.rules[c].family in ALWAYS_FAMILIES) and c not in gates
        ]
        if unreadable or choice.profile is None or (findings and requested_profile == "auto"):
            reason = choice.reason if choice.profile is None or unreadable else "auto: not an image model (SL002)"
            findings += [f for code in security for f in self.compiled(code).findings(facts)]
            result = ModelResult(str(facts["path"]), facts["format"], None, reason, findings)
        else:
            profile_codes = self.codes_for(choice.profile)
            codes = [c for c in profile_codes if c not in gates] + [c for c in security if c not in profile_codes]
            findings += [f for code in codes for f in self.compiled(code).findings(facts)]
            result = ModelResult(str(facts["path"]), facts["format"], choice.profile, choice.reason, findings)
        result.execution = _execution_summary(facts.get("probes"))
        result.declared_task = declared_task(facts)

        def selected(code: str) -> bool:
            return matches(code, select or ["ALL"]) and not matches(code, ignore or [])

        kept = [f for f in result.findings if selected(f.code)]
        result.findings, result.implied = fold_implied(group(sorted(kept)), self.rules, self.language)
        suppress.apply(result, facts, selected, self.compiled)  # accepted findings out, unused entries SL021
        return result


def fold_implied(
    findings: list[Finding], rules: dict[str, Rule], language: str = "en"
) -> tuple[list[Finding], list[Finding]]:
    """One cause, one finding: a finding whose rule is implied by another finding of the same
    model (``implied_by`` in its rule file) is listed under that one as a consequence, not
    reported apart. Run after ``--select``/``--ignore``: ignoring the cause shows its
    consequences again. Chains end at the first finding that nothing present implies.

    Returns the findings to report and the ones listed under them (``speclint fix`` resolves
    those too)."""
    present = {finding.code for finding in findings}

    def cause_of(code: str) -> str:
        seen = {code}
        while True:
            rule = rules.get(code)
            causes = sorted(c for c in (rule.implied_by if rule else ()) if c in present and c not in seen)
            if not causes:
                return code
            code = causes[0]
            seen.add(code)

    consequences: dict[str, list[Finding]] = {}
    kept: list[Finding] = []
    for finding in findings:
        cause = cause_of(finding.code)
        if cause == finding.code:
            kept.append(finding)
        else:
            consequences.setdefault(cause, []).append(finding)
    listed: set[str] = set()
    result = []
    for finding in kept:
        if finding.code in consequences and finding.code not in listed:
            listed.add(finding.code)
            finding = finding._replace(message=finding.message + _consequences(consequences[finding.code], language))
        result.append(finding)
    return result, [f for code in sorted(consequences) for f in consequences[code]]


def _consequences(findings: list[Finding], language: str = "en") -> str:
    """`` Its consequences, not reported apart: SL100 tf1-hub-module-file; SL104 ... at tag-set [serve]``
    (the phrases in the reader's language; codes, names and places as they are)."""
    from speclint.rules.language import phrase

    words = []
    for finding in findings:
        places = [location.where for location in finding.all_locations if location.where != "model"]
        at = phrase("finding.consequence_at", language).format(places=", ".join(places)) if places else ""
        words.append(f"{finding.code} {finding.name}{at}")
    return phrase("finding.consequences", language).format(consequences="; ".join(words))


def check_implications(rules: dict[str, Rule]) -> None:
    """Every ``implied_by`` names a rule, and no rule implies itself through others (a typo
    would silently never fold; a circle would hide both findings' meaning)."""
    for code, rule in rules.items():
        for cause in rule.implied_by:
            if cause not in rules:
                raise SpeclintError(f"{rule.source}: implied_by names {cause}, which is no rule")
        pending, seen = list(rule.implied_by), set()
        while pending:
            cause = pending.pop()
            if cause == code:
                raise SpeclintError(f"{rule.source}: {code} is implied by itself through implied_by")
            if cause not in seen:
                seen.add(cause)
                pending += rules[cause].implied_by


def _execution_summary(probes: dict[str, Any] | None) -> dict[str, Any] | None:
    """What a report says about an --execute run: where it ran, how it went and why, how fast."""
    if not probes:
        return None
    throughput = (probes.get("results") or {}).get("throughput") or {}
    return {
        "status": probes.get("status"),
        "reason": probes.get("reason"),
        "message": probes.get("limits_summary") if probes.get("status") == "ok" else probes.get("message"),
        "device": probes.get("device"),
        "images_per_second": throughput.get("images_per_second"),
        "throughput_batch": throughput.get("batch") if throughput.get("images_per_second") else None,
    }


@functools.cache
def _builtin_compiled(code: str) -> CompiledRule:
    return CompiledRule(load_rules()[code])


def findings_at(facts: dict[str, Any], pointer: str, codes: tuple[str, ...]) -> list[Finding]:
    """The findings of built-in rules ``codes`` on the target at ``pointer``: how another stage
    (the execution plan) asks the rules instead of re-implementing them."""
    return [f for code in codes for f in _builtin_compiled(code).findings(facts) if f.pointer == pointer]
