"""Which image task the model's own structure shows, with what shows it.

The two specs define two tasks, image feature vector and image classification; a model
published as something else (object detection, dense prediction such as style transfer or
segmentation, several heads) is neither, and a task-only rule (logits, a named task signature)
would judge it by a guess. ``--profile auto`` chooses from this evidence and says it; a facts
reader (``speclint show``, ``diff``) can quote it. Evidence is structure only, never a name
guessed at: a TF1 signature named for its task, the op whose values the output carries
(Softmax, Sigmoid, ArgMax, a global pool), the output's shape, the detection outputs and ops
TensorFlow's detection APIs write.
"""

from __future__ import annotations

from speclint.read.dataflow import PROBABILITY_OPS
from speclint.vocabulary import Json, format_shape, is_tf1

CLASSIFICATION, FEATURE_VECTOR = "classification", "feature-vector"
DETECTION, DENSE, MULTI_OUTPUT = "detection", "dense-prediction", "multi-output"
TASKS = (CLASSIFICATION, FEATURE_VECTOR, DETECTION, DENSE, MULTI_OUTPUT)

NMS_OPS = frozenset(
    {"NonMaxSuppression", "NonMaxSuppressionV2", "NonMaxSuppressionV3", "NonMaxSuppressionV4",
     "NonMaxSuppressionV5", "NonMaxSuppressionWithOverlaps", "CombinedNonMaxSuppression"}
)  # fmt: skip
DETECTION_KEYS = frozenset({"detection_boxes", "detection_scores", "detection_classes", "num_detections"})
# Output keys of TensorFlow's canned classifiers (estimator and TFX exports): one prediction, several views.
CLASSIFIER_KEYS = frozenset(
    {"classes", "class_ids", "all_classes", "all_class_ids", "probabilities", "logits", "scores", "logistic"}
)
POOLING_OPS = frozenset({"Mean", "AvgPool", "Max", "MaxPool"})
CLASS_ID_OPS = frozenset({"ArgMax"})
IMAGENET_WIDTHS = frozenset({1000, 1001})


def task_evidence(facts: Json) -> list[Json]:
    """Every piece of evidence for a task: ``{"task", "evidence"}``, the strongest first."""
    found: list[Json] = []
    entries = facts.get("entry_points") or []
    if is_tf1(facts.get("format")):
        names = {e.get("signature") for e in entries if e.get("api") == "tf1-signature"}
        for name, task in (("image_classification", CLASSIFICATION), ("image_feature_vector", FEATURE_VECTOR)):
            if name in names:
                found.append({"task": task, "evidence": f"it has a signature_def['{name}']", "declared": True})
    for meta_graph in facts.get("meta_graphs") or []:
        nms = sorted(NMS_OPS & set(meta_graph["graph"]["all_op_counts"]))
        if nms:
            found.append({"task": DETECTION, "evidence": f"{meta_graph['where']} runs {', '.join(nms)}"})
    for entry in entries:
        found += _entry_evidence(entry)
    unique: list[Json] = []
    for item in found:
        if item not in unique:
            unique.append(item)
    return unique


def _entry_evidence(entry: Json) -> list[Json]:
    where = entry["where"]
    keys = set(entry.get("output_keys") or [])
    outputs = entry.get("outputs") or []
    if keys & DETECTION_KEYS:
        return [{"task": DETECTION, "evidence": f"{where} returns {', '.join(sorted(keys & DETECTION_KEYS))}"}]
    probabilities = sorted({o["activation"] for o in outputs if o.get("activation") in PROBABILITY_OPS})
    if entry.get("api") == "graph":
        return (
            [{"task": CLASSIFICATION, "evidence": f"its input flows into {', '.join(probabilities)}"}]
            if probabilities
            else []
        )
    if entry.get("output") is not None:
        return _output_evidence(where, entry["output"].get("shape"), entry.get("output_activation") or {})
    main = [o for o in outputs if o.get("key") in ("['default']", "default")]
    if len(outputs) == 1 or main:  # one tensor, or a TF1-style 'default' among others: judge that one
        chosen = (main or outputs)[0]
        return _output_evidence(where, chosen.get("shape"), {"op": chosen.get("activation")})
    if len(outputs) > 1 and keys and keys <= CLASSIFIER_KEYS and probabilities:
        return [{"task": CLASSIFICATION, "evidence": f"{where} returns {', '.join(sorted(keys))}"}]
    if len(outputs) > 1:
        return [{"task": MULTI_OUTPUT, "evidence": f"{where} returns {len(outputs)} tensors"}]
    return []


def _output_evidence(where: str, shape: list[int] | None, activation: Json) -> list[Json]:
    op = activation.get("op")
    if isinstance(shape, list) and len(shape) >= 3 and any(d != 1 for d in shape[1:-1]):
        return [{"task": DENSE, "evidence": f"the output of {where} has shape {format_shape(shape)}"}]
    found = []
    if op in PROBABILITY_OPS:
        node = f" (node {activation['node']})" if activation.get("node") else ""
        found.append({"task": CLASSIFICATION, "evidence": f"the output of {where} comes from {op}{node}"})
    elif op in CLASS_ID_OPS:
        found.append({"task": CLASSIFICATION, "evidence": f"the output of {where} is class ids ({op})"})
    elif op in POOLING_OPS:
        found.append({"task": FEATURE_VECTOR, "evidence": f"the output of {where} is a global pool ({op})"})
    if isinstance(shape, list) and len(shape) == 2 and shape[1] in IMAGENET_WIDTHS:
        found.append(
            {
                "task": CLASSIFICATION,
                "evidence": f"the output of {where} is {shape[1]} wide, as ImageNet classifiers are",
            }
        )
    return found
