"""What TensorFlow does with the models of ``make_held_out.py``, loaded as consumers load them.

Each function loads one model with every consumer that runs it (the ``tf.compat.v1`` loader,
which TF Serving's C++ loader follows; ``tf.saved_model.load``; ``hub.KerasLayer``;
``tf_keras.models.load_model``), calls it, and reports what happened outside it: files
written or read under TARGET, a network attempt, the process ending. Look-alikes report that
they work and touch nothing outside. Imported by ``load_models.py``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from typing import Any

import numpy as np
import tensorflow as tf

SIZE = 8
IMAGES = np.random.default_rng(0).random((2, SIZE, SIZE, 3), dtype=np.float32)
SECRET_TEXT = "speclint secret line"
PROTO_TYPE = "speclint.Secret"


def _files(root: str) -> list[str]:
    return sorted(os.path.relpath(os.path.join(top, name), root) for top, _, names in os.walk(root) for name in names)


def _v1_run(model: str, feeds: dict[str, Any], tags: tuple[str, ...] = ("serve",), key: str | None = None) -> Any:
    """Load with the tf.compat.v1 loader (restore op, init op) and run one signature's first output."""
    with tf.Graph().as_default(), tf.compat.v1.Session() as session:
        meta_graph = tf.compat.v1.saved_model.load(session, list(tags), model)
        keys = sorted(k for k in meta_graph.signature_def if not k.startswith("_"))
        signature = meta_graph.signature_def[key or keys[0]]
        output = sorted(signature.outputs)[0]
        fed = {signature.inputs[name].name: value for name, value in feeds.items()}
        return session.run(signature.outputs[output].name, fed)


def _v1_load(model: str) -> None:
    with tf.Graph().as_default(), tf.compat.v1.Session() as session:
        tf.compat.v1.saved_model.load(session, ["serve"], model)


def _by_each_loader(model: str, target: str, *files: str) -> dict[str, Any]:
    """Load with each loader (both run the restore op): which of ``files`` appear under TARGET (removed
    again in between), and the error the load ended with."""
    found: dict[str, Any] = {}
    for name, loader in (("tf.compat.v1", _v1_load), ("tf.saved_model.load", tf.saved_model.load)):
        try:
            loader(model)
            error = ""
        except Exception as exc:  # an attack that fails after its side effect still did it
            error = f"{type(exc).__name__}: {exc}"
        written = [path for path in _files(target) if any(path.startswith(f) for f in files)]
        found[name] = {"written": written, "error": error}
        for path in written:
            full = os.path.join(target, path)
            if os.path.isfile(full):
                os.remove(full)
    return found


def _short(found: dict[str, Any]) -> dict[str, Any]:
    return {name: {**item, "error": item["error"][:300]} for name, item in found.items()}


# ---- 1. saver-derived file names -------------------------------------------------------------------
def saver_join_with_separator(model: str, target: str) -> dict[str, Any]:
    found = _by_each_loader(model, target, "separator_temp")
    return {"side_effect": all(item["written"] for item in found.values()), "loaders": _short(found)}


def saver_suffix_in_tensor_content(model: str, target: str) -> dict[str, Any]:
    found = _by_each_loader(model, target, "tensor-content")
    return {"side_effect": all(item["written"] for item in found.values()), "loaders": _short(found)}


def saver_gs_prefix(model: str, target: str) -> dict[str, Any]:
    found = _by_each_loader(model, target, "nothing")
    # TensorFlow's GCS file system resolved the bucket's host: a network request at load.
    network = {name: "HTTP request" in item["error"] or "googleapis" in item["error"] for name, item in found.items()}
    for item in found.values():
        item["error"] = item["error"][:300]
    return {"side_effect": all(network.values()), "network": network, "loaders": found}


def restore_op_restores_another_checkpoint(model: str, target: str) -> dict[str, Any]:
    v1 = _v1_run(model, {"images": IMAGES})
    v2 = tf.saved_model.load(model, tags=["serve"]).signatures["default"](images=tf.constant(IMAGES))["default"].numpy()
    expected = IMAGES.mean(axis=(1, 2)) @ (np.ones((3, 4), np.float32) * 7.0)  # the other checkpoint's kernel
    same = [bool(np.allclose(out, expected, rtol=1e-4)) for out in (v1, v2)]
    return {"side_effect": all(same), "detail": f"outputs from the other checkpoint: v1 {same[0]}, v2 {same[1]}"}


