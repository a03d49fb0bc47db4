"""Assemble the facts document for one model directory.

The document is plain JSON (its schema is ``schemas/facts.schema.json``) and is the only
thing later stages read. A file that cannot be read becomes an entry in ``errors``; this
function never raises for bad input.
"""

from __future__ import annotations

from typing import Any

from google.protobuf import message as pb_message

import speclint.read.claims as publisher_claims
import speclint.read.contract as contract
import speclint.read.security as security
import speclint.read.suppressions as suppressions
from speclint.proto import messages
from speclint.read.checkpoint import checkpoint_facts
from speclint.read.files import inventory, unusable_files
from speclint.read.graph.index import GraphIndex
from speclint.read.hub import expected_image_size, read_module_def
from speclint.read.loading import DEFAULT_MAX_BYTES, ReadError, parse_saved_model
from speclint.read.metagraph import read_meta_graph
from speclint.read.task import task_evidence
from speclint.read.tree import ModelTree, open_tree
from speclint.safe_text import display_path
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
        "claims": publisher_claims.empty(),
        "suppressions": suppressions.empty(),
        "archive": None,
        "tag_sets": [],
        "signature_keys": [],
        "task_evidence": [],
        "checkpoint": None,
    }


def read_model(model_dir: str, max_bytes: int = DEFAULT_MAX_BYTES, claims: str | None = None) -> Json:
    """Read one model (a directory or a published archive) into a facts document (errors included, never raised).

    ``claims``: a documentation file kept outside the model (``--claims``), read with the model's own.
    """
    errors: list[Json] = []
    try:
        tree = open_tree(model_dir, max_bytes)
    except ReadError as exc:  # an archive that cannot be indexed: nothing inside can be trusted
        facts = blank_facts(model_dir, inventory(_NO_FILES), [{"file": "", "where": "archive", "message": str(exc)}])
        facts["security"] = security.empty()
        facts["claims"] = publisher_claims.read_claims(_NO_FILES, claims)
        return facts
    files = inventory(tree)
    facts = blank_facts(model_dir, files, errors)
    archive = getattr(tree, "facts", None)
    facts["archive"] = archive() if archive else None
    if files["tfhub_module"] is not None:
        facts["tfhub_module"] = _guard(
            errors, "tfhub_module.pb", lambda: read_module_def(tree.read("tfhub_module.pb", max_bytes))
        )
    if files["fingerprint"] is not None:
        facts["fingerprint"] = _guard(
            errors, "fingerprint.pb", lambda: _fingerprint(tree.read("fingerprint.pb", max_bytes))
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
        loaded = _guard(errors, name, lambda: parse_saved_model(tree.read(name, max_bytes), name))
        saved_model, indexes = loaded if loaded is not None else (None, None)
        if saved_model is not None:
            facts["saved_model_schema_version"] = int(saved_model.saved_model_schema_version)
            for index, meta_graph in enumerate(saved_model.meta_graphs):
                meta_facts, graph = read_meta_graph(index, meta_graph, indexes[index] if indexes else None)
                facts["meta_graphs"].append(meta_facts)
                graphs.append(graph)
    facts["security"] = security.scan(
        model_dir, graphs, saved_model if files["saved_model"] else None, max_bytes, files=tree if archive else None
    )
    facts["checkpoint"] = checkpoint_facts(tree, facts["meta_graphs"], max_bytes)
    facts["format"] = _format(facts)
    if is_tf1(facts["format"]):
        default = next((m for m in facts["meta_graphs"] if not m["tags"]), None)
        facts["expected_image_size"] = expected_image_size(default)
    facts["entry_points"] = contract.entry_points(facts, graphs)
    facts["claims"] = publisher_claims.read_claims(tree, claims)
    facts["suppressions"] = suppressions.read_suppressions(tree)
    if archive or facts["claims"]["documents"]:  # a published model: what it ships is judged too
        files["unusable"] = unusable_files(tree, publisher_claims.is_documentation)
    facts["tag_sets"] = ["[" + ", ".join(m["tags"]) + "]" for m in facts["meta_graphs"]]
    facts["signature_keys"] = [_signature_keys(m) for m in facts["meta_graphs"]]
    facts["task_evidence"] = task_evidence(facts)
    return facts


def _signature_keys(meta_graph: Json) -> str:
    """``tag-set [serve] with predict and serving_default``: what a consumer can call, in a few words."""
    keys = [key for key in meta_graph["signatures"] if not key.startswith("__")]
    if not keys:
        return f"{meta_graph['where']} without signatures"
    return f"{meta_graph['where']} with " + (
        " and ".join([", ".join(keys[:-1]), keys[-1]]) if len(keys) > 1 else keys[0]
    )


class _Nothing:
    """The files of an archive that could not be opened: none."""

    label = ""
    skips_hidden = False

    def size(self, relative: str) -> int | None:
        return None

    def is_dir(self, relative: str) -> bool:
        return False

    def listing(self, relative: str, limit: int = 0) -> list[str]:
        return []

    def all_files(self, limit: int = 0) -> list[str]:
        return []

    def top_files(self) -> list[str]:
        return []

    def read(self, relative: str, max_bytes: int = DEFAULT_MAX_BYTES) -> bytes:
        raise ReadError("not read")


_NO_FILES: ModelTree = _Nothing()


def _format(facts: Json) -> str | None:
    if facts["files"]["tfhub_module"] is not None:
        return TF1_HUB
    if not facts["meta_graphs"]:
        return None
    if any(m["object_graph"] is not None for m in facts["meta_graphs"]):
        return TF2
    return TF1


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
