"""Kaggle Models' ``model-instance-metadata.json``: the framework and the fine-tunable flag of an instance.

``kaggle models instances init`` writes the template and ``kaggle models instances create``
reads it back (kaggle-api, ``docs/models_metadata.md`` and ``KaggleApi.model_instance_create``).
The create command is the reference for what is accepted, and speclint checks what it checks:
the file is one JSON object; ``ownerSlug``, ``modelSlug``, ``instanceSlug``, ``framework`` and
``licenseName`` are present and no longer the template's ``INSERT_..._HERE`` placeholders; the
licence is not empty; ``fineTunable`` (default false) is a boolean, ``trainingData`` a list;
``framework`` and ``modelInstanceType`` name a member of Kaggle's enums, matched as the client
matches them (``tensorFlow2``, ``TensorFlow2``, ``MODEL_FRAMEWORK_TENSOR_FLOW_2`` all name one).
"""

from __future__ import annotations

import json
import re
from typing import Any, NamedTuple

from speclint.read.claims.markdown import Declared, Problem
from speclint.vocabulary import TF1, TF1_HUB, TF2

FILE_NAME = "model-instance-metadata.json"
REQUIRED = ("ownerSlug", "modelSlug", "instanceSlug", "framework", "licenseName")
PLACEHOLDERS = {
    "ownerSlug": "INSERT_OWNER_SLUG_HERE",
    "modelSlug": "INSERT_EXISTING_MODEL_SLUG_HERE",
    "instanceSlug": "INSERT_INSTANCE_SLUG_HERE",
    "framework": "INSERT_FRAMEWORK_HERE",
}
# kagglesdk's ModelFramework and ModelInstanceType enums (kagglesdk/models/types/model_enums.py).
FRAMEWORKS = (
    "MODEL_FRAMEWORK_UNSPECIFIED",
    "MODEL_FRAMEWORK_TENSOR_FLOW_1",
    "MODEL_FRAMEWORK_TENSOR_FLOW_2",
    "MODEL_FRAMEWORK_TF_LITE",
    "MODEL_FRAMEWORK_TF_JS",
    "MODEL_FRAMEWORK_PY_TORCH",
    "MODEL_FRAMEWORK_JAX",
    "MODEL_FRAMEWORK_FLAX",
    "MODEL_FRAMEWORK_PAX",
    "MODEL_FRAMEWORK_MAX_TEXT",
    "MODEL_FRAMEWORK_GEMMA_CPP",
    "MODEL_FRAMEWORK_GGML",
    "MODEL_FRAMEWORK_GGUF",
    "MODEL_FRAMEWORK_CORAL",
    "MODEL_FRAMEWORK_SCIKIT_LEARN",
    "MODEL_FRAMEWORK_MXNET",
    "MODEL_FRAMEWORK_ONNX",
    "MODEL_FRAMEWORK_KERAS",
    "MODEL_FRAMEWORK_TRANSFORMERS",
    "MODEL_FRAMEWORK_API",
    "MODEL_FRAMEWORK_OTHER",
    "MODEL_FRAMEWORK_TENSOR_RT_LLM",
    "MODEL_FRAMEWORK_TRITON",
    "MODEL_FRAMEWORK_VLLM",
)
INSTANCE_TYPES = (
    "MODEL_INSTANCE_TYPE_UNSPECIFIED",
    "MODEL_INSTANCE_TYPE_BASE_MODEL",
    "MODEL_INSTANCE_TYPE_KAGGLE_VARIANT",
    "MODEL_INSTANCE_TYPE_EXTERNAL_VARIANT",
)
# What a framework says about a SavedModel's format. Frameworks that are not TensorFlow at all
# promise something a SavedModel is not (an empty list); Keras, Transformers, API, Other and
# Unspecified can hold a SavedModel of either kind, so they say nothing (None).
MODEL_FORMATS: dict[str, list[str] | None] = {name: [] for name in FRAMEWORKS}
MODEL_FORMATS.update(
    {
        "MODEL_FRAMEWORK_TENSOR_FLOW_1": [TF1_HUB, TF1],
        "MODEL_FRAMEWORK_TENSOR_FLOW_2": [TF2],
        **dict.fromkeys(
            (
                "MODEL_FRAMEWORK_UNSPECIFIED",
                "MODEL_FRAMEWORK_KERAS",
                "MODEL_FRAMEWORK_TRANSFORMERS",
                "MODEL_FRAMEWORK_API",
                "MODEL_FRAMEWORK_OTHER",
            )
        ),
    }
)