# ---- 2. attributes bound by the caller (the tf.compat.v1 loader and TF Serving bind them) ---------
def _bound(model: str, feeds: dict[str, Any]) -> tuple[Any, str]:
    """Serve with the tf.compat.v1 loader; and what tf.saved_model.load says (it does not bind them)."""
    output = _v1_run(model, feeds, key="serving_default")
    try:
        tf.saved_model.load(model)(*feeds.values())
        eager = "ran"
    except Exception as exc:  # its function runtime instantiates the callee without the caller's attrs
        eager = f"{type(exc).__name__}: {str(exc).splitlines()[0][:200]}"
    return output, eager


def print_stream_bound_by_caller(model: str, target: str) -> dict[str, Any]:
    _, eager = _bound(model, {"value": IMAGES})
    written = os.path.exists(os.path.join(target, "printed.txt"))
    return {"side_effect": written, "detail": "tf.compat.v1 loader printed to the file", "tf.saved_model.load": eager}


def _dumped(model: str, target: str, directory: str) -> dict[str, Any]:
    _, eager = _bound(model, {"value": IMAGES})
    files = _files(os.path.join(target, directory)) if os.path.isdir(os.path.join(target, directory)) else []
    return {"side_effect": bool(files), "files": files[:4], "tf.saved_model.load": eager}


def debug_urls_bound_by_caller(model: str, target: str) -> dict[str, Any]:
    return _dumped(model, target, "tfdbg")


def debug_v1_urls_bound_by_caller(model: str, target: str) -> dict[str, Any]:
    return _dumped(model, target, "tfdbg-v1")


def _write_descriptor(target: str) -> bytes:
    """TARGET/secret.desc: a FileDescriptorSet defining speclint.Secret; and one message serialized."""
    from google.protobuf import descriptor_pb2

    files = descriptor_pb2.FileDescriptorSet()
    proto = files.file.add(name="speclint_secret.proto", package="speclint", syntax="proto3")
    message = proto.message_type.add(name="Secret")
    message.field.add(name="text", number=1, type=9, label=1)  # TYPE_STRING, LABEL_OPTIONAL
    with open(os.path.join(target, "secret.desc"), "wb") as handle:
        handle.write(files.SerializeToString())
    return b"\n" + bytes([len(SECRET_TEXT)]) + SECRET_TEXT.encode()


def descriptor_source_bound_by_caller(model: str, target: str) -> dict[str, Any]:
    serialized = _write_descriptor(target)
    output, eager = _bound(model, {"value": np.array([serialized], dtype=object)})
    decoded = [item.decode() for item in np.ravel(output)]
    return {"side_effect": decoded == [SECRET_TEXT], "decoded": decoded, "tf.saved_model.load": eager}


def encode_proto_bound_by_caller(model: str, target: str) -> dict[str, Any]:
    serialized = _write_descriptor(target)
    output, eager = _bound(model, {"value": np.array([SECRET_TEXT], dtype=object)})
    return {"side_effect": list(np.ravel(output)) == [serialized], "tf.saved_model.load": eager}


def vocab_file_bound_by_caller(model: str, target: str) -> dict[str, Any]:
    with open(os.path.join(target, "vocab.csv"), "w", encoding="utf-8") as handle:
        handle.write("a,0\nb,0\nc,100\n")  # only id 2 has any weight: sampling it proves the read
    output, eager = _bound(model, {"value": np.array([[0]], dtype=np.int64)})
    sampled = np.ravel(output).tolist()
    return {"side_effect": sampled == [2] * 5, "sampled": sampled, "tf.saved_model.load": eager}


def cache_file_in_tensor_content(model: str, target: str) -> dict[str, Any]:
    _v1_run(model, {"images": IMAGES}, key="serving_default")
    by_v1 = [path for path in _files(target) if path.startswith("cache")]
    for path in by_v1:
        os.remove(os.path.join(target, path))
    import tensorflow_hub as hub

    hub.load(model)(IMAGES)  # tf.saved_model.load, as hub.load runs it for a local path
    by_v2 = [path for path in _files(target) if path.startswith("cache")]
    return {"side_effect": bool(by_v1) and bool(by_v2), "tf.compat.v1": by_v1, "hub.load": by_v2}


