"""What one scan has found so far: the ``facts["security"]`` document being filled in."""

from __future__ import annotations

from speclint.vocabulary import Json

MAX_NESTED_GRAPHS = 64  # per model; each one is parsed and scanned
MAX_ARGUMENT_CHARS = 200

INTERNAL_ERRORS = (KeyError, IndexError, ValueError, TypeError, AttributeError, RecursionError, UnicodeError)


def empty() -> Json:
    """``facts["security"]`` when nothing was found (or nothing could be read)."""
    return {
        "dangerous_ops": [],
        "dangerous_op_count": 0,
        "process_killing_ops": [],
        "unreached_ops": [],
        "never_run": never_run([]),
        "unknown_ops": [],
        "unknown_op_count": 0,
        "keras_lambda_layers": [],
        "keras_layers": [],
        "escaping_assets": [],
        "nested_graphs_scanned": 0,
        "errors": [],
    }


def never_run(unreached: list[Json]) -> Json:
    """One summary of the table ops nothing a consumer runs reaches (a single, non-failing finding)."""
    counts: dict[str, int] = {}
    for entry in unreached:
        counts[entry["op"]] = counts.get(entry["op"], 0) + 1
    ops = sorted(counts)
    listed = ", ".join(f"{op} x{counts[op]}" if counts[op] > 1 else op for op in ops)
    places = "; ".join(entry["where"] for entry in unreached[:3]) + ("; ..." if len(unreached) > 3 else "")
    summary = (
        f"{len(unreached)} {'op' if len(unreached) == 1 else 'ops'} of the dangerous-op table ({listed}: {places}) "
        "that no signature, init op, restore op, object function or registered gradient reaches: they never run "
        "when the model is loaded or served"
        if unreached
        else ""
    )
    return {"count": len(unreached), "ops": ops, "where": "model", "summary": summary}


class State:
    """What one scan has found so far, with its budget for nested graphs."""

    def __init__(self, result: Json) -> None:
        self.result = result
        self.nested_budget = MAX_NESTED_GRAPHS
        self.keras_layers: set[tuple[str, ...]] = set()  # Keras findings already recorded

    def add(self, kind: str, entry: Json) -> None:
        items = self.result[kind]
        counter = {"dangerous_ops": "dangerous_op_count", "unknown_ops": "unknown_op_count"}.get(kind)
        if counter:
            self.result[counter] += 1
        items.append(entry)  # no cap: a payload after many look-alikes must still be reported

    def error(self, file: str, message: str, where: str | None = None) -> None:
        """A part of the scan that could not finish: reported (SL604), never a silent pass."""
        self.result["errors"].append({"file": file, "where": where or file, "message": message[:300]})
