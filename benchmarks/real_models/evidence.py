"""TensorFlow's own word on every cached real model: what the consumers of the two image
contracts actually get when they load and call it. The labels (``labels.json``) cite it.

    python benchmarks/real_models/evidence.py [--cache DIR] [--only ID,...] [--out FILE]

For each model, in a fresh worker process (under ``strace`` when it is installed, so that
every file the loaders open outside the model and every network connection is recorded):

1. the ``tf.compat.v1`` SavedModel loader (what TF Serving's C++ loader does) on every tag-set,
   then each signature run on a batch of 2 random images in [0, 1] (uint8 inputs: 0..255) where
   its inputs are 4-D; other inputs are not fed;
2. ``tf.saved_model.load`` (what ``hub.load`` does for a TF2 model): whether the root is
   callable, ``obj.variables`` / ``trainable_variables`` / ``regularization_losses``, the
   documented call ``obj(images)`` on RGB images in [0, 1], its outputs, and every signature;
3. ``hub.KerasLayer(path)(images)`` and, when ``keras_metadata.pb`` is there,
   ``tf_keras.models.load_model``.

A model whose ``variables/`` index is there but whose data shards are not is loaded a second
time with the checkpoint skipped and every variable set to zeros (``"mode": "zero-variables"``):
shapes, output structure and whether an output is a softmax (rows sum to 1) stay true, values do
not. Output tensors are summarised by shape, dtype, range, and ``softmax_rows`` (every row of a
2-D output non-negative and summing to 1 within 1e-3) and ``sigmoid_range`` (inside (0, 1)).

The result is one JSON document (default ``benchmarks/real_models/evidence.json``) keyed by
model id; strings from the models are kept as data, never printed unescaped.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_cache import HERE, ManifestError, default_cache, load_manifest, verify_model

DEFAULT_OUT = HERE / "evidence.json"
MARK = "/nonexistent-speclint-evidence-mark/"
BATCH = 2
DEFAULT_HW = 224


# ----------------------------------------------------------------------------- worker side


def mark(phase: str) -> None:
    """An ``openat`` of a path that cannot exist: the strace log shows where each phase starts."""
    with contextlib.suppress(OSError):
        open(MARK + phase, "rb").close()


def first_line(exc: BaseException) -> str:
    """The exception's type and its first informative lines (Keras puts the cause further down)."""
    lines = [line.strip() for line in str(exc).strip().splitlines() if line.strip()]
    return shorten(f"{type(exc).__name__}: {' | '.join(lines[:4])}")


def shorten(text: str) -> str:
    """Messages without the numbers of the arrays TensorFlow prints into them."""
    text = re.sub(r"(Received args:|numpy=).*?(?=(and kwargs|Keyword arguments|$))", r"\1 ... ", text)
    text = re.sub(r"array\(\[.*", "array(...)", text)
    return text[:500]


def summarise(value: Any) -> Any:
    """Shape, dtype, range and softmax-ness of a tensor; the structure of anything else."""
    import numpy as np
    import tensorflow as tf

    if isinstance(value, dict):
        return {"kind": "dict", "items": {str(k): summarise(v) for k, v in value.items()}}
    if isinstance(value, (list, tuple)):
        return {"kind": type(value).__name__, "items": [summarise(v) for v in value]}
    if isinstance(value, (tf.Tensor, np.ndarray)) or hasattr(value, "numpy"):
        array = np.asarray(value.numpy() if hasattr(value, "numpy") else value)
        out: dict[str, Any] = {"kind": "tensor", "shape": list(array.shape), "dtype": str(array.dtype)}
        if array.dtype.kind in "fiu" and array.size:
            finite = array[np.isfinite(array)] if array.dtype.kind == "f" else array
            out["finite"] = bool(finite.size == array.size)
            if finite.size:
                out["min"] = float(finite.min())
                out["max"] = float(finite.max())
            if array.dtype.kind == "f" and array.ndim == 2 and array.shape[1] > 1 and out["finite"]:
                rows = array.sum(axis=1)
                out["softmax_rows"] = bool((array >= 0).all() and np.allclose(rows, 1.0, atol=1e-3))
            if array.dtype.kind == "f" and out.get("finite"):
                out["sigmoid_range"] = bool((array > 0).all() and (array < 1).all())
        return out
    return {"kind": type(value).__name__}