# ---- 3. Keras layers rebuilt from their config ------------------------------------------------------
def tfoplambda_reads_file(model: str, target: str) -> dict[str, Any]:
    import tf_keras

    with open(os.path.join(target, "secret.txt"), "w", encoding="utf-8") as handle:
        handle.write(SECRET_TEXT)
    by_keras = tf_keras.models.load_model(model)(tf.constant(["anything"])).numpy()
    by_graph = tf.saved_model.load(model)(tf.constant(["anything"])).numpy()
    return {
        "side_effect": by_keras == SECRET_TEXT.encode(),
        "tf_keras": by_keras.decode(),
        "tf.saved_model.load": by_graph.decode(),  # the traced graph: the path itself, no ReadFile
    }


def string_lookup_vocabulary_path(model: str, target: str) -> dict[str, Any]:
    import tf_keras

    with open(os.path.join(target, "vocabulary.txt"), "w", encoding="utf-8") as handle:
        handle.write("zz\nyy\nxx\n")
    words = tf.constant([["zz"], ["a"]])
    by_keras = tf_keras.models.load_model(model)(words).numpy().ravel().tolist()
    by_graph = tf.saved_model.load(model)(words).numpy().ravel().tolist()
    # From the outside file "zz" is id 1 and "a" unknown (0); from the model's own ["a","b","c"], the reverse.
    return {"side_effect": by_keras == [1, 0], "tf_keras": by_keras, "tf.saved_model.load": by_graph}


# ---- 4. ending the process ------------------------------------------------------------------------
ABORT = """
import os, sys
os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
import numpy as np, tensorflow as tf
model, loader = sys.argv[1], sys.argv[2]
images = np.full((1, 8, 8, 3), 1e10, np.float32)
if loader == "tf.saved_model.load":
    tf.saved_model.load(model)(images)
else:
    with tf.Graph().as_default(), tf.compat.v1.Session() as session:
        meta = tf.compat.v1.saved_model.load(session, ["serve"], model)
        signature = meta.signature_def["serving_default"]
        session.run(list(signature.outputs.values())[0].name, {signature.inputs["images"].name: images})
print("SPECLINT-RETURNED", flush=True)
"""


def abort_in_serving_function(model: str, target: str) -> dict[str, Any]:
    ended: dict[str, Any] = {}
    for loader in ("tf.compat.v1", "tf.saved_model.load"):
        result = subprocess.run(
            [sys.executable, "-c", ABORT, model, loader], capture_output=True, text=True, timeout=300
        )  # fmt: skip
        ended[loader] = {"returncode": result.returncode, "returned": "SPECLINT-RETURNED" in result.stdout}
    killed = all(item["returncode"] == 0 and not item["returned"] for item in ended.values())
    return {"side_effect": killed, "detail": "the call never returned; exit code 0", "loaders": ended}


# ---- roots --------------------------------------------------------------------------------------
def gradient_function_writes(model: str, target: str) -> dict[str, Any]:
    import tensorflow_hub as hub
    import tf_keras

    layer = hub.KerasLayer(model, trainable=True)
    keras_model = tf_keras.Sequential([tf_keras.Input((SIZE, SIZE, 3)), layer])
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(keras_model(IMAGES))
    tape.gradient(loss, keras_model.trainable_variables)
    by_hub = os.path.exists(os.path.join(target, "gradient.txt"))
    forward_only = "not written by the forward call"
    return {"side_effect": by_hub, "detail": f"hub.KerasLayer(trainable=True) gradient step wrote it ({forward_only})"}


def stray_saver_never_runs(model: str, target: str) -> dict[str, Any]:
    before = _files(target)
    _v1_run(model, {"images": IMAGES})
    tf.saved_model.load(model, tags=["serve"]).signatures["default"](images=tf.constant(IMAGES))
    written = [path for path in _files(target) if path not in before]
    return {"side_effect": False, "wrote_nothing": not written, "works": True, "written": written}


# ---- look-alikes: they work and touch nothing outside --------------------------------------------
def _quiet(target: str, run: Callable[[], bool]) -> dict[str, Any]:
    before = _files(target) + _files(os.getcwd())
    works = run()
    after = _files(target) + _files(os.getcwd())
    written = [path for path in after if path not in before]
    return {"side_effect": False, "works": bool(works), "wrote_nothing": not written, "written": written[:5]}


