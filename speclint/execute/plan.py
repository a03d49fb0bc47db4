"""From a facts document to what the worker should run, decided before any TensorFlow.

The static stage already knows how a consumer calls the model (``entry_points``), what it
declares (dtype, shape) and whether it holds a dangerous op. Here that becomes either a
*job* for the worker (plain JSON) or a final probes record: ``refused`` (dangerous op and no
``--allow-unsafe``: never loaded) or ``skipped`` (no SavedModel could be read: nothing to load).

Load first, then decide: every other model is loaded, as a consumer would, even when the
static stage shows that the documented call cannot be made (no ``__call__``, a sparse or
uint8 input). Such a job carries ``blocked``, the reason, and the worker only loads it: a
model that cannot even be loaded (missing variables, a missing op) says so. A static finding
that does not stop a consumer from calling the model (an input of unknown rank, or with
unknown channels, takes a float32 [batch, height, width, 3] batch) blocks nothing.
"""

from __future__ import annotations

from typing import Any

from speclint.execute.options import ExecuteOptions
from speclint.vocabulary import TF1_SIGNATURES, TF2, Json, is_tf1

WHERE = "execution"
# Every probe, in the order the worker runs them (speclint.execute.probes.PROBES follows it).
PROBE_NAMES = (
    "batch_sizes",
    "declared_output",
    "input_size_independence",
    "determinism",
    "batch_independence",
    "finite_outputs",
    "input_range",
    "logits",
    "fine_tuning",
    "throughput",
    "keras_layer",
    "keras_fine_tuning",
)
# Why a model was not probed, or not completely (probes.schema.json ``reason``).
REASONS = (
    "unreadable",  # skipped: the static stage read no SavedModel
    "unsafe",  # refused: dangerous ops, unknown ops, Lambda layers, escaping assets
    "archive",  # refused: a published archive, read in place and never extracted
    "no-call",  # loaded, not probed: no documented call (no __call__, no signature)
    "input",  # loaded, not probed: the input cannot take float32 [batch, height, width, 3] images
    "load-failed",  # TensorFlow could not load it
    "call-failed",  # loaded, but the documented call failed on a batch of images
    "limit",  # speclint's own time or memory limit stopped it (see ``limits``)
    "crashed",  # the worker died (a segfault, an abort)
    "lost",  # the executor gave up on the task (Ray: its retries or its deadline ran out)
)


def probes_record(status: str, message: str | None = None, **extra: Any) -> Json:
    """A probes document with every top-level key present, so rules and reports can rely on it."""
    record: Json = {
        "status": status,
        "where": WHERE,
        "message": message,
        "reason": None,
        "device": None,
        "tensorflow_version": None,
        "task": None,
        "primary": None,
        "image_size": None,
        "timings": {"load_s": None, "probes_s": None, "wall_s": None, "worker_start_s": None},
        "memory": {"rss_mb": None, "peak_mb": None, "limit_mb": None},
        "limits": [],
        "limits_summary": None,
        "explained_by": None,
        "results": {},
    }
    record.update(extra)
    return record


def plan(facts: Json, options: ExecuteOptions) -> tuple[Json | None, Json | None]:
    """``(job, None)`` when the model should be loaded, else ``(None, final probes record)``."""
    if facts.get("archive"):  # a published archive is read in place (read.archive); TensorFlow loads a directory
        message = (
            "not executed: speclint reads a published archive in place and never extracts it; "
            "run --execute on the unpacked model directory"
        )
        return None, probes_record("refused", message, reason="archive", task=_task(facts))
    if facts.get("format") is None or not facts.get("meta_graphs"):
        return None, probes_record(
            "skipped",
            "not executed: the static stage could not read a SavedModel here (see SL001)",
            reason="unreadable",
        )
    refusal = _refusal(facts, options)
    if refusal is not None:
        return None, probes_record("refused", refusal, reason="unsafe", task=_task(facts))
    calls, blocked, reason = _calls(facts)
    primary = calls[0] if calls else None
    shape = primary["images_shape"] if primary else None
    job: Json = {
        "path": facts["path"],
        "format": facts["format"],
        "tags": _tags(facts),
        "task": _task(facts),
        "image_size": _image_size(facts, shape) if primary else None,
        "free_size": _free_size(shape),
        "calls": calls,
        "blocked": blocked,
        "blocked_reason": reason,
        "checkpoint": _checkpoint_problem(facts),
        "fine_tuning": facts["format"] == TF2,
        "options": options.job_options(),
    }
    return job, None


