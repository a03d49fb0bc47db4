"""The proof that OUT is IN made conforming: the ordinary pipeline on OUT, and equal outputs.

1. Lint: OUT is read and checked by ``speclint.pipeline`` (static rules and the execution
   probes, through ``speclint.execute``) under IN's profile. OUT may keep only findings IN had
   and fix did not claim to fix; anything else (a new finding, or a "fixed" one still there)
   fails the proof. Then plain ``speclint OUT`` (static, the auto profile, the config of OUT's
   tree), as a reviewer will run it, must pass on the same terms.
2. Equality: seeded random images in [0, 1] through both, compared within the probes' batch
   tolerances after the known transform: IN sees ``round(x * 255)`` (uint8) or ``x * 255``
   (rescaled input); a removed softmax/sigmoid is applied to OUT's logits; a float64 output is
   compared as float32.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np

from speclint.execute import ExecuteOptions, Tolerances
from speclint.fix.plan import Plan
from speclint.pipeline import Pipeline
from speclint.rules.engine import resolve
from speclint.rules.rule import Finding
from speclint.settings import Overrides
from speclint.severity import severity_rank

PROOF_BATCH = 3
PROOF_SEED = 0


@dataclass
class Proof:
    ok: bool = True
    lines: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    allowed: set[str] = field(default_factory=set)  # codes OUT may keep: IN had them, fix did not claim them
    out_facts: dict[str, Any] = field(default_factory=dict)
    remaining: list[str] = field(default_factory=list)  # what plain `speclint OUT` still fails on (IN's)

    def fail(self, text: str) -> None:
        self.ok = False
        self.failures.append(text)


@dataclass
class Linted:
    before: list[Finding]  # IN's findings
    after: list[Finding]  # OUT's findings
    out_facts: dict[str, Any]


def lint_both(
    source: str, out: str, plan: Plan, device: str, max_file_size: int | None = None, read_timeout: float | None = None
) -> Linted:
    """IN's and OUT's findings under IN's profile, the execution probes included (one worker),
    read and checked by the pipeline (the per-model time limit included)."""
    overrides = Overrides(
        use_config=False, profile=plan.profile, max_file_size=max_file_size, read_timeout=read_timeout
    )
    pipeline = Pipeline.prepare(overrides)
    facts = [pipeline.read(source), pipeline.read(out)]
    pipeline.execute(facts, ExecuteOptions(device=device))  # type: ignore[arg-type]
    before, after = (pipeline.check(f).result.findings for f in facts)
    return Linted(before, after, facts[1])


class Plain(NamedTuple):
    """``speclint OUT`` as a reviewer runs it: the auto profile, the config OUT's tree has."""

    profile: str | None
    profile_reason: str
    failing: list[Finding]  # findings at or above the fail level
    unread: str | None
    exit_code: int


def lint_plain(out: str, max_file_size: int | None = None, read_timeout: float | None = None) -> Plain:
    """Plain ``speclint OUT``: static, the auto profile (or what ``[tool.speclint]`` says), its exit code."""
    pipeline = Pipeline.prepare(Overrides(max_file_size=max_file_size, read_timeout=read_timeout), [out])
    checked = list(pipeline.results())
    rank = severity_rank(pipeline.settings.fail_level)
    result = checked[0].result if checked else None
    failing = [f for f in result.findings if severity_rank(f.severity) >= rank] if result else []
    return Plain(
        result.profile if result else None,
        result.profile_reason if result else "not found",
        failing,
        checked[0].unread if checked else "not found",
        pipeline.exit_code(),
    )


def format_bound(finding: Finding, out_facts: dict[str, Any], plan: Plan) -> bool:
    """A finding every module of the format fix writes has: not something fix did wrong.

    Only one: SL712 (info) when tensorflow_hub itself refuses ``trainable=True`` for the TF1
    Hub format OUT is (``skip_reason: not-applicable``). IN often never reaches that probe (the
    problems fix resolves stop the Keras probes first). A Keras probe skipped for any other
    reason (a missing extra) is still judged like any other finding.
    """
    if plan.family != "tf1" or finding.code != "SL712":
        return False
    values = [value for _, value in resolve(out_facts, finding.pointer)]
    return bool(values) and all(isinstance(v, dict) and v.get("skip_reason") == "not-applicable" for v in values)


# Static findings about the images input, the output and the graph between them: for an IN
# without __call__ they describe the signature OUT wraps unchanged (outputs proven equal).
ENTRY_FAMILIES = ("SL11", "SL12", "SL14")


def judge_lint(proof: Proof, linted: Linted, plan: Plan) -> None:
    allowed = {f.code for f in linted.before} - plan.fixed_codes
    bad = []
    for finding in linted.after:
        if finding.code in allowed:
            continue
        excuse = _excuse(finding, linted.out_facts, plan)
        if excuse:
            proof.lines.append(f"not fixed {finding.code} {finding.severity} ({excuse}): {finding.message}")
            continue
        bad.append(finding)
    for finding in bad:
        proof.fail(f"OUT {finding.code} {finding.severity}: {finding.message}")
    kept = sorted({f.code for f in linted.after if f.code in allowed})
    proof.allowed = allowed
    proof.out_facts = linted.out_facts
    if not bad:
        probes = "static rules and execution probes"
        still = f" (still there, as in IN: {', '.join(kept)})" if kept else ""
        proof.lines.append(f"lint: OUT passes the {probes} of {plan.profile}{still}")


