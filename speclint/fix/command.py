"""``speclint fix IN OUT``: plan from IN's lint, write OUT, prove it, or remove OUT and say why.

Exit codes: 0 fixed and proven and plain ``speclint OUT`` passes, or nothing to fix because IN
conforms; 1 findings fix cannot resolve (OUT, when written, is kept: its fixes are proven), or
the proof (or writing) failed (OUT removed); 2 usage or read errors (through ``SpeclintError``,
as everywhere in speclint). IN is read and checked, and OUT proven, through ``speclint.pipeline``.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from speclint.errors import EXIT_CLEAN, EXIT_FINDINGS, SpeclintError
from speclint.fix.paths import Destination
from speclint.fix.plan import Plan, make_plan, parse_image_size
from speclint.pipeline import Pipeline
from speclint.safe_text import display_path, escape, no_workflow_commands
from speclint.settings import Overrides


def run_fix(args: argparse.Namespace) -> int:
    overrides = Overrides(
        use_config=False, profile=args.profile, max_file_size=args.max_file_size, read_timeout=args.read_timeout
    )
    pipeline = Pipeline.prepare(overrides)  # an unknown profile is exit 2 before anything is read
    image_size = parse_image_size(args.image_size) if args.image_size else None
    destination = Destination(args.source, args.out)
    facts = pipeline.read(args.source)  # under the per-model time limit, as every command reads
    if not facts["meta_graphs"]:
        errors = "; ".join(str(e.get("message", e)) for e in facts.get("errors", [])) or "no SavedModel"
        raise SpeclintError(f"{display_path(args.source)}: cannot read the model: {errors}")
    checked = pipeline.check(facts)
    if checked.unread is not None:  # the rules ran out of time or crashed on IN
        raise SpeclintError(f"{display_path(args.source)}: cannot check the model: {checked.unread}")
    result = checked.result
    verdict = pipeline.exit_code()  # what `speclint IN` would exit with under this profile
    if result.profile is None and not any(f.code.startswith("SL6") for f in result.findings):
        _say(f"{display_path(args.source)}: nothing to fix: {result.profile_reason}")
        return verdict
    plan = make_plan(facts, result, input_key=args.input, output_key=args.output, image_size=image_size)
    _print_plan(args.source, plan)
    if not plan.fixes:
        _say("nothing to fix: no finding of IN has a fix" if plan.unfixable else "nothing to fix: IN passes")
        return verdict  # 0 for a conforming model; 1 while findings remain that fix cannot resolve
    if args.dry_run:
        _say("dry run: nothing written")
        return EXIT_CLEAN
    missing = missing_weights(args.source, facts)  # said first: no TensorFlow could fix that
    if missing:
        raise SpeclintError(f"{display_path(args.source)}: cannot fix without the weights: {missing}")
    from speclint.execute import require_tensorflow

    require_tensorflow()
    destination.create()
    try:
        proof = _write_and_prove(args, plan)
    except KeyboardInterrupt:
        destination.discard()
        raise
    except SpeclintError as exc:
        destination.discard()
        shown = display_path(args.source)
        raise SpeclintError(str(exc) if str(exc).startswith(shown) else f"{shown}: {exc}") from None
    except Exception as exc:
        destination.discard()
        if os.environ.get("SPECLINT_DEBUG"):
            raise
        from speclint.execute.models import one_line

        _say(f"fix failed, {display_path(args.out)} removed: {one_line(exc)}")
        return EXIT_FINDINGS
    for line in proof.lines:
        _say(f"  proof {line}")
    if not proof.ok:
        destination.discard()
        for failure in proof.failures:
            _say(f"  proof FAILED {failure}")
        _say(f"proof failed: {display_path(args.out)} removed")
        return EXIT_FINDINGS
    if proof.remaining:  # OUT is better and proven, but not conforming: the exit code says so
        _say(
            f"wrote {display_path(args.out)}: {len(plan.fixes)} fix(es) applied and proven; "
            f"`speclint OUT` still fails on what fix cannot resolve ({', '.join(proof.remaining)})"
        )
        return EXIT_FINDINGS
    _say(f"wrote {display_path(args.out)}: {len(plan.fixes)} fix(es) applied and proven")
    return EXIT_CLEAN


VARIABLE_OPS = ("VarHandleOp", "VariableV2", "Variable")


def missing_weights(source: str, facts: dict[str, Any]) -> str | None:
    """Why IN's variables checkpoint is incomplete (no variables/, no index, a data shard gone), if it is."""
    directory = os.path.join(source, "variables")
    if not os.path.isdir(directory):
        counts = [(m.get("graph") or {}).get("op_counts") or {} for m in facts["meta_graphs"]]
        found = max((sum(c.get(op, 0) for op in VARIABLE_OPS) for c in counts), default=0)
        return f"the graph has {found} variables and there is no variables/ directory" if found else None
    names = set(os.listdir(directory))
    if "variables.index" not in names:
        return "variables/variables.index is missing"
    shards = sorted(n for n in names if n.startswith("variables.data-") and "-of-" in n)
    if not shards:
        return "no variables/variables.data-* file"
    total = shards[0].rsplit("-of-", 1)[1]
    if not total.isdigit():
        return None
    expected = {f"variables.data-{i:05d}-of-{int(total):05d}" for i in range(int(total))}
    absent = sorted(expected - names)
    return f"variables/{absent[0]} is missing" if absent else None