def _tags(facts: Json) -> list[str] | None:
    """The tag-set the worker loads: [] for the TF1 Hub format (hub.Module's), else the first meta
    graph's when there is no [] (to see whether the model loads at all); None: TF2's default."""
    if facts.get("format") == TF2:
        return None
    tag_sets = [m.get("tags") or [] for m in facts.get("meta_graphs") or []]
    if [] in tag_sets or not tag_sets:
        return []
    return list(tag_sets[0])


def _checkpoint_problem(facts: Json) -> Json | None:
    """What the static stage found wrong with the checkpoint (why loading will fail), and its rule."""
    checkpoint = facts.get("checkpoint") or {}
    if checkpoint.get("incomplete"):
        where = checkpoint.get("where", "variables/variables.index")
        return {"problem": f"{where} {checkpoint['incomplete']}", "rule": "SL010"}
    if checkpoint.get("absent"):
        return {"problem": checkpoint["absent"], "rule": "SL011"}
    return None


def _refusal(facts: Json, options: ExecuteOptions) -> str | None:
    """Why running this model could harm the machine, from the static security scan (None: it cannot)."""
    security = facts.get("security")
    if options.allow_unsafe or not isinstance(security, dict):
        return None  # no scan (or an older facts document): no findings
    dangerous = security.get("dangerous_ops") or []
    # The loader hands asset paths to the graph's init ops: one that leaves assets/ reads any file.
    escaping = security.get("escaping_assets") or []
    found = []
    if dangerous:
        shown = "; ".join(_describe_op(op) for op in dangerous[:3])
        more = f"; and {len(dangerous) - 3} more" if len(dangerous) > 3 else ""
        found.append(f"{len(dangerous)} dangerous {'op' if len(dangerous) == 1 else 'ops'} ({shown}{more})")
    if escaping:
        paths = sorted({str(a.get("path")) if isinstance(a, dict) else str(a) for a in escaping})
        found.append(f"asset paths escaping assets/ ({', '.join(repr(p) for p in paths[:3])})")
    # Custom ops need native code; Lambda layers are Python bytecode; an unfinished scan vouches for nothing.
    for key, what in (
        ("unknown_ops", "ops no TensorFlow registers"),
        ("keras_lambda_layers", "Keras Lambda layers"),
        ("errors", "parts the security scan could not read"),
    ):
        items = security.get(key) or []
        if items:
            found.append(f"{len(items)} {what} ({'; '.join(_describe_item(item) for item in items[:3])})")
    if not found:
        return None
    return (
        f"refused to execute: the static stage found {' and '.join(found)}; "
        "run with --allow-unsafe only if you trust this model"
    )


def _describe_item(item: Any) -> str:
    if not isinstance(item, dict):
        return str(item)
    return str(item.get("op") or item.get("layer") or item.get("message") or "?") + f" at {item.get('where', '?')}"


def _describe_op(op: Any) -> str:
    if not isinstance(op, dict):
        return str(op)
    text = str(op.get("op", "?"))
    if op.get("category"):
        text += f" [{op['category']}]"
    if op.get("node"):
        text += f" node '{op['node']}'"
    if op.get("function"):
        text += f" in {op['function']}"
    if op.get("argument"):
        text += f" on {op['argument']!r}"
    return text


def _calls(facts: Json) -> tuple[list[Json], str | None, str | None]:
    """The consumer's calls, primary first, and why probing them is impossible (with its reason)."""
    if facts["format"] == TF2:
        calls = _tf2_calls(facts)
        if not calls:
            return (
                [],
                "the root object has no __call__ concrete function that takes a tensor (see SL130, SL131)",
                "no-call",
            )
    else:
        calls = _tf1_calls(facts)
        if not calls:
            return (
                [],
                (
                    "no signature default, image_feature_vector or image_classification with an input 'images' "
                    "and an output 'default' in the default tag-set [] (see SL103, SL104, SL110, SL120)"
                ),
                "no-call",
            )
    problem = _image_input_problem(facts, calls[0])
    return calls, problem, None if problem is None else "input"


