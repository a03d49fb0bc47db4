#!/usr/bin/env python3
"""Load each evasion model the way a consumer would, and report what it did outside itself.

Run by ``test_evasion.py`` (in a child process, with the working directory a temporary one):
each model is loaded with the loader that applies (``tf.compat.v1.saved_model.loader.load``
for a TF1 graph, ``tf.saved_model.load`` otherwise) and called; the JSON printed on the last
line says, per model, which side effect was observed. A model that fails to load reports
the error instead, so a test fails with TensorFlow's reason.

Usage::

    python tests/read/security/evasion/load_models.py MODELS TARGET [NAME ...]
"""

from __future__ import annotations

import json
import os
import sys
import traceback
from collections.abc import Callable
from typing import Any

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np
import tensorflow as tf

SIZE = 8
IMAGES = np.random.default_rng(0).random((2, SIZE, SIZE, 3), dtype=np.float32)


def _exists(target: str, *names: str) -> bool:
    return any(os.path.exists(os.path.join(target, name)) for name in names)


def op_missing_from_old_table(model: str, target: str) -> dict[str, Any]:
    with open(os.path.join(target, "vocab.csv"), "w", encoding="utf-8") as handle:
        handle.write("a,0\nb,0\nc,100\n")  # only id 2 has any weight: sampling it proves the read
    sampled = tf.saved_model.load(model).leak().numpy().tolist()
    return {"side_effect": sampled == [2] * 5, "detail": f"sampled {sampled} from vocab.csv"}


def _tf1_load(model: str) -> None:
    with tf.Graph().as_default(), tf.compat.v1.Session() as session:
        tf.compat.v1.saved_model.loader.load(session, ["serve"], model)


def saver_restore_op_writes(model: str, target: str) -> dict[str, Any]:
    _tf1_load(model)
    return {"side_effect": _exists(target, "saver-restore.index"), "detail": "tf.compat.v1 loader restore op"}


def table_initializer_writes(model: str, target: str) -> dict[str, Any]:
    tf.saved_model.load(model, tags=["serve"])
    return {"side_effect": _exists(target, "table-init.index"), "detail": "tf.saved_model.load of a TF1 graph"}


def not_an_image_model(model: str, target: str) -> dict[str, Any]:
    tf.saved_model.load(model)(tf.constant(["some text"]))
    return {"side_effect": _exists(target, "not-image.txt"), "detail": "__call__ on text"}


def payload_after_lookalikes(model: str, target: str) -> dict[str, Any]:
    with open(os.path.join(target, "public.txt"), "w", encoding="utf-8") as handle:
        handle.write("nothing secret\n")
    tf.saved_model.load(model)(IMAGES)
    return {"side_effect": _exists(target, "payload.txt"), "detail": "__call__"}


def binary_that_looks_like_text(model: str, target: str) -> dict[str, Any]:
    tf.saved_model.load(model)(IMAGES)
    return {"side_effect": _exists(target, "looks-like-text.txt"), "detail": "__call__"}


def keras_metadata_unreadable(model: str, target: str) -> dict[str, Any]:
    output = tf.saved_model.load(model)(IMAGES)
    return {"side_effect": tuple(output.shape) == (2, 4), "detail": "loads and runs despite keras_metadata.pb"}


def dropout_only_when_training(model: str, target: str) -> dict[str, Any]:
    call = tf.saved_model.load(model)
    inference = [call(IMAGES, training=False).numpy() for _ in range(2)]
    training = [call(IMAGES, training=True).numpy() for _ in range(4)]
    deterministic = bool(np.array_equal(*inference))
    random = any(not np.array_equal(training[0], other) for other in training[1:])
    return {"side_effect": deterministic and random, "detail": f"inference deterministic {deterministic}"}


def writes_relative_path(model: str, target: str) -> dict[str, Any]:
    tf.saved_model.load(model)(IMAGES)
    return {"side_effect": os.path.exists("written-by-model.txt"), "detail": f"in {os.getcwd()}"}


def local_variable_initializer_writes(model: str, target: str) -> dict[str, Any]:
    _tf1_load(model)  # the tf.compat.v1 loader runs only the init op: nothing written yet
    by_v1 = _exists(target, "local-variable.txt")
    tf.saved_model.load(model, tags=["serve"])  # runs Scaffold.default_local_init_op(): local variables too
    by_v2 = _exists(target, "local-variable.txt")
    return {
        "side_effect": by_v2 and not by_v1,
        "detail": f"tf.compat.v1 loader wrote {by_v1}, tf.saved_model.load {by_v2}",
    }


def local_resources_collection(model: str, target: str) -> dict[str, Any]:
    try:
        tf.saved_model.load(model, tags=["serve"])
        error = ""
    except Exception as exc:  # resources.initialize_resources wants .create: an op has none
        error = f"{type(exc).__name__}: {exc}"[:300]
    _tf1_load(model)
    written = _exists(target, "local-resource.txt")
    return {"side_effect": written, "load_error": error, "detail": "both loaders; the file is never written"}


