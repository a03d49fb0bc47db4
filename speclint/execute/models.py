"""Load and call a model exactly as a consumer would (worker side; imports TensorFlow).

TF2: ``obj = tf.saved_model.load(dir)`` and ``obj(images)`` / ``obj(images, training=...)``,
which is what ``hub.load`` and ``hub.KerasLayer`` do. TF1 Hub format: the meta graph with the
default tag-set ``[]`` loaded into a ``tf.compat.v1`` Graph and Session, signature input
``images`` fed and output ``default`` fetched, which is what ``hub.Module`` does, without
tensorflow_hub.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

import numpy as np

from speclint.vocabulary import TF2, Json


class CallError(Exception):
    """The model could not be called, or returned something that is not one tensor."""


class Model(Protocol):
    def call(self, call: Json, images: np.ndarray) -> np.ndarray:
        """Run one consumer call on a float32 batch; the single output tensor as numpy."""
        ...

    def fine_tune(self, call: Json, images: np.ndarray, seed: int) -> Json:
        """What a fine-tuning step sees: gradients and regularization losses."""
        ...

    def close(self) -> None: ...


def load(tf: Any, job: Json, device: str) -> Model:
    """Load the model of a job; TensorFlow's exceptions propagate to the caller."""
    path = os.fsdecode(job["path"])
    if job["format"] == TF2:
        return Tf2Model(tf, path, device)
    return Tf1HubModel(tf, path, device, job.get("tags") or [])


def loader_name(job: Json) -> str:
    """How ``load`` loads this job's model, in the words a consumer would use."""
    if job["format"] == TF2:
        return "tf.saved_model.load"
    return f"the tf.compat.v1 SavedModel loader (tag-set [{', '.join(job.get('tags') or [])}])"


class Tf2Model:
    """A Reusable SavedModel: the restored root object and its ``__call__``."""

    def __init__(self, tf: Any, path: str, device: str) -> None:
        self.tf = tf
        self.device = "/" + device
        with tf.device(self.device):
            self.obj = tf.saved_model.load(path)

    def _run(self, call: Json, images: Any) -> Any:
        if not callable(self.obj):  # loaded, but there is nothing to call
            raise CallError("the loaded root object is not callable (no __call__)")
        if call.get("training") is None:
            return self.obj(images)
        return self.obj(images, training=call["training"])

    def call(self, call: Json, images: np.ndarray) -> np.ndarray:
        tf = self.tf
        with tf.device(self.device):
            output = _single_tensor(self._run(call, tf.constant(images)))
        return np.asarray(output.numpy() if hasattr(output, "numpy") else output)

    def fine_tune(self, call: Json, images: np.ndarray, seed: int) -> Json:
        """One forward pass in training mode under a GradientTape, as a fine-tuning step would."""
        tf = self.tf
        variables = list(getattr(self.obj, "trainable_variables", None) or [])
        losses = list(getattr(self.obj, "regularization_losses", None) or [])
        facts: Json = {
            "has_trainable_variables": hasattr(self.obj, "trainable_variables"),
            "trainable_variables": len(variables),
            "gradients": 0,
            "nonzero_gradients": 0,
            "nonfinite_gradients": 0,
            "regularization_losses": [],
        }
        with tf.device(self.device):
            if variables:
                with tf.GradientTape() as tape:
                    output = tf.cast(_single_tensor(self._run(call, tf.constant(images))), tf.float32)
                    # A fixed random projection, so no output value (zeros included) hides a gradient.
                    weights = np.random.default_rng(seed).standard_normal(output.shape).astype(np.float32)
                    loss = tf.reduce_sum(output * weights)
                for gradient in tape.gradient(loss, variables):
                    if gradient is None:
                        continue
                    values = tf.convert_to_tensor(gradient).numpy()
                    facts["gradients"] += 1
                    facts["nonzero_gradients"] += int(bool(np.any(values != 0)))
                    facts["nonfinite_gradients"] += int(not np.all(np.isfinite(values)))
            for index, loss_fn in enumerate(losses):
                facts["regularization_losses"].append(_regularization_loss(index, loss_fn))
        return facts

    def close(self) -> None:
        del self.obj


