"""The task a publisher declares chooses the profile; evidence from the graph decides only when nobody did.

``--profile auto`` guesses the task from the model (a task signature, a softmax output), and a
classifier that returns logits reads as a feature vector. The tfhub.dev page's ``task`` line
(``facts["claims"]["task"]``, ``speclint.read.claims``) is what consumers were told, so under
``auto`` it wins: ``image-feature-vector`` and ``image-classification`` (and tfhub.dev's older
``image-classifier`` / ``image-classification-logits``) pick that contract for the model's format;
any other task (object detection, text embedding...) is outside the image contracts, so no
profile applies. Whether the model fits its declaration is then the rules' business.
"""

from __future__ import annotations

from typing import Any

from speclint.vocabulary import TF2, is_tf1

CONTRACT_TASKS = {
    "image-feature-vector": "image-feature-vector",
    "image-classification": "image-classification",
    "image-classifier": "image-classification",
    "image-classification-logits": "image-classification",
}


def declared_profile(facts: dict[str, Any]) -> tuple[str | None, str] | None:
    """``(profile, reason)`` from the declared task, or None: nothing declared (or two contract
    tasks, or a model that could not be read), so the evidence decides."""
    task = (facts.get("claims") or {}).get("task")
    if not task or not facts.get("meta_graphs"):
        return None
    model_format = facts.get("format")
    family = "tf2" if model_format == TF2 else "tf1" if is_tf1(model_format) else None
    if family is None:
        return None
    values = task.get("values") or []
    declared = f"auto: declared by {task.get('where')} (task: {', '.join(values)})"
    contracts = {CONTRACT_TASKS[value] for value in values if value in CONTRACT_TASKS}
    if len(contracts) == 1:
        return f"{family}-{contracts.pop()}", declared
    if not contracts:
        return None, f"{declared}: not a task of the image contracts (image-feature-vector, image-classification)"
    return None


def declared_task(facts: dict[str, Any]) -> str | None:
    """The declared task in words, for reports: ``image-classification (README.md line 4)``."""
    task = (facts.get("claims") or {}).get("task")
    if not task:
        return None
    return f"{', '.join(task.get('values') or [])} ({task.get('where')})"