def _tf2_calls(facts: Json) -> list[Json]:
    entries = [e for e in facts.get("entry_points", []) if e.get("api") == "tf2-call" and e.get("images")]
    if not entries:
        return []
    by_training: dict[bool, Json] = {}
    for entry in entries:
        training = entry.get("training") or {}
        if training.get("kind") == "bool" and isinstance(training.get("value"), bool):
            by_training.setdefault(training["value"], entry)
    default = by_training.get(False) or next((e for e in entries if not e.get("training")), entries[0])
    plain = _tf2_call("__call__(images)", None, default)
    if not any(e.get("training") for e in entries):
        return [plain]
    calls = []
    if False in by_training:
        calls.append(_tf2_call("__call__(images, training=False)", False, by_training[False]))
    calls.append(plain)  # what hub.load() users write; primary when no training=False trace
    if True in by_training:
        calls.append(_tf2_call("__call__(images, training=True)", True, by_training[True]))
    return calls


def _tf2_call(where: str, training: bool | None, entry: Json) -> Json:
    return {
        "where": where,
        "api": "tf2-call",
        "training": training,
        "signature": None,
        "images_dtype": entry["images"].get("dtype"),
        "images_shape": entry["images"].get("shape"),
        "images_encoding": entry["images"].get("encoding", "name"),
        "declared": _declared(entry.get("output")),
        "declared_where": entry.get("where"),
    }


def _tf1_calls(facts: Json) -> list[Json]:
    calls = []
    for name in TF1_SIGNATURES:
        entry = next(
            (
                e
                for e in facts.get("entry_points", [])
                if e.get("api") == "tf1-signature" and e.get("tags") == [] and e.get("signature") == name
            ),
            None,
        )
        if entry is None or not entry.get("images") or not entry.get("output"):
            continue
        calls.append(
            {
                "where": entry.get("where") or f"tag-set [] signature_def['{name}']",
                "api": "tf1-signature",
                "training": None,
                "signature": name,
                "images_dtype": entry["images"].get("dtype"),
                "images_shape": entry["images"].get("shape"),
                "images_encoding": entry["images"].get("encoding", "name"),
                "declared": _declared(entry.get("output")),
                "declared_where": entry.get("where"),
            }
        )
    return calls


def _declared(output: Json | None) -> Json | None:
    if not output:
        return None
    return {"dtype": output.get("dtype"), "shape": output.get("shape")}


# The static rules whose failure means float32 [batch, height, width, 3] probe images cannot be fed.
FEEDING_RULES = ("SL111", "SL112", "SL113", "SL115")


def _image_input_problem(facts: Json, call: Json) -> str | None:
    """What those rules report on the primary call's entry point, worded as they word it.

    SL113 and SL115 also fire on what is merely undeclared (an unknown rank, unknown channels),
    which a consumer's 4-D RGB batch still fits: those findings block nothing.
    """
    from speclint.rules.ruleset import findings_at

    entries = facts.get("entry_points") or []
    index = next((i for i, e in enumerate(entries) if e.get("where") == call["declared_where"]), None)
    if index is None:
        return None
    shape = call.get("images_shape")
    for finding in findings_at(facts, f"/entry_points/{index}", FEEDING_RULES):
        if finding.code == "SL113" and not isinstance(shape, list):
            continue  # unknown rank: a 4-D batch fits
        if finding.code == "SL115" and isinstance(shape, list) and len(shape) == 4 and shape[3] < 0:
            continue  # unknown channels: 3 fit
        return f"{finding.message} (see {finding.code})"
    return None


def _image_size(facts: Json, shape: list[int] | None) -> list[int] | None:
    """Height and width to probe: declared, else hub.get_expected_image_size(), else free (None)."""
    if shape is not None and len(shape) == 4 and shape[1] > 0 and shape[2] > 0:
        return [shape[1], shape[2]]
    expected = facts.get("expected_image_size") or {}
    if expected.get("height") and expected.get("width"):
        return [int(expected["height"]), int(expected["width"])]
    return None


def _free_size(shape: list[int] | None) -> bool:
    """Height or width left open (-1, or unknown rank): the output width must not follow it."""
    return shape is None or len(shape) != 4 or shape[1] <= 0 or shape[2] <= 0


def _task(facts: Json) -> str | None:
    """Classification or feature vector, where the TF1 signature names say so; TF2 cannot tell."""
    if not is_tf1(facts.get("format")):
        return None
    names = {e.get("signature") for e in facts.get("entry_points", []) if e.get("api") == "tf1-signature"}
    if "image_classification" in names:
        return "classification"
    if "image_feature_vector" in names:
        return "feature-vector"
    return None
