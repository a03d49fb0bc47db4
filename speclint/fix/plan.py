"""What ``fix`` will do to a model, decided from the ordinary lint of IN alone (no TensorFlow).

Each finding either maps to a fix (a wrapper piece that resolves it, named with the rule it
resolves) or is listed as not fixable. The plan also carries the numeric transforms the proof
must undo: a removed final activation and a rescaled input.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from speclint.errors import SpeclintError
from speclint.rules.rule import Finding
from speclint.rules.ruleset import ModelResult
from speclint.vocabulary import Json

TF1_TASKS = ("image_feature_vector", "image_classification")
# Codes the wrapper resolves by construction, per model family; the rest need a transform.
TF2_STRUCTURAL = {
    "SL130": "give the root object a __call__(images, training=False) that calls {source}",
    "SL132": "return the one tensor {output} of the dict",
    "SL133": "add root.variables: the model's own {count} variables (the same objects, no copies)",
    "SL134": "add root.trainable_variables: the trainable ones among them",
    "SL135": "add root.regularization_losses ({losses})",
    "SL136": "take training as a Python bool and pass the original's own training value",
}
TF1_STRUCTURAL = {
    "SL100": "write tfhub_module.pb (FORMAT_V3)",
    "SL101": "write tfhub_module.pb with format FORMAT_V3",
    "SL103": "add the default tag-set [] (the graph of tag-set {tags})",
    "SL104": "add signature_def['default'] (from signature_def['{signature}'])",
    "SL105": "add signature_def['image_feature_vector'] (the same as 'default')",
    "SL106": "add signature_def['image_classification'] (the same as 'default')",
    "SL109": "add signature_def['{task}'] (the same as 'default')",
    "SL110": "rename the input {input} to 'images'",
    "SL120": "rename the output {output} to 'default'",
}
ACTIVATIONS = ("Softmax", "Sigmoid")


@dataclass
class Fix:
    codes: tuple[str, ...]
    text: str

    def line(self) -> str:
        return f"{', '.join(self.codes)}: {self.text}"


@dataclass
class Plan:
    """Everything the writer and the proof need; plain data."""

    family: str  # tf1 | tf2
    profile: str
    fixes: list[Fix] = field(default_factory=list)
    unfixable: list[Finding] = field(default_factory=list)
    input_transform: str | None = None  # uint8 | scale255
    activation: str | None = None  # Softmax | Sigmoid: removed from the output
    cast_output: bool = False
    squeeze_axes: tuple[int, ...] = ()  # size-1 axes between batch and features, removed
    input_key: str | None = None
    output_key: str | None = None
    image_size: tuple[int, int] | None = None
    task: str | None = None  # TF1: image_feature_vector | image_classification
    batch_loop: bool = False  # TF2 fixed to batch 1: the wrapper maps it over the batch
    wrapped_signature: bool = False  # TF2 IN without __call__: its lint saw no entry point

    @property
    def fixed_codes(self) -> set[str]:
        return {code for fix in self.fixes for code in fix.codes}


def make_plan(
    facts: Json,
    result: ModelResult,
    *,
    input_key: str | None = None,
    output_key: str | None = None,
    image_size: tuple[int, int] | None = None,
) -> Plan:
    """The fixes for IN's findings; raises SpeclintError for a model fix must refuse."""
    unsafe = sorted({f.code for f in result.findings if f.code.startswith("SL6")})
    if unsafe:
        raise SpeclintError(
            f"{result.path}: refused: the model has security findings ({', '.join(unsafe)}); "
            "fix loads the model with TensorFlow and never does that for an unsafe one"
        )
    if result.profile is None:
        raise SpeclintError(f"{result.path}: nothing to fix: {result.profile_reason}")
    family = "tf2" if facts["format"] == "tf2" else "tf1"
    plan = Plan(family=family, profile=result.profile, input_key=input_key, output_key=output_key)
    plan.task = "image_classification" if result.profile.endswith("classification") else "image_feature_vector"
    findings = [*result.findings, *result.implied]  # a consequence listed under its cause needs its fix too
    by_code: dict[str, list[Finding]] = {}
    for finding in findings:
        by_code.setdefault(finding.code, []).append(finding)
    if family == "tf2":
        _plan_tf2(plan, facts, by_code)
    else:
        _plan_tf1(plan, facts, by_code, image_size)
    _plan_transforms(plan, facts, by_code)
    fixed = plan.fixed_codes
    plan.unfixable = [f for f in findings if f.code not in fixed]
    return plan


