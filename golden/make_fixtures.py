#!/usr/bin/env python3
"""Build speclint's golden SavedModel fixtures with real TensorFlow.

Every fixture is a tiny, real SavedModel written by TensorFlow itself
(``tf.saved_model.save``, ``tf.compat.v1.saved_model.Builder``, Keras 3
``Model.export`` or tf_keras).  Conforming fixtures satisfy every requirement
of the TF Hub image contracts (docs: shared/spec/); each negative fixture
breaks exactly one requirement and is otherwise identical to a conforming one.

Usage::

    python golden/make_fixtures.py [--out DIR] [--only NAME ...] [--list]

Only ``DIR/<name>`` is deleted and recreated for each fixture that is built.
The build is deterministic (fixed seeds, fixed build order, explicit names):
re-running gives the same signatures, ops, tensor names, dtypes and shapes;
only function-name numeric suffixes and fingerprint.pb hashes differ between
runs.  Import this module and call :func:`build_all` to build from tests.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import json
import os
import shutil
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"

if TYPE_CHECKING:  # pragma: no cover - typing only
    import numpy as np

# TensorFlow, Keras and numpy are imported lazily inside the builders so that
# importing this module (e.g. to read FIXTURES or --list) costs nothing.

SEED = 1234
IMAGE_SIZE = 32
NUM_FEATURES = 8
NUM_CLASSES = 5
CONV_FILTERS = 4
ARCH = "TinyNet"  # architecture prefix for extra TF1 outputs / variable scopes

# Paths that the security fixtures reference.  Nothing ever opens them: the
# security fixtures are only traced and saved, never executed.
SECRET_PATH = "/etc/passwd"
LEAK_PATH = "/tmp/speclint-leak.txt"

Kind = Literal["tf2", "tf1-hub", "tf1", "keras3", "tf-keras", "other"]
OutputShape = Literal["ok", "rank3", "fixed-batch", "unknown-width"]
Dim = int | None


@dataclass(frozen=True)
class Fixture:
    """One golden model: ``build(path)`` writes a SavedModel directory at path."""

    name: str
    description: str
    kind: Kind
    build: Callable[[str], None]


# --------------------------------------------------------------------------
# TF Hub protos (defined here; tensorflow_hub 0.16 no longer has the TF1 API).
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class _HubProtos:
    module_def: type[Any]  # fixture_hub.ModuleDef
    module_attachment: type[Any]  # fixture_hub.ModuleAttachment
    image_module_info: type[Any]  # fixture_hub.ImageModuleInfo


@functools.cache
def hub_protos() -> _HubProtos:
    """Message classes wire-compatible with tensorflow_hub's protos."""
    from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

    fdp = descriptor_pb2.FieldDescriptorProto
    file_proto = descriptor_pb2.FileDescriptorProto(
        name="fixture_hub/hub.proto", package="fixture_hub", syntax="proto3"
    )

    module_def = file_proto.message_type.add(name="ModuleDef")
    fmt = module_def.enum_type.add(name="Format")
    fmt.value.add(name="FORMAT_UNSPECIFIED", number=0)
    fmt.value.add(name="FORMAT_V3", number=3)
    module_def.field.add(
        name="format",
        number=1,
        label=fdp.LABEL_OPTIONAL,
        type=fdp.TYPE_ENUM,
        type_name=".fixture_hub.ModuleDef.Format",
    )
    module_def.field.add(
        name="required_features",
        number=2,
        label=fdp.LABEL_REPEATED,
        type=fdp.TYPE_STRING,
    )

    attachment = file_proto.message_type.add(name="ModuleAttachment")
    attachment.field.add(name="key", number=1, label=fdp.LABEL_OPTIONAL, type=fdp.TYPE_STRING)
    attachment.field.add(name="value", number=2, label=fdp.LABEL_OPTIONAL, type=fdp.TYPE_BYTES)

    info = file_proto.message_type.add(name="ImageModuleInfo")
    size = info.nested_type.add(name="InputSize")
    size.field.add(name="height", number=1, label=fdp.LABEL_OPTIONAL, type=fdp.TYPE_INT32)
    size.field.add(name="width", number=2, label=fdp.LABEL_OPTIONAL, type=fdp.TYPE_INT32)
    info.field.add(
        name="default_image_size",
        number=1,
        label=fdp.LABEL_OPTIONAL,
        type=fdp.TYPE_MESSAGE,
        type_name=".fixture_hub.ImageModuleInfo.InputSize",
    )

    pool = descriptor_pool.DescriptorPool()
    pool.Add(file_proto)

    def cls(name: str) -> type[Any]:
        return message_factory.GetMessageClass(pool.FindMessageTypeByName(name))

    return _HubProtos(
        module_def=cls("fixture_hub.ModuleDef"),
        module_attachment=cls("fixture_hub.ModuleAttachment"),
        image_module_info=cls("fixture_hub.ImageModuleInfo"),
    )


# --------------------------------------------------------------------------
# Shared model pieces (used by both the TF1 and the TF2 builders).
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class _Weights:
    conv_kernel: np.ndarray  # [3, 3, in_channels, CONV_FILTERS]
    conv_bias: np.ndarray  # [CONV_FILTERS]
    dense_kernel: np.ndarray  # [CONV_FILTERS, num_outputs]
    dense_bias: np.ndarray  # [num_outputs]


def _init_weights(in_channels: int, num_outputs: int, *, positive: bool = False) -> _Weights:
    """Small deterministic weights; positive=True gives |w| and zero biases."""
    import numpy as np

    rng = np.random.RandomState(SEED)
    conv_kernel = rng.normal(0.0, 0.5, (3, 3, in_channels, CONV_FILTERS)).astype(np.float32)
    conv_bias = rng.normal(0.0, 0.1, (CONV_FILTERS,)).astype(np.float32)
    dense_kernel = rng.normal(0.0, 0.5, (CONV_FILTERS, num_outputs)).astype(np.float32)
    dense_bias = rng.normal(0.0, 0.1, (num_outputs,)).astype(np.float32)
    if positive:
        conv_kernel, dense_kernel = np.abs(conv_kernel), np.abs(dense_kernel)
        conv_bias, dense_bias = np.zeros_like(conv_bias), np.zeros_like(dense_bias)
    return _Weights(conv_kernel, conv_bias, dense_kernel, dense_bias)


def _conv_pool(tf: Any, x: Any, kernel: Any, bias: Any | None, *, nchw: bool) -> tuple[Any, Any]:
    """3x3 conv (+ bias) + ReLU, then global average pool. Returns (activations, pooled)."""
    fmt = "NCHW" if nchw else "NHWC"
    if nchw:
        x = tf.transpose(x, [0, 3, 1, 2])
    x = tf.nn.conv2d(x, kernel, strides=1, padding="SAME", data_format=fmt)
    if bias is not None:
        x = tf.nn.bias_add(x, bias, data_format=fmt)
    act = tf.nn.relu(x)
    return act, tf.reduce_mean(act, axis=[2, 3] if nchw else [1, 2])


@dataclass(frozen=True)
class _Head:
    """How the final output is post-processed (one deviation at a time)."""

    num_outputs: int
    shape: OutputShape = "ok"
    dtype: str = "float32"
    softmax: bool = False
    dropout: bool = False
    relax_batch: bool = False  # input batch is fixed; keep output batch unknown


def _apply_head(tf: Any, out: Any, head: _Head) -> Any:
    if head.softmax:
        out = tf.nn.softmax(out)
    if head.dropout:
        out = tf.nn.dropout(out, rate=0.5, seed=SEED)
    if head.relax_batch:
        # A fixed-batch input would give a fixed-batch output; relax it so
        # that only the input breaks the contract.
        out = tf.compat.v1.placeholder_with_default(out, [None, head.num_outputs])
    if head.shape == "rank3":
        out = tf.expand_dims(out, axis=1)
    elif head.shape == "fixed-batch":
        out = tf.reshape(out, [1, head.num_outputs])
    elif head.shape == "unknown-width":
        out = tf.reshape(out, [tf.shape(out)[0], -1])
    if head.dtype != "float32":
        out = tf.cast(out, head.dtype)
    return out


def _cwd(path: str | None) -> contextlib.AbstractContextManager[Any]:
    """chdir(path) for the block, or do nothing when path is None."""
    return contextlib.chdir(path) if path is not None else contextlib.nullcontext()


def _dir_size(path: str | Path) -> int:
    if Path(path).is_file():  # a published archive
        return Path(path).stat().st_size
    return sum(p.stat().st_size for p in Path(path).rglob("*") if p.is_file())


# --------------------------------------------------------------------------
# TF1 Hub format modules.
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Tf1Spec:
    """Options for a TF1 Hub-format image module (defaults = conforming)."""

    task: Literal["image_feature_vector", "image_classification"] = "image_feature_vector"
    default_signature: bool = True
    task_signature: bool = True
    input_key: str = "images"
    input_dtype: str = "float32"
    input_shape: tuple[Dim, ...] = (None, IMAGE_SIZE, IMAGE_SIZE, 3)
    sparse_input: bool = False
    attachment: tuple[int, int] | None = (IMAGE_SIZE, IMAGE_SIZE)
    output_key: str = "default"
    output_dtype: str = "float32"
    output_shape: OutputShape = "ok"
    task_output_differs: bool = False
    extra_outputs: bool = False
    hub_format: int = 3
    required_features: tuple[str, ...] = ()
    tag_sets: tuple[tuple[str, ...], ...] = ((), ("train",))
    nchw: bool = False
    dropout_on_output: bool = False
    softmax_output: bool = False
    rescale_255: bool = False
    rescale_255_late: bool = False  # resize, then / 255, then the net; its outputs get a bias of 3
    as_text: bool = False
    main_op_read_file: str | None = None
    custom_op: str | None = None
    asset_filename: str | None = None  # rewrite the AssetFileDef filename to this
    stray_saver: bool = False  # a second tf.compat.v1.train.Saver that no loader runs (SL605)

    @property
    def num_outputs(self) -> int:
        return NUM_FEATURES if self.task == "image_feature_vector" else NUM_CLASSES


