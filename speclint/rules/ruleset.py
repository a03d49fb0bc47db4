"""The rules of one run: loaded and compiled once, then applied model by model."""

from __future__ import annotations

from typing import Any

from speclint.errors import SpeclintError
from speclint.rules import profiles as profile_choice
from speclint.rules.engine import CompiledRule
from speclint.rules.loader import load_profiles, load_rules
from speclint.rules.model import Finding, Rule


class ModelResult:
    """One model's verdict: the profile it was held to, why, and what it broke."""

    __slots__ = ("execution", "findings", "format", "path", "profile", "profile_reason")

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


def matches(code: str, selectors: list[str]) -> bool:
    """Ruff-style selection: ``SL1`` selects SL100-SL199, ``ALL`` everything."""
    return any(selector == "ALL" or code.startswith(selector) for selector in selectors)


class RuleSet:
    def __init__(self, extra_rule_dirs: list[str] | None = None) -> None:
        self.rules: dict[str, Rule] = load_rules(extra_rule_dirs)
        self.profiles = load_profiles()
        self.builtin_prefix = "SL"
        self._compiled: dict[str, CompiledRule] = {}
        for name, profile in self.profiles.items():
            for selector in profile["rules"]:  # a full code must exist; a prefix may match none yet
                if len(selector) == 5 and selector not in self.rules:
                    raise SpeclintError(f"profile {name}: rule {selector} does not exist")

    def compiled(self, code: str) -> CompiledRule:
        if code not in self._compiled:
            self._compiled[code] = CompiledRule(self.rules[code])
        return self._compiled[code]

    def codes_for(self, profile: str) -> list[str]:
        """The profile's built-in rules plus every rule of a user rule pack."""
        selectors = self.profiles[profile]["rules"]
        return [
            code for code in sorted(self.rules) if matches(code, selectors) or not code.startswith(self.builtin_prefix)
        ]

    def check(
        self,
        facts: dict[str, Any],
        requested_profile: str = "auto",
        select: list[str] | None = None,
        ignore: list[str] | None = None,
    ) -> ModelResult:
        choice = profile_choice.choose(facts, requested_profile)
        gates = [code for code, rule in sorted(self.rules.items()) if rule.gate]
        findings = [f for code in gates for f in self.compiled(code).findings(facts)]
        unreadable = not facts["meta_graphs"]
        if unreadable or choice.profile is None or (findings and requested_profile == "auto"):
            reason = choice.reason if choice.profile is None or unreadable else "auto: not an image model (SL002)"
            result = ModelResult(str(facts["path"]), facts["format"], None, reason, findings)
        else:
            codes = [c for c in self.codes_for(choice.profile) if c not in gates]
            findings += [f for code in codes for f in self.compiled(code).findings(facts)]
            result = ModelResult(str(facts["path"]), facts["format"], choice.profile, choice.reason, findings)
        result.execution = _execution_summary(facts.get("probes"))
        result.findings = sorted(
            f for f in result.findings if matches(f.code, select or ["ALL"]) and not matches(f.code, ignore or [])
        )
        return result


def _execution_summary(probes: dict[str, Any] | None) -> dict[str, Any] | None:
    """What a report says about an --execute run: where it ran, how it went, how fast."""
    if not probes:
        return None
    throughput = ((probes.get("results") or {}).get("throughput") or {}).get("images_per_second")
    return {"status": probes.get("status"), "device": probes.get("device"), "images_per_second": throughput}
