"""Probes that use the model as Keras users do: ``hub.KerasLayer`` in a tf_keras model, fine-tuned.

Both specs name two consumers: ``hub.load`` (what ``probes.py`` exercises through
``tf.saved_model.load``) and, "in Keras, the equivalent", ``hub.KerasLayer(...)`` with
``trainable=True`` for fine-tuning. A model can pass the first and still fail the second:
a dict output Keras cannot feed to the next layer, a ``training`` argument that takes only a
tensor (Keras passes a Python bool), variables that are not in ``trainable_variables`` (so
fine-tuning trains nothing), regularization losses that are not callables, an output width
Keras cannot infer. Two probes, run in the worker after the others:

* ``keras_layer``: ``tf_keras.Sequential([Input, hub.KerasLayer(path, trainable=True),
  Dense(3)])`` builds, the hub layer's output is one tensor of the declared dtype and shape
  (as Keras infers it), and the model runs on a batch;
* ``keras_fine_tuning``: one ``fit`` step on seeded random images and labels: the loss is
  finite, the hub layer's trainable weights change, and each of ``obj.regularization_losses``
  is one of ``model.losses``, finite.

They need ``tensorflow_hub`` and ``tf_keras`` (``speclint[keras]``); without them both report
``skipped`` with ``skip_reason: "missing-extra"``, which rule SL712 shows as information.
The TF1 Hub format goes through ``hub.KerasLayer`` too (its ``default`` output, not trainable);
tensorflow_hub refuses ``trainable=True`` for it, so fine-tuning is ``not-applicable``.
"""

from __future__ import annotations

import functools
import os
import re
from typing import Any

import numpy as np

from speclint.execute.models import one_line
from speclint.execute.results import result
from speclint.vocabulary import Json, dtype_name, format_shape, is_tf1

EXTRA_HINT = (
    "install speclint[keras] (tensorflow-hub>=0.16, setuptools<81) and tf-keras of the TensorFlow version "
    "with --no-deps"
)
HEAD_UNITS = 3  # the Dense head of the Keras model: any small number of classes
LEARNING_RATE = 0.01
SCRATCH = "keras"
_STAGES = {
    "construct": "constructing the layer",
    "build": "building tf_keras.Sequential([Input, layer, Dense])",
}  # the key of the built model in Context.scratch, shared by the two probes


@functools.cache
def keras_modules() -> tuple[Any, Any] | str:
    """``(tensorflow_hub, tf_keras)``, or why they cannot be imported (one line).

    tensorflow_hub 0.16 imports ``pkg_resources``, which setuptools 81 removed: that shows here
    as an ImportError like a missing package, and the hint says which setuptools to install.
    """
    try:
        import tensorflow_hub as hub
        import tf_keras
    except Exception as exc:  # ImportError, or anything a broken installation raises on import
        return one_line(exc)
    return hub, tf_keras