def build_tf1(path: str, spec: Tf1Spec) -> None:
    """Write a TF1 Hub-format module (saved_model.pb[txt] + tfhub_module.pb)."""
    import tensorflow as tf

    v1 = tf.compat.v1
    build_info = v1.saved_model.utils.build_tensor_info
    builder = v1.saved_model.Builder(path)  # creates `path`
    graph = tf.Graph()
    with graph.as_default():
        v1.set_random_seed(SEED)
        w = _init_weights((spec.input_shape[-1] or 3) if len(spec.input_shape) == 4 else 3, spec.num_outputs)
        images: Any
        if spec.sparse_input:
            images = v1.sparse_placeholder(tf.float32, list(spec.input_shape), name="images")
            x = tf.reshape(tf.sparse.to_dense(images), [-1, *spec.input_shape[1:]])
        else:
            images = v1.placeholder(spec.input_dtype, list(spec.input_shape), name="images")
            x = images
        if x.dtype != tf.float32:
            x = tf.cast(x, tf.float32)
        if len(spec.input_shape) != 4:  # a flattened image input, reshaped for the conv
            x = tf.reshape(x, [-1, IMAGE_SIZE, IMAGE_SIZE, 3])
        if spec.rescale_255:
            x = x / 255.0
        if spec.rescale_255_late:  # behind a resize, where a look at the input's first op cannot see it
            x = tf.raw_ops.ResizeBilinear(images=x, size=[IMAGE_SIZE, IMAGE_SIZE], name="resize") / 255.0
        # Two plain (ref) variables and no biases keep the text-format
        # fixtures (two meta graphs, each with a saver subgraph) small.
        with v1.variable_scope(ARCH, use_resource=False):
            kernel = v1.get_variable("conv1/kernel", initializer=w.conv_kernel)
            dense_kernel = v1.get_variable("logits/kernel", initializer=w.dense_kernel)
            conv1, pooled = _conv_pool(tf, x, kernel, None, nchw=spec.nchw)
            logits = tf.matmul(pooled, dense_kernel)
            if spec.rescale_255_late:  # a bias as big as the outputs, as trained models have
                logits = logits + 3.0
        head = _Head(
            num_outputs=spec.num_outputs,
            shape=spec.output_shape,
            dtype=spec.output_dtype,
            softmax=spec.softmax_output,
            dropout=spec.dropout_on_output,
            relax_batch=spec.input_shape[0] is not None,
        )
        out = _apply_head(tf, logits, head)

        inputs = {spec.input_key: build_info(images)}
        default_sig = v1.saved_model.signature_def_utils.build_signature_def(
            inputs=inputs, outputs={spec.output_key: build_info(out)}
        )
        task_outputs = {spec.output_key: build_info(pooled if spec.task_output_differs else out)}
        if spec.extra_outputs:
            task_outputs[f"{ARCH}/conv1"] = build_info(conv1)
            task_outputs["conv_features"] = build_info(pooled)
        task_sig = v1.saved_model.signature_def_utils.build_signature_def(inputs=inputs, outputs=task_outputs)
        signatures: dict[str, Any] = {}
        if spec.default_signature:
            signatures["default"] = default_sig
        if spec.task_signature:
            signatures[spec.task] = task_sig

        main_op = None
        if spec.main_op_read_file:
            main_op = tf.group(tf.io.read_file(spec.main_op_read_file), name="main_op")
        # The asset source is given relative to `path` (the Builder runs with
        # `path` as working directory), so the graph holds "labels.txt" rather
        # than the output directory; the Builder copies it to assets/.
        assets = None
        if spec.asset_filename:
            Path(path, "labels.txt").write_text("cat\ndog\n")
            assets = [tf.constant("labels.txt", name="asset_path")]
            v1.add_to_collection(v1.GraphKeys.ASSET_FILEPATHS, assets[0])

        if spec.stray_saver:  # as export code that made a Saver of its own for training does
            v1.train.Saver(var_list=[kernel], filename="/tmp/speclint-stray-checkpoint", name="training_saver")
        # One saver for all meta graphs so that they share the same graph.
        saver = v1.train.Saver(write_version=v1.train.SaverDef.V2, allow_empty=True)
        with _cwd(path if assets else None), v1.Session(graph=graph) as sess:
            sess.run(v1.global_variables_initializer())
            for i, tags in enumerate(spec.tag_sets):
                if i == 0:
                    builder.add_meta_graph_and_variables(
                        sess,
                        list(tags),
                        signature_def_map=signatures,
                        assets_collection=assets,
                        main_op=main_op,
                        strip_default_attrs=True,
                        saver=saver,
                    )
                else:
                    builder.add_meta_graph(
                        list(tags),
                        signature_def_map=signatures,
                        strip_default_attrs=True,
                        saver=saver,
                    )
        builder.save(as_text=spec.as_text)
    if spec.asset_filename:
        os.remove(os.path.join(path, "labels.txt"))
    _postprocess_tf1(path, spec)


def _postprocess_tf1(path: str, spec: Tf1Spec) -> None:
    """Add the hub attachment (and any deliberate damage); write tfhub_module.pb."""
    from google.protobuf import text_format
    from tensorflow.core.protobuf import meta_graph_pb2, saved_model_pb2

    hub = hub_protos()
    pb_path = os.path.join(path, "saved_model.pbtxt" if spec.as_text else "saved_model.pb")
    sm = saved_model_pb2.SavedModel()
    if spec.as_text:
        text_format.Parse(Path(pb_path).read_text(), sm)
    else:
        sm.ParseFromString(Path(pb_path).read_bytes())

    for mg in sm.meta_graphs:
        if spec.attachment is not None:
            info = hub.image_module_info()
            info.default_image_size.height, info.default_image_size.width = spec.attachment
            attachment = hub.module_attachment(key="image_module_info", value=info.SerializeToString())
            mg.collection_def["hub_module_attachments"].bytes_list.value.append(attachment.SerializeToString())
        if spec.custom_op:
            relu = next(n for n in mg.graph_def.node if n.op == "Relu")
            relu.op = spec.custom_op
        if spec.asset_filename:
            # The v1 Builder records assets in the saved_model_assets
            # collection; newer writers use MetaGraphDef.asset_file_def.
            for packed in mg.collection_def["saved_model_assets"].any_list.value:
                asset = meta_graph_pb2.AssetFileDef()
                packed.Unpack(asset)
                asset.filename = spec.asset_filename
                packed.Pack(asset)
            for asset in mg.asset_file_def:
                asset.filename = spec.asset_filename

    if spec.as_text:
        Path(pb_path).write_text(text_format.MessageToString(sm))
    else:
        Path(pb_path).write_bytes(sm.SerializeToString(deterministic=True))

    module_def = hub.module_def(format=spec.hub_format, required_features=spec.required_features)
    Path(path, "tfhub_module.pb").write_bytes(module_def.SerializeToString())


# --------------------------------------------------------------------------
# TF2 Reusable SavedModels.
# --------------------------------------------------------------------------

Probe = Literal[
    "nondeterministic",
    "batch-dependent",
    "nan-on-black",
    "width-follows-input",
    "hidden-softmax",
]
Security = Literal[
    "readfile",
    "writefile",
    "matchingfiles",
    "print-to-file",
    "pyfunc",
    "readfile-in-cond",
    "readfile-in-while",
    "text-line-dataset",
    "lookup-table-from-file",
    "summary-writer",
    "save-op-in-call",
    "abort",
]


@dataclass(frozen=True)
class Tf2Spec:
    """Options for a TF2 Reusable SavedModel (defaults = conforming feature vector)."""

    num_outputs: int = NUM_FEATURES
    input_shape: tuple[Dim, ...] = (None, IMAGE_SIZE, IMAGE_SIZE, 3)
    input_dtype: str = "float32"
    training: Literal["none", "bool", "int"] = "none"
    regularization: bool = False
    variables_attrs: bool = True
    has_call: bool = True
    dict_output: bool = False
    output_dtype: str = "float32"
    output_shape: OutputShape = "ok"
    nchw: bool = False
    dropout_on_output: bool = False
    softmax_output: bool = False
    rescale_127: bool = False
    probe: Probe | None = None
    security: Security | None = None
    max_shard_bytes: int | None = None  # split the checkpoint into data shards of at most this size
    memory_hungry: bool = False  # fine-tuning (its regularization loss) and batches > 16 hold 1-2 GB
    text: bool = False  # not an image model: tf.string [None] -> float32 [None, 4]
    frozen: bool = False  # root.trainable_variables is an empty list: nothing to fine-tune


def _identity_np(a: Any) -> Any:
    return a


def _security_op(tf: Any, kind: Security, root: Any, images: Any, out: Any) -> Any:
    """Emit the one suspicious op (or subgraph) inside the traced __call__."""

    def as_zero(t: Any) -> Any:  # keep the op on the output path, value-neutral
        return 0.0 * tf.cast(tf.reduce_sum(t), tf.float32)

    if kind == "readfile":
        return out + as_zero(tf.strings.length(tf.io.read_file(SECRET_PATH)))
    if kind == "writefile":
        tf.io.write_file(LEAK_PATH, tf.strings.as_string(tf.reduce_sum(out)))
        return out
    if kind == "matchingfiles":
        return out + as_zero(tf.size(tf.io.matching_files("/etc/*")))
    if kind == "print-to-file":
        tf.print(out, output_stream=f"file://{LEAK_PATH}")
        return out
    if kind == "pyfunc":
        y = tf.numpy_function(_identity_np, [out], tf.float32, name="identity_pyfunc")
        y.set_shape(out.shape)
        return y
    if kind == "readfile-in-cond":
        v = tf.cond(
            tf.reduce_sum(images) > 0.0,
            lambda: tf.cast(tf.strings.length(tf.io.read_file(SECRET_PATH)), tf.float32),
            lambda: tf.constant(0.0),
        )
        return out + 0.0 * v
    if kind == "readfile-in-while":
        _, v = tf.while_loop(
            lambda i, acc: i < 1,
            lambda i, acc: (
                i + 1,
                acc + tf.cast(tf.strings.length(tf.io.read_file(SECRET_PATH)), tf.float32),
            ),
            (tf.constant(0), tf.constant(0.0)),
        )
        return out + 0.0 * v
    if kind == "text-line-dataset":
        lines = tf.data.TextLineDataset(SECRET_PATH)
        n = lines.reduce(tf.constant(0, tf.int64), lambda acc, _: acc + 1)
        return out + as_zero(n)
    if kind == "lookup-table-from-file":
        return out + as_zero(root.table.lookup(tf.constant(["cat"])))
    if kind == "summary-writer":
        # The ops that tf.summary.create_file_writer + tf.summary.scalar emit.
        # (create_file_writer hoists the writer out of tf.function and creates
        # the event file at trace time; tf.summary.scalar needs TensorBoard.)
        writer = tf.raw_ops.SummaryWriter(shared_name="speclint_summary", container="")
        init = tf.raw_ops.CreateSummaryFileWriter(
            writer=writer,
            logdir="/tmp/speclint-summary",
            max_queue=10,
            flush_millis=120000,
            filename_suffix=".v2",
        )
        with tf.control_dependencies([init]):
            tf.raw_ops.WriteScalarSummary(
                writer=writer,
                step=tf.constant(0, tf.int64),
                tag="mean_feature",
                value=tf.reduce_mean(out),
            )
        return out
    if kind == "abort":  # only on an impossible input: a served model that can end its server

        def abort() -> Any:  # Abort is not stateful: without the dependency TensorFlow prunes it
            with tf.control_dependencies([tf.raw_ops.Abort(error_msg="speclint fixture", exit_without_error=True)]):
                return tf.constant(0.0)

        return out + 0.0 * tf.cond(tf.reduce_sum(images) < -1e30, abort, lambda: tf.constant(0.0))
    if kind == "save-op-in-call":
        tf.raw_ops.SaveV2(
            prefix="/tmp/speclint-save",
            tensor_names=["features"],
            shape_and_slices=[""],
            tensors=[out],
        )
        return out
    raise ValueError(kind)


HUNGRY_ELEMENTS = 250_000_000  # float32: 1 GB, held twice while the loop runs
HUNGRY_STEPS = 20
HUNGRY_BATCH = 16  # __call__ on more images than this allocates it; the probes' batches are 1, 2 and 7


def _hungry(tf: Any) -> Any:
    """0.0, after a loop over a 1 GB tensor (seconds, 2 GB at its peak): memory no small batch needs."""

    def step(i: Any, acc: Any) -> tuple[Any, Any]:
        return i + 1, tf.sqrt(acc * acc + 1e-3)

    start = (tf.constant(0), tf.fill([HUNGRY_ELEMENTS], 1.0))
    _, big = tf.while_loop(lambda i, acc: i < HUNGRY_STEPS, step, start)
    return 0.0 * tf.reduce_mean(big)