def _say(line: str) -> None:
    """One line of output; a model's own strings (keys, names, its path) never reach the terminal
    raw, and no line can pass for a GitHub workflow command."""
    print(no_workflow_commands(escape(line)))


def _print_plan(source: str, plan: Plan) -> None:
    _say(f"{display_path(source)} [{plan.profile}]")
    for fix in plan.fixes:
        _say(f"  fix {fix.line()}")
    for finding in plan.unfixable:
        hint = " (pass --image-size HxW)" if finding.code in ("SL116", "SL117") and plan.family == "tf1" else ""
        _say(f"  not fixed {finding.code} {finding.severity}: {finding.message}{hint}")


def _write_and_prove(args: argparse.Namespace, plan: Plan) -> Any:
    from speclint.fix import proof as proving

    tf = _tensorflow()
    proof = proving.Proof()
    if plan.family == "tf2":
        from speclint.fix import tf2

        source = tf2.write(tf, args.source, args.out, plan)
        spec = tf2.image_spec(tf, source)
        loaded = tf.saved_model.load(args.out)
        shape = tuple(spec.shape.as_list())

        def call_in(x: Any) -> Any:
            return source.call_original(tf.constant(x)).numpy()

        def call_out(x: Any) -> Any:
            return loaded(tf.constant(x)).numpy()

        images = proving.proof_images(shape, plan)
        proving.judge_equal(proof, images, call_in, call_out, plan)
    else:
        from speclint.fix import tf1

        written = tf1.write(tf, args.source, args.out, plan)
        original = tf1.Runner(tf, args.source, written.source_tags, written.source_input, written.source_output)
        fixed = tf1.Runner(tf, args.out, [], "images", "default", signature="default")
        with original as run_in, fixed as run_out:
            images = proving.proof_images(written.shape, plan)
            proving.judge_equal(proof, images, run_in, run_out, plan)
    limits = {"max_file_size": args.max_file_size, "read_timeout": args.read_timeout}
    proving.judge_lint(proof, proving.lint_both(args.source, args.out, plan, args.device, **limits), plan)
    proving.judge_plain(proof, proving.lint_plain(args.out, **limits), plan)
    return proof


def _tensorflow() -> Any:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import tensorflow as tf

    tf.get_logger().setLevel("ERROR")
    try:
        import absl.logging

        absl.logging.set_verbosity(absl.logging.ERROR)
    except ImportError:  # pragma: no cover - absl comes with TensorFlow
        pass
    sys.stdout.flush()
    return tf