def _regularization_loss(index: int, loss_fn: Any) -> Json:
    try:
        value = np.asarray(loss_fn())
    except Exception as exc:  # a loss that cannot be evaluated is a measured result, not a crash
        return {"index": index, "shape": None, "value": None, "finite": False, "error": one_line(exc)}
    scalar = value.shape == ()
    finite = bool(np.all(np.isfinite(value))) if value.dtype.kind in "fiu" else False
    return {
        "index": index,
        "shape": list(value.shape),
        "value": float(value) if scalar and finite else None,
        "finite": finite,
        "error": None,
    }


class Tf1HubModel:
    """A TF1 Hub format module: tag-set ``[]`` (or the tag-set a plain TF1 export has) in its own
    Graph and Session."""

    def __init__(self, tf: Any, path: str, device: str, tags: list[str] | None = None) -> None:
        v1 = tf.compat.v1
        self.graph = tf.Graph()
        config = v1.ConfigProto(allow_soft_placement=True)
        config.gpu_options.allow_growth = True
        self.session = v1.Session(graph=self.graph, config=config)
        try:
            with self.graph.as_default():
                meta_graph = v1.saved_model.loader.load(self.session, list(tags or []), path)
        except BaseException:
            self.session.close()
            raise
        self.signatures = meta_graph.signature_def

    def _tensors(self, signature: str) -> tuple[Any, Any]:
        if signature not in self.signatures:
            raise CallError(f"the loaded tag-set has no signature_def['{signature}']")
        definition = self.signatures[signature]
        if "images" not in definition.inputs or "default" not in definition.outputs:
            raise CallError(f"signature_def['{signature}'] lacks input 'images' or output 'default'")
        images, output = definition.inputs["images"], definition.outputs["default"]
        if not images.name or not output.name:
            raise CallError(f"signature_def['{signature}'] images or default is not a dense tensor")
        return (
            self.graph.get_tensor_by_name(images.name),
            self.graph.get_tensor_by_name(output.name),
        )

    def call(self, call: Json, images: np.ndarray) -> np.ndarray:
        source, sink = self._tensors(call["signature"])
        return np.asarray(self.session.run(sink, feed_dict={source: images}))

    def fine_tune(self, call: Json, images: np.ndarray, seed: int) -> Json:
        raise CallError("fine-tuning is probed for TF2 SavedModels only")

    def close(self) -> None:
        self.session.close()


def _single_tensor(output: Any) -> Any:
    """The one tensor of a call's result; a dict or list is unwrapped only when unambiguous."""
    if isinstance(output, Mapping):
        if "default" in output:
            return output["default"]
        if len(output) == 1:
            return next(iter(output.values()))
        raise CallError(f"__call__ returned a dict with keys {sorted(output)}, not a single tensor")
    if isinstance(output, Sequence) and not isinstance(output, (str, bytes)):
        if len(output) == 1:
            return output[0]
        raise CallError(f"__call__ returned a {type(output).__name__} of {len(output)} items, not a single tensor")
    if output is None:
        raise CallError("__call__ returned None, not a tensor")
    return output


BOILERPLATE = (
    "Graph execution error",
    "Detected at node",
    "Detected in node",
    "<stack traces unavailable>",
    "Traceback",
    "File ",
    "[[",
)


def one_line(exc: BaseException) -> str:
    """An exception as one short line: its type and the informative line of its message.

    TensorFlow's runtime errors start with "Graph execution error:" and a stack; the cause is
    the first line after that boilerplate, and the failing node is worth naming.
    """
    text = str(getattr(exc, "message", None) or exc)
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    informative = [line for line in lines if not line.startswith(BOILERPLATE)]
    first = informative[0] if informative else (lines[0] if lines else "")
    node = next(
        (line.split()[3] for line in lines if line.startswith("Detected at node") and len(line.split()) > 3), None
    )
    if node and node not in first:
        first += f" (node {node})"
    first = " ".join(first.split())
    if len(first) > 160 and ". " in first[40:]:  # keep the first sentence of a long message
        first = first[: first.index(". ", 40) + 1]
    name = type(exc).__name__
    shown = first if isinstance(exc, CallError) else f"{name}: {first}" if first else name
    return shown if len(shown) <= 300 else shown[:297] + "..."