def build_tf2(path: str, spec: Tf2Spec) -> None:
    """Write a TF2 SavedModel whose root object follows the Reusable SavedModel API."""
    import tensorflow as tf

    tf.random.set_seed(SEED)
    root = tf.__internal__.tracking.AutoTrackable()

    if spec.text:
        text_kernel = tf.Variable(tf.fill([1, 4], 0.1), name="text/kernel")
        text_bias = tf.Variable(tf.zeros([4]), name="text/bias")
        variables = [text_kernel, text_bias]
        trainable = list(variables)
        input_spec = tf.TensorSpec([None], tf.string)

        def forward(images: Any, training: Any) -> Any:
            length = tf.cast(tf.strings.length(images), tf.float32)[:, None]
            return tf.matmul(length, text_kernel) + text_bias
    else:
        channels = spec.input_shape[-1] or 3
        num_dense = 2 if spec.probe == "width-follows-input" else spec.num_outputs
        w = _init_weights(channels, num_dense, positive=spec.probe == "nan-on-black")
        conv_kernel = tf.Variable(w.conv_kernel, name=f"{ARCH}/conv1/kernel")
        conv_bias = tf.Variable(w.conv_bias, name=f"{ARCH}/conv1/bias")
        dense_kernel = tf.Variable(w.dense_kernel, name=f"{ARCH}/logits/kernel")
        dense_bias = tf.Variable(w.dense_bias, name=f"{ARCH}/logits/bias")
        trainable = [conv_kernel, conv_bias, dense_kernel, dense_bias]
        variables = list(trainable)
        counter = None
        if spec.probe == "nondeterministic":
            counter = tf.Variable(0.0, trainable=False, name="call_counter")
            variables.append(counter)
        input_spec = tf.TensorSpec(spec.input_shape, spec.input_dtype)

        def forward(images: Any, training: Any) -> Any:
            x = images
            if x.dtype != tf.float32:
                x = tf.cast(x, tf.float32)
            if spec.rescale_127:
                x = x / 127.5 - 1.0
            act, pooled = _conv_pool(tf, x, conv_kernel, conv_bias, nchw=spec.nchw)
            if spec.probe == "width-follows-input":
                # 1x1 projection, 16x16 average pool, flatten: 8 wide at 32x32
                # only, but the declared shape says [None, 8] for every size.
                proj = tf.nn.conv2d(act, dense_kernel[None, None], 1, "VALID")
                grid = tf.nn.avg_pool2d(proj + dense_bias, 16, 16, "VALID")
                out = tf.reshape(grid, [tf.shape(grid)[0], -1])
                out.set_shape([None, NUM_FEATURES])
                return out
            if training:
                pooled = tf.nn.dropout(pooled, rate=0.25, seed=SEED)  # internal only
            out = tf.matmul(pooled, dense_kernel) + dense_bias
            if counter is not None:
                out = out + counter.assign_add(1.0)
            elif spec.probe == "batch-dependent":
                out = out - tf.reduce_mean(out, axis=0, keepdims=True)
            elif spec.probe == "nan-on-black":
                out = out / tf.reduce_sum(out, axis=1, keepdims=True)
            elif spec.probe == "hidden-softmax":
                e = tf.exp(out - tf.reduce_max(out, axis=1, keepdims=True))
                out = e / tf.reduce_sum(e, axis=1, keepdims=True)
            return out

    # The lookup table reads a file outside the model at load. TensorFlow copies the filename a
    # TextFileInitializer gets (string or tensor) into assets/, the model's own asset, which is
    # harmless; so the initializer here runs the op on the host path itself.
    if spec.security == "lookup-table-from-file":
        from tensorflow.python.ops.lookup_ops import TableInitializerBase

        class HostFileInitializer(TableInitializerBase):  # type: ignore[misc]
            def initialize(self, table: Any) -> Any:
                return tf.raw_ops.InitializeTableFromTextFileV2(
                    table_handle=table.resource_handle, filename=tf.constant(SECRET_PATH), key_index=-2, value_index=-1
                )

        root.table = tf.lookup.StaticHashTable(HostFileInitializer(tf.string, tf.int64), default_value=-1)

    head = _Head(
        num_outputs=spec.num_outputs,
        shape=spec.output_shape,
        dtype=spec.output_dtype,
        softmax=spec.softmax_output,
        dropout=spec.dropout_on_output,
        relax_batch=spec.input_shape[0] is not None,
    )

    def body(images: Any, training: Any) -> Any:
        out = forward(images, training)
        if spec.memory_hungry:
            big_batch = tf.shape(images)[0] > HUNGRY_BATCH
            out = out + tf.cond(big_batch, lambda: _hungry(tf), lambda: tf.constant(0.0))
        if spec.security is not None:
            out = _security_op(tf, spec.security, root, images, out)
        out = _apply_head(tf, out, head)
        return {"features": out} if spec.dict_output else out

    if spec.training == "none":
        call = tf.function(lambda images: body(images, False), input_signature=[input_spec])
        serving = call.get_concrete_function()
    else:
        off, on = (False, True) if spec.training == "bool" else (0, 1)

        def call_with_training(images: Any, training: Any = off) -> Any:
            return body(images, training)

        call = tf.function(call_with_training)
        call.get_concrete_function(input_spec, training=on)
        serving = call.get_concrete_function(input_spec, training=off)

    if spec.variables_attrs:
        root.variables = variables
        root.trainable_variables = [] if spec.frozen else trainable
        losses = []
        if spec.regularization:
            kernel = trainable[0]
            losses.append(tf.function(lambda: 1e-4 * tf.nn.l2_loss(kernel), input_signature=[]))
        if spec.memory_hungry:  # a regularization loss: evaluated only when fine-tuning
            hungry_kernel = trainable[0]
            losses.append(tf.function(lambda: 1e-4 * tf.nn.l2_loss(hungry_kernel) + _hungry(tf), input_signature=[]))
        root.regularization_losses = losses
    else:
        root.tiny_net_weights = variables  # tracked, but not under the API names
    if spec.has_call:
        root.__call__ = call
    options = None
    if spec.max_shard_bytes is not None:
        policy = tf.train.experimental.MaxShardSizePolicy(max_shard_size=spec.max_shard_bytes)
        options = tf.saved_model.SaveOptions(experimental_sharding_callback=policy)
    tf.saved_model.save(root, path, signatures={"serving_default": serving}, options=options)


# --------------------------------------------------------------------------
# Keras models.
# --------------------------------------------------------------------------


@contextlib.contextmanager
def _stable_keras3_variable_order() -> Iterator[None]:
    """Make Keras 3's export pick one fixed variable order.

    ExportArchive lists the exported variables from a tf.function's *set* of
    watched variables (ordered by object id), so ``_all_variables`` and the
    restore function come out in a different order on almost every run.  We
    sort that list by variable name while exporting; the model is otherwise
    exactly what ``model.export`` writes.  (Private Keras API: skipped if gone.)
    """
    try:
        from keras.src.export import saved_model_export_archive as archive
    except ImportError:  # pragma: no cover - other Keras layout
        yield
        return
    original = getattr(archive, "_list_variables_used_by_fns", None)
    if original is None:  # pragma: no cover
        yield
        return

    def by_name(fns: Any) -> tuple[list[Any], list[Any]]:
        trainable, non_trainable = original(fns)
        return sorted(trainable, key=lambda v: v.name), sorted(non_trainable, key=lambda v: v.name)

    archive._list_variables_used_by_fns = by_name
    try:
        yield
    finally:
        archive._list_variables_used_by_fns = original


def build_keras3_export(path: str) -> None:
    import keras

    keras.backend.clear_session()
    keras.utils.set_random_seed(SEED)
    inputs = keras.Input((IMAGE_SIZE, IMAGE_SIZE, 3), name="images")
    x = keras.layers.Conv2D(CONV_FILTERS, 3, padding="same", activation="relu", name="conv1")(inputs)
    x = keras.layers.GlobalAveragePooling2D(name="pool")(x)
    outputs = keras.layers.Dense(NUM_CLASSES, name="logits")(x)
    model = keras.Model(inputs, outputs, name="tiny_net")
    with _stable_keras3_variable_order():
        model.export(path)  # prints to stdout; build_all redirects it


def build_tf_keras_save(path: str, *, with_lambda: bool = False, head: str = "dense") -> None:
    """A small tf_keras model saved by tf_keras (``keras_metadata.pb``).

    ``head``: ``dense``; ``tfop-read-file`` (a ``tf.math.abs`` TFOpLambda whose config is then
    rewritten to name ``io.read_file``, as an attacker would: the traced graph keeps ``Abs``, but
    tf_keras rebuilds the layer from its config and calls tf.io.read_file); ``custom`` (a layer
    class registered by the export code, which tf_keras cannot rebuild without it).
    """
    import tf_keras

    tf_keras.backend.clear_session()
    tf_keras.utils.set_random_seed(SEED)
    inputs = tf_keras.Input((IMAGE_SIZE, IMAGE_SIZE, 3), name="images")
    x = tf_keras.layers.Conv2D(CONV_FILTERS, 3, padding="same", activation="relu", name="conv1")(inputs)
    x = tf_keras.layers.GlobalAveragePooling2D(name="pool")(x)
    if with_lambda:
        # A Python lambda instead of the Dense head (keeps the model as small as
        # tf-keras-save); keras_metadata.pb stores its marshalled bytecode.  It
        # is compiled from a fixed string so that the bytecode (file name, line
        # numbers) does not change when this script is edited or moved.
        scale = eval(compile("lambda t: t * 0.5", "<speclint-fixture>", "eval"))
        outputs = tf_keras.layers.Lambda(scale, name="scale")(x)
    elif head == "tfop-read-file":
        import tensorflow as tf

        outputs = tf.math.abs(x)
    elif head == "custom":

        @tf_keras.utils.register_keras_serializable(package="speclint_fixture")
        class Halve(tf_keras.layers.Layer):  # type: ignore[misc]
            def call(self, t: Any) -> Any:
                return t * 0.5

        outputs = Halve(name="halve")(x)
    else:
        outputs = tf_keras.layers.Dense(NUM_CLASSES, name="logits")(x)
    model = tf_keras.Model(inputs, outputs, name="tiny_net")
    # tf.saved_model.save(model, path) writes the same SavedModel but no
    # keras_metadata.pb (and empty SavedUserObject.metadata); tf_keras's own
    # SavedModel save goes through the same saver and adds keras_metadata.pb.
    model.save(path, save_format="tf", include_optimizer=False)
    if head == "tfop-read-file":
        from tf_keras.protobuf import saved_metadata_pb2

        metadata = saved_metadata_pb2.SavedMetadata()
        file = os.path.join(path, "keras_metadata.pb")
        with open(file, "rb") as handle:
            metadata.ParseFromString(handle.read())
        for node in metadata.nodes:
            node.metadata = node.metadata.replace('"function": "math.abs"', '"function": "io.read_file"')
        with open(file, "wb") as handle:
            handle.write(metadata.SerializeToString())


# --------------------------------------------------------------------------
# Registry.
# --------------------------------------------------------------------------

FIXTURES: dict[str, Fixture] = {}


def _register(name: str, kind: Kind, description: str, build: Callable[[str], None]) -> None:
    assert name not in FIXTURES, name
    FIXTURES[name] = Fixture(name=name, description=description, kind=kind, build=build)


def _tf1(name: str, description: str, **options: Any) -> None:
    spec = Tf1Spec(**options)
    _register(name, "tf1-hub", description, functools.partial(build_tf1, spec=spec))


def _tf2(name: str, description: str, **options: Any) -> None:
    spec = Tf2Spec(**options)
    _register(name, "tf2", description, functools.partial(build_tf2, spec=spec))


_CLS: dict[str, Any] = {"task": "image_classification"}
_FV_TRAINING: dict[str, Any] = {"training": "bool", "regularization": True}
_DYN: dict[str, Any] = {"input_shape": (None, None, None, 3)}

# Conforming.
_tf2(
    "tf2-feature-vector",
    "Conforming TF2 image feature vector: __call__(float32 [None,32,32,3]) -> float32 [None,8], "
    "with variables, trainable_variables and an empty regularization_losses list on the root.",
)
_tf2(
    "tf2-feature-vector-training",
    "Conforming TF2 image feature vector whose __call__ takes training=True/False (dropout on "
    "an internal layer only when training) and has one L2 regularization loss.",
    **_FV_TRAINING,
)
_tf2(
    "tf2-feature-vector-dynamic-size",
    "Conforming fully convolutional TF2 image feature vector: input float32 [None,None,None,3], "
    "output float32 [None,8].",
    **_DYN,
)
_tf2(
    "tf2-classifier",
    "Conforming TF2 image classifier: __call__(float32 [None,32,32,3]) -> float32 logits [None,5].",
    num_outputs=NUM_CLASSES,
)
_tf2(
    "tf2-classifier-training",
    "Conforming TF2 image classifier (logits [None,5]) with training=True/False and one L2 regularization loss.",
    num_outputs=NUM_CLASSES,
    **_FV_TRAINING,
)
_register(
    "keras3-export",
    "keras3",
    "Keras 3 functional model (32x32x3 -> 5 logits) exported with model.export(): root has "
    "variables, trainable_variables, non_trainable_variables, a 'serve' endpoint and a "
    "serving_default signature, but no __call__ and no regularization_losses (as Keras 3 "
    "writes it, not patched).",
    build_keras3_export,
)
_register(
    "tf-keras-save",
    "tf-keras",
    "tf_keras functional model (32x32x3 -> 5 logits) saved as a SavedModel by tf_keras "
    "(model.save(save_format='tf')): keras_metadata.pb, root __call__ traced for "
    "training=True/False, variables, trainable_variables and regularization_losses.",
    build_tf_keras_save,
)
_tf1(
    "tf1-hub-feature-vector",
    "Conforming TF1 Hub image feature vector module: signatures default and image_feature_vector "
    "(images float32 [None,32,32,3] -> default float32 [None,8]), tag-sets [] and [train], "
    "FORMAT_V3 tfhub_module.pb and a 32x32 image_module_info attachment.",
)
_tf1(
    "tf1-hub-feature-vector-pbtxt",
    "Same conforming TF1 Hub image feature vector module, written as saved_model.pbtxt.",
    as_text=True,
)
_tf1(
    "tf1-hub-classifier",
    "Conforming TF1 Hub image classification module: signatures default and "
    "image_classification (images float32 [None,32,32,3] -> default float32 logits [None,5]).",
    **_CLS,
)