def image_batch(shape: list[int | None] | None, dtype: str, channels: int | None = None) -> Any:
    """A batch of random images for a 4-D input: [0, 1] floats, or 0..255 for integer inputs."""
    import numpy as np

    dims = list(shape) if shape else [None, None, None, None]
    batch = dims[0] if dims[0] not in (None, -1) else BATCH
    height = dims[1] if dims[1] not in (None, -1) else DEFAULT_HW
    width = dims[2] if dims[2] not in (None, -1) else DEFAULT_HW
    chans = channels or (dims[3] if dims[3] not in (None, -1) else 3)
    rng = np.random.default_rng(0)
    if dtype in ("uint8", "int32", "int64"):
        return rng.integers(0, 256, size=(batch, height, width, chans)).astype(dtype)
    return rng.random((batch, height, width, chans), dtype=np.float64).astype(dtype)


def tagsets(model_dir: Path) -> list[list[str]]:
    from google.protobuf import text_format
    from tensorflow.core.protobuf import saved_model_pb2

    proto = saved_model_pb2.SavedModel()
    if (model_dir / "saved_model.pb").is_file():
        proto.ParseFromString((model_dir / "saved_model.pb").read_bytes())
    else:
        text_format.Parse((model_dir / "saved_model.pbtxt").read_text(encoding="utf-8"), proto)
    return [list(mg.meta_info_def.tags) for mg in proto.meta_graphs]


def v1_from_initializers(model_dir: Path, tags: list[str]) -> dict[str, Any]:
    """The meta graph imported without its checkpoint, variables at their initializers' values:
    the structure of every signature (shapes, softmax rows) without the published weights."""
    import tensorflow as tf
    from tensorflow.python.saved_model import loader_impl

    mark("v1import-" + "+".join(tags))
    out: dict[str, Any] = {"mode": "graph-initializers"}
    graph = tf.Graph()
    with graph.as_default(), tf.compat.v1.Session(graph=graph) as session:
        try:
            meta_graph = loader_impl.SavedModelLoader(str(model_dir)).get_meta_graph_def_from_tags(tags)
            tf.compat.v1.train.import_meta_graph(meta_graph, clear_devices=True)
            session.run(tf.compat.v1.global_variables_initializer())
            try:
                session.run(tf.compat.v1.tables_initializer())
            except Exception as exc:
                out["tables"] = first_line(exc)
        except Exception as exc:
            out.update(ok=False, error=first_line(exc))
            return out
        out["ok"] = True
        out["signatures"] = {
            key: v1_signature(session, graph, signature)
            for key, signature in meta_graph.signature_def.items()
            if not key.startswith("__")
        }
    return out


def v1_loader(model_dir: Path, variables_complete: bool) -> list[dict[str, Any]]:
    """The tf.compat.v1 loader on every tag-set, then the image signatures run in its session."""
    import tensorflow as tf

    results = []
    for tags in tagsets(model_dir):
        entry: dict[str, Any] = {"tags": tags}
        mark("v1load-" + "+".join(tags))
        graph = tf.Graph()
        with graph.as_default(), tf.compat.v1.Session(graph=graph) as session:
            try:
                meta_graph = tf.compat.v1.saved_model.loader.load(session, tags, str(model_dir))
                entry["ok"] = True
            except Exception as exc:
                entry.update(ok=False, error=first_line(exc))
                if not variables_complete:
                    entry["retry"] = v1_from_initializers(model_dir, tags)
                results.append(entry)
                continue
            mark("v1serve-" + "+".join(tags))
            entry["signatures"] = {}
            for key, signature in meta_graph.signature_def.items():
                if key.startswith("__"):
                    continue
                entry["signatures"][key] = v1_signature(session, graph, signature)
        results.append(entry)
    return results


def v1_signature(session: Any, graph: Any, signature: Any) -> dict[str, Any]:
    import tensorflow as tf

    inputs = {}
    feed = {}
    for name, info in signature.inputs.items():
        dims = [d.size for d in info.tensor_shape.dim] if not info.tensor_shape.unknown_rank else None
        dtype = tf.dtypes.as_dtype(info.dtype).name
        inputs[name] = {"dtype": dtype, "shape": dims}
        if dims is not None and len(dims) == 4 and dtype in ("float32", "float16", "float64", "uint8"):
            try:
                feed[graph.get_tensor_by_name(info.name)] = image_batch(dims, dtype)
            except (KeyError, ValueError) as exc:
                return {"inputs": inputs, "ran": False, "error": first_line(exc)}
    out: dict[str, Any] = {"inputs": inputs}
    if len(feed) != len(signature.inputs):
        out.update(ran=False, skipped="not every input is a 4-D image batch")
        return out
    try:
        names = {k: graph.get_tensor_by_name(v.name) for k, v in signature.outputs.items()}
        values = session.run(names, feed_dict=feed)
        out.update(ran=True, outputs={k: summarise(v) for k, v in values.items()})
    except Exception as exc:
        out.update(ran=False, error=first_line(exc))
    return out