def keras_layer(ctx: Any) -> Json:
    """The model inside a tf_keras model, as ``hub.KerasLayer``: it builds, infers and runs."""
    modules = _keras_for(ctx)
    if isinstance(modules, dict):
        return modules  # the probe's result: no directory, or no tf_keras / tensorflow_hub
    hub, tf_keras = modules
    import tensorflow as tf

    tf1 = is_tf1(ctx.job["format"])
    kwargs = _layer_arguments(ctx, trainable=not tf1)
    where = _construction(kwargs)
    declared = ctx.primary.get("declared")
    numbers: Json = {
        "where": where,
        "skip_reason": None,
        "tensorflow_hub_version": getattr(hub, "__version__", None),
        "trainable": kwargs["trainable"],
        "declared": declared,
        "inferred": None,
        "output_shape": None,
        "stage": "construct",
    }
    tf_keras.backend.clear_session()
    tf_keras.utils.set_random_seed(ctx.options["seed"])
    height, width = ctx.size
    try:
        with tf.device("/" + ctx.device):
            layer = hub.KerasLayer(os.fsdecode(ctx.job["path"]), **kwargs)
            numbers["stage"] = "build"
            model = tf_keras.Sequential(
                [
                    tf_keras.Input(shape=(height, width, 3), name="images"),
                    layer,
                    tf_keras.layers.Dense(HEAD_UNITS, name="head"),
                ]
            )
    except Exception as exc:
        return result("fail", f"{_STAGES[numbers['stage']]} failed: {keras_one_line(exc)}", **numbers)
    numbers["inferred"] = inferred = _inferred(layer.output)
    problem = _inferred_problem(inferred, declared)
    if problem is not None:
        return result("fail", f"in a tf_keras.Sequential, {problem}", **numbers)
    numbers["stage"] = "call"
    images = ctx.randoms[: ctx.small_batch()]
    try:
        with tf.device("/" + ctx.device):
            output = np.asarray(model(images, training=False))
    except Exception as exc:
        return result("fail", f"calling the tf_keras model failed: {keras_one_line(exc)}", **numbers)
    numbers["output_shape"] = list(output.shape)
    numbers["stage"] = "done"
    ctx.scratch[SCRATCH] = (model, layer)
    return result(
        "pass",
        f"in a tf_keras.Sequential with a Dense({HEAD_UNITS}) head, Keras infers "
        f"{inferred['dtype']} {format_shape(inferred['shape'])} for the hub layer, as declared, and the model "
        f"maps {len(images)} images to {format_shape(output.shape)}",
        **numbers,
    )


def keras_fine_tuning(ctx: Any) -> Json:
    """One ``fit`` step through ``hub.KerasLayer(trainable=True)``: what fine-tuning really does."""
    try:
        return _fine_tuning(ctx)
    finally:
        if ctx.scratch.pop(SCRATCH, None) is not None:
            modules = keras_modules()
            if not isinstance(modules, str):
                modules[1].backend.clear_session()