# Negative TF1 (each breaks exactly one requirement of the TF1 spec).
_tf1(
    "tf1-no-default-signature",
    "TF1 Hub module with only the image_feature_vector signature: breaks 'provides a default signature'.",
    default_signature=False,
)
_tf1(
    "tf1-no-task-signature",
    "TF1 Hub module with only the default signature: breaks 'also defines the corresponding "
    "named signature' (image_feature_vector).",
    task_signature=False,
)
_tf1(
    "tf1-task-signature-differs",
    "TF1 Hub module whose image_feature_vector 'default' output is the pooled conv tensor "
    "[None,4], not the default signature's [None,8] output: breaks 'named signature corresponds "
    "to the default signature'.",
    task_output_differs=True,
)
_tf1(
    "tf1-input-not-named-images",
    "TF1 Hub module whose input key is 'image': breaks 'the images input is named images'.",
    input_key="image",
)
_tf1("tf1-input-uint8", "TF1 Hub module with a uint8 images input: breaks 'images are float32'.", input_dtype="uint8")
_tf1(
    "tf1-input-fixed-batch",
    "TF1 Hub module with images shape [1,32,32,3] (output batch kept unknown via "
    "placeholder_with_default): breaks 'accepts any batch_size / first dimension unknown'.",
    input_shape=(1, IMAGE_SIZE, IMAGE_SIZE, 3),
)
_tf1(
    "tf1-input-four-channels",
    "TF1 Hub module with images shape [None,32,32,4]: breaks 'last dimension is fixed to 3'.",
    input_shape=(None, IMAGE_SIZE, IMAGE_SIZE, 4),
)
_tf1(
    "tf1-input-sparse",
    "TF1 Hub module whose images input is a sparse_placeholder (coo_sparse TensorInfo): breaks "
    "'images are a dense 4-D tensor'.",
    sparse_input=True,
)
_tf1(
    "tf1-input-unknown-size",
    "TF1 Hub module with images [None,None,None,3] and no image_module_info attachment: breaks "
    "'height and width are fixed to the expected image size'.",
    input_shape=(None, None, None, 3),
    attachment=None,
)
_tf1(
    "tf1-attachment-mismatch",
    "TF1 Hub module (written as pbtxt) whose image_module_info says 64x64 while images is "
    "[None,32,32,3]: breaks 'expected image size matches the input shape'.",
    attachment=(64, 64),
    as_text=True,
)
_tf1(
    "tf1-no-default-output",
    "TF1 Hub module whose signatures output 'features' instead of 'default': breaks 'outputs "
    "contain a default output'.",
    output_key="features",
)
_tf1(
    "tf1-output-float64",
    "TF1 Hub module whose default output is float64: breaks 'default output is float32'.",
    output_dtype="float64",
)
_tf1(
    "tf1-output-rank3",
    "TF1 Hub module whose default output is [None,1,8]: breaks 'output shape is [batch_size, num_features]'.",
    output_shape="rank3",
)
_tf1(
    "tf1-output-fixed-batch",
    "TF1 Hub module whose default output is [1,8] while images batch is unknown: breaks 'output "
    "batch_size is not known at graph construction time'.",
    output_shape="fixed-batch",
)
_tf1(
    "tf1-output-unknown-width",
    "TF1 Hub module whose default output is [None,None]: breaks 'num_features is a known constant'.",
    output_shape="unknown-width",
)
_tf1(
    "tf1-extra-output-unprefixed",
    f"TF1 Hub module whose image_feature_vector has extra outputs '{ARCH}/conv1' (prefixed) and "
    "'conv_features' (no architecture prefix): breaks the recommendation to prefix "
    "architecture-dependent output keys.",
    extra_outputs=True,
)
_tf1(
    "tf1-hub-format-unspecified",
    "TF1 Hub module whose tfhub_module.pb has format FORMAT_UNSPECIFIED (0): breaks 'TF1 Hub format V3'.",
    hub_format=0,
)
_tf1(
    "tf1-hub-unknown-feature",
    "TF1 Hub module whose tfhub_module.pb requires the unknown feature 'future-feature': breaks "
    "'module requires no unsupported features'.",
    required_features=("future-feature",),
)
_tf1(
    "tf1-no-default-tag-set",
    "TF1 Hub module with only the tag-set [serve]: breaks 'has a meta graph with the default (empty) tag-set'.",
    tag_sets=(("serve",),),
)
_tf1(
    "tf1-nchw",
    "TF1 Hub module whose graph has a Conv2D with data_format NCHW: breaks 'modules use the "
    "channels_last (NHWC) layout'.",
    nchw=True,
)
_tf1(
    "tf1-dropout-on-output",
    "TF1 Hub module applying tf.nn.dropout(rate=0.5) to the default output: breaks 'the module "
    "does not perform dropout on the actual outputs'.",
    dropout_on_output=True,
)
_tf1(
    "tf1-softmax-output",
    "TF1 Hub classifier whose default output is tf.nn.softmax(logits): breaks 'outputs are logits (linear scores)'.",
    softmax_output=True,
    **_CLS,
)
_tf1(
    "tf1-rescale-255",
    "TF1 Hub module dividing images by 255.0 right after the placeholder: breaks 'input values "
    "are normalized to [0, 1]' (it expects [0, 255]).",
    rescale_255=True,
)

# Negative TF2 (each breaks exactly one requirement of the TF2 spec).
_tf2(
    "tf2-no-call",
    "TF2 SavedModel whose root has no __call__, only a serving_default signature: breaks 'root "
    "object has a __call__ method'.",
    has_call=False,
)
_tf2(
    "tf2-input-uint8", "TF2 model whose __call__ takes uint8 images: breaks 'images are float32'.", input_dtype="uint8"
)
_tf2(
    "tf2-input-fixed-batch",
    "TF2 model whose __call__ takes [1,32,32,3] (output batch kept unknown via "
    "placeholder_with_default): breaks 'accepts any batch_size'.",
    input_shape=(1, IMAGE_SIZE, IMAGE_SIZE, 3),
)
_tf2(
    "tf2-input-one-channel",
    "TF2 model whose __call__ takes [None,32,32,1]: breaks 'last dimension is fixed to 3'.",
    input_shape=(None, IMAGE_SIZE, IMAGE_SIZE, 1),
)
_tf2(
    "tf2-dict-output",
    "TF2 model whose __call__ returns {'features': t}: breaks 'output is a single tensor'.",
    dict_output=True,
)
_tf2(
    "tf2-output-float64",
    "TF2 model whose __call__ returns float64 [None,8]: breaks 'output is float32'.",
    output_dtype="float64",
)
_tf2(
    "tf2-output-rank3",
    "TF2 model whose __call__ returns [None,1,8]: breaks 'output shape is [batch_size, num_features]'.",
    output_shape="rank3",
)
_tf2(
    "tf2-output-fixed-batch",
    "TF2 model whose __call__ returns [1,8] for input batch None: breaks 'output batch_size is "
    "the same as the input's'.",
    output_shape="fixed-batch",
)
_tf2(
    "tf2-output-unknown-width",
    "TF2 model whose __call__ returns [None,None]: breaks 'num_features is a constant'.",
    output_shape="unknown-width",
)
_tf2(
    "tf2-no-variables-attrs",
    "TF2 model with __call__ but no variables / trainable_variables / regularization_losses "
    "attributes on the root: breaks 'Reusable SavedModel provides obj.variables'.",
    variables_attrs=False,
)
_tf2(
    "tf2-training-not-bool",
    "TF2 model whose __call__ training argument is traced with the integers 0 and 1: breaks "
    "'training is a Python bool'.",
    training="int",
    regularization=True,
)
_tf2(
    "tf2-nchw",
    "TF2 model whose __call__ uses a Conv2D with data_format NCHW: breaks 'use channels_last (NHWC) throughout'.",
    nchw=True,
)
_tf2(
    "tf2-dropout-on-output",
    "TF2 model applying tf.nn.dropout(rate=0.5) to its output at inference: breaks 'the model "
    "does not perform dropout on the actual outputs'.",
    dropout_on_output=True,
)
_tf2(
    "tf2-softmax-output",
    "TF2 classifier returning tf.nn.softmax(logits): breaks 'output is logits'.",
    num_outputs=NUM_CLASSES,
    softmax_output=True,
)
_tf2(
    "tf2-rescale-127",
    "TF2 model computing images / 127.5 - 1 inside __call__: breaks 'input values are "
    "normalized to [0, 1]' (it expects [0, 255]).",
    rescale_127=True,
)

# Execution probes (pass every static check; break one runtime behaviour).
_tf2(
    "probe-nondeterministic",
    "TF2 feature vector adding a tf.Variable counter that __call__ increments (assign_add): the "
    "same input twice gives different outputs.",
    probe="nondeterministic",
)
_tf2(
    "probe-batch-dependent",
    "TF2 feature vector subtracting the batch mean of the features: an example's output depends "
    "on the other examples in the batch.",
    probe="batch-dependent",
)
_tf2(
    "probe-nan-on-black",
    "TF2 feature vector dividing features by their per-row sum (non-negative weights, zero "
    "biases): an all-black image gives NaN.",
    probe="nan-on-black",
)
_tf2(
    "probe-width-follows-input",
    "TF2 feature vector with input [None,None,None,3] declaring output [None,8] via set_shape, "
    "but the real width is (h/16)*(w/16)*2, so it changes with the input size.",
    probe="width-follows-input",
    **_DYN,
)
_tf2(
    "probe-hidden-softmax",
    "TF2 classifier computing softmax by hand (exp / reduce_sum, no Softmax op): outputs are "
    "probabilities summing to 1, not logits.",
    probe="hidden-softmax",
    num_outputs=NUM_CLASSES,
)

# Not an image model.
_tf2(
    "text-model",
    "TF2 Reusable SavedModel whose __call__ maps tf.string [None] to float32 [None,4] "
    "(tf.strings.length + dense): not an image model.",
    text=True,
)

# Security fixtures (only saved, never executed).


def _sec2(name: str, kind: Security, what: str) -> None:
    _tf2(name, f"Security fixture, otherwise a conforming TF2 feature vector: {what}", security=kind)


