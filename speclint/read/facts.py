"""Assemble the facts document for one model directory.

The document is plain JSON (its schema is ``schemas/facts.schema.json``) and is the only
thing later stages read. A file that cannot be read becomes an entry in ``errors``; this
function never raises for bad input.
"""

from __future__ import annotations

import os
from typing import Any

from google.protobuf import message as pb_message

from speclint.errors import display_path
from speclint.proto import messages
from speclint.read import contract, security
from speclint.read.checkpoint import checkpoint_facts
from speclint.read.files import inventory
from speclint.read.graph import GraphIndex
from speclint.read.hub import expected_image_size, read_module_def
from speclint.read.loading import DEFAULT_MAX_BYTES, ReadError, load_saved_model, read_bytes
from speclint.read.metagraph import read_meta_graph
from speclint.vocabulary import TF1, TF1_HUB, TF2, Json, is_tf1

FACTS_VERSION = 1


def blank_facts(model_dir: str, files: Json, errors: list[Json]) -> Json:
    """A facts document that knows only the model's files: where reading starts, and what a
    model that could not be read at all reports (``read.guard.failed_facts``)."""
    return {
        "facts_version": FACTS_VERSION,
        "path": display_path(model_dir),
        "format": None,
        "errors": errors,
        "files": files,
        "saved_model_schema_version": None,
        "tfhub_module": None,
        "fingerprint": None,
        "meta_graphs": [],
        "expected_image_size": None,
        "entry_points": [],
        "checkpoint": None,
    }


def read_model(model_dir: str, max_bytes: int = DEFAULT_MAX_BYTES) -> Json:
    """Read one model directory into a facts document (errors included, never raised)."""
    errors: list[Json] = []
    files = inventory(model_dir)
    facts = blank_facts(model_dir, files, errors)
    if files["tfhub_module"] is not None:
        facts["tfhub_module"] = _guard(
            errors, "tfhub_module.pb", lambda: read_module_def(_read(model_dir, "tfhub_module.pb", max_bytes))
        )
    if files["fingerprint"] is not None:
        facts["fingerprint"] = _guard(
            errors, "fingerprint.pb", lambda: _fingerprint(_read(model_dir, "fingerprint.pb", max_bytes))
        )
    graphs: list[GraphIndex] = []
    if files["saved_model"] is None:
        errors.append(
            {
                "file": "saved_model.pb",
                "where": "saved_model.pb",
                "message": "missing: no saved_model.pb or saved_model.pbtxt",
            }
        )
    else:
        name = files["saved_model"]["name"]
        loaded = _guard(errors, name, lambda: load_saved_model(os.path.join(model_dir, name), max_bytes))
        saved_model, indexes = loaded if loaded is not None else (None, None)
        if saved_model is not None:
            facts["saved_model_schema_version"] = int(saved_model.saved_model_schema_version)
            for index, meta_graph in enumerate(saved_model.meta_graphs):
                meta_facts, graph = read_meta_graph(index, meta_graph, indexes[index] if indexes else None)
                facts["meta_graphs"].append(meta_facts)
                graphs.append(graph)
    facts["security"] = security.scan(model_dir, graphs, saved_model if files["saved_model"] else None, max_bytes)
    facts["checkpoint"] = checkpoint_facts(model_dir, facts["meta_graphs"], max_bytes)
    facts["format"] = _format(facts)
    if is_tf1(facts["format"]):
        default = next((m for m in facts["meta_graphs"] if not m["tags"]), None)
        facts["expected_image_size"] = expected_image_size(default)
    facts["entry_points"] = contract.entry_points(facts, graphs)
    return facts


def _format(facts: Json) -> str | None:
    if facts["files"]["tfhub_module"] is not None:
        return TF1_HUB
    if not facts["meta_graphs"]:
        return None
    if any(m["object_graph"] is not None for m in facts["meta_graphs"]):
        return TF2
    return TF1


def _read(model_dir: str, name: str, max_bytes: int) -> bytes:
    return read_bytes(os.path.join(model_dir, name), max_bytes)


def _fingerprint(data: bytes) -> Json:
    fingerprint = messages.FingerprintDef()
    fingerprint.ParseFromString(data)
    return {
        "saved_model_checksum": str(fingerprint.saved_model_checksum),
        "graph_def_program_hash": str(fingerprint.graph_def_program_hash),
        "signature_def_hash": str(fingerprint.signature_def_hash),
        "saved_object_graph_hash": str(fingerprint.saved_object_graph_hash),
        "checkpoint_hash": str(fingerprint.checkpoint_hash),
        "uuid": fingerprint.uuid or None,
        "producer": int(fingerprint.version.producer),
    }


def _guard(errors: list[Json], name: str, read: Any) -> Any:
    """Run one reader; a problem with the file becomes an error entry naming it."""
    try:
        return read()
    except ReadError as exc:
        errors.append({"file": name, "where": name, "message": str(exc)})
    except pb_message.DecodeError as exc:
        errors.append({"file": name, "where": name, "message": f"not a valid protocol buffer ({exc})"})
    return None