def _excuse(finding: Finding, out_facts: dict[str, Any], plan: Plan) -> str | None:
    """Why a finding of OUT that IN did not have is not fix's doing, if it is not."""
    if format_bound(finding, out_facts, plan):
        return "the TF1 Hub format"
    if plan.wrapped_signature and finding.code.startswith(ENTRY_FAMILIES) and finding.code not in plan.fixed_codes:
        return "in IN's signature too"
    return None


def judge_plain(proof: Proof, plain: Plain, plan: Plan) -> None:
    """Plain ``speclint OUT`` must pass too: a reviewer runs it, with the profile auto picks for
    OUT (which can differ from IN's once the wrapper shows what IN hid, such as a sigmoid)."""
    shown = f"{plain.profile or 'no profile'}: {plain.profile_reason}"
    if plain.unread is not None:
        proof.fail(f"plain `speclint OUT` cannot read it: {plain.unread}")
        return
    bad = [f for f in plain.failing if f.code not in proof.allowed and _excuse(f, proof.out_facts, plan) is None]
    for finding in bad:
        proof.fail(f"plain `speclint OUT` ({shown}) {finding.code} {finding.severity}: {finding.message}")
    if bad:
        return
    if plain.exit_code == 0:
        proof.lines.append(f"plain: `speclint OUT` passes with profile {shown}")
        return
    kept = sorted({f"{f.code} {f.severity}" for f in plain.failing})
    proof.remaining = kept
    proof.lines.append(
        f"plain: `speclint OUT` exits {plain.exit_code} with profile {shown}: {', '.join(kept)} "
        "(IN's own, which fix cannot resolve)"
    )


def proof_images(shape: tuple[int | None, ...], plan: Plan) -> np.ndarray:
    batch = shape[0] if shape and shape[0] else PROOF_BATCH
    default_h, default_w = plan.image_size or (32, 32)
    height = shape[1] if len(shape) == 4 and shape[1] else default_h
    width = shape[2] if len(shape) == 4 and shape[2] else default_w
    channels = shape[3] if len(shape) == 4 and shape[3] else 3
    rng = np.random.default_rng(PROOF_SEED)
    return rng.random((batch, height, width, channels), dtype=np.float32)


def original_input(images: np.ndarray, plan: Plan) -> np.ndarray:
    """What IN is fed for OUT's images."""
    if plan.input_transform == "uint8":
        return np.round(np.clip(images, 0.0, 1.0) * 255.0).astype(np.uint8)
    if plan.input_transform == "scale255":
        return images * np.float32(255.0)
    return images


def expected_from(out_values: np.ndarray, plan: Plan) -> np.ndarray:
    """OUT's output mapped back to what IN returns (the removed activation applied)."""
    values = out_values.astype(np.float64)
    if plan.activation == "Softmax":
        shifted = np.exp(values - values.max(axis=-1, keepdims=True))
        return shifted / shifted.sum(axis=-1, keepdims=True)  # type: ignore[no-any-return]
    if plan.activation == "Sigmoid":
        return 1.0 / (1.0 + np.exp(-values))  # type: ignore[no-any-return]
    return values


def judge_equal(
    proof: Proof,
    images: np.ndarray,
    call_in: Callable[[np.ndarray], Any],
    call_out: Callable[[np.ndarray], Any],
    plan: Plan,
) -> None:
    tolerances = Tolerances()
    fed = original_input(images, plan)
    if plan.batch_loop:  # IN takes one image at a time
        reference = np.concatenate([np.asarray(call_in(fed[i : i + 1])) for i in range(len(fed))])
    else:
        reference = np.asarray(call_in(fed))
    if plan.squeeze_axes:
        reference = np.squeeze(reference, axis=plan.squeeze_axes)
    produced = np.asarray(call_out(images))
    if produced.dtype != np.float32:
        proof.fail(f"OUT returns {produced.dtype}, not float32")
        return
    if reference.shape != produced.shape:
        proof.fail(f"OUT's output has shape {produced.shape}, IN's {reference.shape}")
        return
    mapped = expected_from(produced, plan)
    want = reference.astype(np.float32).astype(np.float64)
    allowed = tolerances.batch_atol + tolerances.batch_rtol * np.abs(want)
    error = np.abs(mapped - want)
    if not np.all(error <= allowed):
        proof.fail(
            f"outputs differ: max |{_relation(plan)}| = {float(error.max()):.3g} "
            f"(allowed {tolerances.batch_atol:g} + {tolerances.batch_rtol:g}*|IN|)"
        )
        return
    proof.lines.append(
        f"equal: {_relation(plan)} on {images.shape[0]} seeded random images {tuple(images.shape[1:])}, "
        f"max difference {float(error.max()):.3g}"
    )


def _relation(plan: Plan) -> str:
    fed = {"uint8": "round(x*255) as uint8", "scale255": "x*255"}.get(plan.input_transform or "", "x")
    left = f"{plan.activation.lower()}(OUT(x))" if plan.activation else "OUT(x)"
    right = f"IN({fed})" if not plan.batch_loop else f"[IN({fed}[i]) for each i]"
    return f"{left} - {'squeeze(' + right + ')' if plan.squeeze_axes else right}"
