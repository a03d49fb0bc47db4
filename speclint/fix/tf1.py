"""Write a TF1 Hub format module from IN (imports TensorFlow; only ``fix`` calls it).

IN's meta graph (tag-set ``[]``, else its first) is imported into a fresh graph with
``import_meta_graph``; a new float32 ``images`` placeholder is mapped in front of the old
input when the input changes (uint8, [0, 255], a fixed image size); the output is cut before a
final activation or cast to float32. The variables are restored from IN's checkpoint and saved
by the v1 ``Builder`` under ``[]`` and IN's other tag-sets (one graph and one saver, IN's own,
as the Hub format's ``[]``/``[train]`` pair usually is), with ``default`` and the task signature. Then the
``image_module_info`` attachment and ``tfhub_module.pb`` (FORMAT_V3) are written with
speclint's own wire-compatible hub messages.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import numpy as np

from speclint.errors import SpeclintError
from speclint.fix.plan import Plan
from speclint.fix.tf2 import cut_point
from speclint.proto.messages import ImageModuleInfo, ModuleAttachment, ModuleDef

ATTACHMENTS = "hub_module_attachments"
FORMAT_V3 = 3


@dataclass
class Written:
    source_tags: list[str]
    source_input: str  # tensor names in IN's graph, for the proof
    source_output: str
    shape: tuple[int | None, ...]  # OUT's images shape


def _saved_model(tf: Any, path: str) -> Any:
    from google.protobuf import text_format
    from tensorflow.core.protobuf import saved_model_pb2

    saved = saved_model_pb2.SavedModel()
    binary = os.path.join(path, "saved_model.pb")
    if os.path.exists(binary):
        with open(binary, "rb") as handle:
            saved.ParseFromString(handle.read())
    else:
        with open(os.path.join(path, "saved_model.pbtxt"), encoding="utf-8") as handle:
            text_format.Parse(handle.read(), saved)
    return saved


def write(tf: Any, source_dir: str, out: str, plan: Plan) -> Written:
    v1 = tf.compat.v1
    saved = _saved_model(tf, source_dir)
    meta_graph = next((m for m in saved.meta_graphs if list(m.meta_info_def.tags) == []), saved.meta_graphs[0])
    tags = list(meta_graph.meta_info_def.tags)
    signature = _source_signature(meta_graph, plan)
    old_input = signature.inputs[plan.input_key]
    old_output = signature.outputs[plan.output_key]
    if not old_input.name or not old_output.name:
        raise SpeclintError("fix handles dense (named) signature tensors only")
    old_shape = [None if d.size < 0 else d.size for d in old_input.tensor_shape.dim]
    shape = list(old_shape)
    if plan.image_size is not None and len(shape) == 4:
        shape[1], shape[2] = plan.image_size
    replace = plan.input_transform is not None or shape != old_shape
    graph = tf.Graph()
    with graph.as_default():
        input_map = {}
        if replace:
            images = v1.placeholder(tf.float32, shape, name="fixed_images")
            x = images
            if plan.input_transform == "uint8":
                x = tf.cast(tf.round(tf.clip_by_value(x, 0.0, 1.0) * 255.0), tf.uint8)
            elif plan.input_transform == "scale255":
                x = x * 255.0
            if x.dtype.as_datatype_enum != old_input.dtype:
                x = tf.cast(x, tf.dtypes.as_dtype(old_input.dtype))
            input_map[old_input.name] = x
        saver = _own_saver(v1, v1.train.import_meta_graph(meta_graph, input_map=input_map or None, clear_devices=True))
        if not replace:
            images = graph.get_tensor_by_name(old_input.name)
        output = cut_point(graph.get_tensor_by_name(old_output.name), plan.activation)
        if plan.squeeze_axes:
            output = tf.squeeze(output, axis=list(plan.squeeze_axes), name="default_2d")
        if output.dtype != tf.float32:
            output = tf.cast(output, tf.float32, name="default_float32")
        outputs = {"default": output}
        for key, info in signature.outputs.items():
            if key != plan.output_key and info.name:
                outputs[key] = graph.get_tensor_by_name(info.name)
        build = v1.saved_model.utils.build_tensor_info
        definition = v1.saved_model.signature_def_utils.build_signature_def(
            inputs={"images": build(images)}, outputs={k: build(v) for k, v in outputs.items()}
        )
        signatures = {"default": definition, str(plan.task): definition}
        builder = v1.saved_model.Builder(out)
        with v1.Session(graph=graph) as session:
            session.run(v1.global_variables_initializer())
            _restore(v1, session, source_dir, saver)
            builder.add_meta_graph_and_variables(
                session, [], signature_def_map=signatures, strip_default_attrs=True, saver=saver
            )
            for other in saved.meta_graphs:
                other_tags = list(other.meta_info_def.tags)
                if other_tags:
                    builder.add_meta_graph(
                        other_tags, signature_def_map=signatures, strip_default_attrs=True, saver=saver
                    )
        builder.save()
    _hub_files(source_dir, out, plan)
    return Written(tags, old_input.name, old_output.name, tuple(shape))


def _source_signature(meta_graph: Any, plan: Plan) -> Any:
    for name in ("default", plan.task, "image_feature_vector", "image_classification"):
        if name in meta_graph.signature_def:
            return meta_graph.signature_def[name]
    if len(meta_graph.signature_def) == 1:
        return next(iter(meta_graph.signature_def.values()))
    raise SpeclintError("no default or image signature to start from")


def _own_saver(v1: Any, imported: Any) -> Any:
    """The one saver of OUT, shared by every tag-set: IN's own, else a new one.

    ``import_meta_graph`` rebuilds IN's saver from its ``saver_def`` (its ``save/`` nodes are
    imported anyway). Reusing it keeps those nodes the saver of OUT's meta graphs: a second
    ``Saver`` (``Builder`` makes one per ``add_meta_graph`` unless given one, and so would a
    ``Saver`` for the restore) would leave the imported checkpoint ops outside any saver, which
    the security scan rightly reports (SL600) and ``--execute`` refuses.
    """
    if imported is not None:
        return imported
    return v1.train.Saver(write_version=v1.train.SaverDef.V2, allow_empty=True)


def _restore(v1: Any, session: Any, source_dir: str, saver: Any) -> None:
    """Load IN's variable values into the imported variables (same names), with OUT's saver."""
    prefix = os.path.join(source_dir, "variables", "variables")
    variables = v1.global_variables()
    if not variables:
        return
    if not os.path.exists(prefix + ".index"):
        raise SpeclintError(f"cannot fix without the weights: the graph has {len(variables)} variables, no checkpoint")
    saver.restore(session, prefix)


def _hub_files(source_dir: str, out: str, plan: Plan) -> None:
    """The image_module_info attachment in every meta graph, and tfhub_module.pb (FORMAT_V3).

    IN's ``required_features`` are kept: dropping a feature a module needs is not a fix.
    """
    from tensorflow.core.protobuf import saved_model_pb2

    path = os.path.join(out, "saved_model.pb")
    saved = saved_model_pb2.SavedModel()
    with open(path, "rb") as handle:
        saved.ParseFromString(handle.read())
    for meta_graph in saved.meta_graphs:
        if ATTACHMENTS in meta_graph.collection_def:
            del meta_graph.collection_def[ATTACHMENTS]
        if plan.image_size is not None:
            info = ImageModuleInfo()
            info.default_image_size.height, info.default_image_size.width = plan.image_size
            attachment = ModuleAttachment(key="image_module_info", value=info.SerializeToString())
            meta_graph.collection_def[ATTACHMENTS].bytes_list.value.append(attachment.SerializeToString())
    with open(path, "wb") as handle:
        handle.write(saved.SerializeToString(deterministic=True))
    module_def = ModuleDef()
    source_module = os.path.join(source_dir, "tfhub_module.pb")
    if os.path.exists(source_module):
        with open(source_module, "rb") as handle:
            module_def.ParseFromString(handle.read())
    module_def.format = FORMAT_V3
    with open(os.path.join(out, "tfhub_module.pb"), "wb") as handle:
        handle.write(module_def.SerializeToString())


class Runner:
    """A TF1 model in its own Graph and Session, fed and fetched by tensor name or signature key."""

    def __init__(
        self, tf: Any, path: str, tags: list[str], source: str, sink: str, *, signature: str | None = None
    ) -> None:
        self.tf = tf
        self.path, self.tags, self.source, self.sink, self.signature = path, tags, source, sink, signature

    def __enter__(self) -> Runner:
        v1 = self.tf.compat.v1
        self.graph = self.tf.Graph()
        self.session = v1.Session(graph=self.graph)
        with self.graph.as_default():
            meta_graph = v1.saved_model.loader.load(self.session, self.tags, self.path)
        if self.signature is not None:
            definition = meta_graph.signature_def[self.signature]
            self.source = definition.inputs[self.source].name
            self.sink = definition.outputs[self.sink].name
        return self

    def __call__(self, images: np.ndarray) -> np.ndarray:
        return np.asarray(self.session.run(self.sink, feed_dict={self.source: images}))

    def __exit__(self, *exc_info: object) -> None:
        self.session.close()