def all_variables(root: Any) -> list[Any]:
    import tensorflow as tf

    found = []
    seen = set()
    for node in tf.train.TrackableView(root).descendants():
        if isinstance(node, tf.Variable) and id(node) not in seen:
            seen.add(id(node))
            found.append(node)
    return found


def tf2_load(model_dir: Path, variables_complete: bool) -> tuple[Any, dict[str, Any]]:
    """tf.saved_model.load; on a missing checkpoint, again with every variable set to zeros."""
    import tensorflow as tf

    mark("tf2load")
    try:
        return tf.saved_model.load(str(model_dir)), {"ok": True, "mode": "checkpoint"}
    except Exception as exc:
        info: dict[str, Any] = {"ok": False, "error": first_line(exc)}
    if variables_complete:
        return None, info
    mark("tf2load-zero")
    try:
        options = tf.saved_model.LoadOptions(experimental_skip_checkpoint=True)
        obj = tf.saved_model.load(str(model_dir), options=options)
        for variable in all_variables(obj):
            variable.assign(tf.zeros(variable.shape, variable.dtype))
        info["retry"] = {"ok": True, "mode": "zero-variables"}
        return obj, info
    except Exception as exc:
        info["retry"] = {"ok": False, "mode": "zero-variables", "error": first_line(exc)}
        return None, info


def call_spec(obj: Any) -> dict[str, Any] | None:
    """The first argument of the root __call__'s traces, as TensorFlow restored them."""
    call = getattr(obj, "__call__", None)  # noqa: B004 - the attribute itself is wanted, not callable()
    functions = getattr(call, "concrete_functions", None)
    if not functions and getattr(obj, "structured_input_signature", None) is not None:
        functions = [obj]  # the root is itself a concrete function
    if not functions and hasattr(call, "structured_input_signature"):
        functions = [call]  # a bare concrete function saved as the root's __call__
    if not functions:
        return None
    traces = []
    for function in functions:
        signature = function.structured_input_signature
        if signature is None:  # a bare function restored without its Python signature
            traces.append(
                {
                    "structured_input_signature": None,
                    "arg_keywords": list(getattr(function, "_arg_keywords", None) or []),
                    "positional": getattr(function, "_num_positional_args", None),
                    "graph_inputs": [describe_spec(t) for t in function.inputs if t.dtype.name != "resource"][:8],
                }
            )
            continue
        args, kwargs = signature
        trace: dict[str, Any] = {
            "args": [describe_spec(a) for a in args],
            "kwargs": {k: describe_spec(v) for k, v in sorted(kwargs.items())},
        }
        outputs = getattr(function, "structured_outputs", None)
        if outputs is not None:
            trace["outputs"] = describe_spec(outputs)
        if hasattr(function, "_arg_keywords"):
            trace["arg_keywords"] = list(function._arg_keywords or [])
            trace["positional"] = getattr(function, "_num_positional_args", None)
        traces.append(trace)
    return {"traces": traces}


def describe_spec(spec: Any) -> Any:
    import tensorflow as tf

    if isinstance(spec, tf.Tensor):
        return {
            "tensor": spec.dtype.name,
            "shape": spec.shape.as_list() if spec.shape.rank is not None else None,
            "name": spec.name,
        }
    if isinstance(spec, tf.TensorSpec):
        return {"tensor": spec.dtype.name, "shape": spec.shape.as_list() if spec.shape.rank is not None else None}
    if isinstance(spec, (list, tuple)):
        return [describe_spec(s) for s in spec]
    if isinstance(spec, dict):
        return {str(k): describe_spec(v) for k, v in spec.items()}
    return repr(spec)[:60]


def first_image_spec(spec: dict[str, Any] | None) -> dict[str, Any] | None:
    for trace in (spec or {}).get("traces", []):
        for arg in trace.get("args", [])[:1]:
            if isinstance(arg, dict) and arg.get("shape") is not None and len(arg["shape"]) == 4:
                return arg
    return None