class KaggleClaims(NamedTuple):
    """The claims of one model-instance-metadata.json: framework and fine-tunable, with their lines."""

    framework: Declared | None  # value: as written (TensorFlow2)
    framework_member: str | None  # the enum member it names (MODEL_FRAMEWORK_TENSOR_FLOW_2)
    fine_tunable: Declared | None  # value: "true" or "false"; None when the file leaves the default
    fields: dict[str, Any]
    problems: list[Problem]


def parse_instance_metadata(text: str) -> KaggleClaims:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        return KaggleClaims(
            None, None, None, {}, [Problem(exc.lineno, f"is not valid JSON: {exc.msg} (column {exc.colno})")]
        )
    except RecursionError:
        return KaggleClaims(None, None, None, {}, [Problem(1, "is not valid JSON: nested too deeply")])
    if not isinstance(data, dict):
        return KaggleClaims(
            None, None, None, {}, [Problem(1, "must be one JSON object (kaggle models instances init)")]
        )
    problems: list[Problem] = []
    for key in REQUIRED:
        if key not in data:
            problems.append(Problem(1, f"lacks '{key}', which kaggle models instances create requires"))
        elif key in PLACEHOLDERS and data[key] == PLACEHOLDERS[key]:
            problems.append(Problem(_line(text, key), f"'{key}' is still the template's {PLACEHOLDERS[key]}"))
    if data.get("licenseName") == "":
        problems.append(Problem(_line(text, "licenseName"), "'licenseName' is empty; Kaggle requires a licence"))
    if not isinstance(data.get("trainingData", []), list):
        problems.append(Problem(_line(text, "trainingData"), "'trainingData' must be a list"))
    framework, member = None, None
    value = data.get("framework")
    if "framework" in data and value != PLACEHOLDERS["framework"]:
        member = lookup_enum(FRAMEWORKS, "MODEL_FRAMEWORK", value)
        if member is None:
            problems.append(
                Problem(_line(text, "framework"), f"'framework' {_json_excerpt(value)} is not a Kaggle framework")
            )
        else:
            framework = Declared("framework", str(value), _line(text, "framework"))
    instance_type = data.get("modelInstanceType", "Unspecified")
    if lookup_enum(INSTANCE_TYPES, "MODEL_INSTANCE_TYPE", instance_type) is None:
        problems.append(
            Problem(
                _line(text, "modelInstanceType"),
                f"'modelInstanceType' {_json_excerpt(instance_type)} is not a Kaggle type",
            )
        )
    fine_tunable = None
    if "fineTunable" in data:
        flag = data["fineTunable"]
        if isinstance(flag, bool):
            fine_tunable = Declared("fineTunable", "true" if flag else "false", _line(text, "fineTunable"))
        else:
            problems.append(
                Problem(_line(text, "fineTunable"), f"'fineTunable' must be true or false, not {_json_excerpt(flag)}")
            )
    fields = {key: data[key] for key in ("ownerSlug", "modelSlug", "instanceSlug", "framework") if key in data}
    return KaggleClaims(framework, member, fine_tunable, fields, sorted(problems))


def lookup_enum(members: tuple[str, ...], prefix: str, value: Any) -> str | None:
    """The enum member a value names, as kaggle-api's ``lookup_enum`` finds it, or None.

    The value is turned to snake case and upper-cased; it names a member as it is, with the
    enum's prefix, or with every underscore dropped (so ``tensorFlow2`` is TENSOR_FLOW_2).
    """
    if not isinstance(value, str):
        return None
    item = _camel_to_snake(value).upper()
    for candidate in (item, f"{prefix}_{item}"):
        if candidate in members:
            return candidate
    squeezed = f"{prefix}_{item}".replace("_", "")
    return next((member for member in members if member.replace("_", "") == squeezed), None)


def _camel_to_snake(name: str) -> str:
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z0-9])([A-Z])", r"\1_\2", name).lower()


def _line(text: str, key: str) -> int:
    """The line of the first ``"key":`` in the file (json drops positions; this finds them again)."""
    match = re.search(rf'"{re.escape(key)}"\s*:', text)
    return text.count("\n", 0, match.start()) + 1 if match else 1


def _json_excerpt(value: Any) -> str:
    """A value of the metadata file in a problem's words: its JSON, cut after 60 characters."""
    text = json.dumps(value)
    return text if len(text) <= 60 else text[:60] + "..."