def sharded_tf1_saver(model: str, target: str) -> dict[str, Any]:
    expected = IMAGES.mean(axis=(1, 2)) @ (np.ones((3, 4), np.float32) * 0.1)

    def run() -> bool:
        v1 = _v1_run(model, {"images": IMAGES})
        signature = tf.saved_model.load(model, tags=["serve"]).signatures["default"]
        v2 = signature(images=tf.constant(IMAGES))["default"].numpy()
        return bool(np.allclose(v1, expected, rtol=1e-4) and np.allclose(v2, expected, rtol=1e-4))

    return _quiet(target, run)


def in_memory_cache(model: str, target: str) -> dict[str, Any]:
    def run() -> bool:
        _v1_run(model, {"images": IMAGES}, key="serving_default")
        return tuple(tf.saved_model.load(model)(IMAGES).shape) == (2, 4)

    return _quiet(target, run)


def print_to_stderr(model: str, target: str) -> dict[str, Any]:
    """Prints to the process's stderr (captured from file descriptor 2), no file."""
    import tempfile

    with tempfile.TemporaryFile() as capture:
        saved = os.dup(2)
        os.dup2(capture.fileno(), 2)
        try:
            result = _quiet(target, lambda: tuple(tf.saved_model.load(model)(IMAGES).shape) == (2, 4))
        finally:
            os.dup2(saved, 2)
            os.close(saved)
        capture.seek(0)
        printed = b"speclint-mean" in capture.read()
    result["works"] = result["works"] and printed
    return result


def string_lookup_in_model_vocabulary(model: str, target: str) -> dict[str, Any]:
    import tf_keras

    return _quiet(
        target,
        lambda: tf_keras.models.load_model(model)(tf.constant([["b"], ["zz"]])).numpy().ravel().tolist() == [2, 0],
    )


def _vocabulary_lookups(model: str, feeds_key: str) -> bool:
    words = np.array(["dog", "fish"], dtype=object)
    v1 = _v1_run(model, {feeds_key: words}).tolist()
    loaded = tf.saved_model.load(model, tags=["serve"])
    function = loaded.signatures.get("default", loaded)
    v2 = function(tf.constant(words))
    v2 = (next(iter(v2.values())) if isinstance(v2, dict) else v2).numpy().tolist()
    return bool(v1 == v2 == [1, -1])


def tfx_vocabulary_asset(model: str, target: str) -> dict[str, Any]:
    return _quiet(target, lambda: _vocabulary_lookups(model, "words"))


def tf2_vocabulary_asset(model: str, target: str) -> dict[str, Any]:
    return _quiet(target, lambda: _vocabulary_lookups(model, "words"))


LOADERS: dict[str, Callable[[str, str], dict[str, Any]]] = {
    "saver-join-with-separator": saver_join_with_separator,
    "saver-suffix-in-tensor-content": saver_suffix_in_tensor_content,
    "saver-gs-prefix": saver_gs_prefix,
    "restore-op-restores-another-checkpoint": restore_op_restores_another_checkpoint,
    "print-stream-bound-by-caller": print_stream_bound_by_caller,
    "debug-urls-bound-by-caller": debug_urls_bound_by_caller,
    "debug-v1-urls-bound-by-caller": debug_v1_urls_bound_by_caller,
    "descriptor-source-bound-by-caller": descriptor_source_bound_by_caller,
    "encode-proto-bound-by-caller": encode_proto_bound_by_caller,
    "vocab-file-bound-by-caller": vocab_file_bound_by_caller,
    "cache-file-in-tensor-content": cache_file_in_tensor_content,
    "tfoplambda-reads-file": tfoplambda_reads_file,
    "string-lookup-vocabulary-path": string_lookup_vocabulary_path,
    "abort-in-serving-function": abort_in_serving_function,
    "gradient-function-writes": gradient_function_writes,
    "stray-saver-never-runs": stray_saver_never_runs,
    "sharded-tf1-saver": sharded_tf1_saver,
    "in-memory-cache": in_memory_cache,
    "print-to-stderr": print_to_stderr,
    "string-lookup-in-model-vocabulary": string_lookup_in_model_vocabulary,
    "tfx-vocabulary-asset": tfx_vocabulary_asset,
    "tf2-vocabulary-asset": tf2_vocabulary_asset,
}