def attempt(function: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
    try:
        return {"ok": True, "result": summarise(function(*args, **kwargs))}
    except Exception as exc:
        return {"ok": False, "error": first_line(exc)}


def tf2_probe(obj: Any) -> dict[str, Any]:
    """What hub.load users get: the root's attributes, obj(images), the signatures."""
    out: dict[str, Any] = {"root_type": type(obj).__name__, "callable": callable(obj)}
    for name in ("variables", "trainable_variables", "regularization_losses"):
        try:
            out[name] = len(getattr(obj, name))
        except Exception as exc:
            out[name] = f"absent ({first_line(exc)})"
    spec = call_spec(obj)
    out["call_traces"] = spec
    image = first_image_spec(spec)
    shape = image["shape"] if image else None
    mark("tf2call")
    if callable(obj):
        rgb = image_batch(shape, "float32", channels=3)
        out["call"] = attempt(obj, rgb)
        native = shape[3] if shape and shape[3] not in (None, 3) else None
        if native:
            out["call_native_channels"] = attempt(obj, image_batch(shape, "float32"))
        if shape and shape[0] not in (None, -1):
            out["call_native_batch"] = attempt(obj, image_batch(shape, "float32"))
        out["call_training_false"] = attempt(obj, rgb, training=False)
        for trace in (spec or {}).get("traces", [])[:1]:
            positional = trace.get("positional") or 0
            if positional > 1 and not out["call"]["ok"]:
                out[f"call_{positional}_images"] = attempt(obj, *([rgb] * positional))
            specs = trace.get("kwargs") or {}
            if specs and not out["call"]["ok"] and all(isinstance(v, dict) and v.get("shape") for v in specs.values()):
                feed = {k: image_batch(v["shape"], v.get("tensor", "float32")) for k, v in specs.items()}
                out["call_kwargs_from_trace"] = {"keywords": sorted(specs), **attempt(obj, **feed)}
            keywords = trace.get("arg_keywords") or []
            if keywords and not out["call"]["ok"]:
                out["call_by_keywords"] = {"keywords": keywords, **attempt(obj, **{k: rgb for k in keywords})}
    mark("tf2signatures")
    out["signatures"] = {}
    for key, function in getattr(obj, "signatures", {}).items():
        out["signatures"][key] = tf2_signature(function)
    mark("tf2range")
    out["range_probe"] = range_probe(obj, out, shape)
    return out


def first_float(value: Any) -> Any:
    import numpy as np

    if isinstance(value, dict):
        value = next(iter(value.values()), None)
    if isinstance(value, (list, tuple)):
        value = value[0] if value else None
    return None if value is None else np.asarray(value.numpy() if hasattr(value, "numpy") else value, dtype="float64")


def range_probe(obj: Any, probe: dict[str, Any], shape: list[int | None] | None) -> dict[str, Any]:
    """Does the output depend on images in [0, 1]? Black, white and random images in [0, 1],
    against the same random image scaled to [0, 255]. A model that rescales by 1/255 inside
    gives nearly the same output for every [0, 1] image."""
    import numpy as np

    channels: Any = 3
    function: Any = None
    how = None
    if probe.get("call", {}).get("ok"):
        function, how = obj, "obj(images)"
    elif probe.get("call_native_channels", {}).get("ok") and shape:
        function, how, channels = obj, "obj(images with the model's channel count)", shape[3]
    else:
        for key, fn in getattr(obj, "signatures", {}).items():
            _, kwargs = fn.structured_input_signature
            if len(kwargs) == 1:
                ((name, spec),) = kwargs.items()
                dims = spec.shape.as_list() if spec.shape.rank is not None else None
                if dims and len(dims) == 4 and spec.dtype.name == "float32":
                    function = lambda x, fn=fn, name=name: fn(**{name: x})  # noqa: E731
                    how, shape, channels = f"signatures[{key!r}]", dims, dims[3] or 3
                    break
    if function is None:
        return {"ran": False, "why": "no call or single-image signature that runs"}
    random01 = image_batch(shape, "float32", channels=channels)
    inputs = {
        "black": np.zeros_like(random01),
        "white": np.ones_like(random01),
        "random01": random01,
        "random0_255": random01 * 255.0,
    }
    try:
        outputs = {k: first_float(function(v)) for k, v in inputs.items()}
    except Exception as exc:
        return {"ran": False, "how": how, "error": first_line(exc)}
    spread01 = max(
        float(np.max(np.abs(outputs[a] - outputs[b])))
        for a, b in (("black", "white"), ("black", "random01"), ("white", "random01"))
    )
    spread255 = float(np.max(np.abs(outputs["random0_255"] - outputs["random01"])))
    scale = float(np.max(np.abs(outputs["random01"]))) or 1.0
    return {"ran": True, "how": how, "spread_in_0_1": spread01, "spread_0_1_vs_0_255": spread255, "output_scale": scale}


def tf2_signature(function: Any) -> dict[str, Any]:
    _, kwargs = function.structured_input_signature
    inputs = {k: describe_spec(v) for k, v in kwargs.items()}
    feed = {}
    for name, spec in kwargs.items():
        dims = spec.shape.as_list() if spec.shape.rank is not None else None
        if dims is not None and len(dims) == 4 and spec.dtype.name in ("float32", "float16", "uint8"):
            feed[name] = image_batch(dims, spec.dtype.name)
    if len(feed) != len(kwargs):
        return {"inputs": inputs, "ran": False, "skipped": "not every input is a 4-D image batch"}
    result = attempt(function, **feed)
    outcome = {"outputs": result["result"]} if result["ok"] else {"error": result["error"]}
    return {"inputs": inputs, "ran": result["ok"], **outcome}


def keras_layer(model_dir: Path, shape: list[int | None] | None) -> dict[str, Any]:
    mark("keraslayer")
    try:
        import tensorflow_hub as hub

        layer = hub.KerasLayer(str(model_dir))
    except Exception as exc:
        return {"ok": False, "stage": "construct", "error": first_line(exc)}
    return {"stage": "call", **attempt(layer, image_batch(shape, "float32", channels=3))}


def tf_keras_load(model_dir: Path, shape: list[int | None] | None) -> dict[str, Any]:
    mark("tfkeras")
    try:
        import tf_keras

        model = tf_keras.models.load_model(str(model_dir), compile=False)
    except Exception as exc:
        return {"ok": False, "stage": "load", "error": first_line(exc)}
    return {"stage": "call", **attempt(model, image_batch(shape, "float32", channels=3), training=False)}


def worker(model_dir: Path, result_file: Path, variables_complete: bool) -> None:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import tensorflow as tf

    record: dict[str, Any] = {"tensorflow": tf.__version__}
    mark("start")
    try:
        record["v1_loader"] = v1_loader(model_dir, variables_complete)
    except Exception as exc:
        record["v1_loader"] = {"error": first_line(exc)}
    obj, record["tf2_load"] = tf2_load(model_dir, variables_complete)
    shape = None
    if obj is not None:
        try:
            record["tf2"] = tf2_probe(obj)
            image = first_image_spec(record["tf2"].get("call_traces"))
            shape = image["shape"] if image else None
        except Exception as exc:
            record["tf2"] = {"error": first_line(exc)}
    if variables_complete:
        record["hub_keras_layer"] = keras_layer(model_dir, shape)
        if (model_dir / "keras_metadata.pb").is_file():
            record["tf_keras"] = tf_keras_load(model_dir, shape)
    mark("end")
    result_file.write_text(json.dumps(record, indent=1, sort_keys=True), encoding="utf-8")


# ----------------------------------------------------------------------------- driver side

OPEN_RE = re.compile(r"^(\d+)\s+(openat|open|connect|execve)\((.*)\)\s+=\s+(-?\d+)")


def environment_prefixes(model_dir: Path, work: Path) -> list[str]:
    """Paths a TensorFlow process opens whatever the model: the interpreter, libraries, /proc."""
    import site
    import sysconfig

    prefixes = {
        sys.prefix,
        sys.base_prefix,
        sysconfig.get_paths()["stdlib"],
        *site.getsitepackages(),
        "/usr/lib",
        "/lib",
        "/usr/lib64",
        "/lib64",
        "/usr/share",
        "/usr/local/lib",
        "/proc",
        "/sys",
        "/dev",
        "/etc/ld.so",
        "/etc/localtime",
        "/etc/nsswitch.conf",
        "/etc/host.conf",
        "/etc/resolv.conf",
        "/etc/gai.conf",
        "/etc/passwd",
        "/etc/group",
        "/etc/os-release",
        "/etc/ssl",
        "/usr/local/share",
        str(HERE),
        str(Path.home() / ".keras"),
        str(Path.home() / ".cache"),
        str(model_dir.resolve()),
        str(model_dir),
        str(work),
    }
    return sorted(p for p in prefixes if p)


def outside_accesses(log: str, model_dir: Path, work: Path) -> dict[str, Any]:
    """Files opened (or tried) and connections made, per phase, outside the environment."""
    allowed = environment_prefixes(model_dir, work)
    phase = "before"
    by_phase: dict[str, list[str]] = {}
    for line in log.splitlines():
        match = OPEN_RE.match(line)
        if not match:
            continue
        call, args, ret = match.group(2), match.group(3), int(match.group(4))
        if call in ("openat", "open"):
            path_match = re.search(r'"((?:[^"\\]|\\.)*)"', args)
            if not path_match:
                continue
            path = path_match.group(1)
            if path.startswith(MARK):
                phase = path[len(MARK) :]
                continue
            if phase in ("before", "end"):
                continue
            if not path.startswith("/") or any(path == p or path.startswith(p.rstrip("/") + "/") for p in allowed):
                continue
            if "/nonexistent-" in path:
                continue
            by_phase.setdefault(phase, []).append(f"{path} ({'opened' if ret >= 0 else 'failed'})")
        elif call == "connect" and phase not in ("before", "end") and "AF_UNIX" not in args:
            by_phase.setdefault(phase, []).append(f"connect {args[:120]}")
        elif call == "execve" and phase not in ("before", "end"):
            by_phase.setdefault(phase, []).append(f"execve {args[:120]}")
    return {k: sorted(set(v)) for k, v in by_phase.items()}


def run_one(entry: dict[str, Any], model_dir: Path, timeout: float, use_strace: bool) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="speclint-evidence-") as work:
        result = Path(work) / "result.json"
        trace = Path(work) / "strace.txt"
        command = [
            sys.executable,
            str(Path(__file__).resolve()),
            "--worker",
            str(model_dir.resolve()),
            "--result",
            str(result),
        ]
        if entry.get("variables_complete"):
            command.append("--variables-complete")
        if use_strace:
            command = [
                "strace",
                "-f",
                "-qq",
                "--seccomp-bpf",
                "-e",
                "trace=openat,open,connect,execve",
                "-s",
                "300",
                "-o",
                str(trace),
                *command,
            ]
        started = time.monotonic()
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False, cwd=work)
            status: dict[str, Any] = {"exit": done.returncode}
            if done.returncode != 0:
                status["stderr_tail"] = done.stderr.strip().splitlines()[-3:]
        except subprocess.TimeoutExpired:
            status = {"exit": None, "timeout_s": timeout}
        record: dict[str, Any] = json.loads(result.read_text()) if result.is_file() else {}
        record["worker"] = {**status, "seconds": round(time.monotonic() - started, 1)}
        if use_strace and trace.is_file():
            record["outside_io"] = outside_accesses(trace.read_text(errors="replace"), model_dir, Path(work))
        return record


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cache", type=Path, default=None)
    parser.add_argument("--only", default=None, help="comma-separated model ids")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds per model")
    parser.add_argument("--no-strace", action="store_true")
    parser.add_argument("--worker", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--result", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--variables-complete", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        worker(args.worker, args.result, args.variables_complete)
        return 0
    try:
        models = load_manifest()
    except ManifestError as exc:
        print(f"evidence: error: {exc}", file=sys.stderr)
        return 2
    if args.only:
        wanted = set(args.only.split(","))
        unknown = wanted - {m["id"] for m in models}
        if unknown:
            print(f"evidence: error: unknown model id(s): {', '.join(sorted(unknown))}", file=sys.stderr)
            return 2
        models = [m for m in models if m["id"] in wanted]
    cache = (args.cache or default_cache()).expanduser()
    use_strace = not args.no_strace and shutil.which("strace") is not None
    document = json.loads(args.out.read_text()) if args.out.is_file() else {}
    document.setdefault("_doc", "Written by benchmarks/real_models/evidence.py; see its docstring.")
    failures = 0
    for entry in models:
        problems = verify_model(cache, entry)
        if problems:
            print(
                f"skip {entry['id']}: not in the cache as the manifest says ({problems[0].line()}); run fetch.py",
                file=sys.stderr,
            )
            failures += 1
            continue
        record = run_one(entry, cache / entry["id"], args.timeout, use_strace)
        record["strace"] = use_strace
        document[entry["id"]] = record
        args.out.write_text(json.dumps(document, indent=1, sort_keys=True) + "\n", encoding="utf-8")
        print(f"{entry['id']}: worker {record['worker']}", flush=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