def _plan_tf2(plan: Plan, facts: Json, by_code: dict[str, list[Finding]]) -> None:
    object_graph = _object_graph(facts)
    attributes = object_graph.get("attributes", {}) if object_graph else {}
    has_call = bool(object_graph and object_graph.get("call", {}).get("present"))
    children = (object_graph or {}).get("root", {}).get("children", [])
    if has_call:
        source = "the original __call__"
    elif "serve" in children:
        source = "the Keras 3 export's serve endpoint"
    else:
        name = _signature_name(object_graph or {})
        source = f"signature '{name}'" if name else "a signature"
    count = (attributes.get("variables") or {}).get("variable_count")
    losses = (attributes.get("regularization_losses") or {}).get("item_count")
    details = {
        "source": source,
        "output": f"['{plan.output_key}']" if plan.output_key else "(its only or 'default' entry)",
        "count": count if count is not None else "captured",
        "losses": f"the original {losses}" if losses else "an empty list: the original has none",
    }
    for code, text in TF2_STRUCTURAL.items():
        if code in by_code:
            plan.fixes.append(Fix((code,), text.format(**details)))


def _plan_tf1(plan: Plan, facts: Json, by_code: dict[str, list[Finding]], image_size: tuple[int, int] | None) -> None:
    meta_graphs = facts["meta_graphs"]
    source_graph = next((m for m in meta_graphs if m["tags"] == []), meta_graphs[0])
    signatures = source_graph["signatures"]
    source_signature = next((s for s in ("default", plan.task, *TF1_TASKS) if s in signatures), None)
    if source_signature is None:
        if len(signatures) != 1:
            raise SpeclintError(
                f"{facts['path']}: tag-set {source_graph['tags']} has no default or image signature "
                f"(signatures: {', '.join(sorted(signatures)) or 'none'})"
            )
        source_signature = next(iter(signatures))
    signature = signatures[source_signature]
    plan.input_key = _pick_key(plan.input_key, signature["inputs"], "images", "input", facts)
    plan.output_key = _pick_key(plan.output_key, signature["outputs"], "default", "output", facts)
    details = {
        "tags": source_graph["tags"],
        "signature": source_signature,
        "task": plan.task,
        "input": f"'{plan.input_key}'",
        "output": f"'{plan.output_key}'",
    }
    for code, text in TF1_STRUCTURAL.items():
        if code in by_code:
            codes: tuple[str, ...] = (code,)
            renamed = f"'{plan.output_key}'"
            if code == "SL120" and by_code.get("SL125") and all(renamed in f.message for f in by_code["SL125"]):
                codes = ("SL120", "SL125")  # the unprefixed extra output was the one renamed to default
            plan.fixes.append(Fix(codes, text.format(**details)))
    plan.image_size = image_size or _known_size(facts, signature["inputs"][plan.input_key])
    size_codes = tuple(code for code in ("SL116", "SL117", "SL118") if code in by_code)
    if size_codes and plan.image_size is not None:
        height, width = plan.image_size
        plan.fixes.append(
            Fix(size_codes, f"fix images to (-1, {height}, {width}, 3) and write image_module_info {height}x{width}")
        )