def _fine_tuning(ctx: Any) -> Json:
    modules = _keras_for(ctx)
    if isinstance(modules, dict):
        return modules  # the probe's result: no directory, or no tf_keras / tensorflow_hub
    hub, tf_keras = modules
    import tensorflow as tf

    built = ctx.scratch.get(SCRATCH)
    layer_result = ctx.results.get("keras_layer", {})
    if built is None or layer_result.get("status") != "pass":
        return result(
            "skipped",
            "the tf_keras model with hub.KerasLayer could not be built (see keras_layer)",
            **{"where": layer_result.get("where", "hub.KerasLayer"), "skip_reason": None},
        )
    model, layer = built
    inferred = layer_result.get("inferred") or {}
    shape = inferred.get("shape")
    if inferred.get("kind") == "tensor" and shape is not None and len(shape) != 2:
        return result(
            "skipped",
            f"not applicable: the hub layer's output is {format_shape(shape)}, not [batch_size, N] (see SL122), so "
            "a head trained with one label per image cannot be fitted on it",
            **{"where": layer_result.get("where", "hub.KerasLayer"), "skip_reason": "not-applicable"},
        )
    if not layer.trainable:  # the TF1 Hub format: does hub.KerasLayer take trainable=True?
        refused = _tf1_trainable_refusal(ctx, hub, tf)
        if refused is not None:
            kwargs = _layer_arguments(ctx, trainable=True)
            return result(
                "skipped",
                f"not applicable: tensorflow_hub {getattr(hub, '__version__', '')} refuses trainable=True "
                f"for the TF1 Hub format ({refused}); "
                "fine-tuning needs a TF2 SavedModel",
                **{"where": _construction(kwargs), "skip_reason": "not-applicable"},
            )
        layer.trainable = True
    where = _construction(_layer_arguments(ctx, trainable=True))
    obj = getattr(layer, "resolved_object", None)
    declared_losses = len(list(getattr(obj, "regularization_losses", None) or []))
    trainable, frozen = len(layer.trainable_weights), len(layer.non_trainable_weights)
    numbers: Json = {
        "where": where,
        "skip_reason": None,
        "trainable_weights": trainable,
        "non_trainable_weights": frozen,
        "changed_weights": None,
        "loss": None,
        "regularization_losses": declared_losses,
        "model_losses": None,
        "learning_rate": LEARNING_RATE,
    }
    if trainable == 0:
        if frozen == 0:
            return result(
                "skipped",
                "no weights: obj.variables and obj.trainable_variables are empty or missing "
                "(see SL133, SL134), so there is nothing to fine-tune",
                **numbers,
            )
        return result(
            "fail",
            f"no trainable weights: none of the model's {frozen} variables is in "
            "obj.trainable_variables, so fine-tuning changes nothing",
            **numbers,
        )
    batch = ctx.small_batch()
    images = ctx.randoms[:batch]
    labels = np.random.default_rng(ctx.options["seed"] + 3).integers(0, HEAD_UNITS, size=batch)
    before = [np.array(w.numpy()) for w in layer.trainable_weights]
    try:
        with tf.device("/" + ctx.device):
            model.compile(
                optimizer=tf_keras.optimizers.SGD(learning_rate=LEARNING_RATE),
                loss=tf_keras.losses.SparseCategoricalCrossentropy(from_logits=True),
            )
            history = model.fit(images, labels, batch_size=batch, epochs=1, verbose=0, shuffle=False)
            losses = [float(np.asarray(loss)) for loss in model.losses]
    except Exception as exc:
        return result("fail", f"one fit step failed: {keras_one_line(exc)}", **numbers)
    loss = float(history.history["loss"][-1])
    changed = sum(
        int(not np.array_equal(old, np.asarray(w.numpy())))
        for old, w in zip(before, layer.trainable_weights, strict=True)
    )
    numbers.update(changed_weights=changed, loss=loss if np.isfinite(loss) else None, model_losses=len(losses))
    problems = []
    if not np.isfinite(loss):
        problems.append(f"the loss is {loss}")
    if changed == 0:
        problems.append(f"none of the {trainable} trainable weights of the hub layer changed")
    if len(losses) < declared_losses:
        problems.append(
            f"obj.regularization_losses has {declared_losses} but the Keras model's losses has {len(losses)}"
        )
    if not all(np.isfinite(losses)):
        problems.append("a regularization loss in the Keras model's losses is not finite")
    if problems:
        return result("fail", f"one fit step on {batch} random images: " + "; ".join(problems), **numbers)
    return result(
        "pass",
        f"one fit step on {batch} random images: loss {loss:.4g}, {changed} of {trainable} trainable "
        f"weights of the hub layer changed, {len(losses)} regularization loss(es) in the model's losses "
        f"({declared_losses} declared)",
        **numbers,
    )


def _tf1_trainable_refusal(ctx: Any, hub: Any, tf: Any) -> str | None:
    """tensorflow_hub's own answer to ``trainable=True`` on this TF1 module (None: it accepts it)."""
    try:
        with tf.device("/" + ctx.device):
            layer = hub.KerasLayer(os.fsdecode(ctx.job["path"]), **_layer_arguments(ctx, trainable=True))
            layer(ctx.randoms[:1], training=True)
    except Exception as exc:
        return keras_one_line(exc)
    return None


INNER_ERROR = re.compile(r"^\s*([A-Za-z_][\w.]*(?:Error|Exception)): (\S.*)$", re.M)
TENSOR_SPEC = re.compile(r"TensorSpec\(shape=(\([^)]*\)), dtype=tf\.(\w+)(?:, name=[^)]*)?\)")
KERAS_WRAPPER = ("in user code", "File ", "Call arguments received", "\u2022")


def keras_one_line(exc: BaseException) -> str:
    """One line for an error Keras wrapped: why the layer's own call failed.

    tf_keras re-raises a layer's exception as "Exception encountered when calling layer ...",
    then (in a traced call) the user-code stack and the original ``ValueError: ...`` line, or
    (eagerly) the original message alone, then the call's arguments: the original says why.
    """
    text = str(exc)
    if "Could not find matching concrete function" in text:
        line = _no_matching_function(text)
    elif (inner := INNER_ERROR.search(text)) is not None:
        line = f"{inner.group(1).rsplit('.', 1)[-1]}: {inner.group(2).strip()}"
    else:
        lines = [item.strip() for item in text.splitlines() if item.strip()]
        if not lines or not lines[0].startswith("Exception encountered when calling layer"):
            return one_line(exc)
        why = next((item for item in lines[1:] if not item.startswith(KERAS_WRAPPER)), None)
        if why is None:
            return one_line(exc)
        line = f"{type(exc).__name__}: {why}"
    return line if len(line) <= 300 else line[:297] + "..."