_sec2("sec-readfile", "readfile", f"__call__ reads {SECRET_PATH} with tf.io.read_file (ReadFile).")
_sec2("sec-writefile", "writefile", f"__call__ writes {LEAK_PATH} with tf.io.write_file (WriteFile).")
_sec2("sec-matchingfiles", "matchingfiles", "__call__ lists /etc/* with tf.io.matching_files (MatchingFiles).")
_sec2(
    "sec-print-to-file",
    "print-to-file",
    f"__call__ runs tf.print(..., output_stream='file://{LEAK_PATH}') (PrintV2 to a file).",
)
_sec2(
    "sec-pyfunc",
    "pyfunc",
    "__call__ calls a Python function through tf.numpy_function (PyFunc op); not callable "
    "after loading without that Python function.",
)
_sec2(
    "sec-readfile-in-cond", "readfile-in-cond", f"__call__ reads {SECRET_PATH} only inside a tf.cond branch function."
)
_sec2(
    "sec-readfile-in-while",
    "readfile-in-while",
    f"__call__ reads {SECRET_PATH} only inside a tf.while_loop body function.",
)
_sec2(
    "sec-text-line-dataset",
    "text-line-dataset",
    f"__call__ builds tf.data.TextLineDataset('{SECRET_PATH}') and reduces it.",
)
_sec2(
    "sec-lookup-table-from-file",
    "lookup-table-from-file",
    f"root has a tf.lookup.StaticHashTable whose initializer runs InitializeTableFromTextFileV2 on "
    f"{SECRET_PATH} (no asset: tf.saved_model.load reads the host's file), looked up in __call__.",
)
_sec2(
    "sec-summary-writer",
    "summary-writer",
    "__call__ creates a summary file writer on /tmp/speclint-summary and writes a scalar "
    "summary (SummaryWriter, CreateSummaryFileWriter, WriteScalarSummary).",
)
_sec2("sec-save-op-in-call", "save-op-in-call", "__call__ runs a raw tf.raw_ops.SaveV2 writing /tmp/speclint-save.")
_sec2(
    "sec-abort",
    "abort",
    "__call__ runs tf.raw_ops.Abort(exit_without_error=True) in a tf.cond branch (on an impossible input): "
    "it would end the process that serves the model, with exit code 0.",
)
_tf1(
    "sec-never-run",
    "Security fixture, otherwise a conforming TF1 Hub module: the export code made a second "
    "tf.compat.v1.train.Saver (training_saver/) whose save and restore ops no loader runs.",
    stray_saver=True,
)
_tf1(
    "sec-init-op-readfile",
    f"Security fixture, otherwise a conforming TF1 Hub module: its main_op (init op) reads "
    f"{SECRET_PATH} with tf.io.read_file.",
    main_op_read_file=SECRET_PATH,
)
_tf1(
    "sec-custom-op",
    "Security fixture, otherwise a conforming TF1 Hub module: one GraphDef node (the ReLU) has "
    "op 'SpeclintNotARealOp', which no TensorFlow registers.",
    custom_op="SpeclintNotARealOp",
)
_register(
    "sec-keras-lambda",
    "tf-keras",
    "Security fixture: tf_keras model (conv, pool, then Lambda(lambda t: t * 0.5) giving "
    "features [None,4]) saved by tf_keras, so keras_metadata.pb holds the lambda's "
    "marshalled Python bytecode.",
    functools.partial(build_tf_keras_save, with_lambda=True),
)
_register(
    "sec-keras-tfoplambda",
    "tf-keras",
    "Security fixture: tf_keras model (conv, pool, then tf.math.abs as a TFOpLambda layer) whose "
    "keras_metadata.pb config was rewritten to name io.read_file: tf_keras.models.load_model "
    "rebuilds the layer from that config and calls tf.io.read_file; the traced graph keeps Abs.",
    functools.partial(build_tf_keras_save, head="tfop-read-file"),
)
_register(
    "sec-keras-custom-layer",
    "tf-keras",
    "Security fixture: tf_keras model whose head is a layer class the export code registered "
    "(speclint_fixture>Halve): tf_keras rebuilds it only with the consumer's own code.",
    functools.partial(build_tf_keras_save, head="custom"),
)
_tf1(
    "sec-asset-escape",
    "Security fixture, otherwise a conforming TF1 Hub module: its AssetFileDef filename is "
    "'../../etc/passwd', escaping the assets/ directory.",
    asset_filename="../../etc/passwd",
)


# --------------------------------------------------------------------------
# Driver.
# --------------------------------------------------------------------------


def _without_module_def(path: str) -> None:
    build_tf1(path, Tf1Spec())
    os.remove(os.path.join(path, "tfhub_module.pb"))