def _plan_transforms(plan: Plan, facts: Json, by_code: dict[str, list[Finding]]) -> None:
    entry = _primary_entry(facts, plan)
    implied = plan.family == "tf2" and (entry is None or entry.get("api") != "tf2-call")  # no __call__ entry
    if implied:  # no __call__ yet: what the wrapped signature would show once it is called
        entry = _wrapped_signature(facts)
        plan.wrapped_signature = True
    found = by_code.keys() if not implied else {"SL112", "SL121"}
    note = " (of the wrapped signature)" if implied else ""
    if "SL112" in found and entry and (entry.get("images") or {}).get("dtype") == "DT_UINT8":
        plan.input_transform = "uint8"
        text = "accept float32 images in [0, 1]: round(x * 255) as uint8 into the input"
        plan.fixes.append(Fix(("SL112",), text + note))
    if "SL119" in found and plan.input_transform is None:
        plan.input_transform = "scale255"
        plan.fixes.append(Fix(("SL119",), "accept images in [0, 1]: x * 255 into the input, which expects [0, 255]"))
    if "SL121" in found and entry and (entry.get("output") or {}).get("dtype") == "DT_DOUBLE":
        plan.cast_output = True
        plan.fixes.append(Fix(("SL121",), "cast the float64 output to float32" + note))
    shape = (entry or {}).get("output", {}) or {}
    dims = shape.get("shape") or []
    if "SL122" in found and len(dims) > 2 and all(d == 1 for d in dims[1:-1]) and dims[-1] > 0:
        plan.squeeze_axes = tuple(range(1, len(dims) - 1))
        shown = ", ".join("-1" if d < 0 else str(d) for d in dims)
        plan.fixes.append(Fix(("SL122",), f"squeeze the output ({shown}) to (-1, {dims[-1]})"))
    images_shape = ((entry or {}).get("images") or {}).get("shape") or []
    if "SL114" in found and plan.family == "tf2" and images_shape[:1] == [1]:
        plan.batch_loop = True
        plan.fixes.append(Fix(("SL114",), "accept any batch size: run the batch-1 model on each image (tf.map_fn)"))
    producer = ((entry or {}).get("output_producer") or {}).get("op")
    if "SL142" in found and producer in ACTIVATIONS:
        plan.activation = producer
        plan.fixes.append(Fix(("SL142",), f"return logits: cut the graph at the input of the final {producer}"))


def _signature_name(object_graph: Json) -> str:
    """The signature a wrapper calls: serving_default, else the first by name (as ``tf2.py`` picks)."""
    names = [n for n in object_graph.get("signatures") or [] if not n.startswith("__")]
    return "serving_default" if "serving_default" in names else (sorted(names)[0] if names else "")


def _wrapped_signature(facts: Json) -> Json | None:
    """The input and output of the signature a TF2 wrapper calls when IN has no ``__call__``."""
    object_graph = _object_graph(facts) or {}
    keras3 = "serve" in object_graph.get("root", {}).get("children", [])
    name = "serve" if keras3 else _signature_name(object_graph)
    signature = next((m["signatures"].get(name) for m in facts["meta_graphs"] if name in m["signatures"]), None)
    if not signature or len(signature["inputs"]) != 1 or len(signature["outputs"]) != 1:
        return None
    return {
        "images": next(iter(signature["inputs"].values())),
        "output": next(iter(signature["outputs"].values())),
    }


def _primary_entry(facts: Json, plan: Plan) -> Json | None:
    entries = facts.get("entry_points") or []
    if plan.family == "tf2":
        return next((e for e in entries if not (e.get("training") or {}).get("value")), entries[0] if entries else None)
    ranked = sorted(
        (e for e in entries if e.get("tags") == [] or not any(x.get("tags") == [] for x in entries)),
        key=lambda e: 0 if e.get("signature") == "default" else 1,
    )
    return ranked[0] if ranked else None


def _pick_key(chosen: str | None, tensors: Json, wanted: str, what: str, facts: Json) -> str:
    if chosen is not None:
        if chosen not in tensors:
            have = ", ".join(sorted(tensors))
            raise SpeclintError(f"{facts['path']}: --{what} {chosen!r}: no such {what} (have: {have})")
        return chosen
    if wanted in tensors:
        return wanted
    if len(tensors) == 1:
        return str(next(iter(tensors)))
    raise SpeclintError(
        f"{facts['path']}: more than one {what} and none is '{wanted}' ({', '.join(sorted(tensors))}): "
        f"choose one with --{what} KEY"
    )


def _known_size(facts: Json, images: Json) -> tuple[int, int] | None:
    """Height and width from the input shape (the graph is the truth), else from the attachment."""
    shape = images.get("shape") or []
    if len(shape) == 4 and shape[1] > 0 and shape[2] > 0:
        return int(shape[1]), int(shape[2])
    expected = facts.get("expected_image_size") or {}
    if expected.get("height") and expected.get("width"):
        return int(expected["height"]), int(expected["width"])
    return None


def _object_graph(facts: Json) -> Json | None:
    for meta_graph in facts["meta_graphs"]:
        if meta_graph.get("object_graph"):
            return meta_graph["object_graph"]  # type: ignore[no-any-return]
    return None


def parse_image_size(text: str) -> tuple[int, int]:
    """``--image-size 224x224``."""
    parts = text.lower().split("x")
    if len(parts) != 2 or not all(p.isdigit() and int(p) > 0 for p in parts):
        raise SpeclintError(f"--image-size {text!r}: expected HxW, e.g. 224x224")
    return int(parts[0]), int(parts[1])