def _no_matching_function(text: str) -> str:
    """The arguments Keras passed against those the SavedModel's traces take, in one line."""
    got: list[str] = []
    options: list[list[str]] = []
    current = got
    for raw in text.splitlines():
        item = raw.strip()
        if item.startswith("Option "):
            options.append([])
            current = options[-1]
        elif item.startswith("* "):
            value = item[2:]
            current.append("a tensor" if value.startswith("<tf.Tensor") else TENSOR_SPEC.sub(r"a \2 tensor \1", value))
    saved = "; ".join("(" + ", ".join(option) + ")" for option in options) or "unknown"
    return (
        "ValueError: no concrete function of the SavedModel takes the arguments Keras passed "
        f"({', '.join(got)}); the saved ones take {saved}"
    )


def _layer_arguments(ctx: Any, *, trainable: bool) -> Json:
    """What a Keras user passes: TF2 the path alone; TF1 Hub format the signature and its output."""
    if is_tf1(ctx.job["format"]):
        return {"signature": ctx.primary.get("signature") or "default", "output_key": "default", "trainable": trainable}
    return {"trainable": trainable}


def _construction(kwargs: Json) -> str:
    shown = ", ".join(f"{key}={value!r}" for key, value in kwargs.items())
    return f"hub.KerasLayer(handle, {shown})"


def _inferred(output: Any) -> Json:
    """The hub layer's output as Keras infers it: one tensor's dtype and shape, or the structure."""
    if isinstance(output, dict):
        return {"kind": "dict", "keys": sorted(str(k) for k in output), "dtype": None, "shape": None}
    if isinstance(output, (list, tuple)):
        return {"kind": type(output).__name__, "keys": None, "dtype": None, "shape": None}
    shape = output.shape
    dims = None if shape.rank is None else [-1 if d is None else int(d) for d in shape.as_list()]
    dtype = getattr(output.dtype, "name", str(output.dtype))
    return {"kind": "tensor", "keys": None, "dtype": dtype_name(dtype), "shape": dims}


def _inferred_problem(inferred: Json, declared: Json | None) -> str | None:
    if inferred["kind"] == "dict":
        keys = ", ".join(repr(k) for k in inferred["keys"])
        return f"the hub layer returns a dict with keys {keys}, not one tensor (Keras users would need output_key=)"
    if inferred["kind"] != "tensor":
        return f"the hub layer returns a {inferred['kind']}, not one tensor"
    if declared is None:
        return None
    shown = f"{inferred['dtype']} {format_shape(inferred['shape'])}"
    wanted = f"{declared['dtype']} {format_shape(declared['shape'])}"
    if inferred["dtype"] != declared["dtype"] or (
        declared["shape"] is not None and inferred["shape"] != declared["shape"]
    ):
        return f"Keras infers {shown} for the hub layer but the model declares {wanted}"
    return None


def _keras_for(ctx: Any) -> tuple[Any, Any] | Json:
    """``tensorflow_hub`` and ``tf_keras`` for a probe of a model directory, or the result that
    says why the probe cannot run (no directory to load; the Keras extra missing or broken)."""
    if not ctx.job.get("path"):
        return _no_directory()
    modules = keras_modules()
    if isinstance(modules, str):
        return _missing_extra(modules)
    return modules


def _no_directory() -> Json:
    """A model that was not loaded from a directory (a test's stand-in): nothing for hub.KerasLayer to load."""
    return result(
        "skipped", "no model directory for hub.KerasLayer to load", **{"where": "hub.KerasLayer", "skip_reason": None}
    )


def _missing_extra(reason: str) -> Json:
    return result(
        "skipped",
        f"skipped: {EXTRA_HINT} to probe hub.KerasLayer ({reason})",
        **{"where": "hub.KerasLayer", "skip_reason": "missing-extra"},
    )
