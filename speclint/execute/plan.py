"""From a facts document to what the worker should run, decided before any TensorFlow.

The static stage already knows how a consumer calls the model (``entry_points``), what it
declares (dtype, shape) and whether it holds a dangerous op. Here that becomes either a
*job* for the worker (plain JSON) or a final probes record: ``refused`` (dangerous op and no
``--allow-unsafe``) or ``skipped`` (the static stage shows the model cannot be called the
way the spec says, and a static rule already reports why).
"""

from __future__ import annotations

from typing import Any

from speclint.execute.options import ExecuteOptions
from speclint.vocabulary import TF1_SIGNATURES, TF2, Json, is_tf1

WHERE = "execution"


def probes_record(status: str, message: str | None = None, **extra: Any) -> Json:
    """A probes document with every top-level key present, so rules and reports can rely on it."""
    record: Json = {
        "status": status,
        "where": WHERE,
        "message": message,
        "device": None,
        "tensorflow_version": None,
        "task": None,
        "primary": None,
        "image_size": None,
        "timings": {"load_s": None, "probes_s": None, "wall_s": None, "worker_start_s": None},
        "memory": {"rss_mb": None, "limit_mb": None},
        "results": {},
    }
    record.update(extra)
    return record


def plan(facts: Json, options: ExecuteOptions) -> tuple[Json | None, Json | None]:
    """``(job, None)`` when the model should run, else ``(None, final probes record)``."""
    if facts.get("archive"):  # a published archive is read in place (read.archive); TensorFlow loads a directory
        message = (
            "not executed: speclint reads a published archive in place and never extracts it; "
            "run --execute on the unpacked model directory"
        )
        return None, probes_record("refused", message, task=_task(facts))
    calls, why_not = _calls(facts)
    if why_not is not None:
        return None, probes_record("skipped", f"not executed: {why_not}", task=_task(facts))
    refusal = _refusal(facts, options)
    if refusal is not None:
        return None, probes_record("refused", refusal, task=_task(facts))
    assert calls
    primary = calls[0]
    job: Json = {
        "path": facts["path"],
        "format": facts["format"],
        "task": _task(facts),
        "image_size": _image_size(facts, primary["images_shape"]),
        "free_size": _free_size(primary["images_shape"]),
        "calls": calls,
        "fine_tuning": facts["format"] == TF2,
        "options": options.job_options(),
    }
    return job, None


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


def _calls(facts: Json) -> tuple[list[Json], str | None]:
    """The consumer's calls, primary first, or why the model cannot be called at all."""
    model_format = facts.get("format")
    if model_format is None:
        return [], "the static stage could not read a SavedModel here"
    if model_format == TF2:
        calls = _tf2_calls(facts)
        if not calls:
            return [], "the root object has no __call__ concrete function that takes a tensor (see SL130, SL131)"
    else:
        calls = _tf1_calls(facts)
        if not calls:
            return [], (
                "no signature default, image_feature_vector or image_classification with an input 'images' "
                "and an output 'default' in the default tag-set [] (see SL103, SL104, SL110, SL120)"
            )
    problem = _image_input_problem(facts, calls[0])
    return (calls, None) if problem is None else ([], problem)


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
    """What those rules report on the primary call's entry point, worded as they word it."""
    from speclint.rules.ruleset import findings_at

    entries = facts.get("entry_points") or []
    index = next((i for i, e in enumerate(entries) if e.get("where") == call["declared_where"]), None)
    if index is None:
        return None
    for finding in findings_at(facts, f"/entry_points/{index}", FEEDING_RULES):
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