def _truncated(path: str) -> None:
    build_tf1(path, Tf1Spec())
    model = os.path.join(path, "saved_model.pb")
    with open(model, "rb") as handle:
        data = handle.read()
    with open(model, "wb") as handle:
        handle.write(data[: len(data) // 2])


def build_tf2_no_image_arg(path: str) -> None:
    """A root __call__(threshold, images) whose first argument is a Python float."""
    import tensorflow as tf

    root = tf.__internal__.tracking.AutoTrackable()
    kernel = tf.Variable(tf.ones([3, NUM_FEATURES]) * 0.1, name=f"{ARCH}/logits/kernel")

    @tf.function
    def call(threshold: float, images: Any) -> Any:
        pooled = tf.reduce_mean(images, axis=[1, 2])
        return tf.nn.relu(tf.matmul(pooled, kernel) - threshold)

    root.__call__ = call
    root.__call__.get_concrete_function(0.5, tf.TensorSpec([None, IMAGE_SIZE, IMAGE_SIZE, 3], tf.float32))
    root.variables = [kernel]
    root.trainable_variables = [kernel]
    root.regularization_losses = []
    tf.saved_model.save(root, path)


_tf1(
    "tf1-input-rank3",
    "TF1 module whose 'images' input is rank 3 ([None,32,96], reshaped inside) instead of 4-D.",
    input_shape=(None, IMAGE_SIZE, IMAGE_SIZE * 3),
    attachment=None,
)
_register(
    "tf1-hub-missing-module-def",
    "tf1",
    "Conforming TF1 Hub module layout but without tfhub_module.pb.",
    _without_module_def,
)
_register(
    "broken-truncated",
    "other",
    "The conforming TF1 module with saved_model.pb cut to half its length (unreadable).",
    _truncated,
)
_register(
    "tf2-no-image-arg",
    "tf2",
    "TF2 root __call__(threshold, images) whose first argument is a Python float, not the images.",
    build_tf2_no_image_arg,
)


# ==========================================================================
# Keras path (issue 17): models that tf.saved_model.load runs but that fail as
# hub.KerasLayer in a tf_keras model. Each is the conforming TF2 network
# (conv 3x3x4 -> global average pool -> dense 8) with one Keras-relevant change;
# tests/execute/test_keras_probes.py proves each failure with real tf_keras.
# ==========================================================================


def _keras_case_root(tf: Any) -> tuple[Any, Any, Any]:
    """The conforming TF2 root (variables, no __call__ yet), its forward function and input spec."""
    w = _init_weights(3, NUM_FEATURES)
    root = tf.__internal__.tracking.AutoTrackable()
    conv_kernel = tf.Variable(w.conv_kernel, name=f"{ARCH}/conv1/kernel")
    conv_bias = tf.Variable(w.conv_bias, name=f"{ARCH}/conv1/bias")
    dense_kernel = tf.Variable(w.dense_kernel, name=f"{ARCH}/logits/kernel")
    dense_bias = tf.Variable(w.dense_bias, name=f"{ARCH}/logits/bias")
    root.variables = [conv_kernel, conv_bias, dense_kernel, dense_bias]
    root.trainable_variables = list(root.variables)
    root.regularization_losses = []

    def forward(images: Any) -> tuple[Any, Any]:
        _, pooled = _conv_pool(tf, images, conv_kernel, conv_bias, nchw=False)
        return tf.matmul(pooled, dense_kernel) + dense_bias, pooled

    return root, forward, tf.TensorSpec([None, IMAGE_SIZE, IMAGE_SIZE, 3], tf.float32)


def build_keras_dict_output(path: str) -> None:
    """__call__ returns {"default": features, "pooled": ...}: hub.load users index it, Keras gets a dict."""
    import tensorflow as tf

    root, forward, spec = _keras_case_root(tf)

    @tf.function(input_signature=[spec])
    def call(images: Any) -> Any:
        features, pooled = forward(images)
        return {"default": features, "pooled": pooled}

    root.__call__ = call
    tf.saved_model.save(root, path)


def build_keras_untracked_variables(path: str) -> None:
    """Every variable in obj.variables, none in obj.trainable_variables: Keras fine-tunes nothing."""
    import tensorflow as tf

    root, forward, spec = _keras_case_root(tf)
    root.trainable_variables = []

    @tf.function(input_signature=[spec])
    def call(images: Any) -> Any:
        return forward(images)[0]

    root.__call__ = call
    tf.saved_model.save(root, path)


def build_keras_training_tensor(path: str) -> None:
    """__call__(images) and __call__(images, training) with training a bool *tensor* of shape [1].

    tf.saved_model.load users call obj(images); hub.KerasLayer always passes training as a
    Python bool, which no saved trace accepts (a scalar bool tensor trace would accept it).
    """
    import tensorflow as tf

    root, forward, spec = _keras_case_root(tf)

    @tf.function
    def call(images: Any, training: Any = None) -> Any:
        features, _ = forward(images)
        if training is None:
            return features
        return tf.where(training[0], features * 1.0, features)

    call.get_concrete_function(spec)
    call.get_concrete_function(spec, tf.TensorSpec([1], tf.bool, name="training"))
    root.__call__ = call
    tf.saved_model.save(root, path)


def build_keras_unknown_width(path: str) -> None:
    """The output is declared [None, None]: Keras cannot build a Dense layer on top of it."""
    import tensorflow as tf

    root, forward, spec = _keras_case_root(tf)

    @tf.function(input_signature=[spec])
    def call(images: Any) -> Any:
        features, _ = forward(images)
        return tf.reshape(features, tf.stack([tf.shape(features)[0], -1]))

    root.__call__ = call
    tf.saved_model.save(root, path)


_register(
    "keras-dict-output",
    "tf2",
    "TF2 __call__ returning a dict {'default': features, 'pooled': ...}: tf.saved_model.load users "
    "take 'default', hub.KerasLayer without output_key hands Keras a dict (SL710).",
    build_keras_dict_output,
)
_register(
    "keras-untracked-variables",
    "tf2",
    "Conforming TF2 feature vector whose obj.trainable_variables is empty while obj.variables holds "
    "every weight: hub.KerasLayer(trainable=True) fine-tunes nothing (SL711).",
    build_keras_untracked_variables,
)
_register(
    "keras-training-tensor",
    "tf2",
    "TF2 __call__ traced for (images) and for (images, training) with training a bool tensor of shape "
    "[1]: hub.KerasLayer passes a Python bool, which no trace accepts (SL710).",
    build_keras_training_tensor,
)
_register(
    "keras-unknown-width",
    "tf2",
    "TF2 __call__ whose output is declared [None, None]: Keras cannot build the next Dense layer (SL710).",
    build_keras_unknown_width,
)

# ==========================================================================
# End of the Keras-path block.
# ==========================================================================
# ---- Security: a scan that could not finish (SL604, issue 9) ----


def build_tf2_broken_keras_metadata(path: str) -> None:
    """The conforming TF2 feature vector with a keras_metadata.pb no parser can read."""
    build_tf2(path, Tf2Spec())
    with open(os.path.join(path, "keras_metadata.pb"), "wb") as handle:
        handle.write(b"\xff\xff\xff\xff\xff not a SavedMetadata")


_register(
    "sec-scan-incomplete",
    "tf2",
    "Security fixture, otherwise the conforming TF2 feature vector: keras_metadata.pb is not a "
    "valid SavedMetadata, so the scan for Keras Lambda layers cannot finish.",
    build_tf2_broken_keras_metadata,
)

# --------------------------------------------------------------------------
# What the publisher claims, and models as published (issue 26, SL200-SL229).
# A model directory gets the documentation a publisher ships beside it: a
# tfhub.dev model page as README.md (tensorflow/tfhub.dev, writing_documentation)
# or Kaggle's model-instance-metadata.json (kaggle-api, docs/models_metadata.md,
# the documented template with its placeholders filled in). Archives are
# written with tarfile/zipfile from a TensorFlow-built model, with fixed
# timestamps and owners so that a rebuild gives the same bytes.
# --------------------------------------------------------------------------

ASSET_URL = "https://storage.googleapis.com/speclint-fixtures/tiny-net.tar.gz"
_FV_CLAIMS: list[tuple[str, str]] = [
    ("asset-path", ASSET_URL),
    ("task", "image-feature-vector"),
    ("network-architecture", "cnn"),
    ("license", "apache-2.0"),
    ("fine-tunable", "true"),
    ("format", "saved_model_2"),
]


def tfhub_page(handle: str, description: str, metadata: list[tuple[str, str]], *, extra: Iterable[str] = ()) -> str:
    """A tfhub.dev model page: handle line, description, metadata lines, then the documentation."""
    lines = [f"# Module {handle}", description, ""]
    lines += [f"<!-- {key}: {value} -->" for key, value in metadata]
    lines += list(extra)
    lines += [
        "",
        "## Overview",
        "",
        "A tiny convolutional network written by speclint's fixture script (golden/make_fixtures.py).",
        "",
        "```python",
        "features = hub.KerasLayer(handle, trainable=True)(images)  # <!-- task: not-metadata -->",
        "```",
        "",
    ]
    return "\n".join(lines)


def kaggle_instance(framework: str, fine_tunable: bool, instance: str = "feature-vector") -> dict[str, Any]:
    """kaggle-api's documented model-instance-metadata.json template, filled in."""
    return {
        "ownerSlug": "speclint",
        "modelSlug": "tiny-net",
        "instanceSlug": instance,
        "framework": framework,
        "overview": "A tiny convolutional network written by speclint's fixture script.",
        "usage": '# Model Format\n\nSavedModel\n\n# Model Usage\n\n```python\nhub.load("${PATH}")\n```\n',
        "licenseName": "Apache 2.0",
        "fineTunable": fine_tunable,
        "trainingData": [],
        "modelInstanceType": "Unspecified",
        "baseModelInstance": "",
        "externalBaseModelUrl": "",
    }


def _documented(build: Callable[[str], None], files: dict[str, str]) -> Callable[[str], None]:
    """``build``, then the publisher's documentation files written beside the model."""

    def run(path: str) -> None:
        build(path)
        for name, text in files.items():
            target = Path(path, name)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")

    return run


def _claims(name: str, description: str, build: Callable[[str], None], files: dict[str, str]) -> None:
    _register(name, "tf2", description, _documented(build, files))


def _tf2_build(**options: Any) -> Callable[[str], None]:
    return functools.partial(build_tf2, spec=Tf2Spec(**options))


def _page(handle: str, metadata: list[tuple[str, str]], **extra: Any) -> str:
    return tfhub_page(f"speclint/{handle}/1", "A tiny image model for speclint's tests.", metadata, **extra)


def _replace(metadata: list[tuple[str, str]], **changes: str) -> list[tuple[str, str]]:
    return [(key, changes.get(key.replace("-", "_"), value)) for key, value in metadata]


_KAGGLE = "model-instance-metadata.json"
_fv_training = _tf2_build(**_FV_TRAINING)

_claims(
    "claims-tf2-feature-vector",
    "Conforming TF2 feature vector (training argument, regularization loss) documented by a "
    "tfhub.dev model page as README.md: task image-feature-vector, fine-tunable true, format saved_model_2.",
    _tf2_build(**_FV_TRAINING),
    {"README.md": _page("tiny-net-feature-vector", _FV_CLAIMS)},
)
_claims(
    "claims-tf2-classifier",
    "Conforming TF2 classifier returning logits (auto alone takes it for a feature vector) whose "
    "README.md declares task image-classification: the declared task chooses the classification profile.",
    _tf2_build(num_outputs=NUM_CLASSES),
    {
        "README.md": _page(
            "tiny-net-classifier", _replace(_FV_CLAIMS, task="image-classification", fine_tunable="false")
        )
    },
)
_register(
    "claims-kaggle-tf2-feature-vector",
    "tf2",
    "Conforming TF2 feature vector in a Kaggle upload folder: model-instance-metadata.json from "
    "kaggle-api's template (framework TensorFlow2, fineTunable true) and a README.md without metadata.",
    _documented(
        _fv_training,
        {
            _KAGGLE: json.dumps(kaggle_instance("TensorFlow2", True), indent=2) + "\n",
            "README.md": "# Tiny net\n\nA tiny image feature vector. <!-- not metadata -->\n",
        },
    ),
)
_claims(
    "claims-malformed",
    "The conforming claims-tf2-feature-vector with a malformed model page: an unknown task value, "
    "a license tfhub.dev does not know and a stray line inside the metadata block.",
    _fv_training,
    {
        "README.md": _page(
            "tiny-net-feature-vector",
            _replace(_FV_CLAIMS, task="image-feature-vectors", license="wtfpl"),
            extra=["Fine-tunable with hub.KerasLayer."],
        )
    },
)
_claims(
    "claims-format-mismatch",
    "TF2 SavedModel whose README.md declares format hub (the TF1 Hub format): breaks 'the declared "
    "format is the model's'.",
    _fv_training,
    {"README.md": _page("tiny-net-feature-vector", _replace(_FV_CLAIMS, format="hub"))},
)
_register(
    "claims-kaggle-framework-mismatch",
    "tf1-hub",
    "The conforming TF1 Hub feature vector module uploaded to Kaggle as framework TensorFlow2 "
    "(model-instance-metadata.json): breaks 'the declared format is the model's'.",
    _documented(
        functools.partial(build_tf1, spec=Tf1Spec()),
        {_KAGGLE: json.dumps(kaggle_instance("TensorFlow2", False), indent=2) + "\n"},
    ),
)
_claims(
    "claims-fine-tunable-frozen",
    "TF2 feature vector with a training argument whose root.trainable_variables is an empty list, "
    "documented as fine-tunable: true: breaks 'a fine-tunable model has trainable variables'.",
    _tf2_build(frozen=True, **_FV_TRAINING),
    {"README.md": _page("tiny-net-feature-vector", _FV_CLAIMS)},
)
_claims(
    "claims-fine-tunable-no-training",
    "The conforming tf2-feature-vector (no training argument) documented as fine-tunable: true: "
    "breaks 'a fine-tunable model can run in training mode'.",
    _tf2_build(),
    {"README.md": _page("tiny-net-feature-vector", _FV_CLAIMS)},
)
_claims(
    "claims-stray-file",
    "The conforming claims-tf2-feature-vector with files a SavedModel cannot use: variables/vocab.txt "
    "(belongs in assets/) and export.py.",
    _fv_training,
    {
        "README.md": _page("tiny-net-feature-vector", _FV_CLAIMS),
        "variables/vocab.txt": "cat\ndog\n",
        "export.py": "# how the model was exported\n",
    },
)
_claims(
    "claims-text-task",
    "The conforming TF2 feature vector documented with task text-embedding: an image model declared "
    "as a text model (no image profile applies).",
    _fv_training,
    {"README.md": _page("tiny-net-text", _replace(_FV_CLAIMS, task="text-embedding"))},
)
_claims(
    "claims-image-task-text-model",
    "The text-model (tf.string input) documented with task image-feature-vector: a declared image "
    "model that takes no images.",
    _tf2_build(text=True),
    {"README.md": _page("tiny-text", _replace(_FV_CLAIMS, fine_tunable="false"))},
)
_claims(
    "claims-feature-vector-softmax",
    "The tf2-softmax-output classifier documented with task image-feature-vector: the declared task "
    "contradicts the model (its output comes from Softmax).",
    _tf2_build(num_outputs=NUM_CLASSES, softmax_output=True),
    {"README.md": _page("tiny-net-softmax", _replace(_FV_CLAIMS, fine_tunable="false"))},
)


def _tar_info(name: str, size: int = 0, kind: bytes | None = None, link: str = "") -> Any:
    import tarfile

    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode = size, 0, 0o644
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    if kind is not None:
        info.type, info.linkname = kind, link
    return info


def _model_files(build: Callable[[str], None]) -> list[tuple[str, bytes]]:
    """(relative path, bytes) of a model built in a temporary directory, sorted as `tar -czf x *` adds them."""
    import tempfile

    with tempfile.TemporaryDirectory() as scratch:
        model = Path(scratch, "model")
        build(str(model))
        return [
            (p.relative_to(model).as_posix(), p.read_bytes())
            for p in sorted(model.rglob("*"))
            if p.is_file() and p.name != "fingerprint.pb"  # a fresh uuid each build: not reproducible
        ]


def write_tar_gz(path: str, members: list[tuple[str, bytes]], specials: Iterable[Any] = ()) -> None:
    """A reproducible .tar.gz: fixed mtimes and owners, gzip header without a timestamp."""
    import gzip
    import io
    import tarfile

    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.GNU_FORMAT) as tar:
        for name, data in members:
            tar.addfile(_tar_info(name, len(data)), io.BytesIO(data))
        for info in specials:
            tar.addfile(info)
    with open(path, "wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as packed:
        packed.write(buffer.getvalue())


def write_zip(path: str, members: list[tuple[str, bytes]]) -> None:
    import warnings
    import zipfile

    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a duplicate name is the point of one fixture
        for name, data in members:
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)


def build_archive_feature_vector(path: str) -> None:
    files = _model_files(FIXTURES["claims-tf2-feature-vector"].build)
    write_tar_gz(path, files)


def build_archive_escape(path: str) -> None:
    import tarfile

    files = _model_files(_fv_training)
    specials = [
        _tar_info("assets/passwd", kind=tarfile.SYMTYPE, link="/etc/passwd"),
        _tar_info("variables/pipe", kind=tarfile.FIFOTYPE),
    ]
    write_tar_gz(path, [*files, ("../escaped.txt", b"outside the model\n")], specials)


def build_archive_stray(path: str) -> None:
    files = _model_files(_fv_training)
    members = [(f"tiny-net/{name}", data) for name, data in files]
    saved_model = next(data for name, data in files if name == "saved_model.pb")
    # a first, truncated copy: extraction overwrites it with the second, which is the one read
    members.insert(0, ("tiny-net/saved_model.pb", saved_model[: len(saved_model) // 2]))
    members.append(("notes/README.md", b"# Notes\n\nKept beside the model in the archive.\n"))
    write_zip(path, members)


_register(
    "archive-tf2-feature-vector.tar.gz",
    "other",
    "claims-tf2-feature-vector published as tfhub.dev asked: `tar -czf model.tar.gz *` in the model "
    "directory (files at the archive's top, README.md included).",
    build_archive_feature_vector,
)
_register(
    "archive-escape.tar.gz",
    "other",
    "A conforming TF2 feature vector in a .tar.gz that also holds ../escaped.txt, a symbolic link "
    "assets/passwd -> /etc/passwd and a FIFO: breaks 'every member extracts as a plain file inside the model'.",
    build_archive_escape,
)
_register(
    "archive-stray.zip",
    "other",
    "A conforming TF2 feature vector under tiny-net/ in a .zip that also holds notes/README.md outside "
    "the model and saved_model.pb twice (a truncated first copy): breaks 'the archive holds the model only'.",
    build_archive_stray,
)


# ==========================================================================
# Models as people publish them (issue 22): exporters and calling conventions
# that the conforming builders above do not produce. Each reproduces one class
# of error speclint made on real models; tests/rules/test_precision.py, and
# tests/read/test_calls.py and test_dataflow.py with TensorFlow, hold speclint to them.
# ==========================================================================


@contextlib.contextmanager
def _v1_control_flow() -> Iterator[None]:
    """Build ``tf.compat.v1.cond`` as TF 1.x did (Switch/Merge), as in graphs of that era."""
    import tensorflow as tf

    was_v2 = tf.compat.v1.control_flow_v2_enabled()
    tf.compat.v1.disable_control_flow_v2()
    try:
        yield
    finally:
        if was_v2:
            tf.compat.v1.enable_control_flow_v2()


def _tf1_export(
    path: str,
    build: Callable[[Any], dict[str, Any]],
    tag_sets: tuple[tuple[str, ...], ...],
    main_op: Callable[[Any], Any] | None = None,
) -> None:
    """A TF1 ``Builder`` export of the graph ``build(tf)`` makes (it returns the signature map),
    one meta graph per tag-set sharing one saver, without tfhub_module.pb: a plain TF1 SavedModel."""
    import tensorflow as tf

    v1 = tf.compat.v1
    graph = tf.Graph()
    with graph.as_default():
        v1.set_random_seed(SEED)
        signatures = build(tf)
        init = main_op(tf) if main_op is not None else None
        saver = v1.train.Saver(write_version=v1.train.SaverDef.V2, allow_empty=True)
        builder = v1.saved_model.Builder(path)
        with v1.Session(graph=graph) as sess:
            sess.run(v1.global_variables_initializer())
            for i, tags in enumerate(tag_sets):
                options: dict[str, Any] = {"signature_def_map": signatures, "strip_default_attrs": True, "saver": saver}
                if i == 0:
                    builder.add_meta_graph_and_variables(sess, list(tags), main_op=init, **options)
                else:
                    builder.add_meta_graph(list(tags), **options)
        builder.save()


def _tf1_conv_net(tf: Any, images: Any, num_outputs: int) -> tuple[Any, Any]:
    """The fixtures' network as a TF1 graph of ref variables: (pooled features, logits)."""
    v1 = tf.compat.v1
    w = _init_weights(int(images.shape[-1]), num_outputs)
    kernel = v1.get_variable("conv2d/kernel", initializer=w.conv_kernel, use_resource=False)
    dense = v1.get_variable("dense_1/kernel", initializer=w.dense_kernel, use_resource=False)
    _, pooled = _conv_pool(tf, images, kernel, None, nchw=False)
    return pooled, tf.matmul(pooled, dense)


def build_tf1_serving_export(path: str) -> None:
    """A Keras model exported by TF 1.x for TF Serving (tf.keras.experimental.export_saved_model):
    tag-sets [train], [eval] and [serve], signature serving_default (input 'input', output a
    Sigmoid), Dropout as a cond on keras_learning_phase (default False), no tfhub_module.pb."""

    def build(tf: Any) -> dict[str, Any]:
        v1 = tf.compat.v1
        images = v1.placeholder(tf.float32, [None, IMAGE_SIZE, IMAGE_SIZE, 3], name="conv2d_input")
        learning_phase = v1.placeholder_with_default(False, [], name="keras_learning_phase")
        w = _init_weights(3, 1)
        kernel = v1.get_variable("conv2d/kernel", initializer=w.conv_kernel, use_resource=False)
        dense = v1.get_variable("dense_1/kernel", initializer=w.dense_kernel, use_resource=False)
        _, pooled = _conv_pool(tf, images, kernel, None, nchw=False)
        with _v1_control_flow():
            dropped = v1.cond(
                learning_phase,
                lambda: tf.nn.dropout(pooled, rate=0.5, seed=SEED),
                lambda: tf.identity(pooled),
                name="dropout/cond",
            )
        output = tf.sigmoid(tf.matmul(dropped, dense), name="dense_1/Sigmoid")
        info = v1.saved_model.utils.build_tensor_info
        signature = v1.saved_model.signature_def_utils.predict_signature_def(
            inputs={"input": images}, outputs={"output": output}
        )
        assert info(images).name == "conv2d_input:0"
        return {"serving_default": signature}

    _tf1_export(path, build, (("train",), ("eval",), ("serve",)))


def build_tf1_graph_without_signatures(path: str) -> None:
    """A TF1 graph saved for another language's binding (Go, Java): custom tag 'tag', no
    signature at all, a grayscale placeholder [None,32,32,1] flowing into a Softmax."""

    def build(tf: Any) -> dict[str, Any]:
        images = tf.compat.v1.placeholder(tf.float32, [None, IMAGE_SIZE, IMAGE_SIZE, 1], name="Placeholder")
        _, logits = _tf1_conv_net(tf, images, NUM_CLASSES)
        tf.nn.softmax(logits, name="Softmax")
        return {}

    _tf1_export(path, build, (("tag",),))


def build_tf1_estimator_classifier(path: str) -> None:
    """An estimator-style image classifier export: signatures serving_default and predict over
    'image', outputs classes (strings from a label-vocabulary lookup table), class_ids,
    probabilities (Softmax) and logits; the table is filled by the legacy init op."""

    def build(tf: Any) -> dict[str, Any]:
        v1 = tf.compat.v1
        images = v1.placeholder(tf.float32, [None, IMAGE_SIZE, IMAGE_SIZE, 3], name="image")
        _, logits = _tf1_conv_net(tf, images, NUM_CLASSES)
        class_ids = tf.argmax(logits, axis=1, name="class_ids")
        table = tf.compat.v1.lookup.StaticHashTable(
            tf.lookup.KeyValueTensorInitializer(
                tf.range(NUM_CLASSES, dtype=tf.int64), tf.constant([f"class_{i}" for i in range(NUM_CLASSES)])
            ),
            default_value="UNKNOWN",
        )
        outputs = {
            "classes": table.lookup(class_ids),
            "class_ids": class_ids,
            "probabilities": tf.nn.softmax(logits, name="probabilities"),
            "logits": tf.identity(logits, name="logits"),
        }
        signature = v1.saved_model.signature_def_utils.predict_signature_def({"image": images}, outputs)
        return {"serving_default": signature, "predict": signature}

    _tf1_export(path, build, (("serve",),), main_op=lambda tf: tf.compat.v1.tables_initializer(name="legacy_init_op"))


def _conv_weights(tf: Any, channels: int, num_outputs: int) -> list[Any]:
    w = _init_weights(channels, num_outputs)
    return [
        tf.Variable(w.conv_kernel, name=f"{ARCH}/conv1/kernel"),
        tf.Variable(w.conv_bias, name=f"{ARCH}/conv1/bias"),
        tf.Variable(w.dense_kernel, name=f"{ARCH}/logits/kernel"),
        tf.Variable(w.dense_bias, name=f"{ARCH}/logits/bias"),
    ]


def _tf2_root(tf: Any, weights: list[Any]) -> Any:
    root = tf.__internal__.tracking.AutoTrackable()
    root.variables = list(weights)
    root.trainable_variables = list(weights)
    root.regularization_losses = []
    return root


def _tf2_net(tf: Any, weights: list[Any], images: Any) -> tuple[Any, Any]:
    """(pooled features, logits) of the TF2 fixtures' network."""
    conv_kernel, conv_bias, dense_kernel, dense_bias = weights
    _, pooled = _conv_pool(tf, images, conv_kernel, conv_bias, nchw=False)
    return pooled, tf.matmul(pooled, dense_kernel) + dense_bias


def build_tf2_root_function(path: str) -> None:
    """A concrete function saved as the root object itself (tf.saved_model.save(fn, path)):
    hub.load returns the function, obj(images) runs it. Constant weights: a function cannot
    track variables."""
    import tensorflow as tf

    w = _init_weights(3, NUM_FEATURES)
    spec = tf.TensorSpec([None, IMAGE_SIZE, IMAGE_SIZE, 3], tf.float32)

    @tf.function(input_signature=[spec])
    def features(images: Any) -> Any:
        _, pooled = _conv_pool(tf, images, tf.constant(w.conv_kernel), tf.constant(w.conv_bias), nchw=False)
        return tf.matmul(pooled, tf.constant(w.dense_kernel)) + tf.constant(w.dense_bias)

    tf.saved_model.save(features.get_concrete_function(), path)


def build_tf2_style_transfer(path: str) -> None:
    """A TF1 graph wrapped for TF2 as Magenta's arbitrary-image-stylization hub module is:
    __call__ is a pruned ``wrap_function`` (no saved input signature) taking a content and a
    style image batch and returning [stylized image]."""
    import tensorflow as tf

    specs = [tf.TensorSpec((None, None, None, 3), tf.float32)] * 2
    feeds: list[Any] = []
    fetches: list[Any] = []

    def umbrella(content: Any, style: Any) -> Any:
        feeds.extend([content, style])
        scale = tf.compat.v1.get_variable("style/scale", [3], initializer=tf.compat.v1.ones_initializer())
        stylized = tf.sigmoid(content * scale + tf.reduce_mean(style, axis=[1, 2], keepdims=True))
        fetches.append(stylized)
        return stylized

    wrapped = tf.compat.v1.wrap_function(umbrella, specs)
    obj = tf.train.Checkpoint()
    obj.__call__ = wrapped.prune(feeds, fetches)
    obj.variables = list(obj.__call__.graph.variables)
    tf.saved_model.save(obj, path, signatures=obj.__call__)


def build_tf2_training_required(path: str) -> None:
    """__call__(images, training) traced for training=True and False, but training has no
    default: obj(images) raises TypeError."""
    import tensorflow as tf

    weights = _conv_weights(tf, 3, NUM_FEATURES)
    root = _tf2_root(tf, weights)

    @tf.function
    def call(images: Any, training: Any) -> Any:
        pooled, _ = _tf2_net(tf, weights, images)
        if training:
            pooled = tf.nn.dropout(pooled, rate=0.25, seed=SEED)
        return tf.matmul(pooled, weights[2]) + weights[3]

    spec = tf.TensorSpec([None, IMAGE_SIZE, IMAGE_SIZE, 3], tf.float32)
    call.get_concrete_function(spec, True)
    call.get_concrete_function(spec, False)
    root.__call__ = call
    tf.saved_model.save(root, path)


def build_tf2_optional_endpoints(path: str) -> None:
    """Google's TF Hub classifier API: __call__(images, training=False, return_endpoints=False);
    the optional return_endpoints=True traces return a dict, obj(images) returns one tensor."""
    import tensorflow as tf

    weights = _conv_weights(tf, 3, NUM_CLASSES)
    root = _tf2_root(tf, weights)

    @tf.function
    def call(images: Any, training: bool = False, return_endpoints: bool = False) -> Any:
        pooled, logits = _tf2_net(tf, weights, images)
        if training:
            logits = logits * 1.0
        if return_endpoints:
            return {f"{ARCH}/Logits": logits, f"{ARCH}/global_pool": pooled}
        return logits

    spec = tf.TensorSpec([None, IMAGE_SIZE, IMAGE_SIZE, 3], tf.float32)
    for training in (False, True):
        for endpoints in (False, True):
            call.get_concrete_function(spec, training, endpoints)
    root.__call__ = call
    tf.saved_model.save(root, path)


def build_tf2_detector(path: str) -> None:
    """An object detector: __call__(images) returns detection_boxes, detection_scores,
    detection_classes and num_detections after CombinedNonMaxSuppression."""
    import tensorflow as tf

    weights = _conv_weights(tf, 3, 4)
    root = _tf2_root(tf, weights)

    @tf.function(input_signature=[tf.TensorSpec([None, IMAGE_SIZE, IMAGE_SIZE, 3], tf.float32)])
    def call(images: Any) -> Any:
        pooled, logits = _tf2_net(tf, weights, images)
        boxes = tf.sigmoid(tf.reshape(logits, [-1, 1, 1, 4]))
        scores = tf.sigmoid(tf.reshape(pooled, [-1, 1, CONV_FILTERS]))
        found = tf.image.combined_non_max_suppression(boxes, scores, 2, 2)
        return {
            "detection_boxes": found.nmsed_boxes,
            "detection_scores": found.nmsed_scores,
            "detection_classes": found.nmsed_classes,
            "num_detections": tf.cast(found.valid_detections, tf.float32),
        }

    root.__call__ = call
    tf.saved_model.save(root, path)


def build_tf_keras_preprocessing(path: str) -> None:
    """A Keras 2 model saved with tf.saved_model.save: Resizing to 32x32, then Rescaling(1/255)
    (so it expects [0, 255]), conv, pool, Dropout, logits; input [None,64,64,3]."""
    import tensorflow as tf
    import tf_keras

    tf_keras.backend.clear_session()
    tf_keras.utils.set_random_seed(SEED)
    layers = tf_keras.layers
    inputs = tf_keras.Input((2 * IMAGE_SIZE, 2 * IMAGE_SIZE, 3), name="images")
    x = layers.Resizing(IMAGE_SIZE, IMAGE_SIZE, name="resize")(inputs)
    x = layers.Rescaling(1.0 / 255, name="rescale")(x)
    x = layers.Conv2D(CONV_FILTERS, 3, padding="same", activation="relu", name="conv1")(x)
    x = layers.GlobalAveragePooling2D(name="pool")(x)
    x = layers.Dropout(0.5, name="dropout")(x)
    outputs = layers.Dense(NUM_CLASSES, name="logits")(x)
    tf.saved_model.save(tf_keras.Model(inputs, outputs, name="tiny_net"), path)


def build_tf_keras_teachable_machine(path: str) -> None:
    """Teachable Machine's Keras export: a Sequential of two Sequentials (the image base with its
    pooling, then the head ending in a softmax), saved by tf_keras as a SavedModel."""
    import tf_keras

    tf_keras.backend.clear_session()
    tf_keras.utils.set_random_seed(SEED)
    layers = tf_keras.layers
    base = tf_keras.Sequential(
        [
            tf_keras.Input((IMAGE_SIZE, IMAGE_SIZE, 3), name="base_input"),
            layers.Conv2D(CONV_FILTERS, 3, padding="same", activation="relu"),
            layers.GlobalAveragePooling2D(),
        ],
        name="sequential_1",
    )
    head = tf_keras.Sequential(
        [
            tf_keras.Input((CONV_FILTERS,), name="head_input"),
            layers.Dense(NUM_FEATURES, activation="relu"),
            layers.Dense(NUM_CLASSES),
        ],
        name="sequential_3",
    )
    head.add(layers.Softmax())
    model = tf_keras.Sequential(
        [tf_keras.Input((IMAGE_SIZE, IMAGE_SIZE, 3), name="images"), base, head], name="sequential_4"
    )
    model.save(path, save_format="tf", include_optimizer=False)


def build_tf_keras_two_heads(path: str) -> None:
    """A Keras 2 model with two outputs (class logits and a box), saved by tf_keras: __call__
    returns a list of two tensors."""
    import tf_keras

    tf_keras.backend.clear_session()
    tf_keras.utils.set_random_seed(SEED)
    layers = tf_keras.layers
    inputs = tf_keras.Input((IMAGE_SIZE, IMAGE_SIZE, 3), name="images")
    x = layers.Conv2D(CONV_FILTERS, 3, padding="same", activation="relu", name="conv1")(inputs)
    x = layers.GlobalAveragePooling2D(name="pool")(x)
    logits = layers.Dense(NUM_CLASSES, name="logits")(x)
    box = layers.Dense(4, name="box")(x)
    tf_keras.Model(inputs, [logits, box], name="two_heads").save(path, save_format="tf", include_optimizer=False)


def build_keras3_grayscale_sigmoid(path: str) -> None:
    """A Keras 3 binary classifier on grayscale images exported with model.export(): no root
    __call__ (only 'serve' and serving_default), input [None,32,32,1], output a Sigmoid."""
    import keras

    keras.backend.clear_session()
    keras.utils.set_random_seed(SEED)
    inputs = keras.Input((IMAGE_SIZE, IMAGE_SIZE, 1), name="images")
    x = keras.layers.Conv2D(CONV_FILTERS, 3, padding="same", activation="relu", name="conv1")(inputs)
    x = keras.layers.GlobalAveragePooling2D(name="pool")(x)
    outputs = keras.layers.Dense(1, activation="sigmoid", name="smile")(x)
    with _stable_keras3_variable_order():
        keras.Model(inputs, outputs, name="grayscale_net").export(path)


_register(
    "tf1-serving-export",
    "tf1",
    "A Keras model exported by TF 1.x for TF Serving: tag-sets [train], [eval], [serve] with "
    "signature serving_default (input 'input' float32 [None,32,32,3], output 'output' from a Sigmoid), "
    "Dropout in a Switch/Merge cond on keras_learning_phase, no tfhub_module.pb: a plain TF1 SavedModel.",
    build_tf1_serving_export,
)
_register(
    "tf1-graph-without-signatures",
    "tf1",
    "A TF1 graph saved for a Go/Java binding: custom tag-set [tag], no SignatureDef, a grayscale "
    "placeholder float32 [None,32,32,1] flowing into a Softmax.",
    build_tf1_graph_without_signatures,
)
_register(
    "tf1-estimator-classifier",
    "tf1",
    "An estimator-style image classifier (TF1, tag-set [serve]): signatures serving_default and predict "
    "over 'image' float32 [None,32,32,3], outputs classes (strings from a lookup table filled by the "
    "legacy init op), class_ids, probabilities (Softmax) and logits.",
    build_tf1_estimator_classifier,
)
_register(
    "tf2-root-function",
    "tf2",
    "A concrete function saved as the root object (tf.saved_model.save(fn, path)): obj(images) maps "
    "float32 [None,32,32,3] to [None,8]; constant weights, so no variables attributes.",
    build_tf2_root_function,
)
_register(
    "tf2-style-transfer",
    "tf2",
    "Magenta-style arbitrary image stylization: __call__ is a pruned wrap_function (no saved input "
    "signature) taking content and style image batches float32 [None,None,None,3], returning [image].",
    build_tf2_style_transfer,
)
_register(
    "tf2-training-required",
    "tf2",
    "TF2 feature vector whose __call__(images, training) has no default for training: traced for "
    "True and False, but obj(images) raises.",
    build_tf2_training_required,
)
_register(
    "tf2-optional-endpoints",
    "tf2",
    "TF2 classifier with Google's TF Hub API __call__(images, training=False, return_endpoints=False): "
    "the return_endpoints=True traces return a dict, obj(images) returns logits [None,5].",
    build_tf2_optional_endpoints,
)
_register(
    "tf2-detector",
    "tf2",
    "An object detector: __call__(images) returns detection_boxes, detection_scores, detection_classes "
    "and num_detections after CombinedNonMaxSuppression.",
    build_tf2_detector,
)
_register(
    "tf-keras-preprocessing",
    "tf-keras",
    "Keras 2 model saved with tf.saved_model.save: input [None,64,64,3], Resizing(32,32), then "
    "Rescaling(1/255) (expects [0, 255]), conv, pool, Dropout(0.5), logits [None,5].",
    build_tf_keras_preprocessing,
)
_register(
    "tf-keras-teachable-machine",
    "tf-keras",
    "Teachable Machine-style Keras export: Sequential of two Sequentials (conv base with pooling, head "
    "ending in a Softmax layer), saved by tf_keras as a SavedModel.",
    build_tf_keras_teachable_machine,
)
_register(
    "tf-keras-two-heads",
    "tf-keras",
    "Keras 2 model with two outputs (logits [None,5] and a box [None,4]) saved by tf_keras: __call__ "
    "returns a list of two tensors.",
    build_tf_keras_two_heads,
)
_register(
    "keras3-grayscale-sigmoid",
    "keras3",
    "Keras 3 binary classifier exported with model.export(): no root __call__, serve and serving_default "
    "take grayscale float32 [None,32,32,1] and return a Sigmoid [None,1].",
    build_keras3_grayscale_sigmoid,
)


# ==========================================================================
# Issue 28 (execution results a reviewer can trust; the checkpoint read without
# TensorFlow). Registered last: a fixture built earlier in a full build shifts the
# function-name counters of every TF fixture built after it.
# ==========================================================================

_tf2(
    "probe-memory-hungry",
    "Conforming TF2 feature vector with training=True/False whose second regularization loss, and whose "
    f"__call__ on more than {HUNGRY_BATCH} images, first loop over a 1 GB tensor: under a tight --memory-limit "
    "only the fine-tuning probes go past it (SL714; the other results stand) and the throughput probe "
    "measures a smaller batch.",
    memory_hungry=True,
    **_FV_TRAINING,
)
_tf2(
    "tf2-input-unknown-shape",
    "TF2 feature vector whose __call__ input is float32 of shape [None,None,None,None] (no rank-4 "
    "dimension declared): the static rules say the channels are unknown (SL115), yet a consumer's "
    "[batch, height, width, 3] images run, so --execute probes it.",
    input_shape=(None, None, None, None),
)
_tf1(
    "probe-tf1-rescale-late",
    "TF1 Hub module dividing the images by 255 after a ResizeBilinear (not the input's first op), its "
    "outputs offset by 3 (a bias, as trained models have): images in [0, 1] all give nearly the same output, "
    "images in [0, 255] do not (SL713).",
    rescale_255_late=True,
)


def build_keras_resizing(path: str, *, rescale: bool) -> None:
    """tf_keras: Input(None, None, 3) -> Resizing(32, 32) [-> Rescaling(1/255)] -> conv -> pool -> Dense.

    Biases are drawn (as a trained model has them), not zero: a net without any offset scales with
    its input, f(x / 255) = f(x) / 255, so no run can tell which range it expects.
    """
    import tf_keras

    tf_keras.backend.clear_session()
    tf_keras.utils.set_random_seed(SEED)
    bias = tf_keras.initializers.RandomNormal(stddev=0.5, seed=SEED)
    inputs = tf_keras.Input((None, None, 3), name="images")
    x = tf_keras.layers.Resizing(IMAGE_SIZE, IMAGE_SIZE, name="resize")(inputs)
    if rescale:
        x = tf_keras.layers.Rescaling(1.0 / 255, name="rescale")(x)
    x = tf_keras.layers.Conv2D(CONV_FILTERS, 3, padding="same", activation="relu", bias_initializer=bias, name="conv1")(
        x
    )
    x = tf_keras.layers.GlobalAveragePooling2D(name="pool")(x)
    outputs = tf_keras.layers.Dense(NUM_CLASSES, bias_initializer=bias, name="logits")(x)
    model = tf_keras.Model(inputs, outputs, name="tiny_net")
    model.save(path, save_format="tf", include_optimizer=False)


_register(
    "probe-keras-rescaling-after-resizing",
    "tf-keras",
    "tf_keras classifier Resizing(32, 32) then Rescaling(1/255) on a free-size input: it expects pixels in "
    "[0, 255], which no look at the input's first op shows; images in [0, 1] all give nearly one output (SL713).",
    functools.partial(build_keras_resizing, rescale=True),
)
_register(
    "probe-keras-resizing",
    "tf-keras",
    "The same tf_keras classifier without the Rescaling: it reads images in [0, 1] (passes SL713).",
    functools.partial(build_keras_resizing, rescale=False),
)

# The checkpoint behind the model (issue 28): found without TensorFlow (SL010, SL011).


def build_checkpoint_missing_shard(path: str) -> None:
    """The conforming TF2 feature vector saved in two data shards, the first one deleted (a partial upload)."""
    build_tf2(path, Tf2Spec(max_shard_bytes=600))
    os.remove(os.path.join(path, "variables", "variables.data-00000-of-00002"))


def build_checkpoint_no_variables(path: str) -> None:
    """The conforming TF2 feature vector without its variables/ directory (saved_model.pb alone)."""
    build_tf2(path, Tf2Spec())
    shutil.rmtree(os.path.join(path, "variables"))


_register(
    "checkpoint-missing-shard",
    "tf2",
    "The conforming TF2 feature vector saved in two checkpoint shards (MaxShardSizePolicy) with "
    "variables.data-00000-of-00002 deleted: the index names a shard that is not on disk (SL010).",
    build_checkpoint_missing_shard,
)
_register(
    "checkpoint-no-variables",
    "tf2",
    "The conforming TF2 feature vector without its variables/ directory: the graph holds 4 variables "
    "that no loader can restore (SL011).",
    build_checkpoint_no_variables,
)


# Suppressions next to the model (speclint-ignore.toml, SL020/SL021).
_NCHW_ACCEPTED = '[[ignore]]\ncode = "SL140"\nreason = "NCHW on purpose: exported for GPU inference"\n'
_claims(
    "suppression-tf2-nchw",
    "tf2-nchw with a speclint-ignore.toml that accepts its SL140 with a reason: no finding is reported "
    "(1 suppressed), and the suppression is used.",
    _tf2_build(nchw=True),
    {"speclint-ignore.toml": _NCHW_ACCEPTED},
)
_claims(
    "suppression-unused",
    "The conforming tf2-feature-vector with a speclint-ignore.toml accepting SL140, which it does not "
    "break: a stale suppression (SL021).",
    _tf2_build(),
    {"speclint-ignore.toml": _NCHW_ACCEPTED},
)
_claims(
    "suppression-invalid",
    "tf2-nchw with a speclint-ignore.toml whose entry has no reason: the file is void (SL020) and SL140 is reported.",
    _tf2_build(nchw=True),
    {"speclint-ignore.toml": '[[ignore]]\ncode = "SL140"\n'},
)


def build_all(
    out_dir: str | Path | None = None,
    only: Iterable[str] | None = None,
    *,
    echo: bool = False,
) -> dict[str, int]:
    """Build fixtures (all, or the names in ``only``) under ``out_dir``.

    Builds in registry order in this process.  Deletes and recreates only
    ``out_dir/<name>`` for each built fixture.  Returns {name: size in bytes};
    with echo=True prints "<name> <size>" for each fixture to stdout.
    """
    out = Path(out_dir) if out_dir is not None else Path(__file__).resolve().parent / "models"
    if isinstance(only, str):
        only = [only]
    wanted = set(FIXTURES) if only is None else set(only)
    unknown = sorted(wanted - set(FIXTURES))
    if unknown:
        raise KeyError(f"unknown fixture name(s): {', '.join(unknown)}")
    out.mkdir(parents=True, exist_ok=True)
    stdout = sys.stdout
    sizes: dict[str, int] = {}
    for name, fixture in FIXTURES.items():
        if name not in wanted:
            continue
        path = out / name
        if path.is_symlink() or path.is_file():
            path.unlink()
        elif path.exists():
            shutil.rmtree(path)
        # Keras and TF print progress to stdout; keep stdout for our lines.
        with contextlib.redirect_stdout(sys.stderr):
            fixture.build(str(path))
        sizes[name] = _dir_size(path)
        if echo:
            print(f"{name} {sizes[name]}", file=stdout, flush=True)
    return sizes


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Build speclint's golden SavedModel fixtures.")
    parser.add_argument(
        "--out",
        type=Path,
        default=Path(__file__).resolve().parent / "models",
        help="output directory (default: golden/models next to this script)",
    )
    parser.add_argument(
        "--only",
        nargs="+",
        action="extend",
        metavar="NAME",
        help="build only these fixtures (repeatable)",
    )
    parser.add_argument("--list", action="store_true", help="list fixtures (name, kind, description) and exit")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = _parse_args(argv)
    if args.list:
        for f in FIXTURES.values():
            print(f"{f.name}\t{f.kind}\t{f.description}")
        return 0
    try:
        build_all(args.out, args.only, echo=True)
    except KeyError as e:
        print(f"error: {e.args[0]}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