def graph_behind_unknown_field(model: str, target: str) -> dict[str, Any]:
    try:
        tf.saved_model.load(model)(IMAGES)
        error = ""
    except Exception as exc:  # grappler folds the dataset into a variant constant it cannot read back
        error = f"{type(exc).__name__}: {exc}"
    # TensorFlow parsed the string as a GraphDef (a string that is none fails with "Could not parse GraphDef").
    parsed = "Could not parse GraphDef" not in error and "DatasetVariantWrapper" in error
    return {"side_effect": parsed, "detail": error[-300:]}


def graph_computed_at_run_time(model: str, target: str) -> dict[str, Any]:
    loaded = tf.saved_model.load(model)
    try:
        loaded(IMAGES)
        missing = ""
    except Exception as exc:  # the nested TextLineDataset opens secret.txt: not there yet
        missing = str(exc)
    with open(os.path.join(target, "secret.txt"), "w", encoding="utf-8") as handle:
        handle.write("a secret line\n")
    output = loaded(IMAGES)
    read = "secret.txt" in missing and tuple(output.shape) == (2, 4)
    return {"side_effect": read, "detail": f"without the file: {missing[-200:]}"}


def graph_that_does_not_parse(model: str, target: str) -> dict[str, Any]:
    try:
        tf.saved_model.load(model)(IMAGES)
        error = ""
    except Exception as exc:  # DatasetFromGraph parses its input as a GraphDef, and this one is cut short
        error = f"{type(exc).__name__}: {exc}"[:300]
    return {"side_effect": bool(error), "detail": error}


def _listing(*roots: str) -> list[str]:
    return sorted(os.path.join(top, name) for root in roots for top, _, names in os.walk(root) for name in names)


def _load_train_tag_set(model: str, target: str) -> dict[str, Any]:
    """Load [train] with each loader and call its signature; the files each one left behind.

    After each loader, the files that appeared under TARGET, in the working directory or in
    the model directory are listed (then the new ones under TARGET removed): the restore only
    reads ``variables/``.
    """
    written: dict[str, list[str]] = {}
    for loader in ("tf.compat.v1.saved_model.load", "tf.saved_model.load"):
        before = set(_listing(target, os.getcwd(), model))
        if loader == "tf.saved_model.load":
            output = tf.saved_model.load(model, tags=["train"]).signatures["default"](images=tf.constant(IMAGES))
            shape = tuple(output["default"].shape)
        else:
            with tf.Graph().as_default(), tf.compat.v1.Session() as session:
                meta_graph = tf.compat.v1.saved_model.load(session, ["train"], model)
                signature = meta_graph.signature_def["default"]
                fetched = session.run(signature.outputs["default"].name, {signature.inputs["images"].name: IMAGES})
                shape = tuple(fetched.shape)
        assert shape == (2, 4), shape
        new = [path for path in _listing(target, os.getcwd(), model) if path not in before]
        written[loader] = [os.path.relpath(path, target) if path.startswith(target) else path for path in new]
        for path in new:
            if path.startswith(target + os.sep):
                os.remove(path)
    return {
        "side_effect": all(written.values()),
        "wrote_nothing": not any(written.values()),
        "written": written,
        "detail": "loaded and called [train] with both loaders",
    }


LOADERS: dict[str, Callable[[str, str], dict[str, Any]]] = {
    "op-missing-from-old-table": op_missing_from_old_table,
    "saver-restore-op-writes": saver_restore_op_writes,
    "table-initializer-writes": table_initializer_writes,
    "not-an-image-model": not_an_image_model,
    "payload-after-lookalikes": payload_after_lookalikes,
    "binary-that-looks-like-text": binary_that_looks_like_text,
    "keras-metadata-unreadable": keras_metadata_unreadable,
    "dropout-only-when-training": dropout_only_when_training,
    "writes-relative-path": writes_relative_path,
    "local-variable-initializer-writes": local_variable_initializer_writes,
    "local-resources-collection": local_resources_collection,
    "graph-behind-unknown-field": graph_behind_unknown_field,
    "graph-that-does-not-parse": graph_that_does_not_parse,
    "graph-computed-at-run-time": graph_computed_at_run_time,
    "builder-peer-saver": _load_train_tag_set,
    "builder-peer-saver-in-main-op": _load_train_tag_set,
}


sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from load_held_out import LOADERS as HELD_OUT  # noqa: E402  (issue 21: values, roots, look-alikes)

LOADERS.update(HELD_OUT)


def main(argv: list[str]) -> int:
    models, target, names = argv[0], argv[1], argv[2:] or list(LOADERS)
    report: dict[str, Any] = {}
    for name in names:
        load = LOADERS[name]
        try:
            report[name] = load(os.path.join(models, name), target)
        except Exception as exc:  # report TensorFlow's reason, go on with the next model
            report[name] = {"side_effect": False, "error": "".join(traceback.format_exception_only(exc))[-500:]}
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
