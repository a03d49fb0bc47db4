"""The contract view: what a consumer of a model relies on, taken from its facts document.

Names here never contain TensorFlow's per-save numbering (``__inference_call_261``): two saves
of the same network must give the same view, or every diff would be noise. A TF2 ``__call__``
is keyed by its ``training`` value, a signature by tag-set and key.
"""

from __future__ import annotations

from typing import Any

from speclint.rules.profiles import PROBABILITY_OPS
from speclint.rules.wording import namer
from speclint.vocabulary import Json, is_tf1

HIDDEN_SIGNATURES = frozenset({"__saved_model_init_op"})
FINE_TUNING_ATTRIBUTES = ("variables", "trainable_variables", "regularization_losses")


def family(model_format: str | None) -> str | None:
    """``tf1`` for both TF1 flavours (Hub module or plain), ``tf2``, or None when unreadable."""
    if model_format in ("tf1-hub", "tf1"):
        return "tf1"
    return model_format


def tags_text(tags: list[str]) -> str:
    return "[" + ", ".join(tags) + "]"


def contract_view(facts: Json) -> Json:
    """Reduce one facts document to the parts consumers depend on (plain JSON)."""
    signatures: dict[str, Json] = {}
    tag_sets: list[str] = []
    for meta_graph in facts.get("meta_graphs", []):
        tags = tags_text(meta_graph["tags"])
        tag_sets.append(tags)
        for name, signature in sorted(meta_graph["signatures"].items()):
            if name in HIDDEN_SIGNATURES:
                continue
            signatures[f"signature_def['{name}'] in tag-set {tags}"] = {
                "tags": tags,
                "name": name,
                "inputs": {k: _tensor(v) for k, v in sorted(signature["inputs"].items())},
                "outputs": {k: _tensor(v) for k, v in sorted(signature["outputs"].items())},
            }
    calls = _calls(facts)
    return {
        "format": facts.get("format"),
        "family": family(facts.get("format")),
        "tag_sets": tag_sets,
        "signatures": signatures,
        "call": calls,
        "main": _main(facts, calls),
        "image_size": _image_size(facts, calls),
        "task": _task(facts),
        "training_argument": any(c["training"] is not None for c in (calls or {}).values()),
        "attributes": _attributes(facts),
        "dangerous_ops": sorted({op["op"] for op in (facts.get("security") or {}).get("dangerous_ops", [])}),
        "unknown_ops": sorted({_op_name(op) for op in (facts.get("security") or {}).get("unknown_ops", [])}),
    }


def _tensor(tensor: Json | None) -> Json | None:
    if tensor is None:
        return None
    return {"dtype": tensor.get("dtype"), "shape": tensor.get("shape"), "encoding": tensor.get("encoding")}


def _op_name(op: Any) -> str:
    return str(op.get("op")) if isinstance(op, dict) else str(op)


def call_key(training: Json | None) -> str:
    """``__call__`` for inference (training False or absent), ``__call__ (training=True)`` for fine-tuning."""
    value = (training or {}).get("value")
    return "`__call__`" if not value else f"`__call__` (training={value})"


def _calls(facts: Json) -> dict[str, Json] | None:
    """TF2 root ``__call__`` concrete functions keyed by their training value; None without one."""
    if family(facts.get("format")) != "tf2":
        return None
    entries = [e for e in facts.get("entry_points", []) if e.get("api") == "tf2-call"]
    present = any((m.get("object_graph") or {}).get("call", {}).get("present") for m in facts.get("meta_graphs", []))
    if not present and not entries:
        return None
    calls: dict[str, Json] = {}
    for entry in entries:
        key = call_key(entry.get("training"))
        calls.setdefault(
            key,
            {
                "where": key,
                "training": entry.get("training"),
                "images": _tensor(entry.get("images")),
                "output": _tensor(entry.get("output")),
                "output_structure": entry.get("output_structure"),
                "inference": entry.get("inference"),
            },
        )
    return dict(sorted(calls.items()))


def _main(facts: Json, calls: dict[str, Json] | None) -> Json | None:
    """The entry point every consumer uses: TF1 ``default`` in tag-set [], TF2 inference ``__call__``.

    This is where a TF1 and a TF2 version of the same network meet.
    """
    if calls is not None:
        inference = [c for c in calls.values() if c["inference"]]
        return inference[0] if inference else None
    for entry in facts.get("entry_points", []):
        if entry.get("api") == "tf1-signature" and entry.get("signature") == "default" and not entry.get("tags"):
            return {
                "where": entry["where"],
                "training": None,
                "images": _tensor(entry.get("images")),
                "output": _tensor(entry.get("output")),
                "output_structure": entry.get("output_structure"),
                "inference": True,
            }
    return None


def _image_size(facts: Json, calls: dict[str, Json] | None) -> Json | None:
    """What a consumer resizes images to: hub.get_expected_image_size() (TF1) or the fixed H, W of ``__call__``."""
    expected = facts.get("expected_image_size")
    if isinstance(expected, dict):
        if expected.get("error") is None and expected.get("height") and expected.get("width"):
            return {"height": expected["height"], "width": expected["width"], "where": "hub.get_expected_image_size()"}
        return None
    main = _main(facts, calls)
    shape = ((main or {}).get("images") or {}).get("shape")
    if isinstance(shape, list) and len(shape) == 4 and shape[1] > 0 and shape[2] > 0:
        return {"height": shape[1], "width": shape[2], "where": f"the images input of {main['where']}"}  # type: ignore[index]
    return None


def _task(facts: Json) -> Json | None:
    """classification or feature-vector, only where the model says so, with what said it.

    Not ``--profile auto``'s choice: that defaults to feature-vector, and a TF2 classifier
    whose output is logits (a MatMul or BiasAdd, like a feature vector's) would read as one.
    Evidence is a TF1 Hub signature named for its task, or an output produced by a
    probability op (Softmax, Sigmoid); anything else is unknown, and an unknown task never
    makes a task change.
    """
    if not facts.get("meta_graphs"):
        return None
    entries = facts.get("entry_points") or []
    signatures = {e.get("signature") for e in entries}
    if is_tf1(facts.get("format")):
        for name, task in (("image_classification", "classification"), ("image_feature_vector", "feature-vector")):
            if name in signatures:
                return {"task": task, "evidence": f"signature {name}"}
    for entry in entries:
        op = (entry.get("output_producer") or {}).get("op")
        if op in PROBABILITY_OPS:
            where = namer(facts)(str(entry.get("where", "an entry point")))
            return {"task": "classification", "evidence": f"the output of {where} comes from {op}"}
    return None


def _attributes(facts: Json) -> dict[str, bool]:
    """Which of the TF2 fine-tuning attributes the root object has (empty for TF1)."""
    found: dict[str, bool] = {}
    for meta_graph in facts.get("meta_graphs", []):
        attributes = (meta_graph.get("object_graph") or {}).get("attributes") or {}
        for name in FINE_TUNING_ATTRIBUTES:
            if name in attributes:
                found[name] = found.get(name, False) or bool(attributes[name].get("present"))
    return found
